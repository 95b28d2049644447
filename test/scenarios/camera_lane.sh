#!/bin/bash
# Plates from the lane camera, end to end (docs/camera.md, docs/lane.md):
# weighgate-sim plays the lane's camera and posts to the daemon's camera
# listener; the lane (plate_source = camera) pairs the reads with its
# weighings.
#  1. a watch-listed plate the camera posts 300 ms after the weighing
#     (ISAPI XML in multipart/form-data with a JPEG part) intercepts the
#     truck, whose plate on the scale is another;
#  2. a camera that reads no plate (heartbeats only) gives a weighing
#     decided on weight with plate_missing, although the scale shows one;
#  3. a camera that falls silent is a device_fault (camera) of the lane,
#     which still decides on weight; its next push is a device_recovered.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/camera_lib.inc"

cat >"$WORK/lists.json" <<'T'
{"version":"w-cam-1","watch":[{"plate":"鲁B77777","reason":"布控"}],"exempt":[],"permits":[]}
T

# 1. the watch list hit comes from the camera's plate, 300 ms late
cam_run watch "$(truck L01 100 苏A00001 12000)" --camera-offset-ms 300 \
	--camera-plate 鲁B77777 --camera-format multipart
wait_for 15 "the intercept" sql_ge 1 "SELECT count(*) FROM events WHERE
	kind = 'weighing' AND json_extract(body, '$.decision') = 'intercept'"
timeline_has '"what":"camera","post":"multipart","plate":"鲁B77777","status":200' ||
	fail "the camera's post: $(grep camera "$WORK/timeline.jsonl")"
[ "$(ev_count weighing "json_extract(body, '\$.reasons[0]') = 'watch'")" = 1 ] ||
	fail "intercept weighing: $(weighing_json)"
! timeline_has '"what":"barrier_cmd","value":1' || fail "the barrier was raised"

# 2. no read: decided on weight, plate_missing, the scale's plate unused
cam_run missing "$(truck L01 100 鲁B77777 12000)" --camera-mode skip \
	--camera-heartbeat-ms 300
wait_for 15 "the weighing" sql_ge 1 "SELECT count(*) FROM events WHERE kind = 'weighing'"
[ "$(ev_count weighing "json_extract(body, '\$.decision') = 'pass' AND
    body LIKE '%plate_missing%'")" = 1 ] || fail "plate_missing weighing: $(weighing_json)"
wait_for 10 "the barrier" timeline_has '"what":"barrier_cmd","value":1'
[ "$(ev_count device_fault)" = 0 ] || fail "a heartbeating camera faulted"

# 3. a silent camera: device_fault (camera), the lane decides on weight
SILENT_MS=1000 cam_run silent "$(truck L01 2500 苏A12345 12000)" --camera-mode silent
wait_for 10 "the camera's device_fault" sql_ge 1 "SELECT count(*) FROM events
	WHERE kind = 'device_fault' AND json_extract(body, '$.device') = 'camera'"
wait_for 15 "the weighing" sql_ge 1 "SELECT count(*) FROM events WHERE kind = 'weighing'"
[ "$(ev_count weighing "json_extract(body, '\$.decision') = 'pass'")" = 1 ] ||
	fail "the lane did not decide on weight: $(weighing_json)"
wait_for 10 "the barrier" timeline_has '"what":"barrier_cmd","value":1'
curl -s --max-time 5 -o "$WORK/metrics.txt" \
	"http://127.0.0.1:$(sed -n 's/^status_listen = 127.0.0.1://p' "$WORK/wg.conf")/metrics"
grep -q '^weighgate_device_up{lane="L01",device="camera"} 0' "$WORK/metrics.txt" ||
	fail "device_up of the camera is not 0: $(grep camera "$WORK/metrics.txt")"
# the camera is heard again: device_recovered
curl -s -o /dev/null --max-time 5 -H 'Content-Type: application/json' \
	-d '{"camera":"CAM-L01","plate":""}' "http://127.0.0.1:$CAM_PORT/" || true
wait_for 5 "the camera's device_recovered" sql_ge 1 "SELECT count(*) FROM events
	WHERE kind = 'device_recovered' AND json_extract(body, '$.device') = 'camera'"

cam_end
echo "camera_lane: ok"
