#!/bin/bash
# weighgate replay (docs/design.md §8) on the bundled demo traffic and on fixtures:
# byte-identical output, hand-worked decisions, the summary, bad lines,
# --strict, per-lane retries, -c rules, exit statuses.
. "$(dirname "$0")/replay_lib.inc"
TRAFFIC="$ROOT/conf/demo/traffic.jsonl"
LISTS="$ROOT/conf/demo/lists.json"

# -- the demo traffic, twice: byte-identical output and summary
"$WG" replay --lists "$LISTS" --out "$W/a.jsonl" "$TRAFFIC" 2>"$W/a.err"
"$WG" replay --lists "$LISTS" --out "$W/b.jsonl" "$TRAFFIC" 2>"$W/b.err"
cmp "$W/a.jsonl" "$W/b.jsonl" || fail "two runs differ"
cmp "$W/a.err" "$W/b.err" || fail "two summaries differ"
# standard input gives the same bytes
"$WG" replay --lists "$LISTS" --out - - <"$TRAFFIC" >"$W/c.jsonl" 2>/dev/null
cmp "$W/a.jsonl" "$W/c.jsonl" || fail "stdin output differs"
# one line per vehicle (the fault line is skipped), nothing without --out
[ "$(wc -l <"$W/a.jsonl")" -eq 300 ] || fail "want 300 decisions"
"$WG" replay --lists "$LISTS" "$TRAFFIC" >"$W/none.out" 2>/dev/null
[ ! -s "$W/none.out" ] || fail "decisions written without --out"

# -- hand-worked decisions (default rules: scale_class 2, tolerance 2 %)
A="$W/a.jsonl"
D='"decision"'
has "$A" '"seq":12,'$D':"pass","reasons":["within_limit"],"legal_limit_kg":18000,"applied_limit_kg":18360,"over_kg":300,"over_pct":1.67,'
has "$A" '"seq":23,'$D':"turnback","reasons":["over_gross"],"legal_limit_kg":49000,"applied_limit_kg":49980,"over_kg":6000,"over_pct":12.24,"flag_100t":false,"permit_id":null,'
has "$A" '"seq":41,'$D':"pass","reasons":["passenger"],"legal_limit_kg":null,"applied_limit_kg":null,"over_kg":null,"over_pct":null,"flag_100t":false,"permit_id":null,'
has "$A" '"seq":58,'$D':"pass","reasons":["permit"],"legal_limit_kg":49000,"applied_limit_kg":49980,"over_kg":9600,"over_pct":19.59,"flag_100t":false,"permit_id":"HA-DJ-2026-110457",'
has "$A" '"seq":77,'$D':"intercept","reasons":["watch"],"legal_limit_kg":49000,"applied_limit_kg":49980,"over_kg":-5800,"over_pct":-11.84,'
has "$A" '"seq":95,'$D':"turnback","reasons":["over_gross"],"legal_limit_kg":18000,"applied_limit_kg":18360,"over_kg":6500,"over_pct":36.11,'
has "$A" '"seq":120,'$D':"retry","reasons":["speed"],"legal_limit_kg":null,'
has "$A" '"seq":121,'$D':"retry","reasons":["unstable"],"legal_limit_kg":null,'
has "$A" '"seq":122,'$D':"pass","reasons":["within_limit"],"legal_limit_kg":43000,'
has "$A" '"seq":133,'$D':"pass","reasons":["within_limit","config_unknown"],"legal_limit_kg":36000,"applied_limit_kg":36720,"over_kg":-3000,"over_pct":-8.33,'
has "$A" '"seq":164,'$D':"pass","reasons":["within_limit"],"legal_limit_kg":49000,"applied_limit_kg":49980,"over_kg":850,"over_pct":1.73,'
has "$A" '"seq":181,'$D':"turnback","reasons":["over_gross"],"legal_limit_kg":49000,"applied_limit_kg":49980,"over_kg":52300,"over_pct":106.73,"flag_100t":true,"permit_id":null,'
has "$A" '"seq":199,'$D':"pass","reasons":["exempt"],"legal_limit_kg":25000,"applied_limit_kg":25500,"over_kg":1800,"over_pct":7.20,'
has "$A" '"seq":213,'$D':"turnback","reasons":["over_gross"],"legal_limit_kg":43000,"applied_limit_kg":43860,"over_kg":4800,"over_pct":11.16,'
has "$A" '"seq":236,'$D':"pass","reasons":["passenger"],'
has "$A" '"seq":250,'$D':"turnback","reasons":["over_gross","permit_mismatch"],"legal_limit_kg":49000,"applied_limit_kg":49980,"over_kg":7000,"over_pct":14.29,"flag_100t":false,"permit_id":null,'
has "$A" '"seq":268,'$D':"pass","reasons":["within_limit"],"legal_limit_kg":31000,"applied_limit_kg":31620,"over_kg":500,"over_pct":1.61,'
has "$A" '"seq":284,'$D':"turnback","reasons":["over_gross"],"legal_limit_kg":46000,"applied_limit_kg":46920,"over_kg":1500,"over_pct":3.26,'
# the turnbacks are exactly those six, and only the 百吨王 carries the flag
[ "$(grep -c '"decision":"turnback"' "$A")" -eq 6 ] || fail "want 6 turnbacks"
[ "$(grep -c '"flag_100t":true' "$A")" -eq 1 ] || fail "want one flag_100t"
# the first line whole: key order, types, a 64-hex ruleset id
first=$(head -n 1 "$A" | sed 's/"ruleset":"[0-9a-f]\{64\}"}$/"ruleset":RULESET}/')
[ "$first" = '{"lane":"L01","seq":1,"decision":"pass","reasons":["within_limit"],"legal_limit_kg":18000,"applied_limit_kg":18360,"over_kg":-1840,"over_pct":-10.22,"flag_100t":false,"permit_id":null,"ruleset":RULESET}' ] ||
	fail "first line: $(head -n 1 "$A")"

