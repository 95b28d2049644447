#!/bin/bash
# make demo: replay the bundled sample traffic of one lane through the
# decision rules, show every decision, then the summary.
set -euo pipefail
B=${B:-build}
cd "$(dirname "$0")/.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT

echo "== weighgate demo: $(grep -c . conf/demo/traffic.jsonl) lines of lane traffic (conf/demo/traffic.jsonl)"
echo "== rules: conf/demo/weighgate.conf; lists: conf/demo/lists.json"
echo
"$B/weighgate" replay -c conf/demo/weighgate.conf --lists conf/demo/lists.json \
	--out "$out" conf/demo/traffic.jsonl 2>"$out.summary"
# One line per decision: seq, plate, axles, gross, limit, decision, reasons.
paste -d'\t' <(grep -v '"device_fault"' conf/demo/traffic.jsonl) "$out" |
awk -F'\t' '
function field(s, k,   r) {
	if (match(s, "\"" k "\":(\"[^\"]*\"|[^,}]*)")) {
		r = substr(s, RSTART + length(k) + 3, RLENGTH - length(k) - 3)
		gsub(/"/, "", r); return r
	}
	return "-"
}
function reasons(s,   r) {
	if (match(s, /"reasons":\[[^]]*\]/)) {
		r = substr(s, RSTART + 11, RLENGTH - 12); gsub(/"/, "", r); return r
	}
	return ""
}
BEGIN { printf "%5s  %-12s %5s %9s %9s  %-9s %s\n", "seq", "plate", "axles", "gross kg", "limit kg", "decision", "reasons" }
{
	printf "%5s  %-12s %5s %9s %9s  %-9s %s\n", field($2, "seq"), field($1, "plate"),
	    field($1, "axles"), field($1, "gross_kg"), field($2, "applied_limit_kg"),
	    field($2, "decision"), reasons($2)
}'
echo
cat "$out.summary"
rm -f "$out.summary"
