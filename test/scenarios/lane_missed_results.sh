#!/bin/bash
# A result sequence that jumps (docs/design.md §4.1, §6): after seq 1 the scale shows
# seq 5 (the simulator's seq_skip 3: three results never shown): a
# missed_results event with missed 3, from 1 to 5, and seq 5 is still
# decided; lane_seq holds 5; /metrics counts the event and the 3 results
# as the store has them.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/status_lib.inc"

cat >"$WORK/traffic.jsonl" <<'T'
{"lane":"L01","after_ms":100,"ts":"2026-01-01T00:00:00.000Z","seq":1,"kind":"truck","config":"rigid","axles":2,"gross_kg":15000,"axle_kg":[6000,9000],"speed_kmh":5.0,"plate":"闽G88888","plate_color":"yellow"}
{"lane":"L01","after_ms":300,"ts":"2026-01-01T00:00:30.000Z","seq":2,"kind":"truck","config":"combination","axles":6,"gross_kg":55000,"axle_kg":[7000,9000,9000,10000,10000,10000],"speed_kmh":5.0,"plate":"闽G99999","plate_color":"yellow","seq_skip":3,"behaviour":"block","block_ms":700}
T
start_sim "$WORK/traffic.jsonl" --hold --weigh-ms 200 --decide-ms 5000 --pass-ms 300 --reverse-ms 300
STATUS_PORT=$(free_port)
write_conf "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
go_traffic

wait_for 15 "the second truck to reverse" timeline_has '"what":"reversed","plate":"闽G99999"'
timeline_has '"what":"arrive","plate":"闽G99999","seq":5' || fail "the simulator's arrive seq"
timeline_has '"what":"weighed","seq":5' || fail "the simulator did not skip to 5"

[ "$(ev_count missed_results)" = 1 ] || fail "missed_results: $(ev_count missed_results)"
[ "$(ev_count missed_results "json_extract(body, '\$.missed') = 3 AND
    json_extract(body, '\$.from_seq') = 1 AND json_extract(body, '\$.to_seq') = 5 AND
    json_extract(body, '\$.lane') = 'L01'")" = 1 ] ||
	fail "missed_results: $(sql "SELECT body FROM events WHERE kind = 'missed_results'")"
got=$(sql "SELECT group_concat(d, ',') FROM (SELECT json_extract(body, '\$.measurement.seq') || ':' ||
    json_extract(body, '\$.decision') AS d FROM events WHERE kind = 'weighing' ORDER BY seq)")
[ "$got" = "1:pass,5:turnback" ] || fail "decisions: $got"
[ "$(sql "SELECT group_concat(kind, ',') FROM (SELECT kind FROM events WHERE seq > 2 ORDER BY seq)")" = missed_results,weighing ] ||
	fail "events: $(sql 'SELECT seq, kind FROM events')"
[ "$(sql "SELECT result_seq FROM lane_seq WHERE lane = 'L01'")" = 5 ] || fail "lane_seq"
assert_in_order '"what":"weighed","seq":5' "$(led_line red '闽G99999 超限6.0吨 禁止驶入 请驶离')"
assert_lane_event_metrics L01:missed_results=1 L01:weighing=2 L01:scale_reset=0
grep -qx 'weighgate_results_missed_total{lane="L01"} 3' "$WORK/ev-metrics.txt" ||
	fail "results_missed_total: $(grep results_missed "$WORK/ev-metrics.txt")"

stop_pid "$WG_PID" || fail "weighgated exit status $? on SIGTERM"
stop_pid "$SIM_PID" || fail "weighgate-sim exit status $?"
assert_barrier_authorized
echo "lane_missed_results: ok"
