#!/bin/bash
# A lane over Modbus RTU (docs/design.md §3, §4.1): the simulator on one end of a pty
# pair, the daemon's scale, I/O module and sign as units 1, 2, 3 of one bus
# on the other end (one link thread).  A legal truck is decided pass and
# drives through; an over-limit one is turned back and reverses.
. "$(dirname "$0")/lib.inc"
command -v socat >/dev/null || fail "socat is not installed"
socat -d -d pty,raw,echo=0,link="$WORK/ttyA" pty,raw,echo=0,link="$WORK/ttyB" \
	2>"$WORK/socat.log" &
SOCAT_PID=$!
PIDS+=("$SOCAT_PID")
wait_for 10 "the pty pair" test -e "$WORK/ttyA" -a -e "$WORK/ttyB"
{
	truck L01 1500 浙D11111 15000
	truck L01 800 浙D22222 25000
} >"$WORK/traffic.jsonl"
: >"$WORK/sim.out"
"$WG_BIN/weighgate-sim" --rtu "$WORK/ttyA" --baud 19200 --timeline "$WORK/timeline.jsonl" \
	--hold --weigh-ms 300 --decide-ms 2000 --reverse-ms 100 --pass-ms 300 \
	"$WORK/traffic.jsonl" >"$WORK/sim.out" 2>"$WORK/sim.log" &
SIM_PID=$!
PIDS+=("$SIM_PID")
wait_for 10 "the simulator on the bus" grep -q '^listening rtu:' "$WORK/sim.out"
SIM_PORT=0 write_conf "$WORK/wg.conf"
bus="rtu:$WORK/ttyB?baud=19200\&parity=N\&data=8\&stop=1"	# & escaped for sed
sed -i -e "s|^scale = .*|scale = $bus\&unit=1|" -e "s|^io = .*|io = $bus\&unit=2|" \
	-e "s|^led = .*|led = $bus\&unit=3|" -e 's/^poll_ms = .*/poll_ms = 50/' \
	-e 's/^timeout_ms = .*/timeout_ms = 200/' -e 's/^fault_after_ms = .*/fault_after_ms = 1000/' \
	"$WORK/wg.conf"
"$WG_BIN/weighgated" -c "$WORK/wg.conf" --check >/dev/null || fail "config: $(cat "$WORK/wg.conf")"
start_daemon "$WORK/wg.conf"
wait_for 10 "the idle text" timeline_has "\"what\":\"led\".*\"text\":\"$IDLE_TEXT\""
go_traffic
[ "$(tl_mono "\"text\":\"$IDLE_TEXT\"")" -lt "$(tl_mono '"what":"arrive"')" ] 2>/dev/null ||
	! timeline_has '"what":"arrive"' || fail "the daemon was not up before the traffic began"
wait_for 15 "the legal truck through" timeline_has '"what":"drove_through","plate":"浙D11111"'
wait_for 15 "the over-limit truck turned back" timeline_has '"what":"reversed","plate":"浙D22222"'
stop_pid "$WG_PID" || fail "weighgated exit status $?"
stop_pid "$SIM_PID" || true

[ "$(decision_of 浙D11111)" = pass ] || fail "legal truck not pass"
[ "$(sql "SELECT json_extract(body, '$.decision') || ' ' || json_extract(body, '$.over_kg')
	FROM events WHERE kind = 'weighing' AND
	json_extract(body, '$.measurement.plate') = '浙D22222'")" = "turnback 7000" ] ||
	fail "over-limit truck not turned back"
timeline_has '"what":"led".*"colour":"red","text":"浙D22222 超限7.0吨 禁止驶入 请驶离"' ||
	fail "no turnback text on the sign"
[ "$(tl_count '"what":"barrier_cmd","value":1')" = 1 ] || fail "not exactly one raise"
[ "$(events_of device_fault scale)" = 0 ] || fail "the bus faulted"
assert_no_lowering_on_occupied_loop
assert_barrier_authorized
echo "fault_rtu: ok"
