#!/bin/bash
# The station board for 1, 4 and 16 lanes (docs/status.md, "For station
# staff"), in headless Chromium at 1920x1080 and 1280x720: every lane's
# tile and the alarm feed wholly inside the viewport with nothing of a
# tile's content cut off (asserted through the DevTools protocol, by
# test/board_cdp.py), each tile with its last vehicle (plate, axles, gross,
# limit, a turn-back's excess in t and %), the reason in Chinese with the
# English beside it; with 16 lanes L16's scale answers nobody: the tile says
# FAULT, for how long, and the error as text.  With 4 lanes an overloaded
# truck turned back on L02 drives through: the forced entry appears on the
# feed within 2 s of its event's commit, marked unacknowledged (and L02's
# tile flagged) and stays so until `weighgate ack --operator 0042 N`, after
# which the feed shows it acknowledged by 0042.  The three daemons run side
# by side; one browser visits each board at both sizes in turn.  Screenshots are kept as docs/board-N-WxH.png when
# KEEP_BOARD_PNG=1.  Skips (exit 0, said so) where chromium is missing.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/status_lib.inc"
. "$(dirname "$0")/board_lib.inc"

if ! command -v chromium >/dev/null 2>&1; then
	echo "board_lanes_browser: SKIPPED: chromium is not installed (tools/deps.sh installs it)"
	exit 0
fi

BASE=$WORK
trap 'WORK=$BASE; cleanup' EXIT
declare -A SIMP WGP SPORT

# use N: the lib's helpers act on the setup of N lanes (its own work dir).
use() {
	WORK=$BASE/n$1
	SIM_PID=${SIMP[$1]:-}
	WG_PID=${WGP[$1]:-}
	STATUS_PORT=${SPORT[$1]:-}
}

# start_lanes N: simulator and daemon for N lanes, traffic held: odd lanes
# a legal 2-axle truck, even lanes the overloaded 6-axle one (L02's drives
# through when N is 4); with 16 lanes L16's scale at a unit nobody serves.
# GO_LANES: the lanes with traffic.
start_lanes() {
	local n=$1 i lane bad=
	mkdir -p "$BASE/n$n"
	use "$n"
	GO_LANES=()
	for i in $(seq 1 "$n"); do
		lane=L$(printf %02d "$i")
		[ "$n" = 16 ] && [ "$i" = 16 ] && continue
		GO_LANES+=("$lane")
		if [ $((i % 2)) = 1 ]; then
			truck "$lane" $((200 + 50 * i)) "豫A1$(printf %04d "$i")" 15000
		elif [ "$n" = 4 ] && [ "$i" = 2 ]; then
			heavy "$lane" 300 豫B22222 force
		else
			heavy "$lane" $((200 + 50 * i)) "豫B2$(printf %04d "$i")"
		fi
	done >"$WORK/traffic.jsonl"
	start_sim "$WORK/traffic.jsonl" --hold --lanes "$n" --port-per-lane --weigh-ms 200 \
		--decide-ms 3000 --pass-ms 400 --reverse-ms 300
	STATUS_PORT=$(free_port)
	[ "$n" = 16 ] && bad=99
	write_confn "$WORK/wg.conf" "$n" $bad
	start_daemon "$WORK/wg.conf"
	SIMP[$n]=$SIM_PID WGP[$n]=$WG_PID SPORT[$n]=$STATUS_PORT
}

# cdp_at K N: run K's step N held, or the browser check ended (for wait_for).
cdp_at() {
	grep -q "run $1 step $2 holds" "$BASE/cdp.out" || ! kill -0 "$CDP_PID" 2>/dev/null
}

# cdp_done: the browser check has ended; fails unless all its steps held
# (skips where chromium cannot run).
cdp_done() {
	local rc=0
	wait "$CDP_PID" || rc=$?
	cat "$BASE/cdp.out"
	if [ "$rc" = 2 ]; then
		echo "board_lanes_browser: SKIPPED: chromium cannot run here: $(cat "$BASE/cdp.log")"
		exit 0
	fi
	[ "$rc" = 0 ] || fail "the rendered board: $(cat "$BASE/cdp.log")"
}

# The three daemons run side by side; one browser visits each at both sizes.
start_lanes 1
start_lanes 4
start_lanes 16
use 1
wait_status
go_traffic L01
use 16
wait_status
go_traffic $(seq -f 'L%02g' 1 15)
use 4
wait_status

