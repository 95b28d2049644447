#!/bin/bash
# A forced entry (docs/design.md §4.2, §6): an overloaded truck turned back drives
# through with the barrier down: a forced_entry event, how no_pass, whose
# last_weighing is the turnback weighing (its uuid, plate, gross, decision);
# the alarm sounds; the barrier is never raised; /metrics counts it
# (weighgate_lane_events_total{kind="forced_entry"}) as the store has it.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/status_lib.inc"

cat >"$WORK/traffic.jsonl" <<'T'
{"lane":"L01","after_ms":100,"ts":"2026-01-01T00:00:00.000Z","seq":1,"kind":"truck","config":"combination","axles":6,"gross_kg":55000,"axle_kg":[7000,9000,9000,10000,10000,10000],"speed_kmh":5.0,"plate":"晋D44444","plate_color":"yellow","behaviour":"force"}
T
start_sim "$WORK/traffic.jsonl" --hold --weigh-ms 200 --decide-ms 2000 --pass-ms 400
STATUS_PORT=$(free_port)
write_conf "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
go_traffic

wait_for 15 "the forced_entry event" \
	eval '[ "$(ev_count forced_entry)" -ge 1 ] 2>/dev/null'
wait_for 5 "the alarm" timeline_has '"what":"alarm","state":"on"'
wait_for 10 "the truck to drive through" timeline_has '"what":"drove_through","plate":"晋D44444"'

[ "$(ev_count forced_entry)" = 1 ] || fail "forced_entry events: $(ev_count forced_entry)"
uuid=$(sql "SELECT uuid FROM events WHERE kind = 'weighing' AND
    json_extract(body, '\$.decision') = 'turnback'")
[ -n "$uuid" ] || fail "no turnback weighing"
fe=$(sql "SELECT body FROM events WHERE kind = 'forced_entry'")
[ "$(ev_count forced_entry "json_extract(body, '\$.how') = 'no_pass' AND
    json_extract(body, '\$.lane') = 'L01' AND
    json_extract(body, '\$.last_weighing.uuid') = '$uuid' AND
    json_extract(body, '\$.last_weighing.plate') = '晋D44444' AND
    json_extract(body, '\$.last_weighing.gross_kg') = 55000 AND
    json_extract(body, '\$.last_weighing.decision') = 'turnback'")" = 1 ] ||
	fail "forced_entry body: $fe (weighing uuid $uuid)"
[ "$(sql "SELECT count(*) FROM events w, events f WHERE w.kind = 'weighing' AND
    f.kind = 'forced_entry' AND w.seq < f.seq")" = 1 ] || fail "forced_entry before the weighing"
assert_in_order '"what":"weighed","seq":1' '"what":"pass_loop","state":"on"' \
	'"what":"alarm","state":"on"'
! timeline_has '"what":"barrier_cmd","value":1' || fail "the barrier was raised"
! timeline_has '"what":"light","state":"green"' || fail "the light went green"
assert_lane_event_metrics L01:forced_entry=1 L01:override=0 L01:barrier_unauthorized=0

stop_pid "$WG_PID" || fail "weighgated exit status $? on SIGTERM"
stop_pid "$SIM_PID" || fail "weighgate-sim exit status $?"
assert_barrier_authorized
echo "lane_forced: ok"
