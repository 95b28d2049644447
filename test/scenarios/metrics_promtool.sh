#!/bin/bash
# The metrics of a station with traffic (docs/status.md "GET /metrics"): two
# lanes on a platform that answers half the batches 503 and serves lists.
# L01: its scale times out for 2 s, then a pass, a retry (an invalid
# weighing) and a pass, and an overloaded truck turned back that drives
# through (forced entry); L02: its scale answers exceptions for 2 s, then
# a turnback and a pass.  Once everything is synced, /metrics:
#  - is clean for `promtool check metrics` (Debian's, fetched by
#    tools/deps.sh; the test fails without it);
#  - counts as the store has it: every lane event kind, weighings, and
#    vehicles one per final decision (the retried truck once);
#  - weighgate_sync_failures_total{reason="http_5xx"} is the number of 503s
#    the platform answered, every other reason 0;
#    weighgate_sync_events_accepted_total (and the deprecated
#    sync_events_sent_total) the store's synced events;
#  - weighgate_lists_info carries the lists' version, lists_age_seconds
#    their age;
#  - the scale outages equal the store's device_fault events of the scale,
#    failed transactions are counted by cause (timeout on L01, exception on
#    L02), and the deprecated modbus_errors_total is outages + failed writes.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/status_lib.inc"
. "$(dirname "$0")/sync_lib.inc"

six_axle() { # LANE AFTER_MS PLATE GROSS [BEHAVIOUR]
	printf '{"lane":"%s","after_ms":%d,"ts":"2026-01-01T00:00:00.000Z","seq":1,"kind":"truck","config":"combination","axles":6,"gross_kg":%d,"axle_kg":[7000,9000,9000,10000,10000,10000],"speed_kmh":5.0,"plate":"%s","plate_color":"yellow","behaviour":"%s"}\n' \
		"$1" "$2" "$4" "$3" "${5:-obey}"
}
{
	printf '{"lane":"L01","after_ms":1500,"device_fault":"scale","mode":"timeout","duration_ms":2000}\n'
	printf '{"lane":"L02","after_ms":1500,"device_fault":"scale","mode":"exception","duration_ms":2000}\n'
	truck L01 2500 豫A10001 15000
	printf '{"lane":"L01","after_ms":300,"ts":"2026-01-01T00:00:00.000Z","seq":1,"kind":"truck","config":"rigid","axles":2,"gross_kg":12000,"speed_kmh":5.0,"plate":"豫A10002","plate_color":"yellow","valid":false}\n'
	truck L01 300 豫A10002 14000
	six_axle L01 300 豫A10003 55000 force
	six_axle L02 2500 豫B10001 55000
	truck L02 300 豫B10002 16000
} >"$WORK/traffic.jsonl"
cat >"$WORK/lists.json" <<'JSON'
{"version":"2026-12-01.3","watch":[],"exempt":[],"permits":[]}
JSON
make_certs
start_platform --fail-rate 0.5 --fail-status 503 --seed 11 --lists "$WORK/lists.json"
sim2 200 1500 300 200
STATUS_PORT=$(free_port)
write_conf2 "$WORK/wg.conf"
RETRY_MAX_MS=500 write_platform_section >>"$WORK/wg.conf"
start_daemon "$WORK/wg.conf"
wait_status
go_traffic2
wait_for 40 "six weighings" sql_ge 6 "SELECT count(*) FROM events WHERE kind = 'weighing'"
wait_for 15 "the forced entry" eval '[ "$(ev_count forced_entry)" -ge 1 ] 2>/dev/null'
wait_for 15 "L02's last truck through" timeline_has '"what":"drove_through","plate":"豫B10002"'
wait_for 15 "L01's forced truck through" timeline_has '"what":"drove_through","plate":"豫A10003"'
wait_for 10 "lane L02 IDLE, barrier down" lane_settled L02
wait_for 30 "every event synced" all_synced

assert_lane_event_metrics L01:weighing=4 L02:weighing=2 L01:forced_entry=1 \
	L01:device_fault=1 L02:device_fault=1 L01:device_recovered=1 L02:device_recovered=1
