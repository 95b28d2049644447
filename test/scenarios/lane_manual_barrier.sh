#!/bin/bash
# The barrier raised by hand (docs/design.md §4.2, §6): its inputs say up for ~2.5 s
# while weighgate holds it down: after more than 1 s a barrier_unauthorized
# event and the alarm; the alarm stops when the barrier is down again; the
# daemon never commands it up, and a barrier held down is not a fault.
. "$(dirname "$0")/lib.inc"

cat >"$WORK/traffic.jsonl" <<'T'
{"lane":"L01","after_ms":100,"barrier_manual":true,"duration_ms":2500}
T
start_sim "$WORK/traffic.jsonl" --hold
write_conf "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
go_traffic

wait_for 10 "the manual raise" timeline_has '"what":"barrier_manual"'
wait_for 10 "the barrier_unauthorized event" \
	eval '[ "$(ev_count barrier_unauthorized)" -ge 1 ] 2>/dev/null'
wait_for 10 "the alarm to stop after the barrier came down" \
	tl_in_order '"what":"barrier","state":"down"' '"what":"alarm","state":"off"'
assert_in_order '"what":"barrier_manual"' '"what":"barrier","state":"up"' \
	'"what":"alarm","state":"on"' '"what":"barrier","state":"down"' '"what":"alarm","state":"off"'
# Not before 1 s: the alarm came more than 1 s after the barrier went up.
t1=$(tl_mono '"what":"barrier","state":"up"'); t2=$(tl_mono '"what":"alarm","state":"on"')
[ $((t2 - t1)) -ge 1000 ] || fail "alarm after only $((t2 - t1)) ms"
[ "$(ev_count barrier_unauthorized)" = 1 ] || fail "barrier_unauthorized: $(ev_count barrier_unauthorized)"
[ "$(ev_count barrier_unauthorized "json_extract(body, '\$.lane') = 'L01'")" = 1 ] || fail "no lane"
[ "$(ev_count device_fault)" = 0 ] || fail "a device_fault: $(sql "SELECT body FROM events WHERE kind = 'device_fault'")"
! timeline_has '"what":"barrier_cmd","value":1' || fail "the barrier was commanded up"

stop_pid "$WG_PID" || fail "weighgated exit status $? on SIGTERM"
stop_pid "$SIM_PID" || fail "weighgate-sim exit status $?"
assert_barrier_authorized
echo "lane_manual_barrier: ok"
