#!/bin/bash
# make demo: a whole lane on the embedded default.  weighgate-sim plays the
# bundled traffic (conf/demo/traffic.jsonl) as the scale, the lane I/O module
# and the LED sign of lane L01; weighgated decides with conf/demo/weighgate.conf
# and the lists of conf/demo/lists.json, and syncs its events over HTTPS to
# weighgate-platform (a throw-away CA from tools/demo-certs.sh), which serves
# the same lists.  The traffic is held until the daemon has read the scale's
# first result sequence (its baseline, never decided), so every vehicle is
# decided.  Each decision and every other event is shown as it happens
# (tools/demo-fmt.pl: columns by display width; colours on a colour
# terminal); the summary at the end is checked against the simulator's
# timeline and against the platform's own count and chain verdict
# (weighgate-platform report).
#
# Environment: DEMO_SPEEDUP (default 4; 1-8 are kept reliable: the scripted
# scale fault lasts 16 s, 2 s at x8, longer than fault_after_ms),
# DEMO_TRAFFIC (another traffic file), DEMO_STATUS_LISTEN (default
# 127.0.0.1:8750, the board), DEMO_DIR (default $B/demo: store, platform
# database, timeline, logs), NO_COLOR (plain lines on a terminal too).
set -euo pipefail
B=${B:-build}
SPEEDUP=${DEMO_SPEEDUP:-4}	# the simulator's clock runs this much faster
cd "$(dirname "$0")/.."
ROOT=$PWD
DEMO=${DEMO_DIR:-$ROOT/$B/demo}
traffic=${DEMO_TRAFFIC:-conf/demo/traffic.jsonl}
status_listen=${DEMO_STATUS_LISTEN:-127.0.0.1:8750}
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

ntrucks=$(grep -c '"gross_kg"' "$traffic")
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-dumb}" != dumb ]; then
	COLOUR=1
else
	COLOUR=0
fi
paint() {	# paint SGR TEXT: TEXT in that colour on a colour terminal
	if [ $COLOUR = 1 ]; then printf '\033[%sm%s\033[0m\n' "$1" "$2"; else printf '%s\n' "$2"; fi
}

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
"$B/weighgate-sim" --listen 127.0.0.1:0 --speedup "$SPEEDUP" --hold \
	--timeline "$DEMO/timeline.jsonl" "$traffic" >"$DEMO/sim.out" 2>"$DEMO/sim.log" &
SIM=$!
PIDS+=("$SIM")
for _ in $(seq 1 100); do grep -q '^listening' "$DEMO/sim.out" && break; sleep 0.05; done
port=$(port_of "$DEMO/sim.out")
[ -n "$port" ] || { echo "demo: the simulator did not start" >&2; cat "$DEMO/sim.log" >&2; exit 1; }
sed -e "s/127\.0\.0\.1:15020/127.0.0.1:$port/g" \
    -e "s#^db = .*#db = $DEMO/weighgate.db#" \
    -e "s#^url = .*#url = https://127.0.0.1:$pport#" \
    -e "s#^ca_file = .*#ca_file = $DEMO/ca.pem#" \
    -e "s#^status_listen = .*#status_listen = $status_listen#" \
    conf/demo/weighgate.conf >"$DEMO/weighgate.conf"
# A lane's time keys written for the real clock follow the simulator's
# clock, as its own durations do (min_result_interval_ms and
# reset_settle_ms, when set).
awk -v f="$SPEEDUP" '
	/^(min_result_interval_ms|reset_settle_ms) *= *[0-9]+ *$/ { v = $NF; sub(/=.*/, ""); printf "%s= %d\n", $0, v / f; next }
	{ print }' "$DEMO/weighgate.conf" >"$DEMO/weighgate.conf.tmp"
mv "$DEMO/weighgate.conf.tmp" "$DEMO/weighgate.conf"
"$B/weighgated" -c "$DEMO/weighgate.conf" --check
"$B/weighgate" lists import -c "$DEMO/weighgate.conf" conf/demo/lists.json

echo "== weighgate demo: lane L01, $ntrucks vehicles ($traffic), simulator clock x$SPEEDUP"
echo "   platform: weighgate-platform on https://127.0.0.1:$pport (CA $DEMO/ca.pem)"
echo "   status board: http://$status_listen/  (JSON: /v1/status, metrics: /metrics)"
"$B/weighgated" -c "$DEMO/weighgate.conf" >"$DEMO/weighgated.log" 2>&1 &
WG=$!
PIDS+=("$WG")

