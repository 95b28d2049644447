#!/bin/bash
# A result sequence that goes backwards (docs/lane.md, "A result sequence that
# goes back").  The scale is not the project's simulator but a small Python
# server (test/devices/scale_tcp.py) scripted through a state file; the I/O
# module and the LED sign are weighgate-sim's, with no vehicles, so the
# barrier commands are in its timeline.
#   1. seq 10, a legal truck: pass (one raise).  seq 11, a 30 t truck on two
#      axles that stays on the scale: turnback.  Then the scale shows seq 10
#      again with its old data: a scale_reset, nothing decided, no raise.
#   2. The counter flips 11/12 on every poll for 3 s (12 another overweight
#      truck): one decision, no raise.
#   3. A legal truck at seq 5000 (pass), then the scale resets to 0; once the
#      0 has held for reset_settle_ms with the vehicle gone it is the
#      reference and the next truck (seq 1) is decided pass as usual.
. "$(dirname "$0")/lib.inc"

PY=/usr/bin/python3
DEV="$ROOT/test/devices/scale_tcp.py"
STATE="$WORK/scale_state.json"

# show SEQ STATUS GROSS_KG AXLES PLATE: the scale shows one result.
show() {
	printf '{"blocks":[%s]}\n' "$("$PY" "$DEV" block "$@")" >"$STATE.tmp"
	mv "$STATE.tmp" "$STATE"
}

# flip "SEQ STATUS GROSS AXLES PLATE" "SEQ ...": one block per read, in turn.
flip() {
	# shellcheck disable=SC2086
	printf '{"blocks":[%s,%s]}\n' "$("$PY" "$DEV" block $1)" \
		"$("$PY" "$DEV" block $2)" >"$STATE.tmp"
	mv "$STATE.tmp" "$STATE"
}

raises() {
	tl_count '"what":"barrier_cmd","value":1'
}

lowers() {
	tl_count '"what":"barrier_cmd","value":0'
}

# raises_ge N / lowers_ge N: at least N barrier commands up / down (for wait_for).
raises_ge() {
	[ "$(raises)" -ge "$1" ]
}

lowers_ge() {
	[ "$(lowers)" -ge "$1" ]
}

# weighings [SQL CONDITION]: weighing events in the store.
weighings() {
	ev_count weighing "${1:-1}"
}

lane_seq_is() {
	[ "$(sql "SELECT result_seq FROM lane_seq WHERE lane = 'L01'")" = "$1" ]
}

log_has() {
	grep -q "$1" "$WORK/weighgated.log"
}

show 9 0 0 0 ""
"$PY" "$DEV" serve "$WORK/scale.port" "$STATE" 2>"$WORK/scale.log" &
PIDS+=("$!")
wait_for 10 "the Python scale's port" test -s "$WORK/scale.port"
SCALE_PORT=$(cat "$WORK/scale.port")

: >"$WORK/traffic.jsonl"
start_sim "$WORK/traffic.jsonl" --lanes 1 --barrier-ms 100
MIN_RESULT_INTERVAL_MS=1000 RESET_SETTLE_MS=1000 LANE_EXTRA='pass_timeout_s = 1' \
	write_conf "$WORK/wg.conf"
sed -i "s|^scale = .*|scale = tcp://127.0.0.1:$SCALE_PORT?unit=1|" "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
wait_for 10 "the baseline" log_has "result sequence baseline 9"
wait_for 10 "the baseline stored" lane_seq_is 9
wait_for 10 "the idle text" timeline_has "\"what\":\"led\".*\"text\":\"$IDLE_TEXT\""

