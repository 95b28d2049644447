#!/bin/bash
# kill -9 mid-traffic, repeated (docs/design.md §11, §4.2): 20 legal and 4 over-limit
# trucks at short gaps; the daemon is killed at 3 random moments and
# restarted each time.  Afterwards: the store verifies (gapless seq, hash
# chain), every truck that drove through has its committed pass, no scale
# result is decided twice, every raise was authorised, no barrier was
# lowered onto an occupied pass loop, and the lane is back to idle with the
# barrier down.  Then SIGTERM: the fault text, the barrier down, exit 0.
. "$(dirname "$0")/lib.inc"
{
	for i in $(seq 1 24); do
		if [ $((i % 6)) = 0 ]; then g=25000; else g=15000; fi
		truck L01 $([ "$i" = 1 ] && echo 1500 || echo 250) "$(printf '豫K%05d' "$i")" $g
	done
} >"$WORK/traffic.jsonl"
start_sim "$WORK/traffic.jsonl" --hold --weigh-ms 200 --decide-ms 800 --reverse-ms 100 \
	--pass-ms 200 --barrier-ms 150
write_conf "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
wait_for 10 "the idle text" timeline_has "\"what\":\"led\".*\"text\":\"$IDLE_TEXT\""
# the traffic begins once the daemon is up (its baseline read)
go_traffic

# Kill at random moments while trucks come, restart at once.
for k in 1 2 3; do
	sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 1.5 + r / 32768 * 2.5 }')"
	kill -KILL "$WG_PID"
	wait "$WG_PID" 2>/dev/null || true
	echo "killed at $(tl_count '"what":"weighed"') weighings"
	start_daemon "$WORK/wg.conf"
done
wait_for 40 "the last truck" timeline_has '"what":"(reversed|drove_through)","plate":"豫K00024"'
last_barrier() { grep '"what":"barrier","state":"\(up\|down\)"' "$WORK/timeline.jsonl" | tail -n 1 | grep -q '"down"'; }
wait_for 10 "the barrier down" last_barrier
wait_for 10 "the idle text" led_now "\"colour\":\"green\",\"text\":\"$IDLE_TEXT\""

# SIGTERM: fault text, barrier down, exit 0.
stop_pid "$WG_PID" || fail "weighgated exit status $? after SIGTERM"
wait_for 5 "the fault text after SIGTERM" led_now "\"colour\":\"red\",\"text\":\"$FAULT_TEXT\""
last_barrier || fail "barrier not down after SIGTERM"
stop_pid "$SIM_PID" || true

store_verify
[ "$(sql "SELECT count(*) = max(seq) FROM events")" = 1 ] || fail "a gap in the sequence"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'startup'")" = 4 ] || fail "not 4 startups"
dup=$(sql "SELECT json_extract(body, '$.seq') FROM events WHERE kind = 'weighing'
	GROUP BY json_extract(body, '$.lane'), json_extract(body, '$.seq') HAVING count(*) > 1")
[ -z "$dup" ] || fail "results decided twice: $dup"
# Every truck that drove through behind a raise has its pass in the store.
for p in $(grep '"what":"drove_through"' "$WORK/timeline.jsonl" | grep -v tailgater |
	sed -n 's/.*"plate":"\([^"]*\)".*/\1/p'); do
	[ "$(sql "SELECT count(*) FROM events WHERE kind = 'weighing' AND
		json_extract(body, '$.decision') = 'pass' AND
		json_extract(body, '$.measurement.plate') = '$p'")" = 1 ] ||
		fail "$p drove through without its pass in the store"
done
# No over-limit truck through.
! grep '"what":"drove_through"' "$WORK/timeline.jsonl" | grep -Eq '豫K000(06|12|18|24)' ||
	fail "an over-limit truck drove through"
assert_no_lowering_on_occupied_loop
assert_barrier_authorized
echo "through: $(tl_count '"what":"drove_through"'), events: $(sql 'SELECT count(*) FROM events')"
echo "fault_kill9: ok"
