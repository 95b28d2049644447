#!/bin/bash
# kill -9 with sync on, repeated (docs/design.md §11, §7): 48 trucks at short gaps on
# a lane whose events go to the platform in small batches (batch_max 4,
# batch_wait_ms 50; the platform answers after 150 ms, so kills land while
# batches are in flight).  weighgated is killed with SIGKILL 22 times at
# random moments and restarted at once with the same configuration and
# database.  When the traffic is over and the store is all synced:
# every event of the store is at the platform (same uuid, seq and hash),
# nothing else is, nothing is stored twice, seq 1..N has no gap and the
# chain verifies, at the platform and in the store.  Prints the figures.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/sync_lib.inc"

KILLS=22
make_certs
{
	for i in $(seq 1 48); do
		if [ $((i % 6)) = 0 ]; then g=25000; else g=15000; fi
		truck L01 250 "$(printf '豫S%05d' "$i")" $g
	done
} >"$WORK/traffic.jsonl"
start_platform --delay-ms 150
start_sim "$WORK/traffic.jsonl" --hold --weigh-ms 200 --decide-ms 800 --reverse-ms 100 \
	--pass-ms 200 --barrier-ms 150
BATCH_MAX=4 BATCH_WAIT_MS=50 RETRY_MIN_MS=50 RETRY_MAX_MS=500 write_sync_conf "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
go_traffic

# Kill at random moments (0.4 to 2.4 s apart) while trucks come; restart at once.
for k in $(seq 1 $KILLS); do
	sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 0.4 + r / 32768 * 2.0 }')"
	kill -KILL "$WG_PID"
	wait "$WG_PID" 2>/dev/null || true
	start_daemon "$WORK/wg.conf"
done
echo "killed $KILLS times, at $(tl_count '"what":"weighed"') weighings"
wait_for 60 "the last truck" timeline_has '"what":"(reversed|drove_through)","plate":"豫S00048"'
wait_for 20 "the store all synced" all_synced
stop_pid "$WG_PID" || fail "weighgated exit status $? on SIGTERM"
stop_pid "$SIM_PID" || true
stop_pid "$PLAT_PID" || fail "weighgate-platform exit status $?"

store_verify
N=$(sql "SELECT count(*) FROM events")
[ "$(sql "SELECT max(seq) FROM events")" = "$N" ] || fail "a gap in the store's sequence"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'startup'")" = $((KILLS + 1)) ] ||
	fail "not $((KILLS + 1)) startup events"
both() {
	sqlite3 -cmd '.timeout 5000' "$WORK/weighgate.db" \
		"ATTACH '$WORK/platform.db' AS p; $1"
}
lost=$(both "SELECT count(*) FROM events s WHERE NOT EXISTS
	(SELECT 1 FROM p.events e WHERE e.uuid = s.uuid AND e.seq = s.seq AND e.hash = s.hash)")
extra=$(both "SELECT count(*) FROM p.events e WHERE NOT EXISTS
	(SELECT 1 FROM events s WHERE s.uuid = e.uuid)")
twice=$(sqlite3 "$WORK/platform.db" "SELECT (SELECT count(*) FROM events) -
	(SELECT count(*) FROM (SELECT DISTINCT chain, seq FROM events))")
r=$(plat_report) || fail "platform report (exit $?): $r"
line=$(echo "$r" | head -n 1)
dups=$(echo "$line" | sed -n 's/.*duplicates \([0-9]*\),.*/\1/p')
gaps=$(echo "$line" | sed -n 's/.*gaps \([0-9]*\).*/\1/p')
verdict=$(echo "$line" | sed -n 's/.*, \(chain [a-z]*\).*/\1/p')
echo "kills $KILLS, events $N (at the platform $(plat_count)), duplicates seen by the platform $dups," \
	"lost $lost, extra $extra, stored twice $twice, gaps $gaps, $verdict;" \
	"weighings $(sql "SELECT count(*) FROM events WHERE kind = 'weighing'")"
[ "$lost" = 0 ] || fail "$lost events of the store are not at the platform"
[ "$extra" = 0 ] || fail "$extra events at the platform are not in the store"
[ "$twice" = 0 ] || fail "$twice events stored twice at the platform"
assert_report_whole "$N"
[ "$(echo "$r" | wc -l)" = 2 ] || fail "more than one chain: $r"
echo "sync_kill9: ok"
