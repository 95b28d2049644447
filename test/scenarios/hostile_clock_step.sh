#!/bin/bash
# The controller's wall clock steps 30 days ahead while the daemon runs
# (libfaketime, the monotonic clock left true; docs/lane.md "A clock in
# doubt"): a clock_step event is recorded and the alarm shows in
# /v1/status and /metrics; then, with no platform to confirm the clock,
# the doubt holds: a watch-listed truck whose entry's `until` has "passed"
# by the wrong clock is still intercepted, and a truck over the legal
# limit whose permit has "expired" by the wrong clock is held (staff check
# the paper), never turned back nor let through.  Both weighings record
# clock_doubt, and replay of the store decides them the same way.
. "$(dirname "$0")/lib.inc"

FAKELIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
[ -r "$FAKELIB" ] || fail "libfaketime not installed ($FAKELIB; Debian package libfaketime)"
STATUS_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# Entries in force for the true clock, "expired" 30 days on.
FROM=$(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%SZ)
UNTIL=$(date -u -d '+10 days' +%Y-%m-%dT%H:%M:%SZ)
cat >"$WORK/lists.json" <<T
{"version":"clock-1","watch":[{"plate":"鲁B77777","reason":"布控","until":"$UNTIL"}],"exempt":[],
 "permits":[{"id":"P-7","plate":"豫AQ8H61","axles":6,"max_gross_kg":60000,"valid_from":"$FROM","valid_until":"$UNTIL"}]}
T
# A legal watch-listed 2-axle truck; a 6-axle combination at 55 t (limit
# 49 t + 2 %), covered by P-7.
cat >"$WORK/traffic.jsonl" <<'T'
{"lane":"L01","after_ms":100,"ts":"2026-01-01T00:00:00.000Z","seq":1,"kind":"truck","config":"rigid","axles":2,"gross_kg":12000,"axle_kg":[5000,7000],"speed_kmh":5.0,"plate":"鲁B77777","plate_color":"yellow"}
{"lane":"L01","after_ms":200,"ts":"2026-01-01T00:00:00.000Z","seq":2,"kind":"truck","config":"combination","axles":6,"gross_kg":55000,"axle_kg":[7000,9000,9000,10000,10000,10000],"speed_kmh":5.0,"plate":"豫AQ8H61","plate_color":"yellow"}
T
start_sim "$WORK/traffic.jsonl" --hold --weigh-ms 200 --decide-ms 1000 --reverse-ms 300
CONTROLLER_EXTRA="status_listen = 127.0.0.1:$STATUS_PORT" write_conf "$WORK/wg.conf"
"$WG_BIN/weighgate" lists import -c "$WORK/wg.conf" "$WORK/lists.json" \
	>"$WORK/import.log" 2>&1 || fail "lists import: $(cat "$WORK/import.log")"

echo "+0" >"$WORK/faketime.rc"
# A sanitizer build (make SAN=1) needs its runtime first in the preload list.
ASANLIB=$(ldd "$WG_BIN/weighgated" | awk '/libasan/ { print $3 }')
PRELOAD=${ASANLIB:+$ASANLIB:}$FAKELIB
LD_PRELOAD=$PRELOAD FAKETIME_TIMESTAMP_FILE=$WORK/faketime.rc FAKETIME_NO_CACHE=1 \
	FAKETIME_DONT_FAKE_MONOTONIC=1 start_daemon "$WORK/wg.conf"
wait_for 10 "the daemon's baseline" grep -q 'lane L01: result sequence baseline' "$WORK/weighgated.log"
wait_for 10 "the status server" curl -sf -o /dev/null "http://127.0.0.1:$STATUS_PORT/v1/status"
sleep 1.2	# a clock check or two on the true clock

