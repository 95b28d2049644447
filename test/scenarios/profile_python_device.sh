#!/bin/bash
# The daemon against a scale that is not weighgate's and not its
# simulator: a Python device (Debian's pymodbus, test/devices/cdab_scale.py)
# written from a register description — floats in CDAB order, the status
# bits at other places than the built-in block's — and read through the
# profile test/fixtures/profiles/example-cdab-scale.profile.  A legal
# 15 000.3 kg truck passes (stored as 15 000 kg), an over-limit 30 000.3 kg
# truck is turned back and the barrier never goes up for it; every barrier
# raise the device logged comes after the committed pass of its truck.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/profile_lib.inc"

py_device profile_python_device cdab_scale.py
py_lane "$ROOT/test/fixtures/profiles/example-cdab-scale.profile"

dev_has() { grep -Eq "$1" "$WORK/dev.out"; }
[ "$(decision_of 豫A11111)" = pass ] || fail "the legal truck: '$(decision_of 豫A11111)'"
[ "$(decision_of 豫A30000)" = turnback ] || fail "the 30 t truck: '$(decision_of 豫A30000)'"
[ "$(ev_count weighing)" = 2 ] || fail "weighings: $(ev_count weighing)"
# The device's values as read: floats rounded to whole kg, the rest as published.
[ "$(weighing 豫A11111 measurement.gross_kg)" = 15000 ] ||
	fail "legal truck's gross: $(weighing 豫A11111 measurement)"
[ "$(weighing 豫A11111 measurement.axle_kg)" = '[6000,9000]' ] ||
	fail "legal truck's axles: $(weighing 豫A11111 measurement)"
[ "$(weighing 豫A30000 measurement.gross_kg)" = 30000 ] ||
	fail "30 t truck's gross: $(weighing 豫A30000 measurement)"
[ "$(weighing 豫A30000 over_kg)" = 12000 ] ||
	fail "30 t truck's over_kg: $(weighing 豫A30000 over_kg)"
[ "$(weighing 豫A11111 measurement.speed_kmh)" = 5.0 ] ||
	fail "legal truck's speed: $(weighing 豫A11111 measurement)"
[ "$(weighing 豫A11111 measurement.plate_color)" = yellow ] ||
	fail "legal truck's plate colour: $(weighing 豫A11111 measurement)"
[ "$(weighing 豫A11111 measurement.seq)" = 1 ] &&
	[ "$(weighing 豫A30000 measurement.seq)" = 2 ] ||
	fail "result sequence: $(sql "SELECT body FROM events WHERE kind = 'weighing'")"
dev_has ' drove_through 豫A11111$' || fail "the legal truck did not drive through"
dev_has ' reversed 豫A30000$' || fail "the 30 t truck did not reverse"
! dev_has 'barrier up for' || fail "the barrier went up for the 30 t truck"
dev_has ' led red 豫A30000 超限12.0吨 禁止驶入 请驶离$' || fail "no turnback text on the sign"

# No raise without a committed decision before it, from the device's own
# log of coil writes (wall ms) against the store's pass events, in order.
sql "SELECT ts_ms FROM events WHERE kind IN ('override', 'unweighed_pass') OR
	(kind = 'weighing' AND json_extract(body, '\$.decision') = 'pass') ORDER BY seq" \
	>"$WORK/auth.txt"
awk 'NR == FNR { auth[++na] = $1; next }
	$2 == "coil" && $3 == 0 && $5 == 1 { if (++nr > na || auth[nr] > $1) bad = 1 }
	END { print nr " raise(s), " na " pass(es)"; exit bad || nr != 1 }' \
	"$WORK/auth.txt" "$WORK/dev.out" >"$WORK/authcheck.txt" ||
	fail "barrier raises against committed passes: $(cat "$WORK/authcheck.txt")"
echo "profile_python_device: ok"
