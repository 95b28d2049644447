#!/bin/bash
# SIGHUP reload (issue 6, docs/reload.md).  A 17 t 2-axle truck passes under
# the default limit (18 t + 2 %).  SIGHUP while its barrier is open, with
# [limits] 2 = 15000 and new idle and turnback texts: the lane finishes
# that truck on the old configuration and takes the new one when it is
# IDLE again (its devices restart: poll_ms changed too); a config_reloaded
# event (old and new rule-set ids) is recorded; the new idle text shows; the next 17 t truck is turned back
# with the new text and the new rule-set id.  Then a broken file and a
# file changing what needs a restart: both refused (FILE:LINE logged),
# and the third truck is decided as the second.
. "$(dirname "$0")/lib.inc"

NEW_IDLE='新规则 货车请减速'
{
	truck L01 300 豫A30001 17000
	truck L01 4000 豫A30002 17000
	truck L01 5000 豫A30003 17000
} >"$WORK/traffic.jsonl"
start_sim "$WORK/traffic.jsonl" --hold --weigh-ms 200 --decide-ms 1500 \
	--reverse-ms 300 --barrier-ms 500 --pass-ms 1000
write_conf "$WORK/wg.conf"
cp "$WORK/wg.conf" "$WORK/wg.conf.orig"
# standard error is the journal (as under systemd): lines carry "<N>"
touch "$WORK/weighgated.log"
JOURNAL_STREAM=$(stat -c '%d:%i' "$WORK/weighgated.log") start_daemon "$WORK/wg.conf"
go_traffic

# 1. SIGHUP while the first truck's barrier is up
wait_for 15 "the first truck's barrier" timeline_has '"what":"barrier_cmd","value":1'
{
	sed 's/^poll_ms = 20$/poll_ms = 30/' "$WORK/wg.conf.orig"
	printf 'led_idle = %s\n' "$NEW_IDLE"
	printf 'led_turnback = {plate} 超重{over_t}吨 请退回\n'
	printf '\n[limits]\n2 = 15000\n'
} >"$WORK/wg.conf.new"
mv "$WORK/wg.conf.new" "$WORK/wg.conf"
kill -HUP "$WG_PID"
wait_for 10 "config_reloaded" sql_ge 1 "SELECT count(*) FROM events WHERE kind = 'config_reloaded'"
wait_for 10 "the lane to take the new configuration" \
	grep -q 'lane L01: configuration of rule set' "$WORK/weighgated.log"
wait_for 10 "the new idle text" timeline_has "\"what\":\"led\".*\"text\":\"$NEW_IDLE\""
wait_for 20 "the second truck to reverse" timeline_has '"what":"reversed","plate":"豫A30002"'

old_rs=$(sql "SELECT json_extract(body, '\$.ruleset') FROM events WHERE kind = 'startup'")
new_rs=$(sql "SELECT json_extract(body, '\$.new_ruleset') FROM events WHERE kind = 'config_reloaded'")
[ "$(sql "SELECT json_extract(body, '\$.old_ruleset') FROM events WHERE kind = 'config_reloaded'")" = "$old_rs" ] ||
	fail "config_reloaded does not name the old rule set"
[ -n "$new_rs" ] && [ "$new_rs" != "$old_rs" ] || fail "the rule-set id did not change"
[ "$(sql "SELECT json_extract(body, '\$.new_config_hash') != json_extract(body, '\$.old_config_hash')
	FROM events WHERE kind = 'config_reloaded'")" = 1 ] || fail "config hashes in config_reloaded"
# the truck in hand at the reload was finished on the old configuration
[ "$(sql "SELECT json_extract(body, '\$.decision') || ' ' || json_extract(body, '\$.ruleset')
	FROM events WHERE kind = 'weighing' AND json_extract(body, '\$.measurement.plate') = '豫A30001'")" = "pass $old_rs" ] ||
	fail "the first truck: $(sql "SELECT body FROM events WHERE kind = 'weighing' LIMIT 1")"
