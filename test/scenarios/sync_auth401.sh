#!/bin/bash
# Credentials refused (docs/design.md §7): the platform wants a bearer token and the
# daemon's token file (mode 0600) holds a wrong one.  Nothing is accepted,
# nothing marked synced, the alarm is logged, and the daemon backs off
# (the platform counts its requests: not a tight loop, and not given up).
# The daemon restarted with the right token drains everything.  Then the
# platform answers 403 to every batch: the same alarm (HTTP 403), nothing
# accepted; once it takes the batches again the backlog drains.  No token
# ever reaches a log.  /metrics counts the 401s and 403s as
# weighgate_sync_failures_total{reason="auth"}, nothing else.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/sync_lib.inc"

make_certs
RIGHT=right-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
WRONG=wrong-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
(umask 077; printf '%s\n' "$RIGHT" >"$WORK/platform-token"
	printf '%s\n' "$WRONG" >"$WORK/token")
{
	truck L01 100 苏A60001 15000
	truck L01 1200 苏A60002 30000
	truck L01 1200 苏A60003 16000
} >"$WORK/traffic.jsonl"
start_platform --token-file "$WORK/platform-token"
start_sim "$WORK/traffic.jsonl" --hold --weigh-ms 200 --decide-ms 1500 --pass-ms 300 --reverse-ms 300
STATUS_PORT=$(free_port)
RETRY_MIN_MS=200 RETRY_MAX_MS=2000 PLATFORM_EXTRA="token_file = $WORK/token" \
	write_sync_conf "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
go_traffic

# refusals: POST /v1/events the platform answered 401.
refusals() { grep -c 'POST /v1/events: 401' "$WORK/platform.log" || true; }
wait_for 10 "the credentials alarm" \
	grep -q 'sync: ALARM: the platform refuses our credentials (HTTP 401)' "$WORK/weighgated.log"
wait_for 30 "three weighings in the store" weighings_ge 3
# Backoff: 200 ms doubling to 2 s with full jitter makes about 5 requests
# in 5 s, at least 2; a tight loop would make hundreds.
n0=$(refusals); sleep 5; n1=$(refusals)
echo "requests answered 401 in 5 s: $((n1 - n0))"
[ $((n1 - n0)) -le 20 ] || fail "$((n1 - n0)) requests in 5 s: no backoff"
[ $((n1 - n0)) -ge 2 ] || fail "$((n1 - n0)) requests in 5 s: the daemon gave up"
# Every 401 counted as an auth failure (a request in flight may be answered
# and not yet counted).
n=$(refusals)
assert_sync_failures "auth>=$((n - 1))"
[ "$(grep -o '^weighgate_sync_failures_total{reason="auth"} [0-9]*' "$WORK/sf-metrics.txt" |
    cut -d' ' -f2)" -le "$(refusals)" ] || fail "more auth failures counted than 401s answered"
[ "$(plat_count)" = 0 ] || fail "the platform stored events without the token"
[ "$(sql "SELECT count(*) FROM events WHERE state <> 0")" = 0 ] ||
	fail "events marked synced or rejected on a 401"
[ "$(grep -c 'sync: ALARM: the platform refuses' "$WORK/weighgated.log")" = 1 ] ||
	fail "the alarm is logged more than once per episode"

# The right token: everything arrives.
stop_pid "$WG_PID" || fail "weighgated exit status $? on SIGTERM"
(umask 077; printf '%s\n' "$RIGHT" >"$WORK/token")
start_daemon "$WORK/wg.conf"
wait_all_synced 15
assert_platform_whole "$N"
stop_pid "$WG_PID" || fail "weighgated exit status $? on SIGTERM"

# 403 for every batch (same port and database): alarm, nothing accepted.
stop_pid "$PLAT_PID" || fail "weighgate-platform exit status $?"
start_platform --token-file "$WORK/platform-token" --fail-rate 1 --fail-status 403
: >"$WORK/weighgated.log"
start_daemon "$WORK/wg.conf"
wait_for 10 "the credentials alarm (403)" \
	grep -q 'sync: ALARM: the platform refuses our credentials (HTTP 403)' "$WORK/weighgated.log"
sleep 1
[ "$(plat_count)" = "$N" ] || fail "the platform stored events while answering 403"
assert_sync_failures "auth>=1"
[ "$(unsynced)" -ge 1 ] || fail "the new startup event is not waiting"
[ "$(sql "SELECT count(*) FROM events WHERE state = 2")" = 0 ] ||
	fail "events marked rejected on a 403"
stop_pid "$PLAT_PID" || fail "weighgate-platform exit status $?"
start_platform --token-file "$WORK/platform-token"
wait_for 15 "every event synced after the 403s" all_synced
N=$(sql "SELECT max(seq) FROM events")
wait_for 5 "the platform to hold $N events" plat_eq "$N"
assert_report_whole "$N"

! grep -q -e "$RIGHT" -e "$WRONG" "$WORK/weighgated.log" "$WORK/platform.log" ||
	fail "a token in a log"
stop_sync_all
echo "sync_auth401: ok ($N events)"
