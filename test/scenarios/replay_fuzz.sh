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

run() {
	local t=$1 corpus=$2
	(cd "$W" && ./"fuzz_$t" -max_total_time="$SECS" -max_len=2048 \
	    -timeout=10 -print_final_stats=1 "$corpus" >"$W/$t.log" 2>&1) || {
		tail -n 40 "$W/$t.log" >&2
		for f in "$W"/crash-* "$W"/leak-* "$W"/timeout-* "$W"/oom-*; do
			[ -e "$f" ] || continue
			cp "$f" "${TMPDIR:-/tmp}/replay_fuzz_$(basename "$f")"
			echo "input kept: ${TMPDIR:-/tmp}/replay_fuzz_$(basename "$f")" >&2
		done
		fail "fuzz_$t found a problem (report above)"
	}
	grep -E '^stat::number_of_executed_units' "$W/$t.log" |
	    sed "s/^/fuzz_$t: /"
}
run jsonrec json
run csvrec csv
echo "replay_fuzz: ok"
