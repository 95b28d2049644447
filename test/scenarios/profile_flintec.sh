#!/bin/bash
# The lane against the Flintec FT-112 indicator's layout (1-based
# numbering, a 32-bit status with the decimal point in bits B27-B31, a
# heartbeat, the label number CN as a 32-bit result sequence; no plate, no
# axle count): the simulator serves the scale as profile flintec-ft112,
# the daemon reads it through scale_profile = flintec-ft112.  Every
# truck's gross is read as published, in order; without an axle count the
# rules cannot find the limit, so no truck is let through (the barrier
# never goes up), the forcing truck is a forced entry, a silent scale is a
# device_fault and recovers (test/scenarios/profile_lib.inc).
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/profile_lib.inc"

profile_lane flintec-ft112 no no
echo "profile_flintec: ok"
