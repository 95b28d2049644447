#!/bin/bash
# weighgate replay (docs/design.md §8) on each kind of input: JSON Lines, CSV, standard
# input (format told by content), several inputs at once; --report against a
# hand-worked file; --diff; byte-identical output on generated traffic; bad
# lines with FILE:LINE; --strict; no progress when standard error is not a
# terminal.  (Databases: test/check_replay.c.)
. "$(dirname "$0")/replay_lib.inc"
SIM="$WG_BIN/weighgate-sim"
cd "$W"
cp "$FIX"/handworked.* .

# -- the hand-worked file: every figure of the report, and the diff
"$WG" replay --out hw.out --diff hw.diff --report hw.report handworked.jsonl 2>hw.err
ruleset=$(sed -n '1s/.*"ruleset":"\([0-9a-f]\{64\}\)".*/\1/p' hw.out)
[ -n "$ruleset" ] || fail "no ruleset id in the output"
sed "s|@INPUT@|handworked.jsonl|g; s|@RULESET@|$ruleset|" handworked.report.json >want.report
cmp want.report hw.report || { diff want.report hw.report >&2; fail "report differs from the hand-worked one"; }
cmp handworked.diff.jsonl hw.diff || { diff handworked.diff.jsonl hw.diff >&2; fail "--diff differs"; }
[ "$(wc -l <hw.out)" -eq 9 ] || fail "want 9 decisions"
grep -qxF 'handworked.jsonl:8: gross_kg: must be a non-negative integer (at most 4294967295)' hw.err ||
	fail "bad line not named: $(cat hw.err)"
grep -qE '^changed decisions: 3 of 9 with a recorded decision$' hw.err || fail "diff count in summary"
grep -qE '^  pass +-> turnback +2$' hw.err || fail "pass -> turnback count in summary"
grep -qE '^  turnback +-> pass +1$' hw.err || fail "turnback -> pass count in summary"
# no progress on a standard error that is not a terminal
! grep -q $'\r' hw.err || fail "progress written to a file"
! grep -q 'records/s' hw.err || fail "progress written to a file"

# -- CSV: the same records, the same decisions and diff, bytes for bytes
"$WG" replay --out csv.out --diff csv.diff --report csv.report handworked.csv 2>csv.err
cmp hw.out csv.out || fail "CSV decisions differ from JSON Lines"
cmp hw.diff csv.diff || fail "CSV diff differs from JSON Lines"
grep -qxF 'handworked.csv:9: gross_kg: must be a non-negative integer (at most 4294967295)' csv.err ||
	fail "CSV bad line not named: $(cat csv.err)"
grep -qE '^records: 9 +bad lines: 1 +skipped lines: 0$' csv.err || fail "CSV counts: $(head -n 1 csv.err)"
# CSV without the optional columns (no axles, no plate colour, no recorded decision)
printf 'plate,lane,ts,seq,kind,config,axles,gross_kg,speed_kmh\nP1,L07,2026-11-22T08:00:00Z,1,truck,combination,6,50100,5\n' >min.csv
"$WG" replay --out min.out min.csv 2>/dev/null
grep -qF '{"lane":"L07","seq":1,"decision":"turnback","reasons":["over_gross"],"legal_limit_kg":49000,"applied_limit_kg":49980,"over_kg":1100,' min.out ||
	fail "minimal CSV: $(cat min.out)"

# axle columns: the axle-sum check applies (2 000 + 9 000 is far from 17 000)
printf 'lane,ts,seq,kind,config,axles,gross_kg,speed_kmh,plate,axle1_kg,axle2_kg\nL01,2026-11-22T08:00:00Z,1,truck,rigid,2,17000,5,P,2000,9000\n' >axles.csv
"$WG" replay --out axles.out axles.csv 2>/dev/null
grep -qF '"decision":"retry","reasons":["axle_sum"]' axles.out || fail "CSV axle columns: $(cat axles.out)"

# -- standard input: recognised by content, JSON Lines and CSV alike
"$WG" replay --out - - <handworked.jsonl >stdin.out 2>/dev/null
cmp hw.out stdin.out || fail "stdin JSON Lines"
"$WG" replay --out - - <handworked.csv >stdin-csv.out 2>/dev/null
cmp hw.out stdin-csv.out || fail "stdin CSV"
# the file name does not decide the format
cp handworked.csv looks-like.jsonl
"$WG" replay --out named.out looks-like.jsonl 2>/dev/null
cmp hw.out named.out || fail "a CSV named .jsonl"

# -- several inputs: in the order given, retries counted per lane across them
"$WG" replay --out two.out --report two.report handworked.jsonl handworked.csv 2>two.err
cat hw.out csv.out | cmp - two.out || fail "two inputs: not the concatenation"
grep -qE '^records: 18 +bad lines: 2 +skipped lines: 1$' two.err || fail "two inputs counts"
grep -qF '"inputs":["handworked.jsonl","handworked.csv"],' two.report || fail "report inputs"

# -- --strict: the first bad line stops the run with 65, named FILE:LINE
status 65 "$WG" replay --strict --out strict.out handworked.csv 2>strict.err
grep -qF 'handworked.csv:9: gross_kg' strict.err || fail "--strict message"
[ "$(wc -l <strict.out)" -eq 7 ] || fail "--strict: want the 7 decisions before the bad line"

# -- byte-identical output for the same input and configuration
[ -x "$SIM" ] || fail "no $SIM"
"$SIM" --generate 20000 --seed 3 >gen.jsonl
for i in 1 2; do
	"$WG" replay --out gen$i.out --report gen$i.report gen.jsonl 2>gen$i.err
done
cmp gen1.out gen2.out || fail "outputs differ between runs"
cmp gen1.report gen2.report || fail "reports differ between runs"
cmp gen1.err gen2.err || fail "summaries differ between runs"
[ "$(wc -l <gen1.out)" -gt 19000 ] || fail "generated traffic: too few decisions"

# -- inputs that cannot be read: 66, nothing half-done
status 66 "$WG" replay "$FIX/not_an_input.txt" 2>junk.err
grep -qF 'not JSON Lines, CSV or a weighgate database' junk.err || fail "junk input message"
printf 'lane,ts,seq\nL01,x,1\n' >short.csv
status 66 "$WG" replay short.csv 2>short.err
grep -qF 'no column kind' short.err || fail "CSV header message: $(cat short.err)"
status 66 "$WG" replay - <"$ROOT/test/fixtures/replay/handworked.jsonl" /nonexistent 2>/dev/null
echo "replay_inputs: ok"
