#!/bin/bash
# The daemon's Modbus TCP client against another implementation: one lane
# whose scale, I/O module and LED sign are Debian's pymodbus server
# (test/devices/pymodbus_lane.py, its own timeline).  A legal 15 t truck on
# a 2-axle lane is decided pass, the barrier goes up (coil 0 written, seen
# by the Python device) and down again after it drove through; an
# overweight 30 t truck is turned back with its text on the sign, the
# barrier never up for it.  No stray frame and no Modbus error.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/status_lib.inc"

if ! /usr/bin/python3 -c 'import pymodbus.server.async_io' 2>/dev/null; then
	echo "modbus_pymodbus: SKIPPED: Debian's python3-pymodbus (with python3-serial-asyncio) is not installed"
	exit 0
fi
/usr/bin/python3 "$ROOT/test/devices/pymodbus_lane.py" >"$WORK/dev.out" 2>"$WORK/dev.log" &
PIDS+=($!)
wait_for 10 "the pymodbus lane's port" grep -q '^listening ' "$WORK/dev.out"
PORT=$(sed -n 's/^listening \([0-9]*\)$/\1/p' "$WORK/dev.out")
start_daemon_devices "$PORT" "$PORT" 200 1000
wait_for 20 "the Python lane's timeline to end" grep -q ' done$' "$WORK/dev.out"
curl -sf "$(status_url /metrics)" >"$WORK/metrics.txt" || fail "GET /metrics"
stop_pid "$WG_PID" || fail "weighgated exit status $?"
cat "$WORK/dev.out"

dev_has() { grep -Eq "$1" "$WORK/dev.out"; }
[ "$(decision_of 豫A11111)" = pass ] || fail "the legal truck: '$(decision_of 豫A11111)'"
[ "$(decision_of 豫A30000)" = turnback ] || fail "the 30 t truck: '$(decision_of 豫A30000)'"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'weighing'")" = 2 ] ||
	fail "weighings: $(sql "SELECT count(*) FROM events WHERE kind = 'weighing'")"
dev_has ' drove_through 豫A11111$' || fail "the legal truck did not drive through"
dev_has ' reversed 豫A30000$' || fail "the 30 t truck did not reverse"
! dev_has 'barrier up for' || fail "the barrier went up for the 30 t truck"
# Coil writes as the Python device saw them: up once, after the legal
# truck was published and before the 30 t truck; down again after it.
awk '/ publish 豫A11111$/ { a = 1 } / publish 豫A30000$/ { b = 1 }
	/ coil 0 = 1$/ { if (!a || b) bad = 1; up++ }
	/ coil 0 = 0$/ && up { down++ }
	END { exit bad || up != 1 || !down }' "$WORK/dev.out" ||
	fail "barrier coil writes out of order (see the device's lines above)"
dev_has ' coil 1 = 1$' || fail "the passage light never went green"
dev_has ' led green 豫A11111 总重15.0吨 请通行$' || fail "no pass text on the sign"
dev_has ' led red 豫A30000 超限12.0吨 禁止驶入 请驶离$' || fail "no turnback text on the sign"
! grep -E '^weighgate_modbus_(errors|stray_frames)_total\{.*\} [1-9]' "$WORK/metrics.txt" ||
	fail "Modbus errors or stray frames against pymodbus"
grep -q '^weighgate_modbus_stray_frames_total{lane="L01",device="scale"} 0$' "$WORK/metrics.txt" ||
	fail "no stray frame metric"
echo "modbus_pymodbus: ok"
