#!/bin/bash
# Guessing the override token (docs/status.md, "Override lockout"):
# overrides on, a lane REFUSED.  Five wrong Bearer tokens are answered 401;
# from then on every override request is answered 429 with Retry-After at
# once, the right token too (weighgate override says so), and a burst of
# 300 more wrong tokens changes nothing (all 429, none counted as a token
# check); the metric weighgate_override_auth_failures_total says 5; nothing
# is recorded or raised.  Once the lockout has passed the right token works: the override
# is recorded and the truck goes through.  The lockout length is cut to
# 3 s by the test hook WEIGHGATE_TEST_OVERRIDE_LOCKOUT_MS (60 s in service).
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/status_lib.inc"

LOCK_MS=3000
printf '{"lane":"L01","after_ms":300,"ts":"2026-01-01T00:00:00.000Z","seq":1,"kind":"truck","config":"combination","axles":6,"gross_kg":56000,"speed_kmh":5.0,"plate":"豫G11111","plate_color":"yellow"}\n' \
	>"$WORK/traffic.jsonl"
sim2 200 30000 300 200
TOKEN=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
printf '%s\n' "$TOKEN" >"$WORK/token"
chmod 600 "$WORK/token"
STATUS_PORT=$(free_port)
CONTROLLER_EXTRA="override_token_file = $WORK/token"
RULES_EXTRA='overrides = on'
write_conf2 "$WORK/wg.conf"
WEIGHGATE_TEST_OVERRIDE_LOCKOUT_MS=$LOCK_MS start_daemon "$WORK/wg.conf"
wait_status
go_traffic2
wait_for 15 "lane L01 REFUSED" lane_state_is L01 REFUSED
AUTH="Bearer $TOKEN"
GOOD='{"operator":"0042","reason":"permit checked by hand"}'

# headers_of AUTH: POST the override, the answer's head in $WORK/h.txt;
# prints the status.
headers_of() {
	curl -s -D "$WORK/h.txt" -o "$WORK/ovr.json" -w '%{http_code}' -X POST \
		-H "Authorization: $1" -H 'Content-Type: application/json' \
		--data-binary "$GOOD" "$(status_url /v1/lanes/L01/override)"
}

for i in 1 2 3 4 5; do
	expect_override 401 L01 "$GOOD" "Bearer wrong-$i"
done
t_locked=$(date +%s%3N)
code=$(headers_of "Bearer wrong-6")
[ "$code" = 429 ] || fail "a sixth wrong token: $code, expected 429: $(cat "$WORK/ovr.json")"
ra=$(sed -n 's/^Retry-After: *\([0-9]*\).*/\1/Ip' "$WORK/h.txt")
[ -n "$ra" ] && [ "$ra" -ge 1 ] && [ "$ra" -le $((LOCK_MS / 1000)) ] ||
	fail "429 without a fitting Retry-After: $(cat "$WORK/h.txt")"
code=$(headers_of "$AUTH")
[ "$code" = 429 ] || fail "the right token during the lockout: $code, expected 429"
grep -qi '^Retry-After: ' "$WORK/h.txt" || fail "429 for the right token without Retry-After"
rc=0
"$WG_BIN/weighgate" override L01 --operator 0042 --reason x -c "$WORK/wg.conf" \
	>/dev/null 2>"$WORK/tool.err" || rc=$?
[ "$rc" = 1 ] && grep -q 'refused (429): too many wrong override tokens' "$WORK/tool.err" ||
	fail "weighgate override during the lockout: exit $rc: $(cat "$WORK/tool.err")"

# A burst: every answer 429, quickly.
/usr/bin/python3 - "$STATUS_PORT" <<'PY' || fail "the burst during the lockout"
import socket, sys, time
port = int(sys.argv[1])
body = b'{"operator":"0042","reason":"x"}'
codes = {}
t0 = time.time()
for i in range(300):
    s = socket.create_connection(('127.0.0.1', port), timeout=5)
    s.sendall(b'POST /v1/lanes/L01/override HTTP/1.1\r\nHost: x\r\nConnection: close\r\n'
              b'Authorization: Bearer guess-%d\r\nContent-Length: %d\r\n\r\n' % (i, len(body)) + body)
    out = b''
    while b'\r\n' not in out:
        d = s.recv(4096)
        if not d:
            break
        out += d
    s.close()
    c = out.split(b' ', 2)[1].decode() if out.startswith(b'HTTP/1.') else 'none'
    codes[c] = codes.get(c, 0) + 1
print(f'burst of 300 in {time.time() - t0:.2f} s: {codes}')
if codes != {'429': 300}:
    raise SystemExit(f'not all 429: {codes}')
PY
elapsed=$(( $(date +%s%3N) - t_locked ))
[ "$elapsed" -lt "$LOCK_MS" ] || echo "note: the burst outlasted the lockout ($elapsed ms); 429s still held"

curl -sf "$(status_url /metrics)" >"$WORK/metrics.txt" || fail "no metrics"
grep -qx 'weighgate_override_auth_failures_total 5' "$WORK/metrics.txt" ||
	fail "failures metric: $(grep override "$WORK/metrics.txt")"
grep -qx 'weighgate_override_locked 1' "$WORK/metrics.txt" ||
	fail "lockout gauge: $(grep override "$WORK/metrics.txt")"
[ "$(ev_count override)" = 0 ] || fail "an override was recorded during the lockout"
! timeline_has '"what":"barrier_cmd","value":1' || fail "the barrier rose during the lockout"
n=$(grep -c 'override' "$WORK/weighgated.log" || true)
[ "$n" -le 6 ] || fail "$n log lines about overrides for one burst"

# After the lockout, the right token works.
sleep $((LOCK_MS / 1000 + 1))
expect_override 200 L01 "$GOOD" "$AUTH"
[ "$(ev_count override)" = 1 ] || fail "the override after the lockout was not recorded"
wait_for 10 "the truck through" timeline_has '"what":"drove_through","plate":"豫G11111"'
curl -sf "$(status_url /metrics)" >"$WORK/metrics.txt" || fail "no metrics"
grep -qx 'weighgate_override_locked 0' "$WORK/metrics.txt" || fail "still locked after it passed"
stop_pid "$WG_PID" || fail "weighgated exit status $?"
stop_pid "$SIM_PID" || true
assert_barrier_authorized
echo "hostile_override_guess: ok"
