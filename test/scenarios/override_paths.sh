#!/bin/bash
# The manual override (docs/design.md §9, §4.2): every refusal with its status, the
# success path, and a commit that fails.
#  - 409 while the lane is IDLE; then, with the truck REFUSED: 401 without,
#    with a wrong, a longer and a non-Bearer token (even with a bad body);
#    400 for malformed JSON, a non-object, a missing, empty, non-string
#    field, a control character; 404 for an unknown lane; 405 for GET;
#    413 for a body over 4 KiB.  None of them records or raises anything.
#  - weighgate override LANE --operator --reason: prints the uuid of the
#    override event, which holds operator, reason and the last weighing; the
#    barrier rises only after it is committed (helper_authcheck), for one
#    vehicle, and comes down behind it; a second override is 409;
#    weighgate_lane_events_total{kind="override"} counts it on its lane.
#  - the store full while a truck is REFUSED: 500, no event, no raise, the
#    lane FAULT, the truck reverses.
#  - restarted with overrides = off: 403 (and weighgate override says so).
#  - a peer that is not loopback: 403, in a private network namespace
#    where the daemon listens on 10.99.0.1 (skipped, said so, where
#    namespaces cannot be made).
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/status_lib.inc"

six_axle() { # LANE AFTER_MS PLATE GROSS
	printf '{"lane":"%s","after_ms":%d,"ts":"2026-01-01T00:00:00.000Z","seq":1,"kind":"truck","config":"combination","axles":6,"gross_kg":%d,"speed_kmh":5.0,"plate":"%s","plate_color":"yellow"}\n' "$1" "$2" "$4" "$3"
}
{
	six_axle L01 500 豫C11111 55000
	six_axle L01 500 豫C22222 56000
} >"$WORK/traffic.jsonl"
sim2 200 8000 300 200
TOKEN=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
printf '%s\n' "$TOKEN" >"$WORK/token"
chmod 600 "$WORK/token"
STATUS_PORT=$(free_port)
CONTROLLER_EXTRA="override_token_file = $WORK/token
db_max_mb = 1"
RULES_EXTRA='overrides = on'
write_conf2 "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
wait_status
AUTH="Bearer $TOKEN"
GOOD='{"operator":"0042","reason":"permit checked by hand"}'

# IDLE: nothing to let through.
expect_override 409 L01 "$GOOD" "$AUTH"
grep -q 'not REFUSED' "$WORK/ovr.json" || fail "409 without its reason: $(cat "$WORK/ovr.json")"
go_traffic2
wait_for 15 "lane L01 REFUSED" lane_state_is L01 REFUSED

expect_override 401 L01 "$GOOD"
expect_override 401 L01 "$GOOD" "Bearer wrong-token"
expect_override 401 L01 "$GOOD" "Bearer ${TOKEN}x"
expect_override 401 L01 "$GOOD" "Basic $TOKEN"
expect_override 401 L01 '{"operator":' "Bearer wrong-token"
expect_override 400 L01 '{"operator":' "$AUTH"
expect_override 400 L01 '[1,2]' "$AUTH"
expect_override 400 L01 '{"operator":"0042"}' "$AUTH"
expect_override 400 L01 '{"operator":"","reason":"x"}' "$AUTH"
expect_override 400 L01 '{"operator":42,"reason":"x"}' "$AUTH"
expect_override 400 L01 '{"operator":"0042","reason":"a\nb"}' "$AUTH"
grep -q 'control character' "$WORK/ovr.json" || fail "400 without its reason"
expect_override 404 L09 "$GOOD" "$AUTH"
expect_override 413 L01 "{\"operator\":\"0042\",\"reason\":\"$(head -c 6000 /dev/zero | tr '\0' x)\"}" "$AUTH"
code=$(curl -s -o /dev/null -w '%{http_code}' "$(status_url /v1/lanes/L01/override)")
[ "$code" = 405 ] || fail "GET on the override: $code"
[ "$(ev_count override)" = 0 ] || fail "a refused override was recorded"
! timeline_has '"what":"barrier_cmd","value":1' || fail "the barrier rose on a refusal"
lane_state_is L01 REFUSED || fail "the lane left REFUSED on a refusal"

# Success, with the tool.
"$WG_BIN/weighgate" override L01 --operator 工号0042 --reason "大件运输许可 permit checked" \
	-c "$WORK/wg.conf" >"$WORK/tool.out" 2>&1 || fail "weighgate override: exit $?: $(cat "$WORK/tool.out")"
UUID=$(sed -n 's/^override of lane L01 recorded: \([0-9a-f-]\{36\}\)$/\1/p' "$WORK/tool.out")
[ -n "$UUID" ] || fail "weighgate override printed: $(cat "$WORK/tool.out")"
[ "$(ev_count override "uuid = '$UUID' AND
    json_extract(body, '\$.lane') = 'L01' AND
    json_extract(body, '\$.operator') = '工号0042' AND
    json_extract(body, '\$.reason') = '大件运输许可 permit checked' AND
    json_extract(body, '\$.last_weighing.plate') = '豫C11111' AND
    json_extract(body, '\$.last_weighing.decision') = 'turnback'")" = 1 ] ||
	fail "override event: $(sql "SELECT uuid, body FROM events WHERE kind = 'override'")"
