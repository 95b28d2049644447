#!/bin/bash
# Run every test: the Check unit suites in $B/test/check_*, then the
# black-box scenarios test/scenarios/*.sh.  Each has a time bound; a test's
# output is kept in $B/test-logs/NAME.log and shown when it fails.
#
# Tests run TEST_JOBS at a time (default 2: the lane controllers and CI
# machines have two cores).  A scenario whose file has the line
# "# test: solo" runs alone, with nothing else beside it: those measure
# time on the lane or load the machine themselves.
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
JOBS=${TEST_JOBS:-2}

pass=0
fail=0
failed=""
declare -A running=()		# pid -> test name

# one NAME LIMIT CMD...: run a test, leave "RC MS" in its .rc file.
one() {
	local name=$1 limit=$2; shift 2
	local log="$LOGS/$name.log" t0 t1 rc
	t0=$(date +%s%N)
	timeout -k 5 "$limit" "$@" >"$log" 2>&1 </dev/null
	rc=$?
	t1=$(date +%s%N)
	[ $rc -eq 124 ] && echo "(timed out after ${limit}s)" >>"$log"
	echo "$rc $(((t1 - t0) / 1000000))" >"$LOGS/$name.rc"
}

# report NAME: print the outcome of a finished test.
report() {
	local name=$1 rc ms
	read -r rc ms <"$LOGS/$name.rc" || { rc=1; ms=0; }
	if [ "$rc" -eq 0 ]; then
		pass=$((pass + 1))
		printf 'PASS  %-32s %6d ms\n' "$name" "$ms"
	else
		fail=$((fail + 1))
		failed="$failed $name"
		printf 'FAIL  %-32s (exit %d)\n' "$name" "$rc"
		sed 's/^/    | /' "$LOGS/$name.log" | tail -n 40
	fi
}

# reap: wait for one running test to end and report it.
reap() {
	local pid
	wait -n -p pid "${!running[@]}" 2>/dev/null
	[ -n "${pid:-}" ] || return 0
	report "${running[$pid]}"
	unset "running[$pid]"
}

# start NAME LIMIT SOLO CMD...: start a test once a slot is free (all
# slots, for a solo test).
start() {
	local name=$1 limit=$2 solo=$3; shift 3
	local want=$JOBS
	[ "$solo" = 1 ] && want=1
	while [ ${#running[@]} -ge "$want" ] ||
	    { [ "$solo" = 1 ] && [ ${#running[@]} -gt 0 ]; }; do
		reap
	done
	rm -f "$LOGS/$name.rc"
	one "$name" "$limit" "$@" &
	running[$!]=$name
	# a solo test has the machine to itself until it ends
	[ "$solo" = 1 ] && reap
	return 0
}

for t in "$ROOT/$B"/test/check_*; do
	[ -x "$t" ] || continue
	start "$(basename "$t")" "$UNIT_TIMEOUT" 0 "$t"
done
for t in "$ROOT"/test/scenarios/*.sh; do
	[ -f "$t" ] || continue
	solo=0
	grep -q '^# test: solo$' "$t" && solo=1
	start "scenario-$(basename "$t" .sh)" "$SCEN_TIMEOUT" "$solo" bash "$t"
done
while [ ${#running[@]} -gt 0 ]; do
	reap
done

echo
[ $fail -gt 0 ] && echo "failed:$failed"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
