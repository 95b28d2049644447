#!/bin/bash
# libFuzzer runs of replay's record readers (docs/design.md §11: parsers are fuzzed):
# the fast JSON Lines reader against cJSON's (test/fuzz/fuzz_jsonrec.c) and
# the CSV reader (test/fuzz/fuzz_csvrec.c), built here with clang
# -fsanitize=fuzzer,address,undefined, each run for FUZZ_SECONDS (20).
# A longer run: FUZZ_SECONDS=3600 bash test/scenarios/replay_fuzz.sh
# (docs/replay.md).  Skipped, saying so, when clang or libclang-rt is missing.
NAME=replay_fuzz
SECS=${FUZZ_SECONDS:-20}
. "$(dirname "$0")/fuzz_lib.inc"

cd "$ROOT"
SRCS="src/jsonrec.c src/record.c src/recshape.c src/csvrec.c src/measurement.c src/timefmt.c
    src/decode.c src/sbuf.c src/log.c src/rules.c src/lists.c src/plate.c
    src/chain.c"
CFLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
    -std=c11 -D_GNU_SOURCE -Iinclude $(pkg-config --cflags libcjson libevent)"
LIBS="$(pkg-config --libs libcjson libcrypto libevent) -lm"
for t in jsonrec csvrec; do
	# shellcheck disable=SC2086
	clang $CFLAGS -o "$W/fuzz_$t" "test/fuzz/fuzz_$t.c" $SRCS $LIBS ||
		fail "building fuzz_$t"
done

# seed corpora: the demo traffic and the fixtures, one record a file
mkdir -p "$W/json" "$W/csv"
head -n 300 conf/demo/traffic.jsonl | split -l 1 - "$W/json/demo_"
cp test/fixtures/replay/*.jsonl "$W/json/"
cp test/fixtures/replay/*.csv "$W/csv/"

fuzz_run fuzz_jsonrec json 2048
fuzz_run fuzz_csvrec csv 2048
echo "replay_fuzz: ok"
