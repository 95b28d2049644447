#!/bin/bash
# make demo: a whole lane on the embedded default.  weighgate-sim plays the
# bundled traffic (conf/demo/traffic.jsonl) as the scale, the lane I/O module
# and the LED sign of lane L01; weighgated decides with conf/demo/weighgate.conf
# and the lists of conf/demo/lists.json.  Each decision is shown as it
# happens; the summary at the end is checked against the simulator's timeline.
set -euo pipefail
B=${B:-build}
SPEEDUP=${DEMO_SPEEDUP:-4}	# the simulator's clock runs this much faster
cd "$(dirname "$0")/.."
ROOT=$PWD
DEMO=$ROOT/$B/demo
rm -rf "$DEMO"
mkdir -p "$DEMO"
PIDS=()
stop_all() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 1 60); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null || true
	done
	PIDS=()
}
trap stop_all EXIT

traffic=conf/demo/traffic.jsonl
ntrucks=$(grep -c '"gross_kg"' "$traffic")

# The simulator on a port the kernel chooses; the demo configuration is the
# bundled one with that port and a database under build/demo.
"$B/weighgate-sim" --listen 127.0.0.1:0 --speedup "$SPEEDUP" \
	--timeline "$DEMO/timeline.jsonl" "$traffic" >"$DEMO/sim.out" 2>"$DEMO/sim.log" &
PIDS+=($!)
for _ in $(seq 1 100); do grep -q '^listening' "$DEMO/sim.out" && break; sleep 0.05; done
port=$(sed -n 's/^listening [0-9.]*:\([0-9]*\).*/\1/p' "$DEMO/sim.out")
[ -n "$port" ] || { echo "demo: the simulator did not start" >&2; cat "$DEMO/sim.log" >&2; exit 1; }
sed -e "s/127\.0\.0\.1:15020/127.0.0.1:$port/g" \
    -e "s#^db = .*#db = $DEMO/weighgate.db#" conf/demo/weighgate.conf >"$DEMO/weighgate.conf"
"$B/weighgated" -c "$DEMO/weighgate.conf" --check
"$B/weighgate" lists import -c "$DEMO/weighgate.conf" conf/demo/lists.json

echo "== weighgate demo: lane L01, $ntrucks vehicles (conf/demo/traffic.jsonl), simulator clock x$SPEEDUP"
"$B/weighgated" -c "$DEMO/weighgate.conf" >"$DEMO/weighgated.log" 2>&1 &
WG=$!
PIDS+=("$WG")

# The LED text the simulator saw after result seq S was weighed.
led_after() {
	awk -v s="$1" '
	index($0, "\"what\":\"weighed\",\"seq\":" s ",") { found = 1; next }
	found && index($0, "\"what\":\"led\"") {
		match($0, /"text":"[^"]*"/); print substr($0, RSTART + 8, RLENGTH - 9); exit
	}' "$DEMO/timeline.jsonl"
}

