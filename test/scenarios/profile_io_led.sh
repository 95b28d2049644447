#!/bin/bash
# The lane's I/O module and sign in other layouts than the built-in ones:
# the I/O module switches its outputs by register values as a Modbus relay
# board does (test/fixtures/profiles/example-relay-io.profile: 2 on, 1 off)
# and reports its inputs as bits of a holding register; the sign is the
# Embedded Art text-only display (profiles/embeddedart-led.profile: no
# counter, no colour, ASCII).  The simulator plays both through the same
# profiles (--io-profile, --led-profile), the daemon drives them through
# io_profile and led_profile: a legal truck gets the barrier up, the light
# green and its text, and drives through; an over-limit truck gets its
# text and reverses, the barrier never up for it.
. "$(dirname "$0")/lib.inc"

IO=$ROOT/test/fixtures/profiles/example-relay-io.profile
{
	truck L01 100 豫A11111 15000
	truck L01 100 豫A22222 30000
} >"$WORK/traffic.jsonl"
start_sim "$WORK/traffic.jsonl" --hold --weigh-ms 200 --decide-ms 1500 \
	--pass-ms 300 --reverse-ms 200 --profile-dir "$ROOT/profiles" \
	--io-profile "$IO" --led-profile embeddedart-led
LANE_EXTRA="io_profile = $IO
led_profile = embeddedart-led
led_idle = SLOW DOWN
led_pass = PASS {gross_t}t
led_turnback = STOP OVER {over_t}t
led_fault = LANE CLOSED" \
	CONTROLLER_EXTRA="profile_dir = $ROOT/profiles" write_conf "$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
wait_for 10 "the idle text" timeline_has '"what":"led","text":"SLOW DOWN"'
go_traffic
wait_for 15 "the over-limit truck to reverse" \
	timeline_has '"what":"reversed","plate":"豫A22222"'
stop_pid "$WG_PID" || fail "weighgated exit status $? on SIGTERM"
wait_for 5 "the fault text after SIGTERM" led_now '"text":"LANE CLOSED"'
stop_pid "$SIM_PID" || fail "weighgate-sim exit status $?"

[ "$(decision_of 豫A11111)" = pass ] || fail "the legal truck: '$(decision_of 豫A11111)'"
[ "$(decision_of 豫A22222)" = turnback ] || fail "the 30 t truck: '$(decision_of 豫A22222)'"
assert_in_order '"what":"weighed","seq":1' '"what":"barrier_cmd","value":1' \
	'"what":"barrier","state":"up"' '"what":"drove_through","plate":"豫A11111"' \
	'"what":"barrier_cmd","value":0' '"what":"barrier","state":"down"'
assert_in_order '"what":"weighed","seq":1' '"what":"light","state":"green"' \
	'"what":"drove_through"' '"what":"light","state":"red"'
assert_in_order '"what":"weighed","seq":1' '"what":"led","text":"PASS 15.0t"' \
	'"what":"weighed","seq":2' '"what":"led","text":"STOP OVER 12.0t"' \
	'"what":"reversed"'
[ "$(tl_count '"what":"barrier_cmd","value":1')" = 1 ] || fail "raised more than once"
assert_no_lowering_on_occupied_loop
assert_barrier_authorized
echo "profile_io_led: ok"