# The traffic starts once the daemon has the scale's baseline (bounded).
for _ in $(seq 1 300); do
	grep -q 'lane L01: result sequence baseline' "$DEMO/weighgated.log" && break
	kill -0 "$WG" 2>/dev/null || { echo "demo: weighgated stopped" >&2; tail -20 "$DEMO/weighgated.log" >&2; exit 1; }
	sleep 0.05
done
grep -q 'lane L01: result sequence baseline' "$DEMO/weighgated.log" ||
	{ echo "demo: the daemon did not read the scale within 15 s" >&2; tail -20 "$DEMO/weighgated.log" >&2; exit 1; }
kill -USR1 "$SIM"

# The LED text the simulator saw after result seq S was weighed: the first
# message in the decision's colour (green pass, red turnback and intercept,
# yellow retry and hold), so an idle text shown on the way (a lane
# recovering from a fault) is not taken for it.
led_after() {
	local colour
	case $2 in
	pass) colour=green ;;
	turnback|intercept|fault) colour=red ;;
	*) colour=yellow ;;
	esac
	awk -v s="$1" -v c="\"colour\":\"$colour\"" '
	index($0, "\"what\":\"weighed\",\"seq\":" s ",") { found = 1; next }
	found && index($0, "\"what\":\"led\"") && index($0, c) {
		match($0, /"text":"[^"]*"/); print substr($0, RSTART + 8, RLENGTH - 9); exit
	}' "$DEMO/timeline.jsonl"
}

# The live lines go through the formatter (fd 3), in the order of the store.
exec 3> >(perl "$ROOT/tools/demo-fmt.pl" "$COLOUR")
FMT=$!
printf 'H\n' >&3

