#!/bin/bash
# A stuck barrier (docs/design.md §4.2): a legal truck is decided pass and the barrier
# is commanded up, but the position inputs do not follow within
# barrier_timeout_ms (1000): device_fault (barrier), the lane FAULT with the
# fault text in red and the raise taken back.  When the barrier moves again
# the lane recovers by itself (device_recovered) and the next legal truck
# is decided and through.
. "$(dirname "$0")/lib.inc"
{
	echo '{"lane":"L01","after_ms":1500,"device_fault":"barrier","mode":"stuck","duration_ms":3000}'
	truck L01 100 豫B11111 15000
	truck L01 2500 豫B22222 15000
} >"$WORK/traffic.jsonl"
start_sim "$WORK/traffic.jsonl" --hold --weigh-ms 300 --decide-ms 2500 --reverse-ms 100 --pass-ms 300
LANE_EXTRA='barrier_timeout_ms = 1000' write_conf "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
go_traffic
wait_for 10 "the idle text" timeline_has "\"what\":\"led\".*\"text\":\"$IDLE_TEXT\""
wait_for 10 "the stuck barrier" timeline_has '"what":"fault_start"'
[ "$(tl_mono "\"text\":\"$IDLE_TEXT\"")" -lt "$(tl_mono '"what":"fault_start"')" ] ||
	fail "the daemon was not up before the traffic began"

wait_for 10 "device_fault (barrier)" event_ge 1 device_fault barrier
wait_for 10 "the fault text" timeline_has "\"what\":\"led\".*\"colour\":\"red\",\"text\":\"$FAULT_TEXT\""
wait_for 10 "the end of the fault" timeline_has '"what":"fault_end"'
wait_for 10 "device_recovered (barrier)" event_ge 1 device_recovered barrier
wait_for 15 "the second truck through" timeline_has '"what":"drove_through","plate":"豫B22222"'
stop_pid "$WG_PID" || fail "weighgated exit status $?"
stop_pid "$SIM_PID" || true

# The first truck: decided pass, the raise commanded, the barrier never up.
[ "$(decision_of 豫B11111)" = pass ] || fail "the first truck was not decided pass"
awk '/"what":"fault_start"/ { on = 1 } on && /"what":"fault_end"/ { exit }
	on && /"what":"barrier","state":"up"/ { bad = 1 } END { exit bad }' \
	"$WORK/timeline.jsonl" || fail "the stuck barrier moved"
timeline_has '"what":"reversed","plate":"豫B11111"' || fail "the first truck did not reverse"
# device_fault no sooner than barrier_timeout_ms after the raise was commanded.
tr=$(grep -m1 '"what":"barrier_cmd","value":1' "$WORK/timeline.jsonl" | sed -n 's/.*"t":"\([^"]*\)".*/\1/p')
tr=$(date -u -d "$tr" +%s%3N)
tf=$(sql "SELECT min(ts_ms) FROM events WHERE kind = 'device_fault' AND
	json_extract(body, '$.device') = 'barrier'")
[ $((tf - tr)) -ge 950 ] && [ $((tf - tr)) -le 3000 ] ||
	fail "device_fault (barrier) $((tf - tr)) ms after the raise"
# FAULT takes the raise back: barrier commanded down after the device_fault.
awk '/"what":"barrier_cmd","value":1/ { up = 1 } up && /"what":"barrier_cmd","value":0/ { ok = 1; exit }
	END { exit !ok }' "$WORK/timeline.jsonl" || fail "the raise was not taken back"
# Only one raise before the second truck: none during the FAULT.
assert_no_raise_between '"what":"barrier_cmd","value":0' '"what":"arrive","plate":"豫B22222"'
[ "$(decision_of 豫B22222)" = pass ] ||
	fail "the truck after the fault was not decided pass"
assert_no_lowering_on_occupied_loop
assert_barrier_authorized
echo "fault_barrier_stuck: ok"
