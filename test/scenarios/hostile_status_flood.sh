#!/bin/bash
# A flood of slow connections to the status port (docs/status.md,
# "Connections"): a daemon limited to 1024 descriptors (ulimit -n 1024),
# one lane on the simulator with trucks, a platform to sync to, and 1 100
# connections held open to the status port by a hostile client
# (test/devices/status_flood.py: half send nothing, half a byte a second;
# every connection closed is opened again).  During the flood:
#  - every truck is decided on time: the sign shows the decision within
#    DECIDE_BOUND_MS of the simulator's weighing, legal trucks pass,
#    overweight ones are turned back;
#  - the simulator drops every device connection for 1.5 s: the lane goes
#    FAULT and recovers by itself (new sockets can still be made);
#  - the sync to the platform goes on (the platform's count grows);
#  - the log stays small: under LOG_MAX_BYTES, and libevent's accept()
#    complaints at most a few lines (rate-limited);
# and once the flood ends /v1/status answers again.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/status_lib.inc"
. "$(dirname "$0")/sync_lib.inc"

DECIDE_BOUND_MS=1000
LOG_MAX_BYTES=200000
FLOOD_N=1100
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] || [ "$hard" -ge 1300 ] ||
	fail "the hard descriptor limit ($hard) leaves no room for $FLOOD_N client connections"

{
	truck L01 300 豫F00001 15000
	truck L01 600 豫F00002 25000
	truck L01 600 豫F00003 15000
	printf '{"lane":"L01","after_ms":600,"device_fault":"scale","mode":"disconnect","duration_ms":1500}\n'
	truck L01 2500 豫F00004 15000
	truck L01 600 豫F00005 30000
	truck L01 600 豫F00006 15000
} >"$WORK/traffic.jsonl"
start_sim "$WORK/traffic.jsonl" --hold --weigh-ms 200 --decide-ms 1500 \
	--pass-ms 300 --reverse-ms 200
make_certs
start_platform
STATUS_PORT=$(free_port)
CONTROLLER_EXTRA="status_listen = 127.0.0.1:$STATUS_PORT"
write_sync_conf "$WORK/wg.conf"
(
	ulimit -n 1024
	exec "$WG_BIN/weighgated" -c "$WORK/wg.conf" >>"$WORK/weighgated.log" 2>&1
) &
WG_PID=$!
PIDS+=("$WG_PID")
wait_status
wait_for 10 "the daemon's baseline" \
	grep -q "lane L01: result sequence baseline" "$WORK/weighgated.log"
wait_for 15 "the startup event synced" plat_ge 1
[ "$(sed -n 's/^Max open files *\([0-9]*\).*/\1/p' "/proc/$WG_PID/limits")" = 1024 ] ||
	fail "the daemon's descriptor limit is not 1024: $(grep 'open files' "/proc/$WG_PID/limits")"

# The flood: 1 100 slow connections, held until stop.flood exists.
(
	ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)"
	exec /usr/bin/python3 "$ROOT/test/devices/status_flood.py" 127.0.0.1 "$STATUS_PORT" \
		"$FLOOD_N" "$WORK/flood.ready" "$WORK/stop.flood" 40 1.0
) >"$WORK/flood.out" 2>"$WORK/flood.err" &
FLOOD_PID=$!
PIDS+=("$FLOOD_PID")
wait_for 20 "the flood's connections" test -e "$WORK/flood.ready"
sleep 1
fds=$(ls "/proc/$WG_PID/fd" | wc -l)
echo "daemon descriptors during the flood: $fds"
plat_before=$(plat_count)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$WG_PID/stat"; }
cpu0=$(cpu_ticks) t0=$(date +%s%3N)
kill -USR1 "$SIM_PID"

wait_for 40 "the last truck through" timeline_has '"what":"drove_through","plate":"豫F00006"'
kill -0 "$FLOOD_PID" 2>/dev/null || fail "the flood ended before the traffic: $(cat "$WORK/flood.err")"
kill -0 "$WG_PID" 2>/dev/null || fail "weighgated died during the flood"
fds_end=$(ls "/proc/$WG_PID/fd" | wc -l)
echo "daemon descriptors at the end of the flood: $fds_end"
echo "daemon CPU during the flood: $(( ($(cpu_ticks) - cpu0) * 1000 / $(getconf CLK_TCK) )) ms in $(( $(date +%s%3N) - t0 )) ms"
wait_for 10 "a sync during the flood" plat_ge $((plat_before + 1))
touch "$WORK/stop.flood"
wait_for 15 "the flood client to stop" sh -c "! kill -0 $FLOOD_PID 2>/dev/null"
echo "flood: $(cat "$WORK/flood.out")"

# /v1/status answers again once the flood is over.
wait_for 10 "the status server after the flood" \
	curl -sf -o /dev/null --max-time 2 "$(status_url /v1/status)"

# Every truck decided, right, and on time (sign written after the weighing).
for p in 豫F00001 豫F00003 豫F00004 豫F00006; do
	[ "$(ev_count weighing "json_extract(body, '\$.measurement.plate') = '$p' AND
	    json_extract(body, '\$.decision') = 'pass'")" = 1 ] || fail "$p not decided pass once"
done
for p in 豫F00002 豫F00005; do
	[ "$(ev_count weighing "json_extract(body, '\$.measurement.plate') = '$p' AND
	    json_extract(body, '\$.decision') = 'turnback'")" = 1 ] || fail "$p not turned back once"
	timeline_has "\"what\":\"reversed\",\"plate\":\"$p\"" || fail "$p did not reverse"
done
awk -v bound="$DECIDE_BOUND_MS" '
	function mono() { m = $0; sub(/.*"mono_ms":/, "", m); sub(/,.*/, "", m); return m + 0 }
	/"lane":"L01","what":"weighed"/ { w = mono(); p = $0; sub(/.*"plate":"/, "", p); sub(/".*/, "", p); n++; next }
	w && /"lane":"L01","what":"led"/ {
		d = mono() - w; printf "%s decided %d ms after its weighing\n", p, d
		if (d > bound) bad = 1
		w = 0; k++
	}
	END { if (n != 6 || k != 6) { printf "weighed %d, signalled %d\n", n, k; bad = 1 }; exit bad }' \
	"$WORK/timeline.jsonl" || fail "a truck was not decided within $DECIDE_BOUND_MS ms"

# The devices reconnected during the flood.
[ "$(events_of device_fault scale)" -ge 1 ] || fail "no device_fault (scale) for the disconnect"
[ "$(events_of device_recovered scale)" -ge 1 ] || fail "the scale did not recover during the flood"

# The log is small and says so once, not per accept().
size=$(stat -c %s "$WORK/weighgated.log")
echo "daemon log: $size bytes, $(wc -l <"$WORK/weighgated.log") lines"
[ "$size" -lt "$LOG_MAX_BYTES" ] || fail "the log grew to $size bytes during the flood"
acc=$(grep -c 'accept' "$WORK/weighgated.log" || true)
[ "$acc" -le 6 ] || fail "$acc log lines about accept(): $(grep 'accept' "$WORK/weighgated.log" | sort | uniq -c | sort -rn | head -3)"
top=$(grep -v 'lane L01' "$WORK/weighgated.log" | sort | uniq -c | sort -rn | head -n 1)
[ "$(echo "$top" | awk '{ print $1 }')" -le 6 ] || fail "a log line repeated: $top"

wait_for 15 "everything synced" all_synced
stop_pid "$WG_PID" || fail "weighgated exit status $?"
stop_pid "$SIM_PID" || true
assert_barrier_authorized
store_verify
echo "hostile_status_flood: ok"
