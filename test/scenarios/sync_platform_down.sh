#!/bin/bash
# The platform is down (docs/design.md §7, §11): trucks are decided and recorded all
# the same (nothing at the lane waits for the platform), the events stay
# unsynced, a kill -9 and restart of the daemon loses none of them, and
# when the platform comes back the backlog drains in seq order: the
# platform received every event, seq 1..N without a gap, chain valid, each
# batch after the one before it, and the store has every event synced.
# While it is down, /metrics counts network failures only.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/sync_lib.inc"

make_certs
{
	truck L01 100 苏A20001 15000
	truck L01 1200 苏A20002 30000
	truck L01 1200 苏A20003 16000
	truck L01 1200 苏A20004 17000
} >"$WORK/traffic.jsonl"
# Learn a free port from the platform, then take it down.
start_platform
stop_pid "$PLAT_PID" || fail "weighgate-platform exit status $?"
rm -f "$WORK/platform.db"
start_sim "$WORK/traffic.jsonl" --hold --weigh-ms 200 --decide-ms 1500 --pass-ms 300 --reverse-ms 300
STATUS_PORT=$(free_port)
write_sync_conf "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
go_traffic
wait_for 30 "four weighings in the store" weighings_ge 4
wait_for 10 "a failed attempt in the log" grep -q 'sync: .*retry' "$WORK/weighgated.log"
[ "$(unsynced)" = "$(sql 'SELECT count(*) FROM events')" ] ||
	fail "events marked synced with the platform down"
assert_sync_failures "network>=1"

# kill -9 with a backlog; the restart resumes from the store.
kill -KILL "$WG_PID"
wait "$WG_PID" 2>/dev/null || true
start_daemon "$WORK/wg.conf"
wait_for 10 "the restarted daemon's backlog" \
	grep -q 'sync: to https://127.0.0.1:[0-9]*, [1-9][0-9]* events waiting' "$WORK/weighgated.log"
sleep 1		# a few more failed attempts (retry_max_ms = 1000)

start_platform
N=$(sql "SELECT max(seq) FROM events")
wait_for 20 "the backlog to drain" all_synced
N=$(sql "SELECT max(seq) FROM events")
wait_for 5 "the platform to hold $N events" plat_eq "$N"
assert_report_whole "$N"
# Drained in seq order: no event arrived before one with a lower seq.
[ "$(sqlite3 "$WORK/platform.db" "SELECT count(*) FROM events a JOIN events b
    ON a.seq < b.seq AND a.received_ms > b.received_ms")" = 0 ] ||
	fail "events arrived out of seq order"
grep -q 'platform answering again' "$WORK/weighgated.log" ||
	fail "no recovery logged"

stop_sync_all
echo "sync_platform_down: ok"
