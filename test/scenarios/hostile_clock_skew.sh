#!/bin/bash
# The platform's clock disagrees with the controller's (docs/lane.md "A
# clock in doubt"): weighgate-platform --date-offset puts its Date header
# 400 days behind; the daemon reads the Date of every answer, records a
# clock_skew event (the skew in ms, source platform) and sends it at once
# (the batch wait is 30 s: only an urgent event reaches the platform
# sooner), and raises the alarm in /v1/status and /metrics.  The platform
# restarted without the offset agrees again: clock_ok, the alarm clears.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/sync_lib.inc"

STATUS_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
OFFSET=$((-400 * 86400))
make_certs
: >"$WORK/traffic.jsonl"
start_sim "$WORK/traffic.jsonl"
start_platform --date-offset "$OFFSET"
curl -sS --cacert "$WORK/certs/ca.pem" -D "$WORK/hdr" -o /dev/null \
	"https://127.0.0.1:$PLAT_PORT/v1/lists?controller=X" || fail "GET /v1/lists"
DATE=$(sed -n 's/^[Dd]ate: *\(.*\)\r$/\1/p' "$WORK/hdr")
[ -n "$DATE" ] || fail "no Date header: $(cat "$WORK/hdr")"
D=$(( $(date -u -d "$DATE" +%s) - $(date -u +%s) - OFFSET ))
[ "$D" -ge -3 ] && [ "$D" -le 1 ] || fail "Date: $DATE is not $OFFSET s off"

BATCH_WAIT_MS=30000 LIST_POLL_S=1 CONTROLLER_EXTRA="status_listen = 127.0.0.1:$STATUS_PORT" \
	write_sync_conf "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
wait_for 10 "the clock_skew event" sql_ge 1 "SELECT count(*) FROM events WHERE kind = 'clock_skew'"
SKEW=$(sql "SELECT json_extract(body, '\$.skew_ms') || ' ' || json_extract(body, '\$.source')
	FROM events WHERE kind = 'clock_skew'")
set -- $SKEW
[ "$1" -le $((OFFSET * 1000 + 3000)) ] && [ "$1" -ge $((OFFSET * 1000 - 3000)) ] &&
	[ "$2" = platform ] || fail "clock_skew body: $(sql "SELECT body FROM events WHERE kind = 'clock_skew'")"
# Sent at once: the platform holds it well before the 30 s batch wait.
wait_for 5 "the clock_skew event at the platform" sh -c \
	"sqlite3 -cmd '.timeout 5000' '$WORK/platform.db' \"SELECT count(*) FROM events WHERE kind = 'clock_skew'\" | grep -qx 1"
grep -q 'clock: ALARM: .*platform' "$WORK/weighgated.log" || fail "no ALARM line for the skew in the log"
curl -sf "http://127.0.0.1:$STATUS_PORT/v1/status" >"$WORK/status.json" || fail "GET /v1/status"
python3 - "$WORK/status.json" "$OFFSET" <<'PY' || fail "/v1/status: $(cat "$WORK/status.json")"
import json, sys
c = json.load(open(sys.argv[1]))["clock"]
assert c["doubt"] is True and c["causes"] == ["skew"], c
assert abs(c["skew_ms"] - int(sys.argv[2]) * 1000) < 3000, c
PY
curl -sf "http://127.0.0.1:$STATUS_PORT/metrics" >"$WORK/metrics.txt" || fail "GET /metrics"
grep -qx 'weighgate_clock_doubt 1' "$WORK/metrics.txt" || fail "metrics: $(grep clock "$WORK/metrics.txt")"
awk -v want="$OFFSET" '$1 == "weighgate_clock_skew_seconds" { d = $2 - want; ok = d < 3 && d > -3 }
	END { exit !ok }' "$WORK/metrics.txt" || fail "metrics: $(grep clock "$WORK/metrics.txt")"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'clock_ok'")" = 0 ] || fail "clock_ok while skewed"

# The platform comes back on the same port with the true date.
stop_pid "$PLAT_PID" || true
start_platform
wait_for 10 "the clock_ok event" sql_ge 1 "SELECT count(*) FROM events WHERE kind = 'clock_ok'"
[ "$(sql "SELECT json_extract(body, '\$.source') FROM events WHERE kind = 'clock_ok'")" = platform ] ||
	fail "clock_ok body: $(sql "SELECT body FROM events WHERE kind = 'clock_ok'")"
doubt_cleared() {
	curl -sf "http://127.0.0.1:$STATUS_PORT/metrics" | grep -qx 'weighgate_clock_doubt 0'
}
wait_for 5 "the doubt cleared in /metrics" doubt_cleared
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'clock_skew'")" = 1 ] ||
	fail "clock_skew recorded more than once: $(sql "SELECT seq, kind FROM events")"
stop_pid "$WG_PID" || fail "weighgated exit status $?"
echo "hostile_clock_skew: ok"
