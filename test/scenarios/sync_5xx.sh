#!/bin/bash
# A flaky platform (docs/design.md §7, §11): 40 % of the batches answered 503 with
# Retry-After: 1, and 20 % of the stored batches answered with garbage
# instead of the §7 document.  Retries honour Retry-After (no retry sooner
# than 1 s after a 503), never give up, and in the end every event is at
# the platform, seq 1..N without a gap, chain valid, and synced in the
# store; events whose answer was garbage were sent again (the platform
# counts them as duplicates, its effect stays exactly once).
# Garbage answers come from the platform's --garbage-rate switch.
# /metrics counts every 503 as weighgate_sync_failures_total{reason="http_5xx"}.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/sync_lib.inc"

make_certs
{
	truck L01 100 苏A30001 15000
	truck L01 900 苏A30002 30000
	truck L01 900 苏A30003 16000
	truck L01 900 苏A30004 17000
	truck L01 900 苏A30005 12000
} >"$WORK/traffic.jsonl"
start_platform --fail-rate 0.4 --fail-status 503 --retry-after 1 \
	--garbage-rate 0.2 --seed 7
start_sim "$WORK/traffic.jsonl" --hold --weigh-ms 200 --decide-ms 1500 --pass-ms 300 --reverse-ms 300
STATUS_PORT=$(free_port)
BATCH_MAX=2 BATCH_WAIT_MS=50 RETRY_MAX_MS=1500 write_sync_conf "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
go_traffic
wait_for 40 "five weighings in the store" weighings_ge 5
wait_all_synced 30
assert_platform_whole "$N"

grep -q 'fault switch' "$WORK/platform.log" || fail "no 503 was injected"
# Each 503 counted as an http_5xx failure; the garbage answers are bad_answer.
assert_sync_failures "http_5xx=$(grep -c 'POST /v1/events: 503 (fault switch)' "$WORK/platform.log")" \
	"bad_answer>=0"
grep -q 'sync: HTTP 503; .* retry [0-9]* in' "$WORK/weighgated.log" ||
	fail "no 503 seen by the daemon"
# Retry-After: 1 is honoured: no retry after a 503 sooner than 1000 ms.
! grep -E 'sync: HTTP 503; .* in [0-9]{1,3} ms' "$WORK/weighgated.log" ||
	fail "a retry after a 503 came sooner than its Retry-After"

stop_sync_all
echo "sync_5xx: ok"
