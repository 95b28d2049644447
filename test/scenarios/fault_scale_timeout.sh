#!/bin/bash
# The scale stops answering for 2.5 s (docs/design.md §4.2, §11): device_fault (scale)
# after fault_after_ms, the fault text in red, the barrier down throughout,
# then recovery by itself and the next truck decided and through.
. "$(dirname "$0")/lib.inc"
scale_fault_scenario timeout
assert_led_fault_shown
echo "fault_scale_timeout: ok"
