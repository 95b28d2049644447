#!/bin/bash
# Malformed and oversized requests to the status port (docs/design.md §11: a clear
# error, never a crash): huge headers, a huge URI, a huge body (declared
# and chunked), a bad or negative Content-Length, an unknown method, a
# method a page does not serve (405 with Allow), raw garbage, a path that
# does not exist; each gets a 4xx/5xx answer or a closed connection.  A
# slowloris-style idle connection is closed by the server's timeout, and
# while 100 idle connections are held open the lane still decides its
# truck on time.  Afterwards the daemon is alive, answers, and decides.
. "$(dirname "$0")/lib.inc"
. "$(dirname "$0")/status_lib.inc"

{
	truck L01 500 豫D11111 15000
	truck L01 500 豫D22222 15000
} >"$WORK/traffic.jsonl"
sim2 200 1500 300 200
daemon2

python3 - "$STATUS_PORT" <<'PY' || fail "a malformed request was not answered with an error"
import socket, sys, time
port = int(sys.argv[1])

def exchange(data, wait=8):
    """Send data, return the status code (or 'closed'), bounded by wait."""
    s = socket.create_connection(('127.0.0.1', port), timeout=wait)
    try:
        s.sendall(data)
    except OSError:
        pass            # the server may close while a huge request goes in
    out = b''
    end = time.time() + wait
    try:
        while time.time() < end and b'\r\n' not in out:
            d = s.recv(4096)
            if not d:
                break
            out += d
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    if not out:
        return 'closed'
    line = out.split(b'\r\n', 1)[0].decode('latin-1')
    if not line.startswith('HTTP/1.'):
        raise SystemExit(f'not an HTTP answer: {line!r}')
    return int(line.split()[1])

H = b'Host: t\r\nConnection: close\r\n'
cases = [
    ('huge header', b'GET / HTTP/1.1\r\n' + H + b'X-Big: ' + b'a' * 20000 + b'\r\n\r\n', {400, 413, 431, 'closed'}),
    ('many headers', b'GET / HTTP/1.1\r\n' + H + b''.join(b'X-%d: y\r\n' % i for i in range(2000)) + b'\r\n', {400, 413, 431, 'closed'}),
    ('huge URI', b'GET /' + b'a' * 20000 + b' HTTP/1.1\r\n' + H + b'\r\n', {400, 404, 413, 414, 'closed'}),
    ('huge body', b'POST /v1/lanes/L01/override HTTP/1.1\r\n' + H + b'Content-Length: 100000\r\n\r\n' + b'x' * 100000, {413}),
    ('huge chunk', b'POST /v1/lanes/L01/override HTTP/1.1\r\n' + H + b'Transfer-Encoding: chunked\r\n\r\nFFFFFFFF\r\n' + b'a' * 10000, {400, 413}),
    ('bad length', b'POST /v1/lanes/L01/override HTTP/1.1\r\n' + H + b'Content-Length: abc\r\n\r\n{}', {400, 411, 413, 'closed'}),
    ('negative length', b'POST /v1/lanes/L01/override HTTP/1.1\r\n' + H + b'Content-Length: -5\r\n\r\n{}', {400, 411, 413, 'closed'}),
    ('unknown method', b'BREW / HTTP/1.1\r\n' + H + b'\r\n', {400, 405, 501}),
    ('DELETE /', b'DELETE / HTTP/1.1\r\n' + H + b'\r\n', {405}),
    ('PUT /metrics', b'PUT /metrics HTTP/1.1\r\n' + H + b'Content-Length: 0\r\n\r\n', {405}),
    ('garbage', b'\x00\xff\x13\x37garbage\r\n\r\n', {400, 'closed'}),
    ('no version', b'GET\r\n\r\n', {400, 'closed'}),
    ('bad version', b'GET / HTTP/9.9\r\n' + H + b'\r\n', {400, 505, 'closed'}),
    ('traversal', b'GET /../../etc/passwd HTTP/1.1\r\n' + H + b'\r\n', {400, 404}),
    ('unknown page', b'GET /admin HTTP/1.1\r\n' + H + b'\r\n', {404}),
    ('override path prefix', b'POST /v1/lanes//override HTTP/1.1\r\n' + H + b'Content-Length: 2\r\n\r\n{}', {404}),
]
for name, data, ok in cases:
    got = exchange(data)
    print(f'{name}: {got}')
    if got not in ok:
        raise SystemExit(f'{name}: {got}, expected one of {sorted(map(str, ok))}')
    # the allowed methods are named
    if name == 'DELETE /':
        s = socket.create_connection(('127.0.0.1', port), timeout=5)
        s.sendall(b'DELETE / HTTP/1.1\r\n' + H + b'\r\n')
        head = s.recv(4096)
        s.close()
        if b'Allow: GET, HEAD' not in head:
            raise SystemExit(f'405 without Allow: {head!r}')
PY

# A slowloris connection and 100 idle ones held open while the lane decides.
python3 - "$STATUS_PORT" "$WORK" <<'PY' &
import socket, sys, time
port, work = int(sys.argv[1]), sys.argv[2]
idle = [socket.create_connection(('127.0.0.1', port)) for _ in range(100)]
slow = socket.create_connection(('127.0.0.1', port))
slow.sendall(b'GET / HTTP/1.1\r\nHo')
open(f'{work}/slow.ready', 'w').close()
t0 = time.time()
slow.settimeout(30)
try:
    closed = slow.recv(4096) in (b'',) or True
except (socket.timeout, ConnectionResetError):
    closed = False
open(f'{work}/slow.closed', 'w').write(f'{time.time() - t0:.1f}\n' if closed else 'never\n')
time.sleep(3)
for s in idle:
    s.close()
PY
SLOW_PID=$!
PIDS+=("$SLOW_PID")
wait_for 10 "the idle connections" test -e "$WORK/slow.ready"
go_traffic2
wait_for 10 "the first truck decided while connections are held" \
	timeline_has '"what":"drove_through","plate":"豫D11111"'
wait_for 20 "the slow connection's fate" test -s "$WORK/slow.closed"
secs=$(cat "$WORK/slow.closed")
[ "$secs" != never ] || fail "the idle half-request was never closed"
echo "slowloris connection closed after ${secs} s"
awk -v s="$secs" 'BEGIN { exit !(s >= 3 && s <= 15) }' || fail "closed after $secs s, expected the 5 s timeout"

kill -0 "$WG_PID" || fail "weighgated died"
curl -sf -o /dev/null "$(status_url /v1/status)" || fail "the status server no longer answers"
wait_for 15 "the second truck decided after the abuse" \
	timeline_has '"what":"drove_through","plate":"豫D22222"'
[ "$(ev_count weighing "json_extract(body, '\$.decision') = 'pass'")" = 2 ] || fail "weighings"
stop_pid "$WG_PID" || fail "weighgated exit status $?"
stop_pid "$SIM_PID" || true
assert_barrier_authorized
echo "status_http_malformed: ok"
