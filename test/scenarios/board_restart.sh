#!/bin/bash
# The board's day and its alarms survive a restart (docs/status.md, "The
# alarm feed"): traffic on two lanes (a legal truck on L01, an overloaded
# one turned back on L02 that drives through: a forced entry); the daemon
# restarted, /v1/status and the board show the same day's counts (vehicles,
# turn-backs, forced entries: equal to the store's) and the forced entry
# still unacknowledged; `weighgate ack --operator 0042` records one
# alarm_ack event naming it; restarted again, it stays acknowledged by 0042
# and the counts stay.  Acknowledging with nothing waiting records nothing;
# an alarm not on the board is refused.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/status_lib.inc"
. "$(dirname "$0")/board_lib.inc"

{
	truck L01 200 豫A11111 15000
	heavy L02 300 豫B22222 force
} >"$WORK/traffic.jsonl"
sim2 200 2000 400 300
daemon2
go_traffic2
wait_for 15 "the forced entry" eval '[ "$(ev_count forced_entry)" = 1 ] 2>/dev/null'
wait_for 10 "both weighings" eval '[ "$(ev_count weighing)" = 2 ] 2>/dev/null'
seq=$(sql "SELECT seq FROM events WHERE kind = 'forced_entry'")

# the day as the store has it
today() {
	board_json "(j['today']['vehicles'], j['today']['turnbacks'], j['today']['intercepts'], j['today']['forced_entries'])"
}
store_today="($(ev_count weighing "json_extract(body, '\$.decision') <> 'retry'"), $(ev_count weighing "json_extract(body, '\$.decision') = 'turnback'"), $(ev_count weighing "json_extract(body, '\$.decision') = 'intercept'"), $(ev_count forced_entry))"
[ "$store_today" = "(2, 1, 0, 1)" ] || fail "the traffic made $store_today"
# fe_state: the forced entry's (acknowledged, operator) on /v1/status
fe_state() {
	board_json "[(a['acknowledged'], a['ack_operator'], a['plate'], a['lane']) for a in j['alarms']['feed'] if a['id'] == $seq and a['kind'] == 'forced_entry']"
}
wait_for 5 "the forced entry on /v1/status" eval '[ "$(fe_state)" = "[(False, None, '"'豫B22222'"', '"'L02'"')]" ]'
[ "$(today)" = "$store_today" ] || fail "today before the restart: $(today), the store $store_today"

restart() {
	stop_pid "$WG_PID" || fail "weighgated exit status $?"
	start_daemon "$WORK/wg.conf"
	wait_status
}

restart
[ "$(today)" = "$store_today" ] || fail "today after the restart: $(today), the store $store_today"
[ "$(fe_state)" = "[(False, None, '豫B22222', 'L02')]" ] ||
	fail "the forced entry after the restart: $(fe_state)"
[ "$(board_json "j['alarms']['unacknowledged']")" = 1 ] || fail "unacknowledged after the restart"
curl -sf "$(status_url /)" >"$WORK/board.html"
grep -q "<li id=\"alarm-$seq\" class=\"k-forced_entry unacked\">" "$WORK/board.html" ||
	fail "the board does not mark the forced entry unacknowledged"
grep -q '强行上站 Forced entries <b class="forced hot">1</b>' "$WORK/board.html" ||
	fail "the board's day has no forced entry"

"$WG_BIN/weighgate" ack -c "$WORK/wg.conf" --operator 0042 9999 >"$WORK/ack.out" 2>&1 && fail "an alarm not on the board acknowledged"
grep -q 'refused (404): no alarm 9999 on the board' "$WORK/ack.out" || fail "ack 9999 said: $(cat "$WORK/ack.out")"
"$WG_BIN/weighgate" ack -c "$WORK/wg.conf" --operator 0042 >"$WORK/ack.out" ||
	fail "weighgate ack: exit $?: $(cat "$WORK/ack.out")"
grep -q '^1 alarm acknowledged: ' "$WORK/ack.out" || fail "weighgate ack said: $(cat "$WORK/ack.out")"
[ "$(ev_count alarm_ack "json_extract(body, '\$.operator') = '0042' AND
    json_array_length(body, '\$.alarms') = 1 AND json_extract(body, '\$.alarms[0]') = $seq")" = 1 ] ||
	fail "alarm_ack: $(sql "SELECT body FROM events WHERE kind = 'alarm_ack'")"
[ "$(fe_state)" = "[(True, '0042', '豫B22222', 'L02')]" ] || fail "after the ack: $(fe_state)"
"$WG_BIN/weighgate" ack -c "$WORK/wg.conf" --operator 0042 >"$WORK/ack.out" ||
	fail "weighgate ack with nothing waiting: exit $?"
grep -q '^no alarm waits' "$WORK/ack.out" || fail "weighgate ack said: $(cat "$WORK/ack.out")"
[ "$(ev_count alarm_ack)" = 1 ] || fail "an alarm_ack recorded with nothing to acknowledge"

restart
[ "$(fe_state)" = "[(True, '0042', '豫B22222', 'L02')]" ] || fail "after the second restart: $(fe_state)"
[ "$(board_json "j['alarms']['unacknowledged']")" = 0 ] || fail "unacknowledged after the second restart"
[ "$(today)" = "$store_today" ] || fail "today after the second restart: $(today), the store $store_today"
curl -sf "$(status_url /)" | grep -q "<li id=\"alarm-$seq\" class=\"k-forced_entry acked\">" ||
	fail "the board does not show the forced entry acknowledged"
store_verify
stop_pid "$WG_PID" || fail "weighgated exit status $?"
stop_pid "$SIM_PID" || true
echo "board_restart: ok"
