#!/bin/bash
# The event store is deleted while the daemon runs (docs/operations.md,
# "The store deleted or replaced"): legal trucks pass one after another;
# between two of them the database and its -wal and -shm are removed.
#  - the lane goes FAULT within about a second and the barrier never rises
#    after the deletion; the log, /metrics and /v1/status say why;
#  - the store_replaced alarm is recorded into the file still open and
#    reaches the platform, and every event committed before it (read from
#    the unlinked file through /proc) reaches the platform too;
#  - after a restart the new store begins a new chain whose first event is
#    store_rollback naming the old chain, and the platform still holds
#    every event of the old one.
. "$(dirname "$0")/hostile_store_lib.inc"

hs_begin 3
OLD_CHAIN=$(sql "SELECT chain FROM meta")
after_drove_through
mark=$(tl_lines)
rm -f "$WORK/weighgate.db" "$WORK/weighgate.db-wal" "$WORK/weighgate.db-shm"
t0=$(date +%s%N)
wait_for 3 "the lane FAULT after the deletion" lane_is FAULT
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "FAULT $ms ms after the deletion"
[ "$ms" -le 1500 ] || fail "FAULT only $ms ms after the deletion"
sleep 3		# trucks keep coming: none may be let through
assert_no_raise_after "$mark" deleted
grep -Eq 'ALARM: event store .*(deleted|replaced)' "$WORK/weighgated.log" ||
	fail "the log does not say the store was deleted"
[ "$(grep -Ec 'ALARM: event store .*(deleted|replaced)' "$WORK/weighgated.log")" = 1 ] ||
	fail "the alarm is logged more than once"
[ "$(metric weighgate_store_replaced)" = 1 ] ||
	fail "metrics: weighgate_store_replaced is '$(metric weighgate_store_replaced)'"
curl -sf "$(status_url /v1/status)" | grep -q '"replaced":"deleted"' ||
	fail "/v1/status does not say the store was deleted"
curl -sf "$(status_url /)" | grep -q 'deleted' || fail "the board does not say why"

# The alarm and everything committed before it reach the platform, from
# the unlinked file.
wait_for 10 "the store_replaced event at the platform" \
	psql_is 1 "SELECT count(*) FROM events WHERE kind = 'store_replaced'"
psql "SELECT body FROM events WHERE kind = 'store_replaced'" | grep -q '"deleted"' ||
	fail "store_replaced body: $(psql "SELECT body FROM events WHERE kind = 'store_replaced'")"
save_open_store unlinked.db
n_old=$(sqlite3 "$WORK/unlinked.db" "SELECT count(*) FROM events")
wait_for 10 "every committed event at the platform" all_at_platform "$WORK/unlinked.db"
[ "$(psql "SELECT count(*) FROM events WHERE chain = '$OLD_CHAIN'")" = "$n_old" ] ||
	fail "the platform holds other events of the old chain"

# Restart: a new chain begins with store_rollback; the old one is whole.
stop_pid "$WG_PID" || fail "weighgated exit status $?"
restart_daemon
wait_for 10 "the new store" sql_ge 1 "SELECT count(*) FROM events WHERE kind = 'startup'"
[ "$(sql "SELECT kind FROM events WHERE seq = 1")" = store_rollback ] ||
	fail "the new chain begins with $(sql "SELECT kind FROM events WHERE seq = 1")"
[ "$(sql "SELECT json_extract(body, '$.old_chain') FROM events WHERE seq = 1")" = "$OLD_CHAIN" ] ||
	fail "store_rollback body: $(sql "SELECT body FROM events WHERE seq = 1")"
[ "$(sql "SELECT chain FROM meta")" != "$OLD_CHAIN" ] || fail "the old chain goes on"
wait_for 10 "the rollback event at the platform" \
	psql_is 1 "SELECT count(*) FROM events WHERE kind = 'store_rollback'"
wait_for 20 "the lane deciding again" \
	sql_ge 1 "SELECT count(*) FROM events WHERE kind = 'weighing'"
stop_pid "$WG_PID" || fail "weighgated exit status $?"
stop_pid "$SIM_PID" || true
[ "$(psql "SELECT count(*) FROM events WHERE chain = '$OLD_CHAIN'")" = "$n_old" ] ||
	fail "events of the old chain lost at the platform"
assert_platform_no_fork
store_verify
echo "hostile_store_deleted: ok ($n_old events of the old chain at the platform)"
