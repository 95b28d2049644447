#!/bin/bash
# A lane whose scale is a Flintec FT-112 indicator (scale_profile =
# flintec-ft112, shipped in profiles/), played by a pymodbus server written
# from the manual (test/devices/flintec_ft112.py): its 32-bit label number
# is the result sequence, so its result is decided (a weighing event with
# the indicator's gross, 15000 kg; retry, as the FT-112 has no axle count);
# while its heartbeat keeps changing the lane stays out of FAULT; when the
# heartbeat stops, though the indicator still answers, the lane goes to
# FAULT as for a silent scale (device_fault, scale), and leaves it when the
# heartbeat counts again.
. "$(dirname "$0")/lib.inc"

py_device profile_heartbeat flintec_ft112.py
STATUS_PORT=$(free_port)
cat >"$WORK/wg.conf" <<CONF
[controller]
id = TEST-0001
db = $WORK/weighgate.db
status_listen = 127.0.0.1:$STATUS_PORT
profile_dir = $ROOT/profiles

[rules]
scale_class = 2

[lane L01]
scale = tcp://127.0.0.1:$PORT?unit=1
io = tcp://127.0.0.1:$PORT?unit=2
led = tcp://127.0.0.1:$PORT?unit=3
scale_profile = flintec-ft112
poll_ms = 20
timeout_ms = 200
fault_after_ms = 1000
CONF
start_daemon "$WORK/wg.conf"
wait_for 10 "the result decided" grep -q 'seq 1 plate' "$WORK/weighgated.log"
grep -q 'FAULT' "$WORK/weighgated.log" && fail "FAULT while the heartbeat beats: $(cat "$WORK/weighgated.log")"
wait_for 10 "the frozen heartbeat" grep -q ' frozen$' "$WORK/dev.out"
wait_for 3 "FAULT on the frozen heartbeat" grep -q "lane L01: IDLE -> FAULT (scale silent)" "$WORK/weighgated.log"
grep -q "the scale's heartbeat has not changed for" "$WORK/weighgated.log" || fail "no heartbeat line"
wait_for 10 "the heartbeat again" grep -q ' beating$' "$WORK/dev.out"
wait_for 3 "FAULT left" grep -q "lane L01: FAULT -> IDLE" "$WORK/weighgated.log"
stop_pid "$WG_PID" || fail "weighgated exit status $?"

[ "$(sql "SELECT json_extract(body, '$.measurement.gross_kg') FROM events WHERE kind = 'weighing'")" = 15000 ] ||
	fail "weighing: $(sql "SELECT body FROM events WHERE kind = 'weighing'")"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'device_fault' AND json_extract(body, '$.device') = 'scale'")" -ge 1 ] ||
	fail "no device_fault for the scale: $(sql "SELECT kind, body FROM events")"
echo "profile_heartbeat: ok"
