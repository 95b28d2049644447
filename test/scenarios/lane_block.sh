#!/bin/bash
# A vehicle that blocks the lane (docs/design.md §4.2): an overloaded truck turned back
# stays on the scale for ~3 s: the lane stays REFUSED meanwhile (one
# decision only, the turnback text stays, the barrier stays down), is IDLE
# once it has reversed (idle text), and the next truck is decided normally.
. "$(dirname "$0")/lib.inc"

cat >"$WORK/traffic.jsonl" <<'T'
{"lane":"L01","after_ms":100,"ts":"2026-01-01T00:00:00.000Z","seq":1,"kind":"truck","config":"combination","axles":6,"gross_kg":55000,"axle_kg":[7000,9000,9000,10000,10000,10000],"speed_kmh":5.0,"plate":"豫A12345","plate_color":"yellow","behaviour":"block","block_ms":3000}
{"lane":"L01","after_ms":300,"ts":"2026-01-01T00:00:30.000Z","seq":2,"kind":"truck","config":"rigid","axles":2,"gross_kg":15000,"axle_kg":[6000,9000],"speed_kmh":5.0,"plate":"皖E55555","plate_color":"yellow"}
T
start_sim "$WORK/traffic.jsonl" --hold --weigh-ms 200 --decide-ms 5000 --reverse-ms 300 --pass-ms 400
write_conf "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
go_traffic

wait_for 20 "the second truck to drive through" \
	timeline_has '"what":"drove_through","plate":"皖E55555"'

TURNBACK=$(led_line red '豫A12345 超限6.0吨 禁止驶入 请驶离')
# While it blocks: the turnback text only, no barrier, no other LED line.
assert_in_order '"what":"weighed","seq":1' "$TURNBACK" '"what":"reversed","plate":"豫A12345"' \
	"$(led_line green "$IDLE_TEXT")" '"what":"weighed","seq":2' \
	'"what":"barrier_cmd","value":1' '"what":"drove_through","plate":"皖E55555"'
assert_in_order '"what":"weighed","seq":2' "$(led_line green '皖E55555 总重15.0吨 请通行')"
awk '/"what":"weighed","seq":1/ { on = 1 } on && /"what":"reversed"/ { exit }
	on && /"what":"(led|barrier_cmd|light)"/ && !/禁止驶入/ { bad = 1; print }
	END { exit bad }' "$WORK/timeline.jsonl" || fail "the lane changed while the truck blocked it"
assert_no_raise_between '"what":"arrive"' '"what":"weighed","seq":2'
# The block lasted ~3 s: the truck really stayed (not an early reversal).
t1=$(tl_mono '"what":"weighed","seq":1'); t2=$(tl_mono '"what":"reversed","plate":"豫A12345"')
[ $((t2 - t1)) -ge 2900 ] || fail "blocked only $((t2 - t1)) ms"

got=$(sql "SELECT group_concat(d, ',') FROM (SELECT json_extract(body, '\$.measurement.seq') || ':' ||
    json_extract(body, '\$.decision') AS d FROM events WHERE kind = 'weighing' ORDER BY seq)")
[ "$got" = "1:turnback,2:pass" ] || fail "decisions: $got"
grep -q 'REFUSED -> IDLE (vehicle left)' "$WORK/weighgated.log" || fail "no IDLE after the block"
[ "$(ev_count forced_entry)" = 0 ] || fail "a forced_entry"

stop_pid "$WG_PID" || fail "weighgated exit status $? on SIGTERM"
stop_pid "$SIM_PID" || fail "weighgate-sim exit status $?"
assert_barrier_authorized
echo "lane_block: ok"
