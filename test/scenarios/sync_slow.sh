#!/bin/bash
# A platform slower than the request timeout (docs/design.md §7, §11).  The platform
# stores every batch but holds its answer back 3 s; the daemon gives each
# POST request_timeout_s = 1 s, gives up, backs off and sends the same
# events again, marking nothing synced meanwhile.  The lane goes on deciding.
# Then the platform is restarted on the same port and database without the
# delay: the backlog drains, every event of the store is at the platform
# exactly once (the resends show as duplicates in its report, not as rows),
# seq 1..N without a gap, chain valid, in seq order of arrival.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/sync_lib.inc"

make_certs
{
	truck L01 100 苏A50001 15000
	truck L01 1200 苏A50002 30000
	truck L01 1200 苏A50003 16000
	truck L01 1200 苏A50004 17000
} >"$WORK/traffic.jsonl"
start_platform --delay-ms 3000
start_sim "$WORK/traffic.jsonl" --hold --weigh-ms 200 --decide-ms 1500 --pass-ms 300 --reverse-ms 300
RETRY_MIN_MS=200 RETRY_MAX_MS=1000 PLATFORM_EXTRA="request_timeout_s = 1" \
	write_sync_conf "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
go_traffic
wait_for 30 "four weighings in the store" weighings_ge 4
wait_for 10 "a request timeout in the log" \
	grep -q 'sync: Operation timed out after [0-9]* milliseconds.*retry [0-9]* in' "$WORK/weighgated.log"

# posts: POST /v1/events the platform stored (each answered late).
posts() { grep -c 'POST /v1/events controller TEST-0001: accepted' "$WORK/platform.log" || true; }
wait_for 15 "the daemon to send again after timeouts" eval '[ "$(posts)" -ge 4 ]'
# Nothing is synced on an answer that never came in time.
[ "$(sql "SELECT count(*) FROM events WHERE state <> 0")" = 0 ] ||
	fail "events marked synced or rejected though every answer came too late"
grep -q 'accepted [0-9]* (duplicates [1-9]' "$WORK/platform.log" ||
	fail "the daemon never sent stored events again"
# Backoff, not a tight loop: a request takes 1 s to time out, then waits
# 200..1000 ms: at most 4 go out in 4 s, and at least one.
n0=$(posts); sleep 4; n1=$(posts)
[ $((n1 - n0)) -le 4 ] || fail "$((n1 - n0)) requests in 4 s: no backoff"
[ $((n1 - n0)) -ge 1 ] || fail "no request in 4 s: the daemon gave up"

# The platform answers in time again: same port, same database.
stop_pid "$PLAT_PID" || fail "weighgate-platform exit status $?"
start_platform
wait_for 20 "the backlog to drain" all_synced
N=$(sql "SELECT max(seq) FROM events")
[ "$N" -ge 5 ] || fail "only $N events"
wait_for 5 "the platform to hold $N events" plat_eq "$N"
assert_report_whole "$N"
plat_report | grep -q 'duplicates [1-9]' || fail "no duplicate counted: $(plat_report)"
# The very events of the store, each once.
[ "$(sqlite3 "$WORK/platform.db" "SELECT group_concat(uuid || hash, ',') FROM (SELECT uuid, hash FROM events ORDER BY seq)")" = \
  "$(sql "SELECT group_concat(uuid || hash, ',') FROM (SELECT uuid, hash FROM events ORDER BY seq)")" ] ||
	fail "the platform's events differ from the store's"
# First arrivals in seq order.
[ "$(sqlite3 "$WORK/platform.db" "SELECT count(*) FROM events a JOIN events b
    ON a.seq < b.seq AND a.received_ms > b.received_ms")" = 0 ] ||
	fail "events arrived out of seq order"
grep -q 'platform answering again' "$WORK/weighgated.log" || fail "no recovery logged"

stop_sync_all
echo "sync_slow: ok ($N events, $(plat_report | tail -n 1))"
