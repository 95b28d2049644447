#!/bin/bash
# The store cannot commit (docs/design.md §4.2, §6: a full store means FAULT, never a
# pass without a record).  db_max_mb = 1 on a database bloated past 1 MB,
# and a trigger that makes every new event need fresh pages, so each
# append fails with SQLITE_FULL.
#  1. While running: the legal truck's weighing cannot commit: the lane goes
#     FAULT, the fault text in red, never a raise; the store error is logged.
#  2. Restarted with the store still full: even the startup event fails; the
#     daemon stays up with the lane FAULT (docs/decisions.md), fault text,
#     barrier down for the legal truck.
#  3. Space is freed while it runs: the startup event is recorded, the lane
#     recovers by itself and the next legal truck is decided pass and through.
. "$(dirname "$0")/lib.inc"
CONTROLLER_EXTRA='db_max_mb = 1'

# phase PLATE: a sim with one legal truck arriving 1.5 s after the daemon has
# its baseline (the simulator held until then), the daemon.
phase() {
	truck L01 1500 "$1" 15000 >"$WORK/traffic.jsonl"
	start_sim "$WORK/traffic.jsonl" --hold --weigh-ms 300 --decide-ms 1500 --reverse-ms 100 --pass-ms 300
	write_conf "$WORK/wg.conf"
	start_daemon "$WORK/wg.conf"
	go_traffic
}
fill() {
	sql "CREATE TABLE filler(b BLOB);
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
		INSERT INTO filler SELECT randomblob(4000) FROM n;"
}
grow_trigger() {
	sql "CREATE TRIGGER filler_grow AFTER INSERT ON events
		BEGIN INSERT INTO filler VALUES (randomblob(16384)); END;"
}
no_pass() {
	[ "$(sql "SELECT count(*) FROM events WHERE kind = 'weighing' AND
		json_extract(body, '$.measurement.plate') = '$1'")" = 0 ] ||
		fail "a weighing of $1 is in the store"
	! timeline_has '"what":"barrier_cmd","value":1' || fail "barrier raised for $1"
	! timeline_has "\"what\":\"drove_through\",\"plate\":\"$1\"" || fail "$1 drove through"
}

# 1. The store is created (startup recorded), then bloated past the cap.
phase 豫C11111
wait_for 10 "the startup event" sql_ge 1 "SELECT count(*) FROM events WHERE kind = 'startup'"
fill
grow_trigger
[ "$(sql 'PRAGMA page_count')" -gt $((1048576 / $(sql 'PRAGMA page_size'))) ] ||
	fail "database not bloated"
wait_for 10 "the fault text" timeline_has "\"what\":\"led\".*\"colour\":\"red\",\"text\":\"$FAULT_TEXT\""
wait_for 10 "the truck turned away" timeline_has '"what":"reversed","plate":"豫C11111"'
grep -q 'weighing event not recorded: .*full' "$WORK/weighgated.log" ||
	fail "the store error is not in the log"
stop_pid "$WG_PID" || fail "weighgated exit status $?"
stop_pid "$SIM_PID" || true
no_pass 豫C11111
assert_barrier_authorized

# 2. Restart with the store still full: not even the startup event commits.
n_before=$(sql "SELECT count(*) FROM events")
{ truck L01 1500 豫C22222 15000; truck L01 6000 豫C33333 15000; } >"$WORK/traffic.jsonl"
start_sim "$WORK/traffic.jsonl" --weigh-ms 300 --decide-ms 1500 --reverse-ms 100 --pass-ms 300
write_conf "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
wait_for 10 "the fault text" timeline_has "\"what\":\"led\".*\"colour\":\"red\",\"text\":\"$FAULT_TEXT\""
wait_for 10 "the truck turned away" timeline_has '"what":"reversed","plate":"豫C22222"'
kill -0 "$WG_PID" || fail "weighgated exited on a full store"
grep -q 'startup event not recorded: .*full' "$WORK/weighgated.log" ||
	fail "the startup failure is not in the log"
[ "$(sql "SELECT count(*) FROM events")" = "$n_before" ] || fail "events recorded in a full store"
no_pass 豫C22222

# 3. Space freed while it runs: startup recorded, the lane recovers by
#    itself and the next legal truck passes.
sql "DROP TRIGGER filler_grow; DELETE FROM filler;"
wait_for 10 "the startup event" sql_ge 2 "SELECT count(*) FROM events WHERE kind = 'startup'"
timeline_has '"what":"arrive","plate":"豫C33333"' && fail "recovery too slow for the test"
wait_for 15 "the truck through" timeline_has '"what":"drove_through","plate":"豫C33333"'
stop_pid "$WG_PID" || fail "weighgated exit status $?"
stop_pid "$SIM_PID" || true
[ "$(sql "SELECT json_extract(body, '$.decision') FROM events WHERE kind = 'weighing'")" = pass ] ||
	fail "the truck after recovery was not decided pass"
assert_barrier_authorized
store_verify
echo "fault_store_full: ok"
