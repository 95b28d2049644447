#!/bin/bash
# The check behind assert_barrier_authorized (test/helper_authcheck.c) is
# first shown to reject what it must: a raise before its lane's own
# authorising event, a second raise after a lowering with no new event, a
# raise matched only by another lane's event.  It accepts each raise after
# its own event, and a command of 1 to a barrier already commanded up (the
# daemon writes its outputs again after a failed transaction) as a
# re-assertion, not a raise.
. "$(dirname "$0")/lib.inc"

DB=$WORK/auth.db
sqlite3 "$DB" "CREATE TABLE events (seq INTEGER, ts_ms INTEGER, kind TEXT, body TEXT);
	INSERT INTO events VALUES
	(1, 1000, 'weighing', '{\"lane\":\"L01\",\"decision\":\"pass\"}'),
	(2, 1100, 'weighing', '{\"lane\":\"L01\",\"decision\":\"turnback\"}'),
	(3, 1500, 'override', '{\"lane\":\"L02\"}');" || fail "no test store"

# cmd TIME_S LANE VALUE: one barrier command of the simulator's timeline
cmd() {
	printf '{"t":"1970-01-01T00:00:%s","lane":"%s","what":"barrier_cmd","value":%s}\n' "$@"
}
check() { "$WG_BIN/test/helper_authcheck" "$DB" "$WORK/t.jsonl"; }

{ cmd 01.200Z L01 1; cmd 01.300Z L01 1; cmd 01.600Z L02 1; cmd 01.700Z L01 0; } >"$WORK/t.jsonl"
out=$(check) || fail "a raise after its own event refused"
case $out in *"1 commands re-asserted"*) ;; *) fail "re-assertion not counted: $out" ;; esac

{ cmd 01.200Z L02 1; } >"$WORK/t.jsonl"
check && fail "a raise before its lane's override accepted"
{ cmd 01.200Z L01 1; cmd 01.300Z L01 0; cmd 01.400Z L01 1; } >"$WORK/t.jsonl"
check && fail "a second raise after a lowering accepted"
{ cmd 01.600Z L01 1; cmd 01.700Z L03 1; } >"$WORK/t.jsonl"
check && fail "a raise matched by another lane's event accepted"
{ cmd 01.200Z L01 1; echo 'not json'; } >"$WORK/t.jsonl"
rc=0; check || rc=$?
[ "$rc" = 2 ] || fail "a bad timeline: exit $rc, not 2"
echo "authcheck_self: ok"