# -- the summary: a table on standard error
S="$W/a.err"
# row NAME N...: a line of the summary with these cells, any spacing
row() {
	local re="^ *$(printf '%s +' "$@" | sed 's/ +$//')( |\$)"
	grep -qE -- "$re" "$S" || fail "summary lacks row '$*': $(cat "$S")"
}
grep -qxE 'records: 300 +bad lines: 0 +skipped lines: 1' "$S" ||
	fail "summary head: $(head -n 1 "$S")"
row pass 291 97.00; row turnback 6 2.00; row intercept 1 0.33
row retry 2 0.67; row hold 0 0.00; row fault 0 0.00
row over_gross 6; row permit_mismatch 1; row watch 1; row passenger 2
row exempt 1; row permit 1
row 2 all 115 1 0.87; row 6 all 105 4 3.81
grep -qxF 'flag_100t (gross >= 100 t): 1' "$S" || fail "flag_100t count"

# -- bad lines: FILE:LINE on stderr, counted, exit 0; --strict stops with 65
status 0 "$WG" replay --out "$W/bad.jsonl" "$FIX/bad_lines.jsonl" 2>"$W/bad.err"
has "$W/bad.err" "$FIX/bad_lines.jsonl:2: not valid JSON"
has "$W/bad.err" "$FIX/bad_lines.jsonl:4: gross_kg: must be a non-negative integer"
has "$W/bad.err" "$FIX/bad_lines.jsonl:7: gross_kg: missing"
grep -qxE 'records: 2 +bad lines: 3 +skipped lines: 1' "$W/bad.err" ||
	fail "bad lines, skipped lines or records miscounted"
[ "$(wc -l <"$W/bad.jsonl")" -eq 2 ] || fail "want 2 decisions from bad_lines"
has "$W/bad.jsonl" '"seq":6,"decision":"turnback"'
status 65 "$WG" replay --strict --out "$W/strict.jsonl" "$FIX/bad_lines.jsonl" 2>"$W/strict.err"
has "$W/strict.err" "$FIX/bad_lines.jsonl:2: "
! grep -qF "bad_lines.jsonl:4:" "$W/strict.err" || fail "--strict went on"
[ "$(wc -l <"$W/strict.jsonl")" -eq 1 ] || fail "want 1 decision before the bad line"

