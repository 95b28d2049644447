#!/bin/bash
# Pairing the lane camera's plates with weighings, end to end (docs/lane.md
# "Pairing a camera's plate with a weighing", docs/camera.md), each
# vehicle's camera as its traffic line says (docs/simulator.md):
#  c. two trucks 1 s apart, each with its plate (one late, one early): each
#     weighing carries its own, in the simulator's timeline order;
#  d. two plates for one weighing: a watch-listed second plate intercepts;
#     an over-limit truck with two plates (one of them with a permit) is
#     held, neither turned back nor passed.
# camera_pairing.sh: a permit from the camera's plate; a plate too late.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/camera_lib.inc"
cam_lists

# c. two trucks 1 s apart, the first's plate 300 ms late, the second's 200 ms early.
cam_run two_trucks "$(cam_truck L01 100 苏A00001 12000 '"camera_plate":"鲁C11111","camera_offset_ms":300')
$(cam_truck L01 1000 苏A00002 13000 '"camera_plate":"鲁C22222","camera_offset_ms":-150')" --decide-ms 4000
nweigh 2
[ "$(sql "SELECT group_concat(json_extract(body, '\$.measurement.plate') || ':' ||
	json_extract(body, '\$.measurement.gross_kg'), ' ') FROM
	(SELECT body FROM events WHERE kind = 'weighing' ORDER BY seq)")" = \
	'鲁C11111:12000 鲁C22222:13000' ] || fail "the two weighings: $(weighing_json)"
[ "$(plates_of 1)/$(plates_of 2)" = 鲁C11111/鲁C22222 ] ||
	fail "each weighing's plates: $(plates_of 1)/$(plates_of 2)"
# the timeline: weighed 1, its camera post, weighed 2 ... in that order
assert_in_order '"what":"weighed".*"plate":"苏A00001"' \
	'"what":"camera".*"plate":"鲁C11111","status":200' \
	'"what":"weighed".*"plate":"苏A00002"'
assert_in_order '"what":"camera".*"plate":"鲁C11111","status":200' \
	'"what":"camera".*"plate":"鲁C22222","status":200' \
	'"what":"weighed".*"plate":"苏A00002"'
through 2

# d. two plates each: a watch-listed second plate intercepts (within the
# limit); over the limit with two plates, a permit on one: hold.
cam_run two_plates "$(cam_truck L01 100 苏A00001 12000 '"camera_mode":"two","camera_plate":"苏D12345","camera_second":"鲁B77777"')
$(cam_truck L01 1000 苏A00002 30000 '"camera_mode":"two","camera_plate":"苏D22222","camera_second":"苏D33333"')"
nweigh 2
[ "$(dec 鲁B77777)" = 'intercept ["watch","plates_differ"] -' ] ||
	fail "the watch-listed second plate: $(dec 鲁B77777) / $(weighing_json)"
[ "$(plates_of 1)" = 苏D12345,鲁B77777 ] || fail "first weighing's plates: $(plates_of 1)"
[ "$(sql "SELECT json_extract(body, '\$.decision') FROM events WHERE kind = 'weighing'
	ORDER BY seq LIMIT 1 OFFSET 1")" = hold ] || fail "two plates over the limit: $(weighing_json)"
[ "$(plates_of 2)" = 苏D22222,苏D33333 ] || fail "second weighing's plates: $(plates_of 2)"
[ "$(ev_count weighing "json_extract(body, '\$.permit_id') IS NOT NULL")" = 0 ] ||
	fail "a permit used with two plates: $(weighing_json)"
! timeline_has '"what":"barrier_cmd","value":1' || fail "the barrier was raised"

cam_end
echo "camera_pairing_two: ok"
