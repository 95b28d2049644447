#!/bin/bash
# make demo at DEMO_SPEEDUP=8 (README, docs/design.md §2) on a short traffic
# file (test/fixtures/demo/traffic_fast.jsonl: 40 vehicles from the bundled
# traffic, with an over-limit truck, a permit, a watch-list hit, a forced
# entry and a 16 s scale fault, 2 s at x8): the demo holds the simulator
# until the daemon has its baseline, so every result is decided; the fault
# outlasts fault_after_ms and is seen; its summary is consistent (no
# MISMATCH); turn-backs, the intercept, the forced entry and the fault are
# marked; columns line up by display width (plates with CJK and `·`); the
# limit is the legal limit as the board shows it; the board's URL is printed;
# no colour codes when the output is not a terminal, colours when it is.
. "$(dirname "$0")/lib.inc"

cd "$ROOT"
sport=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
rc=0
DEMO_SPEEDUP=8 DEMO_TRAFFIC=test/fixtures/demo/traffic_fast.jsonl \
	DEMO_STATUS_LISTEN=127.0.0.1:$sport DEMO_DIR="$WORK/demo" \
	bash tools/demo.sh >"$WORK/demo.out" 2>"$WORK/demo.log" || rc=$?
cp "$WORK/demo.out" "$WORK/demo-output.log"	# shown by fail()
[ $rc = 0 ] || fail "the demo exited $rc"
O=$WORK/demo.out
! grep -q MISMATCH "$O" || fail "the demo's summary: $(grep MISMATCH "$O")"
[ "$(grep -c '^  consistent: ' "$O")" = 2 ] || fail "not both verdicts consistent"
grep -qF "status board: http://127.0.0.1:$sport/" "$O" || fail "the board's URL not printed"
! grep -q $'\033' "$O" || fail "colour codes written to a file"

# every vehicle of the file left, every result was decided or counted missed
grep -q '^  simulator: 40 results published' "$O" || fail "$(grep '^  simulator' "$O")"
# the fault was seen and recovered from
grep -q '^>> .* \*\* device fault: scale' "$O" || fail "the scale fault is not shown (marked)"
grep -q '^   .* \*\* device recovered: scale' "$O" || fail "no recovery shown"
grep -q '^  event device_fault: 1$' "$O" || fail "no device_fault event"
# the decisions that must stand out are marked; passes are not
grep -q '^>> .* 晋E5R693 .* turnback ' "$O" || fail "the over-limit truck not marked"
grep -q '^>> .* 冀E·7H835 .* intercept ' "$O" || fail "the watch-list hit not marked"
grep -q '^>> .* \*\* forced entry (no_pass), last weighing 豫G73262 turnback 24.5 t' "$O" ||
	fail "the forced entry not shown as a sentence"
! grep -q '^>> .* pass  ' "$O" || fail "a pass marked"
# legal limit, not the applied one: 55 000 kg on 6 axles, limit 49.0 t
grep -qE '晋E5R693 +6 +55\.0 +49\.0 +turnback +over_gross +晋E5R693 超限6\.0吨' "$O" ||
	fail "the turnback row: $(grep 晋E5R693 "$O")"
# columns by display width: the decision column starts at the same cell on
# every row (CJK characters two cells, '·' one)
cols=$(grep -E '^(>>|  ) [0-9:]{8} +[0-9]+  ' "$O" | perl -CS -ne '
	/^(.*?)(pass|turnback|intercept|retry|hold|fault) / or next;
	my $w = 0; $w += /[\p{EA=W}\p{EA=F}]/ ? 2 : 1 for split //, $1; print "$w\n"' | sort -u)
[ -n "$cols" ] && [ "$(echo "$cols" | wc -l)" = 1 ] || fail "decision column at cells: $(echo $cols)"
[ "$(grep -cE '^(>>|  ) [0-9:]{8} +[0-9]+  ' "$O")" -ge 36 ] || fail "fewer weighing rows than weighings"

# on a colour terminal: the formatter paints the rows that stand out
printf 'W\t08:00:00\t1\t晋E5R693\t6\t55.0\t49.0\tturnback\tover_gross\tx\nW\t08:00:01\t2\t豫A1\t2\t1.0\t18.0\tpass\twithin_limit\ty\n' |
	perl tools/demo-fmt.pl 1 >"$WORK/colour.out"
grep -q $'^\033\\[1;31m>> 08:00:00' "$WORK/colour.out" || fail "no colour for a turnback: $(cat -v "$WORK/colour.out")"
grep -q $'^   08:00:01' "$WORK/colour.out" || fail "a pass painted: $(cat -v "$WORK/colour.out")"

echo "demo_fast: ok ($(grep '^  consistent: every result' "$O" | sed 's/ every vehicle.*//'))"
