#!/usr/bin/python3
# A hostile HTTP client of the status port: it plays many slow clients on
# one host.  It keeps N connections open to HOST:PORT (raw sockets, no HTTP
# library): half of them send nothing, the other half send a request one
# byte at a time (a byte per connection every BYTE_S seconds).  A connection
# the server closes (or refuses) is opened again at once, so the number of
# connections asked for stays at N until STOP_FILE exists or MAX_S seconds
# have passed.  Writes READY_FILE once N connections have been attempted.
# At the end prints one line of figures: attempts, refused (the server
# answered before any request was complete, or closed), the most held
# open at once.
#
# usage: status_flood.py HOST PORT N READY_FILE STOP_FILE [MAX_S] [BYTE_S]
import os
import selectors
import socket
import sys
import time

host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ready_file, stop_file = sys.argv[4], sys.argv[5]
max_s = float(sys.argv[6]) if len(sys.argv) > 6 else 30.0
byte_s = float(sys.argv[7]) if len(sys.argv) > 7 else 1.0
REQ = b'GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n'

sel = selectors.DefaultSelector()
conns = {}          # socket -> [slow: bool, bytes sent: int]
stats = {'attempts': 0, 'closed_by_server': 0, 'answered': 0, 'max_open': 0,
         'connect_errors': 0}


def open_one(slow):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    stats['attempts'] += 1
    try:
        s.connect((host, port))
    except BlockingIOError:
        pass
    except OSError:
        stats['connect_errors'] += 1
        s.close()
        return False
    conns[s] = [slow, 0]
    sel.register(s, selectors.EVENT_READ)
    return True


def drop(s):
    sel.unregister(s)
    del conns[s]
    s.close()


for i in range(n):
    if not open_one(i % 2 == 1):
        time.sleep(0.01)
open(ready_file, 'w').close()

t0 = time.time()
next_byte = t0 + byte_s
want_slow = {True: n - n // 2, False: n // 2}
while time.time() - t0 < max_s and not os.path.exists(stop_file):
    for key, _ in sel.select(timeout=0.05):
        s = key.fileobj
        try:
            data = s.recv(4096)
        except (ConnectionResetError, OSError):
            data = b''
        if data:
            stats['answered'] += 1
        stats['closed_by_server'] += 1
        drop(s)
    if time.time() >= next_byte:
        next_byte += byte_s
        for s, st in list(conns.items()):
            if st[0] and st[1] < len(REQ) - 1:   # never the last byte
                try:
                    s.send(REQ[st[1]:st[1] + 1])
                    st[1] += 1
                except BlockingIOError:
                    pass
                except OSError:
                    stats['closed_by_server'] += 1
                    drop(s)
    stats['max_open'] = max(stats['max_open'], len(conns))
    # top up what the server closed: at most 200 new connections a round
    have = {True: 0, False: 0}
    for st in conns.values():
        have[st[0]] += 1
    budget = 200
    for slow in (True, False):
        while have[slow] < want_slow[slow] and budget > 0:
            budget -= 1
            if not open_one(slow):
                break
            have[slow] += 1

for s in list(conns):
    drop(s)
print(' '.join(f'{k}={v}' for k, v in stats.items()), flush=True)