wait_for 10 "the truck through" timeline_has '"what":"drove_through","plate":"豫C11111"'
wait_for 5 "the barrier lowered behind the one vehicle" tl_in_order \
	'"what":"weighed","seq":1' '"what":"barrier_cmd","value":1' \
	'"what":"drove_through","plate":"豫C11111"' '"what":"barrier_cmd","value":0'
assert_barrier_authorized
rc=0
"$WG_BIN/weighgate" override L01 --operator 0042 --reason again -c "$WORK/wg.conf" \
	>/dev/null 2>"$WORK/tool.err" || rc=$?
[ "$rc" = 1 ] && grep -q 'refused (409)' "$WORK/tool.err" ||
	fail "a second override: exit $rc: $(cat "$WORK/tool.err")"
# The override counted on its lane, as the store has it.
assert_lane_event_metrics L01:override=1 L02:override=0 L01:forced_entry=0

# The store cannot commit: 500, nothing recorded, nothing rises.
wait_for 15 "the second truck REFUSED" lane_state_is L01 REFUSED
sql "CREATE TABLE filler(b BLOB);
	WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
	INSERT INTO filler SELECT randomblob(4000) FROM n;
	CREATE TRIGGER filler_grow AFTER INSERT ON events
	BEGIN INSERT INTO filler VALUES (randomblob(16384)); END;"
raises=$(tl_count '"what":"barrier_cmd","value":1')
expect_override 500 L01 '{"operator":"0042","reason":"store full"}' "$AUTH"
wait_for 15 "the second truck to reverse" timeline_has '"what":"reversed","plate":"豫C22222"'
[ "$(tl_count '"what":"barrier_cmd","value":1')" = "$raises" ] || fail "the barrier rose after a failed commit"
[ "$(ev_count override)" = 1 ] || fail "override events: $(ev_count override)"
lane_state_is L01 FAULT || fail "the lane is not FAULT after a failed commit"
grep -q 'override event could not be recorded\|FAULT' "$WORK/ovr.json" || fail "500 says: $(cat "$WORK/ovr.json")"
stop_pid "$WG_PID" || fail "weighgated exit status $?"
sql "DROP TRIGGER filler_grow; DROP TABLE filler; VACUUM;"

# overrides = off: 403, whatever the token.
RULES_EXTRA=''
write_conf2 "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
wait_status
expect_override 403 L01 "$GOOD" "$AUTH"
grep -q 'overrides are off' "$WORK/ovr.json" || fail "403 without its reason"
rc=0
"$WG_BIN/weighgate" override L01 --operator 0042 --reason x -c "$WORK/wg.conf" \
	>/dev/null 2>"$WORK/tool.err" || rc=$?
[ "$rc" = 1 ] && grep -q 'refused (403)' "$WORK/tool.err" || fail "tool with overrides off: exit $rc"
stop_pid "$WG_PID" || fail "weighgated exit status $?"
stop_pid "$SIM_PID" || true
assert_barrier_authorized
store_verify

# A peer that is not loopback, in a network namespace of its own.
if unshare -n true 2>/dev/null; then
	cat >"$WORK/ns.conf" <<CONF
[controller]
id = TEST-NS
db = $WORK/ns.db
status_listen = 10.99.0.1:8750
override_token_file = $WORK/token
[rules]
overrides = on
[lane L01]
scale = tcp://127.0.0.1:9?unit=1
io = tcp://127.0.0.1:9?unit=2
led = tcp://127.0.0.1:9?unit=3
CONF
	cat >"$WORK/ns.sh" <<'NS'
set -u
ip link set lo up && ip addr add 10.99.0.1/32 dev lo || exit 3
"$WG_BIN/weighgated" -c "$WORK/ns.conf" >"$WORK/ns.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
	curl -s -o /dev/null http://10.99.0.1:8750/v1/status && break
	sleep 0.1
done
post() { curl -s -o "$WORK/ns-$1.json" -w '%{http_code}' "${@:2}" -X POST \
	-H "Authorization: Bearer $(cat "$WORK/token")" \
	-d '{"operator":"0042","reason":"x"}' http://10.99.0.1:8750/v1/lanes/L01/override; }
echo "remote $(post remote)"
echo "loopback $(post loopback --interface 127.0.0.1)"
kill -TERM "$pid"
wait "$pid"
NS
	WG_BIN=$WG_BIN WORK=$WORK timeout 60 unshare -n bash "$WORK/ns.sh" >"$WORK/ns.out" 2>&1 ||
		fail "the namespace run failed: $(cat "$WORK/ns.out" "$WORK/ns.log")"
	cat "$WORK/ns.out"
	grep -qx 'remote 403' "$WORK/ns.out" || fail "a peer at 10.99.0.1 was not refused 403"
	grep -q 'from this controller only' "$WORK/ns-remote.json" || fail "403 without its reason"
	# the same daemon hears a loopback peer: past the peer check (lane FAULT: 409)
	grep -qx 'loopback 409' "$WORK/ns.out" || fail "a loopback peer was refused"
else
	echo "override_paths: non-loopback peer SKIPPED: cannot create a network namespace here"
fi
echo "override_paths: ok"
