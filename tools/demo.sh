#!/bin/bash
# make demo: a whole lane on the embedded default.  weighgate-sim plays the
# bundled traffic (conf/demo/traffic.jsonl) as the scale, the lane I/O module
# and the LED sign of lane L01; weighgated decides with conf/demo/weighgate.conf
# and the lists of conf/demo/lists.json, and syncs its events over HTTPS to
# weighgate-platform (a throw-away CA from tools/demo-certs.sh), which serves
# the same lists.  Each decision is shown as it happens; the summary at the
# end is checked against the simulator's timeline and against the platform's
# own count and chain verdict (weighgate-platform report).
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

# port_of FILE: the port of the "listening HOST:PORT" line a server wrote.
port_of() {
	sed -n 's/^listening [0-9.]*:\([0-9]*\).*/\1/p' "$1" | head -n 1
}

# The platform: a throw-away CA and certificates, weighgate-platform on a
# port the kernel chooses, with its own database and the demo's lists.
sh tools/demo-certs.sh "$DEMO" >"$DEMO/certs.log" 2>&1 ||
	{ echo "demo: certificates not made:" >&2; cat "$DEMO/certs.log" >&2; exit 1; }
"$B/weighgate-platform" --listen 127.0.0.1:0 --cert "$DEMO/server.pem" \
	--key "$DEMO/server.key" --db "$DEMO/platform.db" \
	--lists conf/demo/lists.json >"$DEMO/platform.out" 2>"$DEMO/platform.log" &
PLAT=$!
PIDS+=("$PLAT")
for _ in $(seq 1 100); do grep -q '^listening' "$DEMO/platform.out" && break; sleep 0.05; done
pport=$(port_of "$DEMO/platform.out")
[ -n "$pport" ] || { echo "demo: the platform did not start" >&2; cat "$DEMO/platform.log" >&2; exit 1; }

# The simulator on a port the kernel chooses; the demo configuration is the
# bundled one with that port and a database under build/demo.
"$B/weighgate-sim" --listen 127.0.0.1:0 --speedup "$SPEEDUP" \
	--timeline "$DEMO/timeline.jsonl" "$traffic" >"$DEMO/sim.out" 2>"$DEMO/sim.log" &
PIDS+=($!)
for _ in $(seq 1 100); do grep -q '^listening' "$DEMO/sim.out" && break; sleep 0.05; done
port=$(port_of "$DEMO/sim.out")
[ -n "$port" ] || { echo "demo: the simulator did not start" >&2; cat "$DEMO/sim.log" >&2; exit 1; }
sed -e "s/127\.0\.0\.1:15020/127.0.0.1:$port/g" \
    -e "s#^db = .*#db = $DEMO/weighgate.db#" \
    -e "s#^url = .*#url = https://127.0.0.1:$pport#" \
    -e "s#^ca_file = .*#ca_file = $DEMO/ca.pem#" \
    conf/demo/weighgate.conf >"$DEMO/weighgate.conf"
"$B/weighgated" -c "$DEMO/weighgate.conf" --check
"$B/weighgate" lists import -c "$DEMO/weighgate.conf" conf/demo/lists.json

echo "== weighgate demo: lane L01, $ntrucks vehicles (conf/demo/traffic.jsonl), simulator clock x$SPEEDUP"
echo "   platform: weighgate-platform on https://127.0.0.1:$pport (CA $DEMO/ca.pem)"
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

q() { sqlite3 -cmd '.timeout 5000' "file:$DEMO/weighgate.db?mode=ro" "$1"; }
# Until the platform has taken every event (bounded: batch_wait_ms is 1 s).
for _ in $(seq 1 300); do
	[ "$(q "SELECT count(*) FROM events WHERE state = 0")" = 0 ] && break
	sleep 0.1
done
kill -TERM "$WG"
for _ in $(seq 1 60); do kill -0 "$WG" 2>/dev/null || break; sleep 0.1; done
kill -TERM "$PLAT"
for _ in $(seq 1 60); do kill -0 "$PLAT" 2>/dev/null || break; sleep 0.1; done
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

# The platform's own count and chain verdict, against the daemon's store.
echo
echo "== the platform's count (weighgate-platform report $DEMO/platform.db)"
prc=0
"$B/weighgate-platform" report "$DEMO/platform.db" >"$DEMO/platform-report.txt" 2>&1 || prc=$?
sed 's/^/  /' "$DEMO/platform-report.txt"
total=$(q "SELECT count(*) FROM events")
last=$(q "SELECT ifnull(max(seq),0) FROM events")
synced=$(q "SELECT count(*) FROM events WHERE state = 1")
waiting=$(q "SELECT count(*) FROM events WHERE state = 0")
rejected=$(q "SELECT count(*) FROM events WHERE state = 2")
chain=$(q "SELECT chain FROM meta")
echo "  daemon's store: $total events (seq 1..$last, chain $chain), $synced synced, $waiting waiting, $rejected rejected"
line=$(grep " chain $chain: " "$DEMO/platform-report.txt" || true)
pevents=$(echo "$line" | sed -n 's/.*: events \([0-9]*\),.*/\1/p')
pdups=$(echo "$line" | sed -n 's/.* duplicates \([0-9]*\),.*/\1/p')
if [ $prc -ne 0 ] || ! echo "$line" | grep -q ", seq 1\.\.$last, gaps 0, chain valid$"; then
	echo "  MISMATCH: the platform does not hold seq 1..$last of chain $chain gapless and valid (report exit $prc)"; status=1
elif [ "$pevents" != "$total" ] || [ "$waiting" != 0 ] || [ "$rejected" != 0 ]; then
	echo "  MISMATCH: the platform holds ${pevents:-0} events, the store $total ($waiting not yet synced, $rejected rejected)"; status=1
else
	echo "  consistent: the platform holds all $total events of the store once each" \
	    "(${pdups:-0} resent duplicates recognised), seq 1..$last with no gap, chain valid"
fi
echo "  store, platform database, timeline and logs: $DEMO/"
exit $status
