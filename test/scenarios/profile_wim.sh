#!/bin/bash
# The basic lane against the example WIM controller's layout (gross and
# axle weights in 10 kg, a status register of bits, a 16-bit vehicle
# sequence, a plate): the simulator serves the scale as profile wim-
# example, the daemon reads it through scale_profile = wim-example.  A
# legal truck passes, an over-limit one is turned back, another forces its
# way through (forced_entry, the barrier never up for it), a watch-listed
# one is intercepted, a silent scale is a device_fault and recovers, and
# the truck after it passes; every raise has its committed pass before it
# (test/scenarios/profile_lib.inc).
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/profile_lib.inc"

profile_lane wim-example yes
echo "profile_wim: ok"
