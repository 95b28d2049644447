#!/bin/bash
# weighgate-sim's injected behaviour: forced entry and tailgating, a blocked
# lane, a barrier raised by hand, a stuck barrier, and the scale faults
# (timeout, exception, fault bit, garbage); --port-per-lane with a
# disconnect fault on one lane's port; a bad traffic line; RTU over a pty.
set -euo pipefail
WG_BIN=${WG_BIN:-build}
SIM=$WG_BIN/weighgate-sim
W=$(mktemp -d)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$W"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; cat "$W"/*.tl 2>/dev/null; exit 1; }
wait_for() {
	local i
	for i in $(seq 100); do "$@" && return 0; sleep 0.1; done
	return 1
}
# start NAME ARGS...: the simulator in the background; its address in $ADDR
start() {
	local name=$1; shift
	"$SIM" --timeline "$W/$name.tl" "$@" >"$W/$name.out" 2>"$W/$name.err" &
	PIDS+=($!)
	wait_for grep -q '^listening ' "$W/$name.out" || fail "$name: no listening line"
}
tl() { grep -q "$2" "$W/$1.tl"; }

V='"ts":"2026-01-01T00:00:00.000Z","seq":1,"kind":"truck","config":"rigid","axles":2,"gross_kg":12000,"axle_kg":[5000,7000],"speed_kmh":5.0,"plate_color":"yellow"'
cat >"$W/traffic.jsonl" <<EOF
{"lane":"L01","after_ms":0,"device_fault":"scale","mode":"timeout","duration_ms":3000}
{"lane":"L01","after_ms":3500,"device_fault":"scale","mode":"exception","duration_ms":3000}
{"lane":"L02","after_ms":100,$V,"plate":"苏E11111","behaviour":"force","tailgate":true}
{"lane":"L03","after_ms":0,"barrier_manual":true,"duration_ms":1500}
{"lane":"L03","after_ms":7000,"device_fault":"barrier","mode":"stuck","duration_ms":3000}
{"lane":"L04","after_ms":100,$V,"plate":"鲁F22222","behaviour":"block","block_ms":600}
{"lane":"L04","after_ms":10000,"device_fault":"scale","mode":"fault_bit","duration_ms":2000}
{"lane":"L04","after_ms":2500,"device_fault":"scale","mode":"garbage","duration_ms":3000}
EOF
start a --listen 127.0.0.1:0 --decide-ms 1000 "$W/traffic.jsonl"
ADDR=$(sed -n '1s/^listening //p' "$W/a.out")

# The lanes' schedules are staggered so that each check below falls in its window.
# L01: the scale does not answer, then answers with exception 0x04, then recovers.
wait_for tl a '"lane":"L01","what":"fault_start","device":"scale","mode":"timeout"' || fail timeout
! "$SIM" --read "$ADDR" 1 0 1 2>"$W/e1" || fail "scale answered during timeout"
grep -q 'timed out' "$W/e1" || fail "timeout: $(cat "$W/e1")"
"$SIM" --read-inputs "$ADDR" 2 0 1 >/dev/null || fail "I/O module hit by the scale's fault"
wait_for tl a '"mode":"exception"' || fail exception
! "$SIM" --read "$ADDR" 1 0 1 2>"$W/e2" || fail "scale answered during exception"
grep -q 'failure' "$W/e2" || fail "exception: $(cat "$W/e2")"
wait_for tl a '"lane":"L01","what":"fault_end","device":"scale","mode":"exception"' || fail end
"$SIM" --read "$ADDR" 1 0 1 >/dev/null || fail "scale did not recover"

# L02: forced through with the barrier down, a tailgater behind it.
wait_for tl a '"lane":"L02","what":"drove_through","plate":"苏E11111","tailgater":true' ||
	fail "no tailgater"
[ "$(grep -c '"lane":"L02","what":"pass_loop","state":"on"' "$W/a.tl")" -eq 2 ] ||
	fail "pass loop did not rise twice"
! tl a '"lane":"L02","what":"barrier_cmd"' || fail "barrier commanded on L02"

# L03: raised by hand (inputs up, coil down); later the barrier is stuck.
[ "$("$SIM" --read-coils "$ADDR" 8 0 1)" = 0 ] || fail "coil"
tl a '"lane":"L03","what":"barrier","state":"up"' || fail "manual: no barrier up"
wait_for tl a '"lane":"L03","what":"barrier","state":"down"' || fail "manual did not end"
wait_for tl a '"lane":"L03","what":"fault_start","device":"barrier","mode":"stuck"' || fail stuck
"$SIM" --write-coil "$ADDR" 8 0 1
sleep 0.5
[ "$("$SIM" --read-inputs "$ADDR" 8 0 2)" = "0 1" ] || fail "stuck barrier moved"
ups() { [ "$(grep -c '"lane":"L03","what":"barrier","state":"up"' "$W/a.tl")" -eq 2 ]; }
wait_for ups || fail "barrier did not follow the coil after stuck"

