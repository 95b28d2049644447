#!/bin/bash
# The event store is deleted while the platform is unreachable, and the
# daemon is restarted before it is back (docs/operations.md, "The store
# deleted or replaced"): nothing committed may be lost.
#  - the lane goes FAULT, no raise after the deletion;
#  - the daemon saves what the unlinked file holds as <db>.old-*-deleted;
#  - restarted, it begins a new chain (store_rollback) and, once the
#    platform is back, every event of the deleted store (the alarm
#    included) reaches it from the saved copy, and the new chain too.
. "$(dirname "$0")/hostile_store_lib.inc"

hs_begin 2
OLD_CHAIN=$(sql "SELECT chain FROM meta")
stop_pid "$PLAT_PID" || true
wait_for 20 "two weighings more, unsynced" \
	sql_ge 4 "SELECT count(*) FROM events WHERE state = 0 AND kind = 'weighing'"
after_drove_through
mark=$(tl_lines)
rm -f "$WORK/weighgate.db" "$WORK/weighgate.db-wal" "$WORK/weighgate.db-shm"
wait_for 3 "the lane FAULT after the deletion" lane_is FAULT
wait_for 10 "the open file saved" grep -q 'store held is saved as' "$WORK/weighgated.log"
sleep 1
assert_no_raise_after "$mark" deleted
save_open_store unlinked.db
n_old=$(sqlite3 "$WORK/unlinked.db" "SELECT count(*) FROM events")
[ "$(sqlite3 "$WORK/unlinked.db" "SELECT count(*) FROM events WHERE kind = 'store_replaced'")" = 1 ] ||
	fail "no store_replaced event in the deleted file"
saved=$(ls "$WORK"/weighgate.db.old-*-deleted)
[ "$(sqlite3 "$saved" "SELECT count(*) FROM events")" = "$n_old" ] ||
	fail "the saved copy does not hold the $n_old events of the deleted file"

# Restarted with the platform still away, then the platform comes back.
stop_pid "$WG_PID" || fail "weighgated exit status $?"
restart_daemon
[ "$(sql "SELECT kind FROM events WHERE seq = 1")" = store_rollback ] ||
	fail "the new chain begins with $(sql "SELECT kind FROM events WHERE seq = 1")"
grep -q "old.*deleted (chain $OLD_CHAIN) holds [0-9]* unsynced" "$WORK/weighgated.log" ||
	fail "the saved copy is not drained"
start_platform
wait_for 20 "every event of the deleted store at the platform" all_at_platform "$saved"
wait_for 10 "the new chain at the platform" all_synced
stop_pid "$WG_PID" || fail "weighgated exit status $?"
stop_pid "$SIM_PID" || true
[ "$(psql "SELECT count(*) FROM events WHERE chain = '$OLD_CHAIN'")" = "$n_old" ] ||
	fail "the platform holds $(psql "SELECT count(*) FROM events WHERE chain = '$OLD_CHAIN'") of the $n_old events of the old chain"
assert_platform_no_fork
store_verify
echo "hostile_store_deleted_offline: ok ($n_old events of the deleted store at the platform)"
