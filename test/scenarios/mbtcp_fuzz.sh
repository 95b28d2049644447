#!/bin/bash
# libFuzzer run of the Modbus TCP reply parser (test/fuzz/fuzz_mbtcp.c:
# mbtcp_parse against a request chosen by the input, frame after frame),
# built here with clang -fsanitize=fuzzer,address,undefined and run for
# FUZZ_SECONDS (10); a crash, a leak or a broken invariant fails the test.
# A longer run: FUZZ_SECONDS=3600 bash test/scenarios/mbtcp_fuzz.sh.
# Skipped, saying so, when clang or libclang-rt is missing.
NAME=mbtcp_fuzz
SECS=${FUZZ_SECONDS:-10}
. "$(dirname "$0")/fuzz_lib.inc"

cd "$ROOT"
CFLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
    -std=c11 -D_GNU_SOURCE -Iinclude $(pkg-config --cflags libmodbus libevent)"
# shellcheck disable=SC2086
clang $CFLAGS -o "$W/fuzz_mbtcp" test/fuzz/fuzz_mbtcp.c src/mbtcp.c src/log.c \
	src/timefmt.c $(pkg-config --libs libevent) -lm || fail "building fuzz_mbtcp"

# seeds: a request header (fc, unit, tid, addr, count) and replies to it
mkdir -p "$W/corpus"
s() { printf "$2" >"$W/corpus/$1"; }
s read3 '\x02\x01\x0a\x0b\x00\x00\x00\x01\x0a\x0b\x00\x00\x00\x07\x01\x03\x04\x12\x34\x56\x78'
s stray3 '\x02\x01\x0a\x0b\x00\x00\x00\x01\x00\x00\x00\x00\x00\x07\x01\x03\x04\x00\x01\x00\x02\x0a\x0b\x00\x00\x00\x07\x01\x03\x04\x12\x34\x56\x78'
s exc3 '\x02\x01\x0a\x0b\x00\x00\x00\x01\x0a\x0b\x00\x00\x00\x03\x01\x83\x02'
s bits2 '\x01\x02\x00\x05\x00\x00\x00\x09\x00\x05\x00\x00\x00\x05\x02\x02\x02\x05\x02'
s coil5 '\x04\x03\x00\x07\x00\x02\x00\x01\x00\x07\x00\x00\x00\x06\x03\x05\x00\x02\xff\x00'
s regs16 '\x07\x03\x00\x07\x00\x02\x00\x03\x00\x07\x00\x00\x00\x06\x03\x10\x00\x02\x00\x03'
fuzz_run fuzz_mbtcp corpus 1024
echo "mbtcp_fuzz: ok"
