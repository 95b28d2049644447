#!/bin/bash
# Restart without deciding twice (docs/design.md §4.1, §4.2): a legal truck is weighed
# (pass, barrier up) but stays on the scale (block), its result published.
# SIGTERM: the daemon shows the fault text, lowers the barrier (the pass
# loop is clear) and exits 0 within 5 s.  Restarted on the same store it
# does not decide that result again (one weighing for seq 1, no new
# baseline), comes up IDLE with the idle text and the barrier down, and the
# next truck is decided normally.
. "$(dirname "$0")/lib.inc"

cat >"$WORK/traffic.jsonl" <<'T'
{"lane":"L01","after_ms":100,"ts":"2026-01-01T00:00:00.000Z","seq":1,"kind":"truck","config":"rigid","axles":2,"gross_kg":15000,"axle_kg":[6000,9000],"speed_kmh":5.0,"plate":"湘H12121","plate_color":"yellow","behaviour":"block","block_ms":7000}
{"lane":"L01","after_ms":300,"ts":"2026-01-01T00:00:30.000Z","seq":2,"kind":"truck","config":"rigid","axles":2,"gross_kg":16000,"axle_kg":[6000,10000],"speed_kmh":5.0,"plate":"湘H34343","plate_color":"yellow"}
T
start_sim "$WORK/traffic.jsonl" --hold --weigh-ms 200 --decide-ms 5000 --pass-ms 300 --reverse-ms 300
write_conf "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
go_traffic

wait_for 10 "the barrier up for the first truck" timeline_has '"what":"barrier","state":"up"'
[ "$(ev_count weighing)" = 1 ] || fail "weighing events before the stop"

# SIGTERM with the barrier up and the truck still on the scale.
n0=$(wc -l <"$WORK/timeline.jsonl")
t0=$(date +%s%N)
stop_pid "$WG_PID" || fail "weighgated exit status $? on SIGTERM"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -lt 5000 ] || fail "weighgated took $ms ms to stop"
wait_for 5 "the barrier down after the stop" timeline_has '"what":"barrier","state":"down"'
tail -n +$((n0 + 1)) "$WORK/timeline.jsonl" >"$WORK/after_stop"
grep -Eq "$(led_line red "$FAULT_TEXT")" "$WORK/after_stop" || fail "no fault text on SIGTERM"
grep -q '"what":"barrier_cmd","value":0' "$WORK/after_stop" || fail "barrier not lowered on SIGTERM"
grep -q '"what":"light","state":"red"' "$WORK/after_stop" || fail "light not red on SIGTERM"
! grep -q '"what":"reversed"' "$WORK/after_stop" || fail "the truck left before the restart"

# Restart while the result is still published.
n1=$(wc -l <"$WORK/timeline.jsonl")
start_daemon "$WORK/wg.conf"
wait_for 10 "the restarted daemon's idle text" \
	eval "tail -n +$((n1 + 1)) '$WORK/timeline.jsonl' | grep -Eq '$(led_line green "$IDLE_TEXT")'"
wait_for 20 "the second truck to drive through" \
	timeline_has '"what":"drove_through","plate":"湘H34343"'
tail -n +$((n1 + 1)) "$WORK/timeline.jsonl" >"$WORK/after_restart"
awk '/"what":"reversed","plate":"湘H12121"/ { exit }
	/"what":"led"/ && /称重设备故障|请通行/ { bad = 1 } END { exit bad }' "$WORK/after_restart" ||
	fail "the restarted lane was not IDLE with the blocking truck on the scale"
grep -q '"what":"reversed","plate":"湘H12121"' "$WORK/after_restart" ||
	fail "the blocking truck had left before the restart"
[ "$(grep -c 'result sequence baseline' "$WORK/weighgated.log")" = 1 ] ||
	fail "a new baseline was taken after the restart"

[ "$(ev_count weighing "json_extract(body, '\$.measurement.seq') = 1")" = 1 ] ||
	fail "seq 1 decided $(ev_count weighing "json_extract(body, '\$.measurement.seq') = 1") times"
got=$(sql "SELECT group_concat(d, ',') FROM (SELECT json_extract(body, '\$.measurement.seq') || ':' ||
    json_extract(body, '\$.decision') AS d FROM events WHERE kind = 'weighing' ORDER BY seq)")
[ "$got" = "1:pass,2:pass" ] || fail "decisions: $got"
[ "$(ev_count startup)" = 2 ] || fail "startup events: $(ev_count startup)"
[ "$(sql "SELECT result_seq FROM lane_seq WHERE lane = 'L01'")" = 2 ] || fail "lane_seq"
assert_no_raise_between '"what":"barrier_cmd","value":0' '"what":"weighed","seq":2'
[ "$(tl_count '"what":"barrier_cmd","value":1')" = 2 ] || fail "raises: one per pass expected"

stop_pid "$WG_PID" || fail "weighgated exit status $? on SIGTERM"
stop_pid "$SIM_PID" || fail "weighgate-sim exit status $?"
assert_barrier_authorized
echo "lane_restart_no_double: ok"
