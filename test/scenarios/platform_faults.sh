#!/bin/bash
# weighgate-platform's fault switches (docs/sync-protocol.md, appendix):
# --fail-rate 1 answers every POST 503 (with --retry-after a Retry-After
# header; --fail-status another code) and stores nothing; --garbage-rate 1
# answers 200 with a body that is not JSON, after storing; --delay-ms holds
# every answer back; --down-after N --down-for-ms M refuses connections
# (and drops requests on open ones) for M ms after N POSTs, then serves again;
# --down-at-start-ms does it from the start.
. "$(dirname "$0")/platform_lib.inc"

new_chain
ev 1 '{"lane":"L01"}'
ev 2 '{"lane":"L01"}'
batch TEST-0001 "$EVFILE" "$WORK/b.json"
count() { sqlite3 "$WORK/platform.db" 'SELECT count(*) FROM events'; }

# 503 with Retry-After, nothing stored; lists still served.
start_platform --fail-rate 1 --retry-after 7
code=$(curl -sS --max-time 10 --cacert "$CERTS/ca.pem" -D "$WORK/hdr" -o "$WORK/resp" \
	-w '%{http_code}' --data-binary @"$WORK/b.json" "$URL/v1/events")
[ "$code" = 503 ] || fail "--fail-rate 1: HTTP $code"
grep -qi '^retry-after: 7' "$WORK/hdr" || fail "no Retry-After: $(cat "$WORK/hdr")"
[ "$(count)" = 0 ] || fail "a failed POST stored events"
stop_pid "$PLAT_PID" || fail "exit $?"

# --fail-status 429, at rate 0.5 with a seed: some of 20 fail, some pass.
start_platform --fail-rate 0.5 --fail-status 429 --seed 7
codes=""
for _ in $(seq 20); do codes="$codes $(post "$WORK/b.json")"; done
case $codes in *429*) ;; *) fail "no 429 in$codes" ;; esac
case $codes in *200*) ;; *) fail "no 200 in$codes" ;; esac
stop_pid "$PLAT_PID" || fail "exit $?"
rm -f "$WORK"/platform.db*

# Garbage: 200 with a non-JSON body, but the events are stored.
start_platform --garbage-rate 1
[ "$(post "$WORK/b.json")" = 200 ] || fail "garbage: status"
! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$WORK/resp" 2>/dev/null ||
	fail "garbage answer is JSON: $(cat "$WORK/resp")"
[ "$(count)" = 2 ] || fail "garbage: events not stored"
stop_pid "$PLAT_PID" || fail "exit $?"

# Delay: the answer comes after >= 1.2 s; a client that gives up earlier
# leaves the server healthy (the held answer is dropped).
start_platform --delay-ms 1200
t=$(curl -sS --max-time 10 --cacert "$CERTS/ca.pem" -o /dev/null -w '%{http_code} %{time_total}' \
	--data-binary @"$WORK/b.json" "$URL/v1/events")
[ "${t%% *}" = 200 ] || fail "delay: $t"
awk -v s="${t#* }" 'BEGIN { exit !(s >= 1.2) }' || fail "answered after ${t#* } s"
curl -sS --max-time 0.3 --cacert "$CERTS/ca.pem" --data-binary @"$WORK/b.json" \
	"$URL/v1/events" >/dev/null 2>&1 && fail "a 0.3 s client got an answer"
sleep 1.5	# the held answer falls due after its client left
[ "$(post "$WORK/b.json")" = 200 ] || fail "after an abandoned request"
kill -0 "$PLAT_PID" || fail "the platform died"
stop_pid "$PLAT_PID" || fail "exit $?"

# Down after 1 POST for 1.5 s: the second request on the same connection
# and new connections fail; then it serves again on the same port.
start_platform --down-after 1 --down-for-ms 1500
rc=0
curl -sS --max-time 10 --cacert "$CERTS/ca.pem" -o "$WORK/r1" -o "$WORK/r2" \
	--data-binary @"$WORK/b.json" "$URL/v1/events" "$URL/v1/events" 2>"$WORK/curl.err" || rc=$?
[ $rc != 0 ] || fail "request while down on an open connection succeeded"
grep -q accepted "$WORK/r1" || fail "first request before going down"
rc=0; post "$WORK/b.json" >/dev/null 2>&1 || rc=$?
[ $rc = 7 ] || fail "new connection while down: curl exit $rc, not refused"
up() { [ "$(post "$WORK/b.json" 2>/dev/null)" = 200 ]; }
wait_for 10 "the platform to come back up" up
stop_pid "$PLAT_PID" || fail "exit $?"

# Down from the start for 1 s, then up on the port it printed.
start_platform --down-at-start-ms 1000
rc=0; post "$WORK/b.json" >/dev/null 2>&1 || rc=$?
[ $rc = 7 ] || fail "down at start: curl exit $rc"
wait_for 10 "the platform to come up" up
stop_pid "$PLAT_PID" || fail "exit $?"
report || fail "report after the faults: $(cat "$WORK/report")"
grep -q "events 2, duplicates [1-9]" "$WORK/report" || fail "report: $(cat "$WORK/report")"
echo "platform_faults: ok"
