#!/bin/bash
# A scale on its own Modbus TCP link that answers every read correctly and
# then sends a second, well-formed reply nobody asked for (transaction id 0,
# unit 1, a new result sequence, a legal 15 t weighing): the raw-socket
# device test/devices/stray_scale.py, independent of the daemon's codec.
# The I/O module and LED sign are the simulator's (no vehicles), on another
# port.  The genuine data is an overweight 30 t truck on a 2-axle lane
# (legal limit 18 000 kg), then, after it has left, a legal 15 t truck.
# Asserts (docs/lane.md, "Replies nobody asked for"): the 30 t truck is
# turned back; nothing is decided from the injected frames (no weighing of
# the injected plate); the barrier is never commanded up before the legal
# truck; the stray frames are counted (weighgate_modbus_stray_frames_total)
# and the link is closed and reconnected after 3 in 10 s (log line); the
# legal truck is decided pass within 1 s of the scale publishing it.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/status_lib.inc"

INJECTED=豫B66666
# phase WORD: what the genuine scale shows (renamed into place: atomic).
phase() {
	echo "$1" >"$WORK/phase.new"
	mv "$WORK/phase.new" "$WORK/phase"
}
phase idle
/usr/bin/python3 "$ROOT/test/devices/stray_scale.py" --control "$WORK/phase" \
	>"$WORK/scale.out" 2>"$WORK/scale.log" &
PIDS+=($!)
wait_for 10 "the hostile scale's port" grep -q '^listening ' "$WORK/scale.out"
SCALE_PORT=$(sed -n 's/^listening \([0-9]*\)$/\1/p' "$WORK/scale.out")

: >"$WORK/traffic.jsonl"
start_sim "$WORK/traffic.jsonl" --lanes 1
start_daemon_devices "$SCALE_PORT" "$SIM_PORT" 100 500
wait_for 10 "the daemon's baseline" \
	grep -q 'lane L01: result sequence baseline' "$WORK/weighgated.log"

# The overweight truck stays on the scale for 3 s, with the stray frames.
phase truck1
wait_for 10 "the 30 t truck's weighing" sql_ge 1 "SELECT count(*) FROM events
	WHERE kind = 'weighing' AND json_extract(body, '$.measurement.plate') = '豫A30000'"
sleep 3
phase gone
sleep 1
phase truck2
wait_for 10 "the scale to publish the legal truck" grep -q ' publish truck2$' "$WORK/scale.out"
wait_for 10 "the legal truck's weighing" sql_ge 1 "SELECT count(*) FROM events
	WHERE kind = 'weighing' AND json_extract(body, '$.measurement.plate') = '豫A15000'"
curl -sf "$(status_url /metrics)" >"$WORK/metrics.txt" || fail "GET /metrics"
stop_pid "$WG_PID" || fail "weighgated exit status $?"
stop_pid "$SIM_PID" || true

[ "$(weighing_of "$INJECTED")" = 0 ] ||
	fail "decided from frames nobody asked for: $(weighing_of "$INJECTED") weighing(s) of $INJECTED, $(sql "SELECT count(*) FROM events WHERE kind = 'weighing' AND json_extract(body, '$.measurement.plate') = '$INJECTED' AND json_extract(body, '$.decision') = 'pass'") pass"
[ "$(decision_of 豫A30000)" = turnback ] ||
	fail "the 30 t truck was not turned back: $(decision_of 豫A30000)"
[ "$(weighing_of 豫A30000)" = 1 ] || fail "the 30 t truck weighed $(weighing_of 豫A30000) times"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'weighing' AND
	json_extract(body, '$.decision') = 'pass' AND
	json_extract(body, '$.measurement.plate') <> '豫A15000'")" = 0 ] ||
	fail "a pass for another vehicle than the legal truck"
[ "$(decision_of 豫A15000)" = pass ] || fail "the legal truck: $(decision_of 豫A15000)"

# The barrier: never up before the legal truck was published.
T2=$(sed -n 's/^\([0-9]*\) publish truck2$/\1/p' "$WORK/scale.out")
while read -r t; do
	tm=$(date -u -d "$t" +%s%3N)
	[ "$tm" -ge "$T2" ] || fail "barrier commanded up at $t, before the legal truck"
done < <(grep '"what":"barrier_cmd","value":1' "$WORK/timeline.jsonl" |
	sed -n 's/.*"t":"\([^"]*\)".*/\1/p')

# On time: the legal truck decided within 1 s of its publication.
TD=$(sql "SELECT ts_ms FROM events WHERE kind = 'weighing' AND
	json_extract(body, '$.measurement.plate') = '豫A15000'")
echo "legal truck decided $((TD - T2)) ms after the scale published it"
[ $((TD - T2)) -le 1000 ] || fail "the legal truck decided $((TD - T2)) ms after it was published"

# Counted, and the link closed and reconnected.
STRAY=$(sed -n 's/^weighgate_modbus_stray_frames_total{lane="L01",device="scale"} \([0-9]*\)$/\1/p' "$WORK/metrics.txt")
[ -n "$STRAY" ] && [ "$STRAY" -ge 3 ] ||
	fail "stray frames not counted: '$STRAY' ($(grep stray "$WORK/metrics.txt" || true))"
grep -q "127.0.0.1:$SCALE_PORT.*replies nobody asked for.*reconnect" "$WORK/weighgated.log" ||
	fail "no log line of the link closed for stray replies"
[ "$(grep -c ' connect$' "$WORK/scale.out")" -ge 2 ] || fail "the scale link was never reconnected"
echo "stray frames counted: $STRAY; scale connections: $(grep -c ' connect$' "$WORK/scale.out")"
store_verify
echo "hostile_stray_reply: ok"
