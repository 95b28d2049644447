#!/bin/bash
# Events the platform rejects (docs/design.md §7): it refuses every `weighing`
# (--reject-kind).  Each is marked rejected in the store with the
# platform's error, logged once, and never sent again — not later, not
# after a restart: the platform saw each exactly once (its rejected count
# equals the store's).  Every other event is synced, and sync goes on after
# the rejections: the turned-back truck forces its way through, and that
# forced_entry after a rejected weighing arrives, as does the restarted
# daemon's startup event.  At the platform the only missing seqs are the
# rejected ones.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/sync_lib.inc"

make_certs
{
	truck L01 100 苏A70001 15000
	truck L01 1500 苏A70002 30000 force
	truck L01 1500 苏A70003 16000
} >"$WORK/traffic.jsonl"
start_platform --reject-kind weighing
start_sim "$WORK/traffic.jsonl" --hold --weigh-ms 200 --decide-ms 1500 --pass-ms 300 --reverse-ms 300
BATCH_WAIT_MS=50 write_sync_conf "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
go_traffic
wait_for 30 "three weighings in the store" weighings_ge 3
settled() { [ "$(unsynced)" = 0 ]; }
wait_for 10 "every event synced or rejected" settled

# Restart: nothing rejected is sent again, the new startup event is synced.
stop_pid "$WG_PID" || fail "weighgated exit status $? on SIGTERM"
start_daemon "$WORK/wg.conf"
wait_for 10 "the second startup event" \
	sql_ge 2 "SELECT count(*) FROM events WHERE kind = 'startup'"
wait_for 10 "every event synced or rejected after the restart" settled
sleep 1		# a resend, if any, would come now (batch_wait_ms 50)
stop_pid "$WG_PID" || fail "weighgated exit status $? on SIGTERM"

N=$(sql "SELECT max(seq) FROM events")
W=$(sql "SELECT count(*) FROM events WHERE kind = 'weighing'")
[ "$W" -ge 3 ] || fail "only $W weighings"
# Rejected in the store: exactly the weighings, with the platform's error.
[ "$(sql "SELECT count(*) FROM events WHERE state = 2")" = "$W" ] ||
	fail "rejected in the store: $(sql "SELECT count(*) FROM events WHERE state = 2") of $W weighings"
[ "$(sql "SELECT count(*) FROM events WHERE state = 2 AND kind = 'weighing' AND error = 'kind_refused'")" = "$W" ] ||
	fail "a rejected event without its error: $(sql "SELECT seq, kind, error FROM events WHERE state = 2")"
[ "$(sql "SELECT count(*) FROM events WHERE state = 1")" = $((N - W)) ] ||
	fail "not every other event is synced: $(sql "SELECT seq, kind, state FROM events WHERE state <> 1 AND kind <> 'weighing'")"
# Sync went on after a rejection: the forced entry came between weighings.
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'forced_entry' AND state = 1 AND
	seq > (SELECT min(seq) FROM events WHERE state = 2) AND
	seq < (SELECT max(seq) FROM events WHERE state = 2)")" = 1 ] ||
	fail "no forced_entry synced between rejected weighings: $(sql "SELECT seq, kind, state FROM events")"
# Logged once each.
[ "$(grep -c 'rejected by the platform: kind_refused' "$WORK/weighgated.log")" = "$W" ] ||
	fail "not one log line per rejected event"
# The platform saw each rejected event once and holds every other one.
r=$(plat_report || true)
echo "$r" | grep -q "events $((N - W)), duplicates 0, rejected $W, seq 1\.\.$N, .*chain valid" ||
	fail "platform report: $r"
[ "$(sqlite3 "$WORK/platform.db" "SELECT group_concat(uuid, ',') FROM (SELECT uuid FROM events ORDER BY seq)")" = \
  "$(sql "SELECT group_concat(uuid, ',') FROM (SELECT uuid FROM events WHERE state = 1 ORDER BY seq)")" ] ||
	fail "the platform's events are not the store's synced ones"
# The lane went on deciding while its events were refused.
[ "$(sql "SELECT json_extract(body, '$.decision') FROM events WHERE kind = 'weighing' ORDER BY seq" | paste -sd,)" = pass,turnback,pass ] ||
	fail "decisions: $(sql "SELECT json_extract(body, '$.decision') FROM events WHERE kind = 'weighing'")"

stop_pid "$SIM_PID" || fail "weighgate-sim exit status $?"
stop_pid "$PLAT_PID" || fail "weighgate-platform exit status $?"
echo "sync_rejected: ok ($N events, $W rejected)"
