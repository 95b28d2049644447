#!/bin/bash
# /v1/status and /metrics against the store (docs/design.md §9).  Two lanes: L01 a
# pass, a turnback, a pass; L02 a retry (invalid weighing), a pass.  Then:
#  - /v1/status: every lane's state, its last vehicle (plate, axles, gross,
#    decision, the weighing event's uuid) and its decision counts are those
#    of the store; the sync backlog is the store's unsynced count.
#  - /metrics passes an independent check of the exposition format
#    (test/promcheck.py: line grammar, HELP/TYPE, label escapes, counters
#    *_total, histogram buckets cumulative with +Inf = _count) — which is
#    first shown to reject broken texts — and weighgate_vehicles_total by
#    lane and decision equals the store's weighings; the latency histogram
#    counts every decision that wrote an output; device_up, lane_state,
#    backlog and free disk say what is so; weighgate_weighings_total and
#    every kind of weighgate_lane_events_total equal the store's events of
#    each lane (none of forced_entry here); the process metrics are there
#    and plausible; `promtool check metrics` (Debian's, as tools/deps.sh
#    fetched it) finds nothing to say; vehicles are one per final decision
#    (L02's retried truck once).
#  - weighgate status prints a line per lane and the sync line; --json the
#    document; with the daemon stopped it fails with a clear message.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/status_lib.inc"

six_axle() { # LANE AFTER_MS PLATE GROSS
	printf '{"lane":"%s","after_ms":%d,"ts":"2026-01-01T00:00:00.000Z","seq":1,"kind":"truck","config":"combination","axles":6,"gross_kg":%d,"speed_kmh":5.0,"plate":"%s","plate_color":"yellow"}\n' "$1" "$2" "$4" "$3"
}
{
	truck L01 500 豫A11111 15000
	six_axle L01 300 豫A22222 55000
	truck L01 300 豫A33333 16000
	printf '{"lane":"L02","after_ms":800,"ts":"2026-01-01T00:00:00.000Z","seq":1,"kind":"truck","config":"rigid","axles":2,"gross_kg":12000,"speed_kmh":5.0,"plate":"豫B00001","plate_color":"yellow","valid":false}\n'
	truck L02 300 豫B00002 14000
} >"$WORK/traffic.jsonl"
sim2 200 1200 300 200
daemon2
go_traffic2
wait_for 30 "five weighings" sql_ge 5 "SELECT count(*) FROM events WHERE kind = 'weighing'"
wait_for 15 "L01's last truck through" timeline_has '"what":"drove_through","plate":"豫A33333"'
wait_for 15 "L02's last truck through" timeline_has '"what":"drove_through","plate":"豫B00002"'
wait_for 10 "lane L01 IDLE, barrier down" lane_settled L01
wait_for 10 "lane L02 IDLE, barrier down" lane_settled L02

curl -sf "$(status_url /v1/status)" >"$WORK/status.json" || fail "GET /v1/status"
curl -sf -D "$WORK/metrics.hdr" "$(status_url /metrics)" >"$WORK/metrics.txt" || fail "GET /metrics"
grep -qi '^content-type: text/plain; version=0.0.4' "$WORK/metrics.hdr" ||
	fail "metrics content type: $(cat "$WORK/metrics.hdr")"
sql "SELECT json_extract(body, '\$.lane'), json_extract(body, '\$.decision'), uuid,
	json_extract(body, '\$.measurement.plate'), json_extract(body, '\$.measurement.axles'),
	json_extract(body, '\$.measurement.gross_kg')
	FROM events WHERE kind = 'weighing' ORDER BY seq" >"$WORK/weighings.txt"
sql "SELECT count(*) FROM events WHERE state = 0" >"$WORK/backlog.txt"

# The checker can fail: broken texts are refused.
bad() {
	printf '%s' "$1" >"$WORK/bad.txt"
	! python3 "$TEST_DIR/promcheck.py" "$WORK/bad.txt" 2>/dev/null ||
		fail "promcheck accepted: $1"
}
bad $'# HELP x_total a\n# TYPE x_total counter\nx_total{a="b} 1\n'
bad $'# HELP x a\n# TYPE x counter\nx 1\n'
bad $'x_total 1\n'
bad $'# HELP h a\n# TYPE h histogram\nh_bucket{le="1"} 3\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 2\n'
bad $'# HELP h a\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n'
bad $'# HELP g a\n# TYPE g gauge\ng{a="x\\q"} 1\n'
bad $'# HELP g a\n# TYPE g gauge\ng 1\n# HELP f a\n# TYPE f gauge\nf 1\ng{a="1"} 2\n'
bad $'# HELP g a\n# TYPE g gauge\ng one\n'
python3 "$TEST_DIR/promcheck.py" "$WORK/metrics.txt" --dump >"$WORK/metrics.dump" ||
	fail "/metrics is not valid exposition text"
assert_promtool "$WORK/metrics.txt"

