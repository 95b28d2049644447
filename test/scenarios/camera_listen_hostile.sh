#!/bin/bash
# The camera listener on the lane network (docs/camera.md "The listener"):
# a push from a source not allowed is refused (403) and gives no plate,
# wrong or missing credentials 401, a body over camera_body_max_kb 413,
# garbage 400, another method 405; a connection that sends its request a
# byte at a time is closed within camera_timeout_s; every answer is counted
# in /metrics and /v1/status; the daemon goes on, and a good push still
# becomes the lane's camera read.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/status_lib.inc"
. "$(dirname "$0")/camera_lib.inc"

FIX="$ROOT/test/fixtures/camera"
cam_listener "camera_body_max_kb = 16
camera_timeout_s = 2
camera_max_connections = 4"
URL="http://127.0.0.1:$CAM_PORT/ISAPI/Event/notification/alert"

# push CODE [CURL OPTIONS...]: POST to the listener, the answer's status is CODE.
push() {
	local want=$1 got; shift
	got=$(curl -s -o "$WORK/answer" -w '%{http_code}' --max-time 5 "$@" "$URL") || true
	[ "$got" = "$want" ] || fail "push $*: HTTP $got, not $want: $(cat "$WORK/answer")"
}
metric() {
	curl -s --max-time 5 "http://127.0.0.1:$STATUS_PORT/metrics" |
		sed -n "s/^weighgate_$1 //p"
}
AUTH=(-u cam:lane-secret)
XML=(-H 'Content-Type: application/xml; charset="UTF-8"' --data-binary "@$FIX/isapi_anpr.xml")

# (curl waits for "100 Continue" first: no answer, not counted)
push 200 "${AUTH[@]}" -H 'Expect: 100-continue' "${XML[@]}"
grep -q '"result":"read"' "$WORK/answer" || fail "good push: $(cat "$WORK/answer")"
# a source not allowed: refused before its credentials or body count
push 403 --interface 127.0.0.2 "${AUTH[@]}" "${XML[@]}"
push 401 "${XML[@]}"
push 401 -u cam:wrong "${XML[@]}"
push 401 -H 'Authorization: Basic !!!notbase64' "${XML[@]}"
head -c 20000 /dev/zero | tr '\0' 'x' >"$WORK/big"
push 413 "${AUTH[@]}" -H 'Content-Type: application/xml' --data-binary "@$WORK/big"
printf '\x00\xff<EventNotificationAlert><eventType>ANPR' >"$WORK/garbage"
push 400 "${AUTH[@]}" -H 'Content-Type: application/xml' --data-binary "@$WORK/garbage"
push 400 "${AUTH[@]}" -H 'Content-Type: multipart/form-data; boundary=b' --data-binary "@$WORK/garbage"
push 405 "${AUTH[@]}" -X GET
# a request evhttp cannot parse: answered 400 by the HTTP layer, counted too
exec 3<>"/dev/tcp/127.0.0.1/$CAM_PORT"
printf 'NOT HTTP AT ALL\r\n\r\n' >&3
read -r -t 5 status <&3 || true
exec 3<&-
case "$status" in "HTTP/1.1 400"*) ;; *) fail "malformed request: $status" ;; esac

# slowloris: a request a byte every 0.5 s is closed within the timeout (2 s)
/usr/bin/python3 - "$CAM_PORT" >"$WORK/slow.out" <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
t0 = time.monotonic()
try:
    for ch in b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n" * 10:
        s.send(bytes([ch]))
        time.sleep(0.5)
        if time.monotonic() - t0 > 15:
            break
    s.settimeout(1)
    s.recv(1)
except OSError:
    pass
print("closed after %.1f s" % (time.monotonic() - t0))
PY
SLOW_PID=$!
PIDS+=("$SLOW_PID")
sleep 0.5
# meanwhile the lane's camera is heard
push 200 "${AUTH[@]}" -H 'Content-Type: application/json' --data-binary "@$FIX/generic.json"
wait_for 12 "the slow connection to be closed" grep -q closed "$WORK/slow.out"
secs=$(sed -n 's/closed after \([0-9]*\)\..*/\1/p' "$WORK/slow.out")
[ "$secs" -le 4 ] || fail "slow connection held $(cat "$WORK/slow.out")"

kill -0 "$WG_PID" || fail "weighgated died"
[ "$(metric 'camera_requests_total{result="read"}')" = 2 ] ||
	fail "reads: $(metric 'camera_requests_total{result="read"}')"
for r in forbidden:1 unauthorized:2 challenged:1 too_large:1 bad:3 method:1; do
	[ "$(metric "camera_requests_total{result=\"${r%:*}\"}")" = "${r#*:}" ] ||
		fail "camera_requests_total ${r%:*}: $(metric "camera_requests_total{result=\"${r%:*}\"}"), not ${r#*:}"
done
# no plate from the source not allowed: the lane's camera made two reads
[ "$(metric 'camera_pushes_total{lane="L01",result="read"}')" = 2 ] ||
	fail "lane reads: $(metric 'camera_pushes_total{lane="L01",result="read"}')"
curl -s --max-time 5 "http://127.0.0.1:$STATUS_PORT/v1/status" >"$WORK/status.json"
/usr/bin/python3 - "$WORK/status.json" <<'PY' || fail "status: $(cat "$WORK/status.json")"
import json, sys
s = json.load(open(sys.argv[1]))
c = s["camera_listener"]
assert c["bound"] and c["requests"]["forbidden"] == 1, c
lane = s["lanes"][0]
assert lane["camera"]["pushes"]["read"] == 2, lane["camera"]
assert lane["devices"]["camera"]["up"], lane["devices"]
PY
curl -s --max-time 5 "http://127.0.0.1:$STATUS_PORT/metrics" >"$WORK/metrics.txt"
assert_promtool "$WORK/metrics.txt"
grep -q 'push from 127.0.0.2 refused (403' "$WORK/weighgated.log" ||
	fail "the refused source is not in the log"
stop_pid "$WG_PID" || fail "weighgated exit status $? on SIGTERM"
# the configuration: a listener open to all is refused
grep -v '^camera_allow' "$WORK/wg.conf" >"$WORK/open.conf"
! "$WG_BIN/weighgated" -c "$WORK/open.conf" --check >"$WORK/check.out" 2>&1 &&
	grep -q 'camera_listen needs camera_allow' "$WORK/check.out" ||
	fail "listener without allowed sources: $(cat "$WORK/check.out")"
echo "camera_listen_hostile: ok"
