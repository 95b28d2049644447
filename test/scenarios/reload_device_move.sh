#!/bin/bash
# A reload that moves a device from one lane to another is refused (issue 6,
# docs/reload.md): lanes take a new file one by one, between vehicles, so for
# a while both would drive the same I/O module and one lane's pass could
# raise the other's barrier.  Two lanes on their own ports; the file is
# rewritten with their I/O modules swapped (and a rule changed) and SIGHUP
# sent: the refusal is logged naming the move, no config_reloaded event is
# recorded, and each lane's next truck is decided and let through by its own
# barrier, every raise after its own committed pass.
. "$(dirname "$0")/lib.inc"
{
	truck L01 4000 豫A30001 15000
	truck L02 500 豫B30001 15000
} >"$WORK/traffic.jsonl"
start_sim "$WORK/traffic.jsonl" --hold --port-per-lane --weigh-ms 200 --decide-ms 1500 \
	--pass-ms 200 --barrier-ms 100
PORT2=$(sed -n 's/^listening [0-9.]*:[0-9]* [0-9.]*:\([0-9]*\).*/\1/p' "$WORK/sim.out" | head -n 1)
[ -n "$PORT2" ] || fail "no second port from the simulator"

# two_lanes IO1_PORT IO2_PORT [RULE]: the configuration, each lane's I/O
# module on the port given.
two_lanes() {
	printf '[controller]\nid = TEST-0001\ndb = %s\nstatus_listen = 127.0.0.1:%d\n\n[rules]\nscale_class = 2\n%s\n\n' \
		"$WORK/weighgate.db" "$STATUS_PORT" "${3:-}"
	printf '[lane L01]\nscale = tcp://127.0.0.1:%d?unit=1\nio = tcp://127.0.0.1:%d?unit=2\nled = tcp://127.0.0.1:%d?unit=3\npoll_ms = 20\ntimeout_ms = 100\nfault_after_ms = 500\nmin_result_interval_ms = 100\nreset_settle_ms = 500\n\n' \
		"$SIM_PORT" "$1" "$SIM_PORT"
	printf '[lane L02]\nscale = tcp://127.0.0.1:%d?unit=1\nio = tcp://127.0.0.1:%d?unit=2\nled = tcp://127.0.0.1:%d?unit=3\npoll_ms = 20\ntimeout_ms = 100\nfault_after_ms = 500\nmin_result_interval_ms = 100\nreset_settle_ms = 500\n' \
		"$PORT2" "$2" "$PORT2"
}
STATUS_PORT=$(free_port)
two_lanes "$SIM_PORT" "$PORT2" >"$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
wait_for 10 "the startup event" sql_ge 1 "SELECT count(*) FROM events WHERE kind = 'startup'"
go_traffic L01 L02

# While L02's truck is on its way, the I/O modules swapped in the file.
two_lanes "$PORT2" "$SIM_PORT" 'tolerance_kg = 100' >"$WORK/wg.conf"
"$WG_BIN/weighgated" -c "$WORK/wg.conf" --check >/dev/null 2>&1 ||
	fail "the swapped file should be valid on its own"
kill -HUP "$WG_PID"
wait_for 10 "the refusal" grep -q "lane L01's io is lane L02's io now: moving a device between lanes needs a restart" \
	"$WORK/weighgated.log"

wait_for 15 "L02's truck through" timeline_has '"lane":"L02","what":"drove_through","plate":"豫B30001"'
wait_for 15 "L01's truck through" timeline_has '"lane":"L01","what":"drove_through","plate":"豫A30001"'
stop_pid "$WG_PID" || fail "weighgated exit status $?"
stop_pid "$SIM_PID" || true

[ "$(sql "SELECT count(*) FROM events WHERE kind = 'config_reloaded'")" = 0 ] ||
	fail "a config_reloaded event for a refused reload"
for l in L01 L02; do
	[ "$(sql "SELECT count(*) FROM events WHERE kind = 'weighing' AND
		json_extract(body, '\$.lane') = '$l' AND json_extract(body, '\$.decision') = 'pass'")" = 1 ] ||
		fail "lane $l: not one pass"
	[ "$(tl_count "\"lane\":\"$l\",\"what\":\"barrier_cmd\",\"value\":1")" = 1 ] ||
		fail "lane $l: not one raise of its own barrier"
done
[ "$(sql "SELECT count(*) FROM events WHERE kind IN ('forced_entry', 'barrier_unauthorized')")" = 0 ] ||
	fail "a lane saw the other lane's vehicle: $(sql "SELECT kind, body FROM events WHERE kind IN ('forced_entry', 'barrier_unauthorized')")"
assert_no_lowering_on_occupied_loop
assert_barrier_authorized
store_verify
echo "reload_device_move: ok"
