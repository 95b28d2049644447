#!/bin/bash
# Only the platform can tell that the store went back (docs/operations.md,
# docs/sync-protocol.md "chains"): the daemon is stopped, its store copied,
# traffic goes on (synced), then the daemon is started on the older copy
# with the sidecar <db>.chain removed.  The platform's answer says it holds
# more of the chain than the store:
#  - the lane goes FAULT (barrier down) at once and the log, /metrics say
#    why; nothing of the store's stale continuation reaches the platform
#    (no seq of the chain used twice: the platform rejected nothing);
#  - after a restart a new chain begins with store_rollback, revealed by
#    the platform; what the stale start recorded is recorded again after
#    it; the lane decides again.
. "$(dirname "$0")/hostile_store_lib.inc"

hs_begin 2
wait_for 10 "the store all synced" all_synced
stop_pid "$WG_PID" || fail "weighgated exit status $?"
cp "$WORK/weighgate.db" "$WORK/copy.db"
COPY_SEQ=$(sqlite3 "$WORK/copy.db" "SELECT max(seq) FROM events")
OLD_CHAIN=$(sql "SELECT chain FROM meta")
start_daemon "$WORK/wg.conf"
wait_for 20 "more weighings" sql_ge $((COPY_SEQ + 4)) "SELECT max(seq) FROM events"
wait_for 10 "the store all synced" all_synced
stop_pid "$WG_PID" || fail "weighgated exit status $?"
# (after the stop: what it recorded while stopping was sent too)
PLAT_SEQ=$(psql "SELECT max(seq) FROM events WHERE chain = '$OLD_CHAIN'")

# The older copy, no sidecar: the lane starts (from a baseline: no
# sidecar vouches for the copy's result sequences), the platform reveals
# it; the trucks that come after must all be turned away.
stop_pid "$SIM_PID" || true
hs_traffic 6
start_sim "$WORK/traffic.jsonl" --hold --weigh-ms 200 --decide-ms 800 \
	--reverse-ms 100 --pass-ms 200 --barrier-ms 150
CONTROLLER_EXTRA="status_listen = 127.0.0.1:$STATUS_PORT" \
	BATCH_WAIT_MS=50 write_sync_conf "$WORK/wg.conf"
mark=$(tl_lines)
cp "$WORK/copy.db" "$WORK/weighgate.db"
rm -f "$WORK/weighgate.db-wal" "$WORK/weighgate.db-shm" "$WORK/weighgate.db.chain"
restart_daemon
wait_status
wait_for 10 "the platform's answer revealing it" \
	grep -q 'ALARM: .*platform holds' "$WORK/weighgated.log"
wait_for 3 "the lane FAULT" lane_is FAULT
go_traffic
wait_for 10 "a truck turned away" timeline_has '"what":"reversed"'
assert_no_raise_after "$mark" "found behind"
[ "$(metric weighgate_store_replaced)" = 1 ] || fail "metrics: no weighgate_store_replaced 1"
stop_pid "$WG_PID" || fail "weighgated exit status $?"

# Restart: a new chain with store_rollback revealed by the platform.
restart_daemon
wait_for 10 "the new store" sql_ge 1 "SELECT count(*) FROM events WHERE kind = 'startup'"
[ "$(sql "SELECT chain FROM meta")" != "$OLD_CHAIN" ] || fail "the old chain goes on (a fork)"
[ "$(sql "SELECT kind || ' ' || json_extract(body, '$.old_chain') || ' ' ||
	json_extract(body, '$.platform_seq') || ' ' || json_extract(body, '$.revealed_by')
	FROM events WHERE seq = 1")" = "store_rollback $OLD_CHAIN $PLAT_SEQ platform" ] ||
	fail "store_rollback (platform at $PLAT_SEQ): $(sql "SELECT kind, body FROM events WHERE seq = 1")"
# What the stale start recorded (its startup event) is recorded again in
# the new chain, so that it too reaches the platform.
[ "$(sql "SELECT json_extract(body, '$.carried') FROM events WHERE seq = 1")" = 1 ] ||
	fail "store_rollback does not count the carried event"
[ "$(sql "SELECT kind FROM events WHERE seq = 2")" = startup ] ||
	fail "the stale startup event is not carried into the new chain"
hs_rollback_synced
[ "$(psql "SELECT max(seq) FROM events WHERE chain = '$OLD_CHAIN'")" = "$PLAT_SEQ" ] ||
	fail "the old chain at the platform changed"
assert_platform_no_fork
store_verify
echo "hostile_store_platform: ok (copy at seq $COPY_SEQ, platform at $PLAT_SEQ)"