assert_promtool "$WORK/ev-metrics.txt"
grep -c 'POST /v1/events: 503 (fault switch)' "$WORK/platform.log" >"$WORK/n503.txt" || true
sql "SELECT count(*) FROM events WHERE state = 1" >"$WORK/synced.txt"
sql "SELECT json_extract(body, '\$.lane'), count(*) FROM events WHERE kind = 'device_fault'
    AND json_extract(body, '\$.device') = 'scale' GROUP BY 1" >"$WORK/faults.txt"
sql "SELECT count(*) FROM events WHERE kind = 'lists_applied'" >"$WORK/applied.txt"
python3 - "$WORK" <<'PY' || fail "the metrics do not say what happened"
import re, sys
w = sys.argv[1]
m = {}
for line in open(f'{w}/ev-metrics.dump'):
    k, v = line.rstrip('\n').rsplit(' ', 1)
    m[k] = float(v)
def fail(msg):
    print(msg, file=sys.stderr); sys.exit(1)
n503 = int(open(f'{w}/n503.txt').read())
if n503 < 1:
    fail('the platform answered no 503: the test did not test')
reasons = ['network', 'tls', 'auth', 'http_5xx', 'http_4xx', 'timeout', 'bad_answer']
for r in reasons:
    got = m.get(f'weighgate_sync_failures_total{{reason="{r}"}}')
    want = n503 if r == 'http_5xx' else 0
    if got != want:
        fail(f'sync_failures_total{{reason="{r}"}} {got}, expected {want}')
    if m.get(f'weighgate_sync_lists_failures_total{{reason="{r}"}}') != 0:
        fail(f'sync_lists_failures_total{{reason="{r}"}} is not 0')
synced = int(open(f'{w}/synced.txt').read())
for k in ['weighgate_sync_events_accepted_total{}', 'weighgate_sync_events_sent_total{}']:
    if m.get(k) != synced:
        fail(f'{k} {m.get(k)}, store synced {synced}')
if m.get('weighgate_lists_info{version="2026-12-01.3"}') != 1 or \
        int(open(f'{w}/applied.txt').read()) != 1:
    fail('lists_info: ' + str({k: v for k, v in m.items() if 'lists_info' in k}))
age = m.get('weighgate_lists_age_seconds{}')
if age is None or not 0 <= age < 60:
    fail(f'lists_age_seconds {age}')
faults = dict(l.split('|') for l in open(f'{w}/faults.txt').read().splitlines())
for lane in ['L01', 'L02']:
    k = f'weighgate_modbus_outages_total{{device="scale",lane="{lane}"}}'
    if m.get(k) != int(faults.get(lane, 0)):
        fail(f'{k} {m.get(k)}, store device_fault(scale) {faults.get(lane, 0)}')
    for dev in ['scale', 'io', 'led']:
        lab = f'device="{dev}",lane="{lane}"'
        old = m.get(f'weighgate_modbus_errors_total{{{lab}}}')
        new = m.get(f'weighgate_modbus_outages_total{{{lab}}}', -1) + \
            m.get(f'weighgate_modbus_write_failures_total{{{lab}}}', -1)
        if old != new:
            fail(f'{lane} {dev}: modbus_errors_total {old} != outages + write failures {new}')
for lane, why in [('L01', 'timeout'), ('L02', 'exception')]:
    k = f'weighgate_modbus_transaction_failures_total{{device="scale",lane="{lane}",reason="{why}"}}'
    if not m.get(k, 0) >= 1:
        fail(f'{k} {m.get(k)}')
dec = {d: m.get(f'weighgate_vehicles_decided_total{{decision="{d}",lane="L01"}}')
       for d in ['pass', 'turnback']}
weighings = m.get('weighgate_weighings_total{lane="L01"}')
if dec != {'pass': 2, 'turnback': 1} or weighings != 4:
    fail(f'L01 vehicles {dec}, weighings {weighings}')
print(f'sync failures http_5xx {n503}, accepted {synced}, lists age {age:.1f} s, '
      f'scale outages {faults}, L01 vehicles 3 of 4 weighings')
PY

stop_pid "$WG_PID" || fail "weighgated exit status $? on SIGTERM"
stop_pid "$SIM_PID" || fail "weighgate-sim exit status $?"
stop_pid "$PLAT_PID" || fail "weighgate-platform exit status $?"
echo "metrics_promtool: ok"
