#!/bin/bash
# Run every test: the Check unit suites in $B/test/check_*, then the
# black-box scenarios test/scenarios/*.sh.  Each has a time bound; a test's
# output is kept in $B/test-logs/NAME.log and shown when it fails.
# Ends with the line "N passed, N failed".
set -u
B=${B:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LOGS="$ROOT/$B/test-logs"
mkdir -p "$LOGS"
export B ROOT
export WG_BIN="$ROOT/$B"
UNIT_TIMEOUT=${UNIT_TIMEOUT:-300}
SCEN_TIMEOUT=${SCEN_TIMEOUT:-300}

pass=0
fail=0
failed=""

run() {
	local name=$1 limit=$2; shift 2
	local log="$LOGS/$name.log" t0 t1 rc
	t0=$(date +%s%N)
	timeout -k 5 "$limit" "$@" >"$log" 2>&1
	rc=$?
	t1=$(date +%s%N)
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1))
		printf 'PASS  %-32s %6d ms\n' "$name" $(((t1 - t0) / 1000000))
	else
		fail=$((fail + 1))
		failed="$failed $name"
		[ $rc -eq 124 ] && echo "(timed out after ${limit}s)" >>"$log"
		printf 'FAIL  %-32s (exit %d)\n' "$name" "$rc"
		sed 's/^/    | /' "$log" | tail -n 40
	fi
}

for t in "$ROOT/$B"/test/check_*; do
	[ -x "$t" ] || continue
	run "$(basename "$t")" "$UNIT_TIMEOUT" "$t"
done
for t in "$ROOT"/test/scenarios/*.sh; do
	[ -f "$t" ] || continue
	run "scenario-$(basename "$t" .sh)" "$SCEN_TIMEOUT" bash "$t"
done

echo
[ $fail -gt 0 ] && echo "failed:$failed"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