echo "+30d" >"$WORK/faketime.rc"
wait_for 5 "the clock_step event" sql_ge 1 "SELECT count(*) FROM events WHERE kind = 'clock_step'"
STEP=$(sql "SELECT json_extract(body, '\$.step_ms') || ' ' || json_extract(body, '\$.source')
	FROM events WHERE kind = 'clock_step'")
set -- $STEP
[ "$1" -ge $((30 * 86400000 - 5000)) ] && [ "$1" -le $((30 * 86400000 + 5000)) ] &&
	[ "$2" = monotonic ] || fail "clock_step body: $(sql "SELECT body FROM events WHERE kind = 'clock_step'")"
grep -q 'clock: ALARM: .*stepped' "$WORK/weighgated.log" || fail "no ALARM line for the step in the log"
curl -sf "http://127.0.0.1:$STATUS_PORT/v1/status" >"$WORK/status.json" || fail "GET /v1/status"
python3 - "$WORK/status.json" <<'PY' || fail "/v1/status: $(cat "$WORK/status.json")"
import json, sys
c = json.load(open(sys.argv[1]))["clock"]
assert c["doubt"] is True and "step" in c["causes"], c
assert abs(c["step_ms"] - 30 * 86400000) < 5000, c
PY
curl -sf "http://127.0.0.1:$STATUS_PORT/metrics" >"$WORK/metrics.txt" || fail "GET /metrics"
grep -qx 'weighgate_clock_doubt 1' "$WORK/metrics.txt" || fail "metrics: $(grep clock "$WORK/metrics.txt")"
grep -qx 'weighgate_clock_steps_total 1' "$WORK/metrics.txt" || fail "metrics: $(grep clock "$WORK/metrics.txt")"
curl -sf "http://127.0.0.1:$STATUS_PORT/" | grep -q 'clock-doubt' || fail "the board shows no clock alarm"
"$WG_BIN/weighgate" status -c "$WORK/wg.conf" >"$WORK/tool.out" || fail "weighgate status exit $?"
OFF=$(sed -n 's/^clock: ALARM: IN DOUBT, +\([0-9]*\) ms off the trusted time.*/\1/p' "$WORK/tool.out")
[ -n "$OFF" ] && [ $((OFF - 30 * 86400000)) -le 5000 ] && [ $((OFF - 30 * 86400000)) -ge -5000 ] ||
	fail "weighgate status: $(cat "$WORK/tool.out")"

kill -USR1 "$SIM_PID"
wait_for 15 "both trucks to reverse" timeline_has '"what":"reversed","plate":"豫AQ8H61"'
stop_pid "$WG_PID" || fail "weighgated exit status $?"
stop_pid "$SIM_PID" || fail "weighgate-sim exit status $?"

dec() { sql "SELECT json_extract(body, '\$.decision') || ' ' || json_extract(body, '\$.reasons') || ' ' ||
	ifnull(json_extract(body, '\$.permit_id'), '-') || ' ' || ifnull(json_extract(body, '\$.measurement.clock_doubt'), 0)
	FROM events WHERE kind = 'weighing' AND json_extract(body, '\$.measurement.plate') = '$1'"; }
[ "$(dec 鲁B77777)" = 'intercept ["watch"] - 1' ] || fail "watch-listed truck: $(dec 鲁B77777)"
[ "$(dec 豫AQ8H61)" = 'hold ["clock_doubt","permit","over_gross"] P-7 1' ] || fail "permit truck: $(dec 豫AQ8H61)"
! timeline_has '"what":"barrier_cmd","value":1' || fail "the barrier was raised"
assert_barrier_authorized

# Replay reads clock_doubt back from the store: the same decisions.
"$WG_BIN/weighgate" replay --diff "$WORK/diff.jsonl" "$WORK/weighgate.db" \
	>"$WORK/replay.out" 2>"$WORK/replay.log" || fail "replay: $(cat "$WORK/replay.log")"
[ ! -s "$WORK/diff.jsonl" ] || fail "replay decided otherwise: $(cat "$WORK/diff.jsonl")"
echo "hostile_clock_step: ok"