# L04: blocked, reverses after block_ms; the fault bit; garbage moves the sequence.
wait_for tl a '"lane":"L04","what":"reversed","plate":"鲁F22222"' || fail block
wait_for tl a '"lane":"L04","what":"fault_start","device":"scale","mode":"fault_bit"' || fail fb
st=$("$SIM" --read "$ADDR" 10 0 1)
[ $((st & 4)) -eq 4 ] || fail "fault bit not set: $st"
wait_for tl a '"mode":"garbage"' || fail garbage
s1=$("$SIM" --read "$ADDR" 10 0 29); sleep 0.3; s2=$("$SIM" --read "$ADDR" 10 0 29)
[ "$s1" != "$s2" ] || fail "garbage did not change"
wait_for tl a '"lane":"L04","what":"fault_end","device":"scale","mode":"garbage"' || fail gend
regs=($("$SIM" --read "$ADDR" 10 0 4))
[ "${regs[1]}" = 1 ] && [ $((regs[2] * 65536 + regs[3])) -eq 12000 ] ||
	fail "state not restored after garbage: ${regs[*]}"

# --port-per-lane: lane 2's port disconnects; lane 1's keeps serving.
cat >"$W/ppl.jsonl" <<EOF
{"lane":"L02","after_ms":500,"device_fault":"io","mode":"disconnect","duration_ms":2500}
EOF
start b --listen 127.0.0.1:0 --port-per-lane --lanes 2 "$W/ppl.jsonl"
read -r _ P1 P2 <"$W/b.out"
[ -n "$P2" ] || fail "two ports expected: $(cat "$W/b.out")"
"$SIM" --read-scale "$P2" 1 >/dev/null || fail "lane 2 scale on unit 1"
! "$SIM" --read "$P1" 4 0 1 2>/dev/null || fail "unit 4 on a per-lane port"
wait_for tl b '"what":"fault_start"' || fail "no disconnect"
! "$SIM" --read "$P2" 1 0 1 2>/dev/null || fail "lane 2 port still serving"
"$SIM" --read "$P1" 1 0 1 >/dev/null || fail "lane 1 port hit by lane 2's disconnect"
wait_for tl b '"what":"fault_end"' || fail "disconnect did not end"
wait_for "$SIM" --read "$P2" 1 0 1 >/dev/null || fail "lane 2 port did not come back"

# A bad traffic line: FILE:LINE and exit 65, nothing served.
printf '%s\n' '{"lane":"L01","after_ms":1,"device_fault":"scale","mode":"nope"}' >"$W/bad.jsonl"
rc=0; "$SIM" --listen 127.0.0.1:0 "$W/bad.jsonl" >/dev/null 2>"$W/bad.err" || rc=$?
[ $rc -eq 65 ] || fail "bad line: exit $rc"
grep -q 'bad.jsonl:1: mode' "$W/bad.err" || fail "bad line: $(cat "$W/bad.err")"

# RTU over a pty pair: lane 1's scale answers as unit 1 on the bus.
if command -v socat >/dev/null; then
	socat -d -d pty,raw,echo=0,link="$W/ptyA" pty,raw,echo=0,link="$W/ptyB" 2>"$W/socat.err" &
	PIDS+=($!)
	wait_for test -e "$W/ptyB" || fail "socat"
	printf '%s\n' "{\"lane\":\"L01\",\"after_ms\":0,$V,\"plate\":\"浙A33333\"}" >"$W/rtu.jsonl"
	start c --rtu "$W/ptyA" --baud 19200 "$W/rtu.jsonl"
	wait_for tl c '"what":"weighed"' || fail "rtu: not weighed"
	"$SIM" --baud 19200 --read-scale "rtu:$W/ptyB" 1 | grep -q '"plate":"浙A33333"' ||
		fail "rtu read"
	"$SIM" --baud 19200 --write-coil "rtu:$W/ptyB" 2 1 1 || fail "rtu write"
	wait_for tl c '"what":"light","state":"green"' || fail "rtu light"
else
	echo "skip: socat not installed, RTU not tested"
fi
echo "sim_faults: ok"
