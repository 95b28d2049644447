#!/bin/bash
# Mutual TLS (docs/design.md §7): the platform requires a client certificate of its
# client CA.  A daemon without one gets nothing through: the TLS failure is
# logged as an alarm, nothing is marked synced or rejected, the lane goes on
# deciding and the store keeps every event.  Restarted with cert_file and
# key_file (and a pinned_pubkey list whose second key is the server's, as
# while a platform rotates keys), it sends everything: the platform holds
# every event, seq 1..N, no gap, chain valid.  The client key never reaches
# the log.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/sync_lib.inc"

make_certs
{
	truck L01 100 苏A80001 15000
	truck L01 1200 苏A80002 30000
} >"$WORK/traffic.jsonl"
start_platform --client-ca "$WORK/certs/ca.pem"
grep -q 'client certificates required' "$WORK/platform.log" ||
	fail "the platform does not say it requires client certificates"
start_sim "$WORK/traffic.jsonl" --hold --weigh-ms 200 --decide-ms 1500 --pass-ms 300 --reverse-ms 300

# No client certificate: refused in the handshake.
write_sync_conf "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
go_traffic
wait_for 10 "the TLS alarm" grep -q 'sync: ALARM: TLS refused by the platform: .*certificate required' "$WORK/weighgated.log"
wait_for 20 "two weighings in the store" weighings_ge 2
sleep 1		# more attempts (retry_max_ms = 1000)
[ "$(plat_count)" = 0 ] || fail "the platform stored events from a client without a certificate"
[ "$(sql "SELECT count(*) FROM events WHERE state <> 0")" = 0 ] ||
	fail "events marked synced or rejected without a TLS link"
N0=$(sql "SELECT count(*) FROM events")
[ "$N0" = "$(sql "SELECT max(seq) FROM events")" ] || fail "a gap in the store"
stop_pid "$WG_PID" || fail "weighgated exit status $? on SIGTERM"

# With the client certificate (and a pin list: another key, then the server's).
PLATFORM_EXTRA="cert_file = $WORK/certs/client.pem
key_file = $WORK/certs/client.key
pinned_pubkey = sha256//$(pin "$WORK/certs/other-server.pem");sha256//$(pin "$WORK/certs/server.pem")" \
	write_sync_conf "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
wait_all_synced 15
[ "$N" -gt "$N0" ] || fail "no new startup event"
assert_platform_whole "$N"
assert_platform_same uuid "the platform's events differ from the store's"
! grep -q 'PRIVATE' "$WORK/weighgated.log" || fail "a key in the log"

stop_sync_all
echo "sync_mtls: ok ($N events)"
