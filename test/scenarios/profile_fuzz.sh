#!/bin/bash
# libFuzzer run of the device profile parser (test/fuzz/fuzz_profile.c:
# profile_parse, then a decode of every profile it accepts against images
# of exactly the planned sizes), built with clang
# -fsanitize=fuzzer,address,undefined and run for FUZZ_SECONDS (10); a
# crash, a leak or a broken invariant fails the test.  Seeds: the shipped
# profiles.  Skipped, saying so, when clang or libclang-rt is missing.
NAME=profile_fuzz
SECS=${FUZZ_SECONDS:-10}
. "$(dirname "$0")/fuzz_lib.inc"

cd "$ROOT"
CFLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
    -std=c11 -D_GNU_SOURCE -Iinclude $(pkg-config --cflags libevent)"
# shellcheck disable=SC2086
clang $CFLAGS -o "$W/fuzz_profile" test/fuzz/fuzz_profile.c src/profile.c \
	src/profile_parse.c src/iniline.c src/profile_plan.c src/profile_decode.c src/decode.c \
	src/led.c src/sbuf.c src/measurement.c src/log.c src/timefmt.c \
	$(pkg-config --libs inih libevent) -lm ||
	fail "building fuzz_profile"

mkdir -p "$W/corpus"
cp profiles/*.profile "$W/corpus/"
fuzz_run fuzz_profile corpus 4096
echo "profile_fuzz: ok"
