#!/bin/bash
# Tailgating (docs/design.md §4.2, §6): a legal truck passes and a second vehicle
# follows it under the same opening: one weighing (pass), then a
# forced_entry with how tailgate whose last_weighing is that pass; alarm.
. "$(dirname "$0")/lib.inc"

cat >"$WORK/traffic.jsonl" <<'T'
{"lane":"L01","after_ms":100,"ts":"2026-01-01T00:00:00.000Z","seq":1,"kind":"truck","config":"rigid","axles":2,"gross_kg":15000,"axle_kg":[6000,9000],"speed_kmh":5.0,"plate":"浙F66666","plate_color":"yellow","tailgate":true}
T
start_sim "$WORK/traffic.jsonl" --hold --weigh-ms 200 --decide-ms 5000 --pass-ms 400
write_conf "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
go_traffic

wait_for 15 "the tailgater to drive through" \
	timeline_has '"what":"drove_through","plate":"浙F66666","tailgater":true'
wait_for 5 "the forced_entry event" eval '[ "$(ev_count forced_entry)" -ge 1 ] 2>/dev/null'
wait_for 5 "the alarm" timeline_has '"what":"alarm","state":"on"'

[ "$(ev_count weighing)" = 1 ] || fail "weighing events: $(ev_count weighing)"
uuid=$(sql "SELECT uuid FROM events WHERE kind = 'weighing' AND json_extract(body, '\$.decision') = 'pass'")
[ -n "$uuid" ] || fail "no pass weighing"
[ "$(ev_count forced_entry)" = 1 ] || fail "forced_entry events: $(ev_count forced_entry)"
[ "$(ev_count forced_entry "json_extract(body, '\$.how') = 'tailgate' AND
    json_extract(body, '\$.last_weighing.uuid') = '$uuid' AND
    json_extract(body, '\$.last_weighing.decision') = 'pass' AND
    json_extract(body, '\$.last_weighing.plate') = '浙F66666'")" = 1 ] ||
	fail "forced_entry: $(sql "SELECT body FROM events WHERE kind = 'forced_entry'")"
assert_in_order '"what":"barrier_cmd","value":1' '"what":"drove_through","plate":"浙F66666"}' \
	'"what":"pass_loop","state":"on"' '"what":"alarm","state":"on"'
[ "$(tl_count '"what":"barrier_cmd","value":1')" = 1 ] || fail "raised more than once"
assert_no_lowering_on_occupied_loop
# The barrier was already being lowered when the tailgater came: it ends down.
grep '"what":"barrier"' "$WORK/timeline.jsonl" | tail -n 1 | grep -q '"state":"down"' ||
	fail "the barrier is not down at the end"

stop_pid "$WG_PID" || fail "weighgated exit status $? on SIGTERM"
stop_pid "$SIM_PID" || fail "weighgate-sim exit status $?"
assert_barrier_authorized
echo "lane_tailgate: ok"
