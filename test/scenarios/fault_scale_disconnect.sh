#!/bin/bash
# The simulator's port drops every connection for 2.5 s (docs/design.md §4.2, §11).
# One shared port: the scale, the I/O module and the sign are all cut off,
# so the lane is FAULT through the scale and the I/O module (device_fault
# for both), the barrier is never raised, and the fault text cannot reach
# the sign (it is unreachable too: not asserted).  Afterwards the lane
# recovers by itself (device_recovered for both, idle text) and the next
# truck is decided and through.  /metrics counts the device_fault and
# device_recovered events of the lane as the store has them.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/status_lib.inc"
STATUS_PORT=$(free_port)
scale_fault_scenario disconnect
[ "$(events_of device_fault io)" -ge 1 ] || fail "no device_fault (io)"
[ "$(events_of device_recovered io)" -ge 1 ] || fail "no device_recovered (io)"
echo "fault_scale_disconnect: ok"
