#!/bin/bash
# A stalled device thread (issue 6, docs/lane.md "Stalled I/O threads"):
# two lanes on separate ports; the test hook WEIGHGATE_TEST_STALL makes
# lane L02's link thread stall once for 3 s right after its first poll.
# L02 goes FAULT (device_fault naming the stall, barrier never raised, the
# fault text in red), the daemon gives the lane a new thread and L02
# recovers and decides its next truck; L01 decides its trucks during the
# stall with normal latency; the watchdog pings never stop.
. "$(dirname "$0")/lib.inc"

start_notify_socket

{
	for p in 豫A10001 豫A10002 豫A10003 豫A10004; do
		truck L01 100 "$p" 15000
	done
	truck L02 5000 豫B20001 15000
} >"$WORK/traffic.jsonl"
start_sim "$WORK/traffic.jsonl" --port-per-lane --hold --weigh-ms 200 \
	--decide-ms 1500 --pass-ms 200 --barrier-ms 100
PORT2=$(sed -n 's/^listening [0-9.]*:[0-9]* [0-9.]*:\([0-9]*\).*/\1/p' "$WORK/sim.out" | head -n 1)
[ -n "$PORT2" ] || fail "no second port from the simulator"
{
	printf '[controller]\nid = TEST-0001\ndb = %s\nstatus_listen = 127.0.0.1:%d\n\n[rules]\nscale_class = 2\n\n' "$WORK/weighgate.db" "$(free_port)"
	for l in 1 2; do
		port=$SIM_PORT
		[ $l = 2 ] && port=$PORT2
		printf '[lane L0%d]\nscale = tcp://127.0.0.1:%d?unit=1\nio = tcp://127.0.0.1:%d?unit=2\nled = tcp://127.0.0.1:%d?unit=3\npoll_ms = 20\ntimeout_ms = 100\nfault_after_ms = 500\nmin_result_interval_ms = 100\nreset_settle_ms = 500\n\n' \
			$l "$port" "$port" "$port"
	done
} >"$WORK/wg.conf"

NOTIFY_SOCKET="$WORK/notify.sock" WATCHDOG_USEC=1000000 WEIGHGATE_TEST_STALL=L02:3000 \
	bash -c 'export WATCHDOG_PID=$$; exec "$0" -c "$1"' \
	"$WG_BIN/weighgated" "$WORK/wg.conf" >>"$WORK/weighgated.log" 2>&1 &
WG_PID=$!
PIDS+=("$WG_PID")
wait_for 10 "READY=1" notify_has ' READY=1$'
go_traffic L01

wait_for 10 "device_fault (L02)" sql_ge 1 "SELECT count(*) FROM events WHERE
	kind = 'device_fault' AND json_extract(body, '\$.lane') = 'L02'"
wait_for 10 "device_recovered (L02)" sql_ge 1 "SELECT count(*) FROM events WHERE
	kind = 'device_recovered' AND json_extract(body, '\$.lane') = 'L02'"
wait_for 10 "the stalled thread to end" grep -q 'abandoned I/O thread ends' "$WORK/weighgated.log"
wait_for 20 "L02's truck through" timeline_has '"what":"drove_through","plate":"豫B20001"'
wait_for 20 "L01's last truck through" timeline_has '"what":"drove_through","plate":"豫A10004"'
stop_pid "$WG_PID" || fail "weighgated exit status $?"
stop_pid "$SIM_PID" || true

# L02: the fault names the stall and comes no later than the limit + slack
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'device_fault' AND
	json_extract(body, '\$.lane') = 'L02' AND
	json_extract(body, '\$.error') LIKE 'I/O thread stalled%'")" -ge 1 ] ||
	fail "no device_fault naming the stall: $(sql "SELECT body FROM events WHERE kind = 'device_fault'")"
grep -q 'stuck in one call' "$WORK/weighgated.log" || fail "the stall was not logged"
t0=$(sql "SELECT ts_ms FROM events WHERE kind = 'startup'")
tf=$(sql "SELECT min(ts_ms) FROM events WHERE kind = 'device_fault' AND json_extract(body, '\$.lane') = 'L02'")
tr=$(sql "SELECT min(ts_ms) FROM events WHERE kind = 'device_recovered' AND json_extract(body, '\$.lane') = 'L02'")
[ $((tf - t0)) -le 4000 ] || fail "L02 faulted only $((tf - t0)) ms after start"
# nothing of L01 faulted
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'device_fault' AND
	json_extract(body, '\$.lane') = 'L01'")" = 0 ] || fail "L01 had a device_fault"
# L02: the fault text in red, then idle; the barrier never raised until its truck
grep '"lane":"L02"' "$WORK/timeline.jsonl" >"$WORK/l02.jsonl"
grep -q "\"what\":\"led\".*\"colour\":\"red\",\"text\":\"$FAULT_TEXT\"" "$WORK/l02.jsonl" ||
	fail "L02's sign never showed the fault text"
awk '/"what":"arrive","plate":"豫B20001"/ { exit } /"what":"barrier_cmd","value":1/ { bad = 1 }
	END { exit bad }' "$WORK/l02.jsonl" || fail "L02's barrier raised during its fault"
[ "$(sql "SELECT json_extract(body, '\$.decision') FROM events WHERE kind = 'weighing'
	AND json_extract(body, '\$.measurement.plate') = '豫B20001'")" = pass ] ||
	fail "L02's truck after the recovery was not decided pass"

# L01 decided during L02's stall (from start to L02's recovery) ...
during=$(sql "SELECT count(*) FROM events WHERE kind = 'weighing' AND
	json_extract(body, '\$.lane') = 'L01' AND ts_ms BETWEEN $t0 AND $tr")
[ "$during" -ge 1 ] || fail "L01 decided nothing during L02's stall"
# ... each truck with its barrier raised within 1 s of its weighing (a lane
# held up by the stall would wait 1.5 s or more)
lat=$(grep '"lane":"L01"' "$WORK/timeline.jsonl" | awk '
	/"what":"weighed"/ { w = $0; sub(/.*"mono_ms":/, "", w); sub(/,.*/, "", w); next }
	/"what":"barrier_cmd","value":1/ && w { b = $0; sub(/.*"mono_ms":/, "", b); sub(/,.*/, "", b)
		print b - w; w = 0 }')
[ "$(printf '%s\n' "$lat" | grep -c .)" = 4 ] || fail "L01 raised its barrier for $(printf '%s\n' "$lat" | grep -c .) of 4 trucks"
maxlat=$(printf '%s\n' "$lat" | sort -n | tail -n 1)
[ "$maxlat" -lt 1000 ] || fail "L01 decision latency up to $maxlat ms during the stall"

# the watchdog was fed throughout
gaps=$(awk '/ WATCHDOG=1$/ { if (p) print $1 - p; p = $1 }' "$WORK/notify.txt")
[ "$(printf '%s\n' "$gaps" | grep -c .)" -ge 6 ] || fail "too few WATCHDOG=1 pings"
maxgap=$(printf '%s\n' "$gaps" | sort -n | tail -n 1)
[ "$maxgap" -lt 1000 ] || fail "WATCHDOG=1 pings $maxgap ms apart during the stall"
store_verify
stop_pid "$NS_PID" || true
echo "stall_device: ok (L02 FAULT $((tf - t0)) ms after start, recovered after $((tr - t0)) ms;" \
	"L01: $during decided meanwhile, max latency $maxlat ms; watchdog max gap $maxgap ms)"
