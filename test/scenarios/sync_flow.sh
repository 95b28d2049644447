#!/bin/bash
# Normal sync (docs/design.md §7): a lane with a few trucks and weighgate-platform
# over HTTPS with a verified CA.  Every event reaches the platform in seq
# order: its own report shows them all, seq 1..N without a gap and the chain
# valid, and the store has every event marked synced.  The startup event is
# urgent: it arrives before batch_wait_ms could have sent it.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/sync_lib.inc"

make_certs
{
	truck L01 100 苏A10001 15000
	truck L01 1500 苏A10002 30000
	truck L01 1500 苏A10003 16000
} >"$WORK/traffic.jsonl"
start_platform
start_sim "$WORK/traffic.jsonl" --hold --weigh-ms 200 --decide-ms 1500 --pass-ms 300 --reverse-ms 300
BATCH_WAIT_MS=10000 write_sync_conf "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
wait_for 5 "the startup event at the platform (urgent, before batch_wait_ms)" \
	plat_ge 1
go_traffic
wait_for 30 "three weighings in the store" weighings_ge 3
# batch_wait_ms is 10 s here: the rest follows within that bound.
wait_all_synced 20
[ "$N" -ge 4 ] || fail "only $N events"
assert_platform_whole "$N"
# The platform holds exactly the stored bodies and hashes.
assert_platform_same hash "hashes differ between the store and the platform"
! grep -qi 'bearer\|BEGIN.*PRIVATE' "$WORK/weighgated.log" || fail "a secret in the log"

stop_sync_all
echo "sync_flow: ok"
