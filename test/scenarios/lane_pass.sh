#!/bin/bash
# A legal truck on the live lane (docs/design.md §4.2, §4.3, §6): its weighing (pass)
# is committed, then the barrier goes up and the light green, the truck
# drives through, and the barrier goes down only after the pass loop fell;
# the LED shows the pass text, then the idle text; the result sequence of
# the lane is stored with the event.
. "$(dirname "$0")/lib.inc"

cat >"$WORK/traffic.jsonl" <<'T'
{"lane":"L01","after_ms":100,"ts":"2026-01-01T00:00:00.000Z","seq":1,"kind":"truck","config":"rigid","axles":2,"gross_kg":15000,"axle_kg":[6000,9000],"speed_kmh":5.0,"plate":"苏A10001","plate_color":"yellow"}
T
start_sim "$WORK/traffic.jsonl" --hold --weigh-ms 200 --decide-ms 5000 --pass-ms 400
write_conf "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
go_traffic

wait_for 15 "the truck to drive through" \
	timeline_has '"what":"drove_through","plate":"苏A10001"'
wait_for 10 "the barrier to come down" \
	tl_in_order '"what":"drove_through"' '"what":"barrier","state":"down"'
wait_for 5 "the idle text after the pass" \
	tl_in_order "$(led_line green '苏A10001 总重15.0吨 请通行')" "$(led_line green "$IDLE_TEXT")"

# The store: one weighing, decision pass, seq 1; lane_seq holds 1.
[ "$(ev_count weighing)" = 1 ] || fail "weighing events: $(ev_count weighing)"
[ "$(ev_count weighing "json_extract(body, '\$.decision') = 'pass' AND
    json_extract(body, '\$.measurement.seq') = 1 AND
    json_extract(body, '\$.measurement.plate') = '苏A10001' AND
    json_extract(body, '\$.lane') = 'L01'")" = 1 ] ||
	fail "no pass weighing of seq 1: $(sql "SELECT body FROM events WHERE kind = 'weighing'")"
[ "$(sql "SELECT result_seq FROM lane_seq WHERE lane = 'L01'")" = 1 ] ||
	fail "lane_seq: $(sql 'SELECT * FROM lane_seq')"
[ "$(ev_count forced_entry)" = 0 ] || fail "a forced_entry was recorded"

# The timeline: raised after the weighing, lowered after the pass loop fell.
assert_in_order '"what":"weighed","seq":1' '"what":"barrier_cmd","value":1' \
	'"what":"barrier","state":"up"' '"what":"pass_loop","state":"on"' \
	'"what":"pass_loop","state":"off"' '"what":"barrier_cmd","value":0' \
	'"what":"barrier","state":"down"'
assert_in_order '"what":"weighed"' '"what":"light","state":"green"' \
	'"what":"pass_loop","state":"off"' '"what":"light","state":"red"'
[ "$(tl_count '"what":"barrier_cmd","value":1')" = 1 ] || fail "raised more than once"
[ "$(tl_count '"what":"light","state":"green"')" = 1 ] || fail "light green more than once"
assert_in_order '"what":"weighed"' "$(led_line green '苏A10001 总重15.0吨 请通行')" \
	'"what":"pass_loop","state":"off"' "$(led_line green "$IDLE_TEXT")"
assert_no_lowering_on_occupied_loop

stop_pid "$WG_PID" || fail "weighgated exit status $? on SIGTERM"
led_now "\"colour\":\"red\",\"text\":\"$FAULT_TEXT\"" ||
	fail "the LED does not show the fault text after SIGTERM"
stop_pid "$SIM_PID" || fail "weighgate-sim exit status $?"
assert_barrier_authorized
echo "lane_pass: ok"