# 1. S decided pass; S+1 overweight and staying; S again with its old data.
show 10 3 15000 2 豫A11111
wait_for 10 "seq 10 decided" sql_ge 1 "SELECT count(*) FROM events WHERE kind = 'weighing'"
wait_for 10 "the raise for seq 10" raises_ge 1
show 10 0 15000 2 豫A11111
wait_for 10 "the pass timeout" sql_ge 1 "SELECT count(*) FROM events WHERE kind = 'pass_timeout'"
wait_for 10 "the barrier down again" lowers_ge 1
show 11 3 30000 2 豫B22222
wait_for 10 "seq 11 decided" sql_ge 2 "SELECT count(*) FROM events WHERE kind = 'weighing'"
[ "$(weighings "json_extract(body, '\$.measurement.seq') = 11 AND
    json_extract(body, '\$.decision') = 'turnback'")" = 1 ] || fail "seq 11 not turned back"
show 10 3 15000 2 豫A11111
sleep 2
[ "$(raises)" = 1 ] || fail "the barrier rose in front of the overweight truck ($(raises) raises)"
[ "$(weighings)" = 2 ] || fail "seq 10 shown again was decided again: $(weighings) weighings"
[ "$(ev_count scale_reset "json_extract(body, '\$.reference_seq') = 11 AND
    json_extract(body, '\$.seen_seq') = 10 AND json_extract(body, '\$.lane') = 'L01'")" = 1 ] ||
	fail "no scale_reset 11 -> 10: $(sql "SELECT body FROM events WHERE kind = 'scale_reset'")"
show 11 0 30000 2 豫B22222
sleep 0.5

# 2. A counter flipping 11/12 on every poll for 3 s.
flip "11 3 30000 2 豫B22222" "12 3 31000 2 豫C33333"
sleep 3
show 12 0 31000 2 豫C33333
sleep 0.5
[ "$(raises)" = 1 ] || fail "the flipping counter raised the barrier ($(raises) raises)"
[ "$(weighings)" = 3 ] || fail "the flipping counter made $(($(weighings) - 2)) decisions, not 1"
[ "$(weighings "json_extract(body, '\$.measurement.seq') = 12")" = 1 ] ||
	fail "seq 12 not decided once"
[ "$(ev_count scale_reset)" = 2 ] || fail "scale_reset events: $(ev_count scale_reset), not 2"

# 3. A real reset: 5000, then 0; after the settle, seq 1 is decided.
show 5000 3 16000 2 豫D44444
wait_for 10 "seq 5000 decided" sql_ge 4 "SELECT count(*) FROM events WHERE kind = 'weighing'"
wait_for 10 "the raise for seq 5000" raises_ge 2
show 5000 0 16000 2 豫D44444
wait_for 10 "the pass timeout of seq 5000" sql_ge 2 "SELECT count(*) FROM events WHERE kind = 'pass_timeout'"
show 0 0 0 0 ""
wait_for 10 "the scale_reset 5000 -> 0" sql_ge 1 "SELECT count(*) FROM events WHERE
    kind = 'scale_reset' AND json_extract(body, '\$.reference_seq') = 5000 AND
    json_extract(body, '\$.seen_seq') = 0"
wait_for 10 "the reset settled" log_has "result sequence 0 is the reference"
wait_for 10 "the settled reference stored" lane_seq_is 0
show 1 3 17000 2 豫E55555
wait_for 10 "seq 1 decided" sql_ge 1 "SELECT count(*) FROM events WHERE kind = 'weighing' AND
    json_extract(body, '\$.measurement.seq') = 1 AND json_extract(body, '\$.decision') = 'pass'"
wait_for 10 "the raise for seq 1" raises_ge 3
[ "$(weighings "json_extract(body, '\$.measurement.seq') = 0")" = 0 ] ||
	fail "the reset itself was decided"
[ "$(ev_count scale_reset)" = 3 ] || fail "scale_reset events: $(ev_count scale_reset), not 3"

stop_pid "$WG_PID" || fail "weighgated exit status $? on SIGTERM"
stop_pid "$SIM_PID" || fail "weighgate-sim exit status $?"
[ "$(raises)" = 3 ] || fail "raises: $(raises), not 3"
store_verify
assert_barrier_authorized
echo "hostile_seq_backwards: ok"