grep -n 'reloaded, rule set\|OPEN -> IDLE\|configuration of rule set' "$WORK/weighgated.log" |
	awk -F: '/reloaded, rule set/ { r = 1; next } r && /OPEN -> IDLE/ { o = 1; next }
		o && /configuration of rule set/ { ok = 1 } END { exit !ok }' ||
	fail "the lane took the new configuration before its truck had passed"
timeline_has '"what":"drove_through","plate":"豫A30001"' || fail "the first truck did not drive through"
grep -q 'lane L01: configuration of rule set .* in force; its devices restart' "$WORK/weighgated.log" ||
	fail "the lane's devices were not restarted for the new poll_ms"
[ "$(ev_count device_fault)" = 0 ] || fail "a device fault around the restart of the devices"
# the reload committed before the lane switched, sent at once (urgent kind)
[ "$(sql "SELECT seq FROM events WHERE kind = 'config_reloaded'")" -lt \
  "$(sql "SELECT seq FROM events WHERE kind = 'weighing' AND json_extract(body, '\$.measurement.plate') = '豫A30002'")" ] ||
	fail "config_reloaded after the next weighing"
# the next truck: turned back on the new limit, with the new text
[ "$(sql "SELECT json_extract(body, '\$.decision') || ' ' || json_extract(body, '\$.legal_limit_kg') || ' ' ||
	json_extract(body, '\$.ruleset') FROM events WHERE kind = 'weighing' AND
	json_extract(body, '\$.measurement.plate') = '豫A30002'")" = "turnback 15000 $new_rs" ] ||
	fail "the second truck: $(sql "SELECT body FROM events WHERE kind = 'weighing' ORDER BY seq DESC LIMIT 1")"
timeline_has "$(led_line red '豫A30002 超重2.0吨 请退回')" || fail "the new turnback text was not shown"
wait_for 5 "the new idle text after the truck left" tl_in_order '"what":"reversed","plate":"豫A30002"' \
	"$(led_line green "$NEW_IDLE")"

# 2. a broken file: refused with FILE:LINE, nothing changes
cp "$WORK/wg.conf" "$WORK/wg.conf.good"
{ cat "$WORK/wg.conf.good"; printf 'no_such_key = 1\n'; } >"$WORK/wg.conf"
badline=$(wc -l <"$WORK/wg.conf")
kill -HUP "$WG_PID"
wait_for 10 "the refusal logged" grep -q "^<3>$WORK/wg.conf:$badline: .*reload refused" "$WORK/weighgated.log"
# 3. a change that needs a restart: refused, nothing changes
sed "s|^id = TEST-0001|id = TEST-0002|; s|^2 = 15000|2 = 30000|" "$WORK/wg.conf.good" >"$WORK/wg.conf"
kill -HUP "$WG_PID"
wait_for 10 "the restart-only refusal" grep -q '\[controller\] id changed, which needs a restart' "$WORK/weighgated.log"

wait_for 20 "the third truck to reverse" timeline_has '"what":"reversed","plate":"豫A30003"'
[ "$(sql "SELECT json_extract(body, '\$.decision') || ' ' || json_extract(body, '\$.ruleset')
	FROM events WHERE kind = 'weighing' AND json_extract(body, '\$.measurement.plate') = '豫A30003'")" = "turnback $new_rs" ] ||
	fail "the third truck was not decided as the second"
[ "$(ev_count config_reloaded)" = 1 ] || fail "a refused reload recorded config_reloaded"
[ "$(sql "SELECT count(DISTINCT json_extract(body, '\$.controller')) FROM events WHERE kind IN ('startup', 'config_reloaded')")" = 1 ] ||
	fail "the controller id changed"
stop_pid "$WG_PID" || fail "weighgated exit status $?"
stop_pid "$SIM_PID" || true
assert_barrier_authorized
store_verify
echo "reload_sighup: ok (rule set ${old_rs:0:12} -> ${new_rs:0:12})"