printf '%-9s %5s  %-11s %5s %8s %8s  %-9s %-26s %s\n' time seq plate axles "gross t" "limit t" decision reasons "LED text"
shown=0
show_new() {
	local rows
	rows=$(sqlite3 -separator $'\t' "file:$DEMO/weighgate.db?mode=ro" \
	    "SELECT seq, substr(ts, 12, 8), json_extract(body,'$.seq'),
	     json_extract(body,'$.measurement.plate'), json_extract(body,'$.measurement.axles'),
	     printf('%.2f', json_extract(body,'$.measurement.gross_kg') / 1000.0),
	     CASE WHEN json_extract(body,'$.applied_limit_kg') IS NULL THEN '-'
	          ELSE printf('%.2f', json_extract(body,'$.applied_limit_kg') / 1000.0) END,
	     json_extract(body,'$.decision'),
	     replace(replace(replace(json_extract(body,'$.reasons'),'\"',''),'[',''),']','')
	     FROM events WHERE kind = 'weighing' AND seq > $shown ORDER BY seq" 2>/dev/null) || return 0
	[ -n "$rows" ] || return 0
	while IFS=$'\t' read -r evseq t rseq plate axles gross limit decision reasons; do
		led=$(led_after "$rseq")
		[ -n "$led" ] || return 0	# not on the sign yet: next round
		printf '%-9s %5s  %-11s %5s %8s %8s  %-9s %-26s %s\n' "$t" "$rseq" "$plate" \
		    "$axles" "$gross" "$limit" "$decision" "$reasons" "$led"
		shown=$evseq
	done <<<"$rows"
}
others=0
show_other_events() {
	sqlite3 -separator ' ' "file:$DEMO/weighgate.db?mode=ro" \
	    "SELECT '          ** ' || kind || ' ' || body FROM events
	     WHERE kind NOT IN ('weighing','startup','lists_applied') AND seq > $others ORDER BY seq" 2>/dev/null || true
	others=$(sqlite3 "file:$DEMO/weighgate.db?mode=ro" "SELECT ifnull(max(seq),0) FROM events" 2>/dev/null || echo "$others")
}

# Until every vehicle of the file has been weighed and has left (bounded).
deadline=$(( $(date +%s) + 60 + ntrucks * 6 / SPEEDUP ))
while :; do
	show_other_events
	show_new
	gone=$(grep -cE '"what":"(drove_through|reversed)"' "$DEMO/timeline.jsonl" 2>/dev/null || true)
	[ "${gone:-0}" -ge "$ntrucks" ] && break
	if [ "$(date +%s)" -ge "$deadline" ]; then
		echo "demo: traffic did not finish in time" >&2
		break
	fi
	kill -0 "$WG" 2>/dev/null || { echo "demo: weighgated stopped" >&2; tail -20 "$DEMO/weighgated.log" >&2; exit 1; }
	sleep 0.3
done
sleep 1
show_other_events
show_new
kill -TERM "$WG"
for _ in $(seq 1 60); do kill -0 "$WG" 2>/dev/null || break; sleep 0.1; done

q() { sqlite3 "file:$DEMO/weighgate.db?mode=ro" "$1"; }
t() { grep -c "$1" "$DEMO/timeline.jsonl" || true; }
weighings=$(q "SELECT count(*) FROM events WHERE kind='weighing'")
passes=$(q "SELECT count(*) FROM events WHERE kind='weighing' AND json_extract(body,'$.decision')='pass'")
raises=$(t '"what":"barrier_cmd","value":1')
weighed=$(t '"what":"weighed"')
echo
echo "== summary"
q "SELECT '  decision ' || d || ': ' || count(*) FROM (SELECT json_extract(body,'$.decision') AS d
   FROM events WHERE kind='weighing') GROUP BY d ORDER BY d"
q "SELECT '  event ' || kind || ': ' || count(*) FROM events GROUP BY kind ORDER BY kind"
echo "  simulator: $weighed results published, $raises barrier raises," \
    "$(t '"what":"drove_through"') drove through, $(t '"what":"reversed"') turned back"
missed=$(q "SELECT ifnull(sum(json_extract(body,'$.missed')),0) FROM events WHERE kind='missed_results'")
forced=$(q "SELECT count(*) FROM events WHERE kind='forced_entry'")
through=$(t '"what":"drove_through"')
status=0
# Every result the scale published is a weighing event, or was published while
# the scale was silent and is counted in a missed_results event.
if [ $((weighings + missed)) -ne "$weighed" ]; then
	echo "  MISMATCH: $weighed results published, $weighings weighings + $missed missed recorded"; status=1
fi
# Every vehicle through the barrier had a recorded pass or is a recorded forced entry.
if [ "$through" -gt $((passes + forced)) ]; then
	echo "  MISMATCH: $through vehicles through, $passes passes + $forced forced entries recorded"; status=1
fi
if [ -x "$B/test/helper_authcheck" ]; then
	"$B/test/helper_authcheck" "$DEMO/weighgate.db" "$DEMO/timeline.jsonl" | sed 's/^/  /' || status=1
fi
[ $status -eq 0 ] && echo "  consistent: every result recorded ($weighings weighings, $missed missed while the scale was silent), every vehicle through had a pass or is a forced entry, every barrier raise came after its committed pass"
echo "  store, timeline and logs: $DEMO/"
exit $status
