#!/bin/bash
# A barrier driven by pulses (docs/design.md §4.1 barrier_mode = pulse: a rising coil 0
# raises, a rising coil 3 lowers).  A legal truck passes and an over-limit
# one is turned back, as in level mode.  Then weighgated is killed (-9)
# while a raise pulse is on — the end of the pulse, the coil back to 0, is
# never written — and restarted: before its first barrier command it turns
# both pulse coils off, so the next pass's pulse rises again and the next
# legal truck drives through (a raise coil left on would swallow every later
# raise).  Every raise is authorised, no lowering onto an occupied loop.
. "$(dirname "$0")/lib.inc"
LANE_EXTRA='barrier_mode = pulse'
{
	truck L01 1500 豫P10001 15000
	truck L01 2500 豫P10002 25000
	truck L01 2500 豫P10003 15000
	truck L01 6000 豫P10004 15000
} >"$WORK/traffic.jsonl"
start_sim "$WORK/traffic.jsonl" --hold --barrier-mode pulse --weigh-ms 300 --decide-ms 1500 \
	--reverse-ms 100 --pass-ms 400 --barrier-ms 100
write_conf "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
go_traffic

wait_for 15 "the first truck through" timeline_has '"what":"drove_through","plate":"豫P10001"'
wait_for 15 "the overloaded truck turned back" timeline_has '"what":"reversed","plate":"豫P10002"'
# The third truck's raise: kill the daemon inside its 200 ms pulse.
wait_for 15 "the third truck's raise" eval \
	"[ \"\$(tl_count '\"what\":\"barrier_cmd\",\"value\":1')\" -ge 2 ]"
kill -KILL "$WG_PID"
wait "$WG_PID" 2>/dev/null || true
echo "killed $(($(date +%s%3N) - $(date -u -d "$(grep '"what":"barrier_cmd","value":1' "$WORK/timeline.jsonl" |
	tail -n 1 | sed -n 's/.*"t":"\([^"]*\)".*/\1/p')" +%s%3N))) ms after the raise pulse began"
start_daemon "$WORK/wg.conf"
wait_for 20 "the fourth truck through" timeline_has '"what":"drove_through","plate":"豫P10004"'
stop_pid "$WG_PID" || fail "weighgated exit status $?"
stop_pid "$SIM_PID" || true

[ "$(decision_of 豫P10002)" = turnback ] ||
	fail "the overloaded truck was not turned back"
! timeline_has '"what":"drove_through","plate":"豫P10002"' || fail "the overloaded truck drove through"
[ "$(tl_count '"what":"barrier_cmd","value":1')" -ge 3 ] || fail "fewer than three raises"
assert_no_lowering_on_occupied_loop
assert_barrier_authorized
store_verify
echo "lane_pulse: ok"
