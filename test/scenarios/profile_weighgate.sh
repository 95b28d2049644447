#!/bin/bash
# The basic lane against the built-in weighgate block (today's 29
# registers): the simulator serves the scale as profile weighgate, the
# daemon reads it through scale_profile = weighgate.  A legal truck
# passes, an over-limit one is turned back, another forces its way through
# (forced_entry, the barrier never up for it), a watch-listed one is
# intercepted, a silent scale is a device_fault and recovers, and the
# truck after it passes; every raise has its committed pass before it
# (test/scenarios/profile_lib.inc).
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/profile_lib.inc"

profile_lane weighgate yes
echo "profile_weighgate: ok"
