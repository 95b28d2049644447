#!/bin/bash
# The scale returns random values in all its registers, every 100 ms, for
# 2.5 s (docs/design.md §11: garbage never leads to a pass the data does not
# support).  No weighing decided in the garbage window is a pass, the
# barrier stays down, a device_fault (scale) is recorded (random status
# words carry the fault bit) and the fault text shown; afterwards the lane
# recovers by itself and the next truck is decided and through.
. "$(dirname "$0")/lib.inc"
scale_fault_scenario garbage
assert_led_fault_shown
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'weighing' AND
	json_extract(body, '$.decision') = 'pass' AND
	json_extract(body, '$.measurement.plate') <> '豫A22222'")" = 0 ] ||
	fail "a pass decided from garbage"
echo "fault_scale_garbage: ok"