python3 - "$WORK" <<'PY' || fail "status or metrics do not match the store"
import json, sys
w = sys.argv[1]
st = json.load(open(f'{w}/status.json'))
rows = [l.split('|') for l in open(f'{w}/weighings.txt').read().splitlines()]
backlog = int(open(f'{w}/backlog.txt').read())
m = {}
for line in open(f'{w}/metrics.dump'):
    k, v = line.rstrip('\n').rsplit(' ', 1)
    m[k] = float(v) if v != '+Inf' else float('inf')
def fail(msg):
    print(msg, file=sys.stderr); sys.exit(1)
decisions = ['pass', 'turnback', 'intercept', 'retry', 'hold', 'fault']
lanes = {l['name']: l for l in st['lanes']}
if sorted(lanes) != ['L01', 'L02']:
    fail(f'lanes {sorted(lanes)}')
for name, lane in lanes.items():
    mine = [r for r in rows if r[0] == name]
    last = mine[-1]
    if lane['state'] != 'IDLE':
        fail(f'{name} state {lane["state"]}')
    got = lane['last']
    if (got['uuid'], got['plate'], got['axles'], got['gross_kg'], got['decision']) != \
            (last[2], last[3], int(last[4]), int(last[5]), last[1]):
        fail(f'{name} last {got} != store {last}')
    for d in decisions:
        n = sum(1 for r in mine if r[1] == d)
        if lane['decisions'][d] != n:
            fail(f'{name} decisions[{d}] {lane["decisions"][d]} != store {n}')
        k = f'weighgate_vehicles_total{{decision="{d}",lane="{name}"}}'
        if m.get(k) != n:
            fail(f'{k} = {m.get(k)}, store {n}')
    lat = m.get(f'weighgate_decision_latency_seconds_count{{lane="{name}"}}')
    if lat is None or not 1 <= lat <= len(mine):
        fail(f'{name} latency count {lat} for {len(mine)} weighings')
    for dev in ['scale', 'io', 'led', 'barrier']:
        if not lane['devices'][dev]['up'] or m.get(f'weighgate_device_up{{device="{dev}",lane="{name}"}}') != 1:
            fail(f'{name} {dev} not up')
    for dev in ['scale', 'io', 'led']:
        if m.get(f'weighgate_modbus_errors_total{{device="{dev}",lane="{name}"}}') != 0:
            fail(f'{name} {dev} modbus errors')
    if m.get(f'weighgate_lane_state{{lane="{name}",state="IDLE"}}') != 1 or \
            m.get(f'weighgate_lane_state{{lane="{name}",state="REFUSED"}}') != 0:
        fail(f'{name} lane_state')
    if lane['barrier'] != {'commanded': 'down', 'position': 'down'}:
        fail(f'{name} barrier {lane["barrier"]}')
if m.get('weighgate_vehicles_decided_total{decision="pass",lane="L02"}') != 1 or \
        m.get('weighgate_weighings_total{lane="L02"}') != 2:
    fail('L02: the retried truck is not one vehicle of two weighings')
if lanes['L01']['last']['plate'] != '豫A33333' or lanes['L02']['decisions']['retry'] != 1:
    fail('the traffic was not what the test meant')
if st['sync']['backlog'] != backlog or m.get('weighgate_sync_backlog_events{}') != backlog:
    fail(f'backlog {st["sync"]["backlog"]} / {m.get("weighgate_sync_backlog_events{}")} != store {backlog}')
if not m.get('weighgate_disk_free_bytes{}', 0) > 0 or st['disk']['free_bytes'] <= 0:
    fail('free disk')
if m.get('weighgate_store_failing{}') != 0 or not st['store']['ok']:
    fail('store failing')
print(f'status and metrics match the store: {len(rows)} weighings, backlog {backlog}')
PY
assert_lane_event_metrics L01:weighing=3 L02:weighing=2 L01:forced_entry=0 L02:forced_entry=0

"$WG_BIN/weighgate" status -c "$WORK/wg.conf" >"$WORK/tool.out" || fail "weighgate status exit $?"
cat "$WORK/tool.out"
grep -Eq '^L01 +IDLE +barrier down .*last 豫A33333 2 axles 16.0 t limit 18.0 t pass' "$WORK/tool.out" ||
	fail "weighgate status: no L01 line"
grep -Eq '^L02 +IDLE .*last 豫B00002 .* pass .*devices ok' "$WORK/tool.out" ||
	fail "weighgate status: no L02 line"
grep -Eq "^sync: off .*backlog $(cat "$WORK/backlog.txt")" "$WORK/tool.out" ||
	fail "weighgate status: no sync line"
"$WG_BIN/weighgate" status -c "$WORK/wg.conf" --json | python3 -c 'import json, sys; assert len(json.load(sys.stdin)["lanes"]) == 2' ||
	fail "weighgate status --json"

stop_pid "$WG_PID" || fail "weighgated exit status $?"
rc=0
"$WG_BIN/weighgate" status -c "$WORK/wg.conf" >/dev/null 2>"$WORK/tool.err" || rc=$?
[ "$rc" = 69 ] || fail "weighgate status without a daemon: exit $rc"
grep -q "is weighgated running?" "$WORK/tool.err" || fail "no clear message: $(cat "$WORK/tool.err")"
stop_pid "$SIM_PID" || true
assert_barrier_authorized
echo "status_json_metrics: ok"
