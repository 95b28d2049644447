#!/bin/bash
# An overloaded truck (docs/design.md §4.2, §4.3, §5 rule 6): 55 000 kg on a 6-axle
# combination is turned back: the LED shows exactly its turnback text in
# red, the barrier is never raised, the truck reverses and the LED is back
# to the idle text; the store's weighing says over_gross, over_kg 6000
# against the legal 49 000 kg, applied limit 49 980 kg (scale_class 2).
. "$(dirname "$0")/lib.inc"

cat >"$WORK/traffic.jsonl" <<'T'
{"lane":"L01","after_ms":100,"ts":"2026-01-01T00:00:00.000Z","seq":1,"kind":"truck","config":"combination","axles":6,"gross_kg":55000,"axle_kg":[7000,9000,9000,10000,10000,10000],"speed_kmh":5.0,"plate":"豫A12345","plate_color":"yellow"}
T
start_sim "$WORK/traffic.jsonl" --hold --weigh-ms 200 --decide-ms 1500 --reverse-ms 300
write_conf "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
go_traffic

TURNBACK=$(led_line red '豫A12345 超限6.0吨 禁止驶入 请驶离')
wait_for 15 "the truck to reverse" timeline_has '"what":"reversed","plate":"豫A12345"'
wait_for 5 "the idle text after the truck left" \
	tl_in_order "$TURNBACK" '"what":"reversed"' "$(led_line green "$IDLE_TEXT")"
assert_in_order '"what":"weighed","seq":1' "$TURNBACK" '"what":"reversed"'
[ "$(tl_count '"what":"led"')" = 3 ] || fail "LED lines: idle, turnback, idle expected"
! timeline_has '"what":"barrier_cmd","value":1' || fail "the barrier was raised"
! timeline_has '"what":"light","state":"green"' || fail "the light went green"
! timeline_has '"what":"drove_through"' || fail "the truck drove through"

[ "$(ev_count weighing)" = 1 ] || fail "weighing events: $(ev_count weighing)"
[ "$(ev_count weighing "json_extract(body, '\$.decision') = 'turnback' AND
    json_extract(body, '\$.reasons') = '[\"over_gross\"]' AND
    json_extract(body, '\$.over_kg') = 6000 AND
    json_extract(body, '\$.legal_limit_kg') = 49000 AND
    json_extract(body, '\$.applied_limit_kg') = 49980 AND
    json_extract(body, '\$.measurement.gross_kg') = 55000 AND
    json_extract(body, '\$.measurement.seq') = 1")" = 1 ] ||
	fail "turnback weighing: $(sql "SELECT body FROM events WHERE kind = 'weighing'")"
[ "$(sql "SELECT result_seq FROM lane_seq WHERE lane = 'L01'")" = 1 ] || fail "lane_seq"

stop_pid "$WG_PID" || fail "weighgated exit status $? on SIGTERM"
stop_pid "$SIM_PID" || fail "weighgate-sim exit status $?"
assert_barrier_authorized
echo "lane_turnback: ok"
