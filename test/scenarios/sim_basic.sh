#!/bin/bash
# weighgate-sim on its own: a 2-vehicle lane served on a kernel-chosen port.
# The result sequence moves when a vehicle is weighed, the gross decodes,
# raising coil 0 brings input 0 up after barrier-ms and the vehicle drives
# through; the next one, left with the barrier down, reverses.  LED writes
# reach the timeline decoded.  --generate is deterministic and its output
# is replay input.
set -euo pipefail
WG_BIN=${WG_BIN:-build}
SIM=$WG_BIN/weighgate-sim
W=$(mktemp -d)
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [ -f "$W/tl.jsonl" ] && cat "$W/tl.jsonl"; exit 1; }

# wait_for CMD...: retry for at most 10 s
wait_for() {
	local i
	for i in $(seq 100); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

cat >"$W/traffic.jsonl" <<'EOF'
{"lane":"L01","ts":"2026-01-01T00:00:00.000Z","seq":1,"kind":"truck","config":"combination","axles":6,"gross_kg":70123,"axle_kg":[6900,12000,12000,13000,13000,13223],"speed_kmh":6.5,"plate":"豫A·12345","plate_color":"yellow","after_ms":200}
{"lane":"L01","ts":"2026-01-01T00:00:30.000Z","seq":2,"kind":"truck","config":"rigid","axles":2,"gross_kg":15000,"axle_kg":[6000,9000],"speed_kmh":5.0,"plate":"京B54321","plate_color":"yellow","after_ms":300}
EOF

"$SIM" --listen 127.0.0.1:0 --timeline "$W/tl.jsonl" --decide-ms 3000 \
	--barrier-ms 300 "$W/traffic.jsonl" >"$W/out" 2>"$W/err" &
PID=$!
wait_for grep -q '^listening ' "$W/out" || fail "no listening line"
ADDR=$(sed -n '1s/^listening \(127\.0\.0\.1:[0-9]*\)$/\1/p' "$W/out")
[ -n "$ADDR" ] || fail "first line: $(head -1 "$W/out")"

seq_is() { [ "$("$SIM" --read "$ADDR" 1 1 1)" = "$1" ]; }
wait_for seq_is 1 || fail "sequence did not become 1"
regs=($("$SIM" --read "$ADDR" 1 0 29))
[ $((regs[0] & 3)) -eq 3 ] || fail "status ${regs[0]}: present+valid expected"
[ $((regs[2] * 65536 + regs[3])) -eq 70123 ] || fail "gross ${regs[2]} ${regs[3]}"
[ "${regs[4]}" -eq 6 ] || fail "axles ${regs[4]}"
"$SIM" --read-scale "$ADDR" 1 | grep -q '"plate":"豫A·12345"' || fail "plate"
"$SIM" --read-inputs "$ADDR" 2 0 4 | grep -qx '0 1 0 1' || fail "inputs before raise"

# Raise the barrier: up after ~300 ms, not at once; then the truck drives through.
"$SIM" --write-coil "$ADDR" 2 0 1
[ "$("$SIM" --read-inputs "$ADDR" 2 0 2)" = "0 0" ] || fail "barrier not moving"
up() { [ "$("$SIM" --read-inputs "$ADDR" 2 0 1)" = "1" ]; }
wait_for up || fail "barrier input 0 never came up"
wait_for grep -q '"what":"drove_through","plate":"豫A·12345"' "$W/tl.jsonl" ||
	fail "no drove_through"
"$SIM" --write-coil "$ADDR" 2 0 0
"$SIM" --write-coil "$ADDR" 2 1 1

# The second truck is weighed (sequence 2) and, with the barrier down, reverses.
wait_for seq_is 2 || fail "sequence did not become 2"
regs=($("$SIM" --read "$ADDR" 1 0 4))
[ $((regs[2] * 65536 + regs[3])) -eq 15000 ] || fail "gross 2"
wait_for grep -q '"what":"reversed","plate":"京B54321"' "$W/tl.jsonl" ||
	fail "no reversed"
st=$("$SIM" --read "$ADDR" 1 0 1)
[ $((st & 3)) -eq 0 ] || fail "status $st after the vehicle left"

# LED: colour and text, then the counter: one timeline line, decoded.
"$SIM" --write-regs "$ADDR" 3 1 1 $((0x4142)) $((0x4300))
"$SIM" --write-regs "$ADDR" 3 0 5
wait_for grep -q '"what":"led","counter":5,"colour":"red","text":"ABC"' "$W/tl.jsonl" ||
	fail "led line"
# A unit that is not served: exception 0x0B, i.e. the read fails.
! "$SIM" --read "$ADDR" 4 0 1 2>/dev/null || fail "unit 4 answered"

# Timeline order of the first vehicle, and every line valid JSON.
grep -o '"what":"[a-z_]*"' "$W/tl.jsonl" | head -8 | tr '\n' ' ' >"$W/order"
grep -q '"what":"arrive" "what":"weighed" "what":"barrier_cmd" "what":"barrier" "what":"barrier" "what":"pass_loop" "what":"pass_loop" "what":"drove_through"' "$W/order" ||
	fail "order: $(cat "$W/order")"
grep -q '"what":"light","state":"green"' "$W/tl.jsonl" || fail "light"
python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$W/tl.jsonl" ||
	fail "timeline is not JSON Lines"

kill -TERM "$PID"
for i in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$PID" 2>/dev/null && fail "did not stop within 5 s of SIGTERM"
wait "$PID" || fail "exit status $? after SIGTERM"
PID=

# --generate: the same seed gives the same bytes, another seed others.
"$SIM" --generate 10000 --seed 42 >"$W/g1"
"$SIM" --generate 10000 --seed 42 >"$W/g2"
"$SIM" --generate 10000 --seed 43 >"$W/g3"
cmp -s "$W/g1" "$W/g2" || fail "generate not deterministic"
! cmp -s "$W/g1" "$W/g3" || fail "seed ignored"
[ "$(wc -l <"$W/g1")" -eq 10000 ] || fail "not 10000 lines"
head -1 "$W/g1" | grep -q '"ts":"2026-01-01T00:00:00.000Z"' || fail "start ts"
python3 - "$W/g1" <<'EOF' || fail "generated traffic"
import json, sys
limits = {2: 18000, 3: 27000, 4: 36000, 5: 43000, 6: 49000}
over = 0; trucks = 0; prev = ""
for n, line in enumerate(open(sys.argv[1]), 1):
    r = json.loads(line)
    assert 300 <= r["after_ms"] <= 1500, n
    if "device_fault" in r:
        continue
    assert r["ts"] > prev, n; prev = r["ts"]
    assert sum(r["axle_kg"]) == r["gross_kg"], n
    assert len(r["axle_kg"]) == r["axles"], n
    if r["kind"] == "truck":
        trucks += 1
        over += r["gross_kg"] > limits[min(r["axles"], 6)]
assert 0.005 < over / trucks < 0.05, over / trucks
EOF
# The traffic file is a valid replay input (docs/design.md §8).
if [ -x "$WG_BIN/weighgate" ]; then
	"$WG_BIN/weighgate" replay --strict --out "$W/dec" "$W/g1" 2>"$W/rs" ||
		fail "replay rejected generated traffic: $(tail -3 "$W/rs")"
	[ "$(wc -l <"$W/dec")" -eq "$(grep -vc device_fault "$W/g1")" ] ||
		fail "replay decisions != vehicle lines"
else
	echo "skip: $WG_BIN/weighgate not built, replay check not run"
fi
echo "sim_basic: ok"
