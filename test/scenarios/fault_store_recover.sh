#!/bin/bash
# A store that stops committing while the daemon runs, then takes commits
# again (docs/design.md §4.2, §6; docs/decisions.md): the legal truck whose weighing
# cannot commit is turned away with the lane in FAULT; once space is freed
# the lane leaves FAULT by itself, without a restart and without waiting for
# another event of its own, and the next legal truck is decided pass and
# drives through.
. "$(dirname "$0")/lib.inc"
CONTROLLER_EXTRA='db_max_mb = 1'
{ truck L01 2500 豫C11111 15000; truck L01 7000 豫C22222 15000; } >"$WORK/traffic.jsonl"
start_sim "$WORK/traffic.jsonl" --weigh-ms 300 --decide-ms 1500 --reverse-ms 100 --pass-ms 300
write_conf "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
wait_for 10 "the startup event" sql_ge 1 "SELECT count(*) FROM events WHERE kind = 'startup'"
sql "CREATE TABLE filler(b BLOB);
	WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
	INSERT INTO filler SELECT randomblob(4000) FROM n;
	CREATE TRIGGER filler_grow AFTER INSERT ON events
	BEGIN INSERT INTO filler VALUES (randomblob(16384)); END;"
timeline_has '"what":"arrive","plate":"豫C11111"' && fail "the store filled too late for the test"

wait_for 10 "the truck turned away" timeline_has '"what":"reversed","plate":"豫C11111"'
assert_led_fault_shown
grep -q 'weighing event not recorded: .*full' "$WORK/weighgated.log" ||
	fail "the store error is not in the log"

# Space freed while it runs: the probe finds the store committing again.
sql "DROP TRIGGER filler_grow; DROP TABLE filler;"
wait_for 10 "the store probe" grep -q 'event store commits again' "$WORK/weighgated.log"
timeline_has '"what":"arrive","plate":"豫C22222"' && fail "recovery too slow for the test"
wait_for 15 "the second truck through" timeline_has '"what":"drove_through","plate":"豫C22222"'
stop_pid "$WG_PID" || fail "weighgated exit status $?"
stop_pid "$SIM_PID" || true

[ "$(weighing_of 豫C11111)" = 0 ] ||
	fail "the weighing that could not commit is in the store"
! timeline_has '"what":"drove_through","plate":"豫C11111"' || fail "the first truck drove through"
[ "$(decision_of 豫C22222)" = pass ] ||
	fail "the truck after recovery was not decided pass"
assert_barrier_authorized
assert_no_lowering_on_occupied_loop
store_verify
echo "fault_store_recover: ok"
