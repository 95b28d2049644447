#!/bin/bash
# Invalid weighings (docs/design.md §4.2, §4.3, §5 rule 1) with max_retries = 2: the
# same truck weighed invalid three times gets retry, retry, hold — the LED
# asks twice in yellow for a re-weigh, then to contact the staff; after the
# hold the lane is REFUSED (no barrier, the hold text stays) until the
# vehicle has left; then a good weighing passes (the count starts again).
# (The invalid ones stay 0.7 s and reverse, whatever the barrier does.)
. "$(dirname "$0")/lib.inc"

V='"ts":"2026-01-01T00:00:00.000Z","seq":1,"kind":"truck","config":"rigid","axles":2,"gross_kg":15000,"axle_kg":[6000,9000],"speed_kmh":5.0,"plate":"冀C33333","plate_color":"yellow"'
cat >"$WORK/traffic.jsonl" <<T
{"lane":"L01","after_ms":100,$V,"valid":false,"behaviour":"block","block_ms":700}
{"lane":"L01","after_ms":200,$V,"valid":false,"behaviour":"block","block_ms":700}
{"lane":"L01","after_ms":200,$V,"valid":false,"behaviour":"block","block_ms":700}
{"lane":"L01","after_ms":200,$V}
T
start_sim "$WORK/traffic.jsonl" --hold --weigh-ms 200 --decide-ms 5000 --reverse-ms 300
RULES_EXTRA='max_retries = 2' write_conf "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
go_traffic

RETRY=$(led_line yellow '称重无效 请倒车重新称重')
HOLD=$(led_line yellow '请联系工作人员')
IDLE=$(led_line green "$IDLE_TEXT")
wait_for 20 "the fourth weighing to drive through" \
	timeline_has '"what":"drove_through","plate":"冀C33333"'

# Decisions in order: retry, retry, hold, pass (seq 1..4).
got=$(sql "SELECT group_concat(d, ',') FROM (SELECT json_extract(body, '\$.measurement.seq') || ':' ||
    json_extract(body, '\$.decision') AS d FROM events WHERE kind = 'weighing' ORDER BY seq)")
[ "$got" = "1:retry,2:retry,3:hold,4:pass" ] || fail "decisions: $got"
[ "$(ev_count weighing "json_extract(body, '\$.decision') = 'hold' AND
    json_extract(body, '\$.reasons') = '[\"retries_exhausted\",\"invalid\"]'")" = 1 ] ||
	fail "hold reasons: $(sql "SELECT body FROM events WHERE kind = 'weighing' AND body LIKE '%hold%'")"
[ "$(ev_count weighing "json_extract(body, '\$.decision') = 'retry' AND
    json_extract(body, '\$.reasons') = '[\"invalid\"]'")" = 2 ] || fail "retry reasons"

# The sign: retry, idle, retry, idle, hold, idle, pass, idle — in that order.
assert_in_order '"what":"weighed","seq":1' "$RETRY" '"what":"reversed"' "$IDLE" \
	'"what":"weighed","seq":2' "$RETRY" '"what":"reversed"' "$IDLE" \
	'"what":"weighed","seq":3' "$HOLD" '"what":"reversed"' "$IDLE" \
	'"what":"weighed","seq":4' "$(led_line green '冀C33333 总重15.0吨 请通行')"
[ "$(tl_count "$RETRY")" = 2 ] || fail "the retry text was not shown exactly twice"
[ "$(tl_count "$HOLD")" = 1 ] || fail "the hold text was not shown once"
# Held: nothing changes on the sign and no barrier until the vehicle left.
awk '/"what":"weighed","seq":3/ { on = 1 } on && /"what":"reversed"/ { exit }
	on && /"what":"(led|barrier_cmd)"/ && !/请联系工作人员/ { bad = 1; print }
	END { exit bad }' "$WORK/timeline.jsonl" || fail "the hold did not last until the vehicle left"
assert_no_raise_between '"what":"arrive"' '"what":"weighed","seq":4'
grep -q 'IDLE -> REFUSED (retries_exhausted' "$WORK/weighgated.log" || fail "no REFUSED on hold"
grep -q 'REFUSED -> IDLE (vehicle left)' "$WORK/weighgated.log" || fail "no IDLE after the hold"
[ "$(tl_count '"what":"barrier_cmd","value":1')" = 1 ] || fail "raised more than once"

stop_pid "$WG_PID" || fail "weighgated exit status $? on SIGTERM"
stop_pid "$SIM_PID" || fail "weighgate-sim exit status $?"
assert_barrier_authorized
echo "lane_retry_hold: ok"
