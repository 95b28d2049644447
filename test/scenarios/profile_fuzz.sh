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
	src/profile_parse.c src/profile_plan.c src/profile_decode.c src/decode.c \
	src/led.c src/sbuf.c src/measurement.c src/log.c src/timefmt.c \
	$(pkg-config --libs inih libevent) -lm ||
	fail "building fuzz_profile"

mkdir -p "$W/corpus"
cp profiles/*.profile "$W/corpus/"
(cd "$W" && ./fuzz_profile -max_total_time="$SECS" -max_len=4096 -timeout=10 \
    -print_final_stats=1 corpus >"$W/fuzz.log" 2>&1) || {
	tail -n 40 "$W/fuzz.log" >&2
	for f in "$W"/crash-* "$W"/leak-* "$W"/timeout-* "$W"/oom-*; do
		[ -e "$f" ] || continue
		cp "$f" "${TMPDIR:-/tmp}/profile_fuzz_$(basename "$f")"
		echo "input kept: ${TMPDIR:-/tmp}/profile_fuzz_$(basename "$f")" >&2
	done
	fail "fuzz_profile found a problem (report above)"
}
grep -E '^stat::number_of_executed_units' "$W/fuzz.log" | sed 's/^/fuzz_profile: /'
echo "profile_fuzz: ok"