# Tonnes with one decimal, rounded half away from zero, as the board shows them.
T1="printf('%d.%d', (X + 50) / 100 / 10, (X + 50) / 100 % 10)"
tonnes() { echo "${T1//X/$1}"; }
shown=0
# show_new [final]: every event after the last shown, in seq order; a
# weighing waits for its LED text to be on the sign (unless final).
show_new() {
	local rows
	rows=$(sqlite3 -separator $'\t' "file:$DEMO/weighgate.db?mode=ro" \
	    "SELECT seq, substr(ts, 12, 8), kind,
	     CASE kind WHEN 'weighing' THEN
	       json_extract(body,'$.seq') || char(9) ||
	       ifnull(nullif(json_extract(body,'$.measurement.plate'), ''), '—') || char(9) ||
	       json_extract(body,'$.measurement.axles') || char(9) ||
	       $(tonnes "json_extract(body,'$.measurement.gross_kg')") || char(9) ||
	       CASE WHEN json_extract(body,'$.legal_limit_kg') IS NULL THEN '—'
	            ELSE $(tonnes "json_extract(body,'$.legal_limit_kg')") END || char(9) ||
	       json_extract(body,'$.decision') || char(9) ||
	       ifnull((SELECT group_concat(value, ',') FROM json_each(body, '$.reasons')), '')
	     WHEN 'forced_entry' THEN 'forced|forced entry (' || json_extract(body,'$.how') || ')' ||
	       ifnull(', last weighing ' || json_extract(body,'$.last_weighing.plate') || ' ' ||
	              json_extract(body,'$.last_weighing.decision') || ' ' ||
	              $(tonnes "json_extract(body,'$.last_weighing.gross_kg')") || ' t', '')
	     WHEN 'device_fault' THEN 'device|device fault: ' || json_extract(body,'$.device') ||
	       ifnull(' ' || json_extract(body,'$.cause'), '') ||
	       ifnull(' (' || json_extract(body,'$.error') || ')', '') || ' — lane closed, barrier down'
	     WHEN 'device_recovered' THEN 'recovered|device recovered: ' || json_extract(body,'$.device')
	     WHEN 'missed_results' THEN 'event|' || json_extract(body,'$.missed') ||
	       ' result(s) published while the scale was silent (seq ' ||
	       json_extract(body,'$.from_seq') || ' to ' || json_extract(body,'$.to_seq') || '), not decided'
	     WHEN 'barrier_unauthorized' THEN 'forced|barrier raised without a pass'
	     WHEN 'pass_timeout' THEN 'event|pass timeout: the barrier was lowered'
	     WHEN 'override' THEN 'event|override by operator ' || json_extract(body,'$.operator') ||
	       ': ' || json_extract(body,'$.reason')
	     WHEN 'unweighed_pass' THEN 'event|unweighed pass (scale down, on_scale_fault = open)'
	     ELSE 'event|' || kind || ifnull(' ' || (SELECT group_concat(key || '=' ||
	       CASE WHEN type IN ('object', 'array') THEN json(value) ELSE value END, ' ')
	       FROM json_each(body) WHERE key != 'lane'), '')
	     END
	     FROM events WHERE kind NOT IN ('startup', 'lists_applied') AND seq > $shown
	     ORDER BY seq" 2>/dev/null) || return 0
	[ -n "$rows" ] || return 0
	while IFS=$'\t' read -r evseq t kind rseq plate axles gross limit decision reasons; do
		if [ "$kind" != weighing ]; then
			printf 'E\t%s\t%s\t%s\n' "${rseq%%|*}" "$t" "${rseq#*|}" >&3
			shown=$evseq
			continue
		fi
		led=$(led_after "$rseq" "$decision")
		if [ -z "$led" ]; then
			[ "${1:-}" = final ] || return 0	# not on the sign yet: next round
			led='?'
		fi
		printf 'W\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$rseq" "$plate" \
		    "$axles" "$gross" "$limit" "$decision" "$reasons" "$led" >&3
		shown=$evseq
	done <<<"$rows"
}

# Until every vehicle of the file has been weighed and has left (bounded).
sp=${SPEEDUP%.*}
[ "${sp:-0}" -ge 1 ] 2>/dev/null || sp=1
deadline=$(( $(date +%s) + 60 + ntrucks * 6 / sp ))
while :; do
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
show_new final
exec 3>&-
wait "$FMT" 2>/dev/null || true

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
# results recorded and not decided: too soon after the last one, or one
# already decided (docs/lane.md)
undecided=$(q "SELECT count(*) FROM events WHERE kind='device_fault' AND
    json_extract(body,'$.cause') IN ('implausible','repeated')")
# Every result the scale published is a weighing event, a result recorded as
# not decided, or was published while the scale was silent and is counted in
# a missed_results event.
if [ $((weighings + missed + undecided)) -ne "$weighed" ]; then
	paint '1;31' "  MISMATCH: $weighed results published, $weighings weighings + $missed missed + $undecided not decided recorded"; status=1
fi
# Every vehicle through the barrier had a recorded pass or is a recorded forced entry.
if [ "$through" -gt $((passes + forced)) ]; then
	paint '1;31' "  MISMATCH: $through vehicles through, $passes passes + $forced forced entries recorded"; status=1
fi
# Every scripted fault of the scale was seen by the daemon (a fault shorter
# than fault_after_ms under the speed-up would pass unseen).
sfaults=$(grep -c '"device_fault":"scale"' "$traffic" || true)
seen=$(q "SELECT count(*) FROM events WHERE kind='device_fault' AND json_extract(body,'$.device')='scale'
    AND json_extract(body,'$.cause') NOT IN ('implausible','repeated')")
if [ "$seen" -lt "$sfaults" ]; then
	paint '1;31' "  MISMATCH: $sfaults scale fault(s) scripted, $seen device_fault (scale) recorded"; status=1
fi
if [ -x "$B/test/helper_authcheck" ]; then
	"$B/test/helper_authcheck" "$DEMO/weighgate.db" "$DEMO/timeline.jsonl" | sed 's/^/  /' || status=1
fi
[ $status -eq 0 ] && paint 32 "  consistent: every result recorded ($weighings weighings, $missed missed while the scale was silent, $undecided not decided), every vehicle through had a pass or is a forced entry, every barrier raise came after its committed pass"

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
	paint '1;31' "  MISMATCH: the platform does not hold seq 1..$last of chain $chain gapless and valid (report exit $prc)"; status=1
elif [ "$pevents" != "$total" ] || [ "$waiting" != 0 ] || [ "$rejected" != 0 ]; then
	paint '1;31' "  MISMATCH: the platform holds ${pevents:-0} events, the store $total ($waiting not yet synced, $rejected rejected)"; status=1
else
	paint 32 "  consistent: the platform holds all $total events of the store once each (${pdups:-0} resent duplicates recognised), seq 1..$last with no gap, chain valid"
fi
echo "  store, platform database, timeline and logs: $DEMO/"
exit $status
