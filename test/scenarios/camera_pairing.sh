#!/bin/bash
# Pairing the lane camera's plates with weighings, end to end (docs/lane.md
# "Pairing a camera's plate with a weighing", docs/camera.md): each vehicle's
# camera as its traffic line says (camera_offset_ms, camera_mode,
# camera_plate, camera_second: docs/simulator.md "Traffic file").
#  a. a permit matched from the camera's plate, posted 300 ms after the
#     weighing, lets an over-limit truck through (the scale's plate has none);
#     the camera repeats the read 200 ms later: one plate, not two;
#  b. a watch-listed plate posted too late (after plate_wait_ms) is not
#     attached: the weighing is decided on weight with plate_missing, and the
#     next vehicle carries its own plate only; a read arriving within
#     plate_wait_ms but after the next vehicle's presence edge is not
#     attached to the earlier weighing either.
# camera_pairing_two.sh: two trucks 1 s apart; two plates for one weighing.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/camera_lib.inc"
cam_lists

# a. the permit is the camera's plate's, 300 ms late; 30 t on 2 axles is over.
cam_run permit "$(cam_truck L01 100 苏A00001 30000 '"camera_plate":"鲁B66666","camera_offset_ms":300,"camera_mode":"repeat"')" --decide-ms 4000
nweigh 1
[ "$(dec 鲁B66666)" = 'pass ["permit"] P-C1' ] ||
	fail "permit from the camera's plate: $(dec 鲁B66666) / $(weighing_json)"
[ "$(tl_count '"what":"camera","post":"xml","plate":"鲁B66666","status":200')" = 2 ] ||
	fail "the camera's two posts: $(grep camera "$WORK/timeline.jsonl")"
off=$(sql "SELECT json_extract(body, '\$.plates[0].offset_ms') FROM events WHERE kind = 'weighing'")
[ "${off:-0}" -ge 250 ] && [ "$off" -le 1500 ] || fail "the read's offset from the result: '$off' ms"
wait_for 10 "the barrier" timeline_has '"what":"barrier_cmd","value":1'
through 1

# b. too late: 2500 ms after the result (plate_wait_ms 1500); the next
# vehicle comes well after plate_before_ms of that read.
CAM_LANE_EXTRA="plate_before_ms = 1000" cam_run late \
	"$(cam_truck L01 100 苏A00001 12000 '"camera_plate":"鲁B77777","camera_offset_ms":2500')
$(cam_truck L01 2500 苏A00002 12000 '"camera_plate":"苏C22222"')" --decide-ms 4000
nweigh 2
wait_for 10 "the late read recorded" sql_ge 1 "SELECT count(*) FROM events
	WHERE kind = 'plate_read' AND json_extract(body, '\$.plate') = '鲁B77777'"
[ "$(dec '')" = 'pass ["within_limit","plate_missing"] -' ] ||
	fail "the late plate's weighing: $(dec '') / $(weighing_json)"
[ "$(plates_of 1)" = '' ] || fail "the late read attached to the first weighing: $(plates_of 1)"
[ "$(plates_of 2)" = 苏C22222 ] || fail "the next weighing's plates: $(plates_of 2)"
[ "$(ev_count weighing "json_extract(body, '\$.decision') = 'intercept'")" = 0 ] ||
	fail "the late watch-listed read intercepted: $(weighing_json)"
through 2

# b2. the first truck waits 300 ms for the barrier (--decide-ms), reverses
# off, the next one arrives at once: its presence edge comes before the
# first truck's read (+1200 ms), which then falls in the next one's window.
cam_run edge "$(cam_truck L01 100 苏A00001 12000 '"camera_plate":"鲁B77777","camera_offset_ms":1200')
$(cam_truck L01 0 苏A00002 12000 '"camera_mode":"skip"')" --decide-ms 300
nweigh 2
wait_for 10 "the late read's post" timeline_has '"what":"camera".*"plate":"鲁B77777","status":200'
assert_in_order '"what":"weighed".*"plate":"苏A00001"' '"what":"arrive".*"plate":"苏A00002"' \
	'"what":"camera".*"plate":"鲁B77777","status":200'
[ "$(sql "SELECT json_extract(body, '\$.decision') || ' ' || json_extract(body, '\$.reasons')
	FROM events WHERE kind = 'weighing' ORDER BY seq LIMIT 1")" = 'pass ["within_limit","plate_missing"]' ] ||
	fail "the read after the next presence edge attached: $(weighing_json)"
[ "$(plates_of 1)" = '' ] || fail "the first weighing's plates: $(plates_of 1)"

cam_end
echo "camera_pairing: ok"
