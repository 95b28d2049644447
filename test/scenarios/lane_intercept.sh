#!/bin/bash
# A watch-listed plate (docs/design.md §4.2, §5 rule 2, §6, §7 lists): lists imported
# offline with `weighgate lists import` before the daemon starts are in
# force at start (a lists_applied event with source local); the listed
# truck, although legal, is intercepted: alarm on, the LED shows the
# intercept text in red, no barrier; the alarm stops when it has left.
. "$(dirname "$0")/lib.inc"

cat >"$WORK/lists.json" <<'T'
{"version":"w-2026-01","watch":[{"plate":"鲁B·77777","reason":"布控"}],"exempt":[],"permits":[]}
T
cat >"$WORK/traffic.jsonl" <<'T'
{"lane":"L01","after_ms":100,"ts":"2026-01-01T00:00:00.000Z","seq":1,"kind":"truck","config":"rigid","axles":2,"gross_kg":12000,"axle_kg":[5000,7000],"speed_kmh":5.0,"plate":"鲁B77777","plate_color":"yellow"}
T
start_sim "$WORK/traffic.jsonl" --hold --weigh-ms 200 --decide-ms 1500 --reverse-ms 300
write_conf "$WORK/wg.conf"
"$WG_BIN/weighgate" lists import -c "$WORK/wg.conf" "$WORK/lists.json" \
	>"$WORK/import.log" 2>&1 || fail "lists import: $(cat "$WORK/import.log")"
[ "$(ev_count lists_applied "json_extract(body, '\$.source') = 'local' AND
    json_extract(body, '\$.version') = 'w-2026-01'")" = 1 ] ||
	fail "lists_applied: $(sql "SELECT body FROM events WHERE kind = 'lists_applied'")"
start_daemon "$WORK/wg.conf"
go_traffic

INTERCEPT=$(led_line red '鲁B77777 请靠边停车 接受检查')
wait_for 15 "the truck to reverse" timeline_has '"what":"reversed","plate":"鲁B77777"'
wait_for 5 "the alarm to stop after the truck left" \
	tl_in_order '"what":"reversed"' '"what":"alarm","state":"off"'
assert_in_order '"what":"weighed","seq":1' '"what":"alarm","state":"on"' \
	'"what":"reversed"' '"what":"alarm","state":"off"'
assert_in_order '"what":"weighed","seq":1' "$INTERCEPT" '"what":"reversed"' \
	"$(led_line green "$IDLE_TEXT")"
! timeline_has '"what":"barrier_cmd","value":1' || fail "the barrier was raised"
grep -q 'lists w-2026-01 in force (1 watch' "$WORK/weighgated.log" ||
	fail "the daemon did not load the stored lists"

[ "$(ev_count weighing)" = 1 ] || fail "weighing events: $(ev_count weighing)"
[ "$(ev_count weighing "json_extract(body, '\$.decision') = 'intercept' AND
    json_extract(body, '\$.reasons[0]') = 'watch' AND
    json_extract(body, '\$.over_kg') = -6000")" = 1 ] ||
	fail "intercept weighing: $(sql "SELECT body FROM events WHERE kind = 'weighing'")"
# The import came before the daemon's startup event.
[ "$(sql "SELECT group_concat(kind, ',') FROM (SELECT kind FROM events WHERE seq <= 2 ORDER BY seq)")" = lists_applied,startup ] ||
	fail "events: $(sql 'SELECT seq, kind FROM events')"

stop_pid "$WG_PID" || fail "weighgated exit status $? on SIGTERM"
stop_pid "$SIM_PID" || fail "weighgate-sim exit status $?"
assert_barrier_authorized
echo "lane_intercept: ok"
