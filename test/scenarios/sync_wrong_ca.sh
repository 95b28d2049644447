#!/bin/bash
# TLS verification is always on (docs/design.md §7, §11).  A platform whose server
# certificate is signed by another CA gets nothing: the daemon logs an
# alarm saying TLS verification failed, keeps retrying, marks nothing
# synced, and the lane goes on deciding.  Then the right CA but a pinned
# public key that is not the server's: again nothing is sent.  With the
# right pin, everything arrives.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/sync_lib.inc"

make_certs
truck L01 100 苏A40001 15000 >"$WORK/traffic.jsonl"
PLAT_CERT=other-server start_platform
start_sim "$WORK/traffic.jsonl" --hold --weigh-ms 200 --decide-ms 1500 --pass-ms 300
write_sync_conf "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
go_traffic
wait_for 20 "the weighing in the store" weighings_ge 1
wait_for 10 "the TLS alarm" grep -q 'sync: ALARM: TLS verification failed' "$WORK/weighgated.log"
sleep 1		# more attempts (retry_max_ms = 1000)
[ "$(plat_count)" = 0 ] || fail "the platform received events over an unverified link"
[ "$(sql "SELECT count(*) FROM events WHERE state <> 0")" = 0 ] ||
	fail "events marked synced or rejected without a verified platform"
stop_pid "$WG_PID" || fail "weighgated exit status $? on SIGTERM"
stop_pid "$PLAT_PID" || fail "weighgate-platform exit status $?"

# The right CA, a wrong pin (the other server's key).
rm -f "$WORK/platform.db"
start_platform
PLATFORM_EXTRA="pinned_pubkey = sha256//$(pin "$WORK/certs/other-server.pem")" \
	write_sync_conf "$WORK/wg.conf"
: >"$WORK/weighgated.log"
start_daemon "$WORK/wg.conf"
wait_for 10 "the TLS alarm (pin)" grep -q 'sync: ALARM: TLS verification failed' "$WORK/weighgated.log"
sleep 1
[ "$(plat_count)" = 0 ] || fail "the platform received events despite a wrong pin"
[ "$(sql "SELECT count(*) FROM events WHERE state <> 0")" = 0 ] ||
	fail "events marked synced with a wrong pin"
stop_pid "$WG_PID" || fail "weighgated exit status $? on SIGTERM"

# The right pin: everything arrives.
PLATFORM_EXTRA="pinned_pubkey = sha256//$(pin "$WORK/certs/server.pem")" \
	write_sync_conf "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
wait_all_synced 15
assert_platform_whole "$N"

stop_sync_all
echo "sync_wrong_ca: ok"