runs=()
# run N SIZE STEP...: one run of the browser check on N lanes' board.
run() {
	local n=$1 size=$2; shift 2
	runs+=(--run "http://127.0.0.1:${SPORT[$n]}/" "$size" "$BASE/board-$n-$size.png" "$@")
}
for size in 1920x1080 1280x720; do
	run 1 "$size" '@layout:1' '#lane-L01::豫A10001' '#lane-L01::15.0 t' \
		'#today .vehicles::1' '#clock::-'
done
# run 3: the forced entry on L02
run 4 1920x1080 '@layout:4' '#feed::报警 Alarms' \
	'#feed li.k-forced_entry.unacked::未确认 UNACKNOWLEDGED' \
	'#lane-L02.alarmed::L02' \
	'for=2:#feed li.k-forced_entry.unacked::强行上站 Forced entry · 豫B22222' \
	'#feed li.k-forced_entry.acked::已确认 acknowledged 0042' \
	'#feed!!未确认' '#today .forced::1' '@layout:4'
run 4 1280x720 '@layout:4' '#lane-L02::劝返 turnback' '#lane-L02::超限 over_gross' \
	'#lane-L02::+6.0 t (+12.2%)' '#lane-L04::49.0 t' \
	'#feed li.k-forced_entry.acked::豫B22222' '#lane-L01::放行 pass'
for size in 1920x1080 1280x720; do
	run 16 "$size" '@layout:16' '#lane-L15::豫A10015' '#lane-L14::+6.0 t' \
		'#lane-L16::故障 FAULT' '#lane-L16::In FAULT' '#lane-L16::称重 Scale:' \
		'#feed li.k-device_fault::L16' '#today .vehicles::15' '@layout:16'
done
mkdir -p "$BASE/chrome"
python3 "$TEST_DIR/board_cdp.py" --profile "$BASE/chrome" --timeout 20 "${runs[@]}" \
	>"$BASE/cdp.out" 2>"$BASE/cdp.log" &
CDP_PID=$!
PIDS+=("$CDP_PID")

# The 4 lanes' traffic once their board is on screen.
wait_for 60 "the 4 lanes' board loaded" cdp_at 3 2
kill -0 "$CDP_PID" 2>/dev/null || cdp_done
go_traffic L01 L02 L03 L04
wait_for 30 "the forced entry marked on the board for 2 s" cdp_at 3 5
kill -0 "$CDP_PID" 2>/dev/null || cdp_done
[ "$(ev_count alarm_ack)" = 0 ] || fail "an alarm_ack before the tool ran"
seq=$(sql "SELECT seq FROM events WHERE kind = 'forced_entry'")
[ -n "$seq" ] || fail "no forced_entry event"
"$WG_BIN/weighgate" ack -c "$WORK/wg.conf" --operator 0042 "#$seq" >"$WORK/ack.out" ||
	fail "weighgate ack: exit $?: $(cat "$WORK/ack.out")"
grep -q '^1 alarm acknowledged: ' "$WORK/ack.out" || fail "weighgate ack said: $(cat "$WORK/ack.out")"

wait_for 120 "the browser check" eval '! kill -0 "$CDP_PID"'
cdp_done

# within 2 s of the commit (the board refreshes every second)
shown=$(sed -n 's/^board_cdp: run 3 step 3 holds: .* (at \([0-9.]*\))$/\1/p' "$BASE/cdp.out")
committed=$(sql "SELECT ts_ms FROM events WHERE kind = 'forced_entry'")
python3 -c "import sys; d = float(sys.argv[1]) - int(sys.argv[2]) / 1000; print(f'forced entry on the board {d:.2f} s after its commit'); sys.exit(0 if d <= 2.0 else 1)" \
	"$shown" "$committed" || fail "the forced entry appeared more than 2 s after its commit"
[ "$(ev_count alarm_ack "json_extract(body, '\$.operator') = '0042' AND
    json_extract(body, '\$.alarms[0]') = $seq")" = 1 ] ||
	fail "alarm_ack event: $(sql "SELECT body FROM events WHERE kind = 'alarm_ack'")"
for n in 1 4 16; do
	for size in 1920x1080 1280x720; do
		[ -s "$BASE/board-$n-$size.png" ] || fail "no screenshot ($n lanes, $size)"
		if [ "${KEEP_BOARD_PNG:-0}" = 1 ]; then
			cp "$BASE/board-$n-$size.png" "$ROOT/docs/board-$n-$size.png"
			echo "screenshot kept as docs/board-$n-$size.png"
		fi
	done
	use $n
	stop_pid "$WG_PID" || fail "weighgated ($n lanes) exit status $?"
	stop_pid "$SIM_PID" || true
	assert_barrier_authorized
done
WORK=$BASE
echo "board_lanes_browser: ok"