# -- retries count per lane: the 3rd consecutive retry on L01 is a hold,
#    L02's pass in between does not reset L01, and a hold restarts the count
"$WG" replay --out "$W/r.jsonl" "$FIX/retries.jsonl" 2>/dev/null
sed 's/,"legal_limit_kg".*//' "$W/r.jsonl" >"$W/r.short"
cat >"$W/r.want" <<'EOF'
{"lane":"L01","seq":1,"decision":"retry","reasons":["speed"]
{"lane":"L02","seq":1,"decision":"retry","reasons":["unstable"]
{"lane":"L01","seq":2,"decision":"retry","reasons":["speed"]
{"lane":"L02","seq":2,"decision":"pass","reasons":["within_limit"]
{"lane":"L01","seq":3,"decision":"hold","reasons":["retries_exhausted","speed"]
{"lane":"L02","seq":3,"decision":"retry","reasons":["invalid"]
{"lane":"L01","seq":4,"decision":"retry","reasons":["speed"]
EOF
diff "$W/r.want" "$W/r.short" || fail "per-lane retries"

# -- -c takes [rules]: a class 5 scale lets 51 000 kg pass on 6 axles
"$WG" replay --out "$W/d.jsonl" "$FIX/class5.jsonl" 2>/dev/null
"$WG" replay -c "$FIX/class5.conf" --out "$W/c5.jsonl" "$FIX/class5.jsonl" 2>/dev/null
has "$W/d.jsonl" '"seq":9,"decision":"turnback","reasons":["over_gross"],"legal_limit_kg":49000,"applied_limit_kg":49980,'
has "$W/c5.jsonl" '"seq":9,"decision":"pass","reasons":["within_limit"],"legal_limit_kg":49000,"applied_limit_kg":51450,'
has "$W/c5.jsonl" '"seq":10,"decision":"turnback","reasons":["over_gross"],"legal_limit_kg":49000,"applied_limit_kg":51450,"over_kg":2460,"over_pct":5.02,'
r1=$(sed -n '1s/.*"ruleset":"\([0-9a-f]*\)".*/\1/p' "$W/d.jsonl")
r2=$(sed -n '1s/.*"ruleset":"\([0-9a-f]*\)".*/\1/p' "$W/c5.jsonl")
[ ${#r1} -eq 64 ] && [ ${#r2} -eq 64 ] && [ "$r1" != "$r2" ] || fail "ruleset ids: $r1 $r2"

# -- exit statuses: usage 2, unreadable or unknown input 66, bad lists 65
status 2 "$WG" replay 2>/dev/null
status 2 "$WG" replay --no-such-option "$TRAFFIC" 2>/dev/null
status 66 "$WG" replay "$W/does-not-exist.jsonl" 2>/dev/null
status 66 "$WG" replay "$W" 2>/dev/null
status 66 "$WG" replay "$FIX/not_an_input.txt" 2>"$W/csv.err"
has "$W/csv.err" "not_an_input.txt: line 1: not JSON Lines, CSV or a weighgate database"
status 66 "$WG" replay --lists "$W/does-not-exist.json" "$TRAFFIC" 2>/dev/null
status 65 "$WG" replay --lists "$FIX/bad_lists.json" "$TRAFFIC" 2>"$W/lists.err"
has "$W/lists.err" "bad_lists.json: watch[0]"
status 78 "$WG" replay -c "$W/does-not-exist.conf" "$TRAFFIC" 2>/dev/null
# an empty input is no records, not an error
: >"$W/empty.jsonl"
status 0 "$WG" replay "$W/empty.jsonl" 2>"$W/empty.err"
grep -qE '^records: 0 ' "$W/empty.err" || fail "empty input"

echo "replay_demo: ok"
