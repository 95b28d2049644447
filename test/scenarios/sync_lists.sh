#!/bin/bash
# Lists from the platform (docs/design.md §7): a document with a watch entry is
# fetched, validated, stored with a lists_applied event (source platform)
# and put in force; later polls carry If-None-Match and get 304, adding no
# event; a bad document served next is rejected whole and the old lists
# stay, in memory (the watch-listed truck that comes afterwards is
# intercepted) and in the store.  A small Python HTTPS server plays the
# platform's lists endpoint here, since weighgate-platform never serves a
# bad document; events are answered 503 (kept, retried).
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/sync_lib.inc"

make_certs
cat >"$WORK/lists-server.py" <<'PY'
import hashlib, http.server, ssl, sys
certs, doc, log = sys.argv[1], sys.argv[2], open(sys.argv[3], "a", buffering=1)
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        body = open(doc, "rb").read()
        tag = '"' + hashlib.sha256(body).hexdigest() + '"'
        inm = self.headers.get("If-None-Match")
        log.write("GET %s inm=%s etag=%s\n" % (self.path, inm, tag))
        if not self.path.startswith("/v1/lists?controller="):
            self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers(); return
        if inm == tag:
            self.send_response(304); self.send_header("ETag", tag); self.end_headers(); return
        self.send_response(200); self.send_header("ETag", tag)
        self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(503); self.send_header("Content-Length", "0"); self.end_headers()
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(certs + "/server.pem", certs + "/server.key")
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("listening 127.0.0.1:%d" % srv.server_address[1], flush=True)
srv.serve_forever()
PY
cat >"$WORK/served.json" <<'T'
{"version":"p-1","watch":[{"plate":"鲁B77777","reason":"布控"}],"exempt":[],"permits":[]}
T
python3 "$WORK/lists-server.py" "$WORK/certs" "$WORK/served.json" "$WORK/requests.log" \
	>"$WORK/platform.out" 2>"$WORK/platform.log" &
PLAT_PID=$!
PIDS+=("$PLAT_PID")
wait_for 10 "the lists server's port" grep -q '^listening ' "$WORK/platform.out"
PLAT_PORT=$(sed -n 's/^listening [0-9.]*:\([0-9]*\).*/\1/p' "$WORK/platform.out")

truck L01 100 鲁B77777 12000 >"$WORK/traffic.jsonl"
start_sim "$WORK/traffic.jsonl" --hold --weigh-ms 200 --decide-ms 1500 --reverse-ms 300
LIST_POLL_S=1 write_sync_conf "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"

applied() {
	sql_ge "$1" "SELECT count(*) FROM events WHERE kind = 'lists_applied'"
}
wait_for 10 "lists p-1 applied" applied 1
[ "$(ev_count lists_applied "json_extract(body, '\$.source') = 'platform' AND
    json_extract(body, '\$.version') = 'p-1' AND json_extract(body, '\$.watch') = 1")" = 1 ] ||
	fail "lists_applied: $(sql "SELECT body FROM events WHERE kind = 'lists_applied'")"
# The next polls send the ETag back and get 304.
TAG=$(sha256sum "$WORK/served.json" | cut -d' ' -f1)
wait_for 10 "a poll with If-None-Match" grep -q "inm=\"$TAG\"" "$WORK/requests.log"

# A bad document (an invalid time): rejected whole, the old lists stay.
cat >"$WORK/served.json.new" <<'T'
{"version":"p-2","watch":[{"plate":"鲁B88888","reason":"x","until":"yesterday"}],"exempt":[],"permits":[]}
T
mv "$WORK/served.json.new" "$WORK/served.json"
wait_for 10 "the bad document rejected" \
	grep -q 'list document from the platform rejected.*old lists stay' "$WORK/weighgated.log"
[ "$(ev_count lists_applied)" = 1 ] || fail "a lists_applied event for a bad document"
[ "$(sql "SELECT json_extract(doc, '\$.version') FROM lists")" = p-1 ] ||
	fail "stored lists: $(sql 'SELECT * FROM lists')"

# The watch entry of p-1 is still in force: the truck is intercepted.
go_traffic
wait_for 15 "the truck's weighing" weighings_ge 1
[ "$(ev_count weighing "json_extract(body, '\$.decision') = 'intercept'")" = 1 ] ||
	fail "not intercepted: $(sql "SELECT body FROM events WHERE kind = 'weighing'")"
! timeline_has '"what":"barrier_cmd","value":1' || fail "the barrier was raised"
# Answered 503: nothing marked synced.
[ "$(sql "SELECT count(*) FROM events WHERE state <> 0")" = 0 ] ||
	fail "events marked synced after 503 answers"

stop_pid "$WG_PID" || fail "weighgated exit status $? on SIGTERM"
stop_pid "$SIM_PID" || fail "weighgate-sim exit status $?"
echo "sync_lists: ok"
