#!/bin/bash
# The basic lane against a scale with IEEE 754 floats in CDAB order and its
# status bits in a register of its own (the example layout of
# test/fixtures/profiles/example-cdab-scale.profile, the one the Python
# device of profile_python_device.sh plays): the simulator serves it, the
# daemon reads it through scale_profile = that file.  Pass, turnback,
# forced entry, intercept, a silent scale and the truck after it, as
# test/scenarios/profile_lib.inc asserts.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/profile_lib.inc"

profile_lane "$ROOT/test/fixtures/profiles/example-cdab-scale.profile" yes
echo "profile_cdab: ok"
