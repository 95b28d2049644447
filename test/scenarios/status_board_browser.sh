#!/bin/bash
# The status board in a real browser (docs/design.md §9): headless Chromium loads /
# from a running two-lane daemon before any vehicle comes; on the rendered
# page each lane's tile then shows its state and its last vehicle as they
# happen — L01 a legal truck let through (放行 pass), L02 an overloaded one
# refused (拒绝 REFUSED, 劝返 turnback, the LED text the driver sees) — and
# L01's tile updates to the next truck in place, with no reload; when the
# daemon stops, the page says the connection is lost.  A
# screenshot of the pass and the turnback is kept as docs/board.png when
# KEEP_BOARD_PNG=1.  Skips (exit 0, said so) where chromium is missing.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/status_lib.inc"

if ! command -v chromium >/dev/null 2>&1; then
	echo "status_board_browser: SKIPPED: chromium is not installed (tools/deps.sh installs it)"
	exit 0
fi

{
	truck L01 1000 豫A11111 15000
	printf '{"lane":"L02","after_ms":2500,"ts":"2026-01-01T00:00:00.000Z","seq":1,"kind":"truck","config":"combination","axles":6,"gross_kg":55000,"axle_kg":[7000,9000,9000,10000,10000,10000],"speed_kmh":5.0,"plate":"豫B22222","plate_color":"yellow"}\n'
	truck L01 9000 豫A33333 16000
} >"$WORK/traffic.jsonl"
sim2 300 15000 400 300
daemon2

mkdir -p "$WORK/chrome"
SHOT="$WORK/board.png"
python3 "$TEST_DIR/board_cdp.py" --url "$(status_url /)" --profile "$WORK/chrome" \
	--timeout 40 --shot "$SHOT" --shot-after 8 \
	'#lane-L01::车道 Lane L01' \
	'#lane-L02::无 none' \
	'#lane-L01::豫A11111' \
	'#lane-L01::放行 pass' \
	'#lane-L02::豫B22222' \
	'#lane-L02::劝返 turnback' \
	'#lane-L02::超限6.0吨 禁止驶入' \
	'#lane-L02::拒绝 REFUSED' \
	'#lane-L01::豫A33333' \
	'#lane-L01!!豫A11111' \
	'#status-line::待发 Backlog' \
	'#conn::连接中断 Connection lost' \
	>"$WORK/cdp.out" 2>"$WORK/cdp.log" &
CDP_PID=$!
PIDS+=("$CDP_PID")
# cdp_ready: the board is loaded (or the browser check has ended).
cdp_ready() {
	grep -q 'step 2 holds' "$WORK/cdp.out" || ! kill -0 "$CDP_PID" 2>/dev/null
}
wait_for 60 "the board loaded in chromium" cdp_ready
kill -USR1 "$SIM_PID"
# Once the board has shown everything, the daemon stops: the page says so.
cdp_shown() {
	grep -q 'step 11 holds' "$WORK/cdp.out" || ! kill -0 "$CDP_PID" 2>/dev/null
}
wait_for 120 "the board to show the traffic" cdp_shown
stop_pid "$WG_PID" || fail "weighgated exit status $?"
rc=0
for _ in $(seq 1 1200); do
	kill -0 "$CDP_PID" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$CDP_PID" 2>/dev/null && fail "the browser check did not end in 120 s"
wait "$CDP_PID" || rc=$?
cat "$WORK/cdp.out"
if [ "$rc" = 2 ]; then
	echo "status_board_browser: SKIPPED: chromium cannot run here: $(cat "$WORK/cdp.log")"
	exit 0
fi
[ "$rc" = 0 ] || fail "the rendered board did not show what happened: $(cat "$WORK/cdp.log")"
[ -s "$SHOT" ] || fail "no screenshot"
if [ "${KEEP_BOARD_PNG:-0}" = 1 ]; then
	cp "$SHOT" "$ROOT/docs/board.png"
	echo "screenshot kept as docs/board.png"
fi

# What the page showed is what was recorded.
[ "$(ev_count weighing "json_extract(body, '\$.measurement.plate') = '豫B22222' AND
    json_extract(body, '\$.decision') = 'turnback'")" = 1 ] || fail "L02's turnback not recorded"
[ "$(ev_count weighing "json_extract(body, '\$.decision') = 'pass'")" = 2 ] ||
	fail "L01's passes not recorded"
stop_pid "$SIM_PID" || true
assert_barrier_authorized
echo "status_board_browser: ok"
