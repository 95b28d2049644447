#!/bin/bash
# The event store is replaced by an older copy while the daemon runs
# (docs/operations.md, "The store deleted or replaced"): a copy is taken
# early, traffic goes on, then the copy is moved over the database and its
# -wal and -shm are removed, as a restore from a backup would.
#  - the lane goes FAULT, the barrier never rises after the replacement;
#    the log and /metrics say why; the alarm reaches the platform;
#  - after a restart the daemon sees that the store is behind what it
#    committed (the sidecar <db>.chain): a new chain begins with
#    store_rollback (old chain, both last seqs), the older copy is kept
#    aside, and no seq of the old chain is used twice: the platform
#    rejected nothing and holds every chain whole.
. "$(dirname "$0")/hostile_store_lib.inc"

hs_begin 2
sqlite3 "$WORK/weighgate.db" ".backup '$WORK/copy.db'"
COPY_SEQ=$(sqlite3 "$WORK/copy.db" "SELECT max(seq) FROM events")
OLD_CHAIN=$(sql "SELECT chain FROM meta")
wait_for 20 "three weighings more" \
	sql_ge $((COPY_SEQ + 6)) "SELECT max(seq) FROM events"
after_drove_through
mark=$(tl_lines)
cp "$WORK/copy.db" "$WORK/copy2.db"
mv "$WORK/copy2.db" "$WORK/weighgate.db"
rm -f "$WORK/weighgate.db-wal" "$WORK/weighgate.db-shm"
t0=$(date +%s%N)
wait_for 3 "the lane FAULT after the replacement" lane_is FAULT
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "FAULT $ms ms after the replacement"
[ "$ms" -le 1500 ] || fail "FAULT only $ms ms after the replacement"
sleep 2
assert_no_raise_after "$mark" replaced
grep -Eq 'ALARM: event store .*replaced' "$WORK/weighgated.log" ||
	fail "the log does not say the store was replaced"
[ "$(metric weighgate_store_replaced)" = 1 ] || fail "metrics: no weighgate_store_replaced 1"
wait_for 10 "the store_replaced event at the platform" \
	psql_is 1 "SELECT count(*) FROM events WHERE kind = 'store_replaced'"
save_open_store real.db
COMMITTED=$(sqlite3 "$WORK/real.db" "SELECT max(seq) FROM events")
wait_for 10 "every committed event at the platform" all_at_platform "$WORK/real.db"
[ "$(sqlite3 "$WORK/weighgate.db" "SELECT max(seq) FROM events")" = "$COPY_SEQ" ] ||
	fail "the daemon wrote into the copy"

# Restart on the older copy: a new chain, the copy kept aside, no fork.
stop_pid "$WG_PID" || fail "weighgated exit status $?"
restart_daemon
wait_for 10 "the new store" sql_ge 1 "SELECT count(*) FROM events WHERE kind = 'startup'"
[ "$(sql "SELECT chain FROM meta")" != "$OLD_CHAIN" ] || fail "the old chain goes on (a fork)"
[ "$(sql "SELECT kind FROM events WHERE seq = 1")" = store_rollback ] ||
	fail "the new chain begins with $(sql "SELECT kind FROM events WHERE seq = 1")"
body=$(sql "SELECT body FROM events WHERE seq = 1")
[ "$(sql "SELECT json_extract(body, '$.old_chain') || ' ' ||
	json_extract(body, '$.store_seq') || ' ' || json_extract(body, '$.committed_seq')
	FROM events WHERE seq = 1")" = "$OLD_CHAIN $COPY_SEQ $COMMITTED" ] ||
	fail "store_rollback body (copy $COPY_SEQ, committed $COMMITTED): $body"
ls "$WORK"/weighgate.db.old-*-behind >/dev/null 2>&1 || fail "the older copy is not kept aside"
grep -q 'ALARM: .*behind' "$WORK/weighgated.log" || fail "the rollback alarm is not logged"
[ "$(metric weighgate_store_rollback)" = 1 ] || fail "metrics: no weighgate_store_rollback 1"
hs_rollback_synced
[ "$(psql "SELECT count(*) FROM events WHERE chain = '$OLD_CHAIN'")" = "$COMMITTED" ] ||
	fail "the platform does not hold seq 1..$COMMITTED of the old chain"
assert_platform_no_fork
store_verify
echo "hostile_store_replaced: ok (copy at seq $COPY_SEQ, committed $COMMITTED)"
