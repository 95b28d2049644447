#!/usr/bin/python3
"""A hostile truck scale on Modbus TCP, written on raw sockets.

It plays one scale (unit 1, holding registers 0-28 as docs/simulator.md and
the lane's register map describe them) and answers every read of those
registers correctly, then, unless --honest, sends a second well-formed reply
nobody asked for: transaction id 0, unit 1, function 03, with a new result
sequence (genuine + 1) and a legal weighing (15 000 kg on 2 axles, plate
INJECTED_PLATE).  Every other reply goes out in the same write as the genuine
one; the others follow it 3 ms later, so that the surplus is found both in
the genuine reply's segment and at the start of the next transaction.

What the genuine scale shows is read from the control file (--control) at
every request, one word:
    idle     no vehicle, sequence 0
    truck1   present + valid, sequence 1, TRUCK1 (30 000 kg, 2 axles)
    gone     truck 1 has left (present/valid clear, registers kept)
    truck2   present + valid, sequence 2, TRUCK2 (15 000 kg, 2 axles)

Standard output: "listening PORT" first, then one line per event:
    "<wall ms> connect", "<wall ms> publish <phase>" (the first reply that
    carried a phase), "<wall ms> injected <n>" every 50 injections.
It is independent of weighgate's own Modbus code, so it judges it.
"""
import argparse
import os
import socket
import struct
import sys
import threading
import time

# The MBAP framing shared with scale_tcp.py: mbap.py, beside this file (no
# bytecode written into the source tree).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
from mbap import frame, recv_exact  # noqa: E402

INJECTED_PLATE = "豫B66666"
TRUCK1 = dict(plate="豫A30000", gross=30000, axles=[12000, 18000])
TRUCK2 = dict(plate="豫A15000", gross=15000, axles=[6000, 9000])
INJECTED = dict(plate=INJECTED_PLATE, gross=15000, axles=[6000, 9000])

lock = threading.Lock()
published = set()
injections = 0


def now_ms():
    return int(time.time() * 1000)


def say(line):
    with lock:
        sys.stdout.write("%d %s\n" % (now_ms(), line))
        sys.stdout.flush()


def scale_regs(status, seq, truck):
    """The 29 scale registers (gross ABCD, plate GB18030, colour yellow)."""
    regs = [0] * 29
    regs[0] = status
    regs[1] = seq & 0xFFFF
    if truck is not None:
        regs[2] = (truck["gross"] >> 16) & 0xFFFF
        regs[3] = truck["gross"] & 0xFFFF
        regs[4] = len(truck["axles"])
        regs[5] = 2          # truck
        regs[6] = 1          # rigid
        regs[7] = 50         # 5.0 km/h
        for i, w in enumerate(truck["axles"]):
            regs[8 + i] = w
        plate = truck["plate"].encode("gb18030").ljust(16, b"\0")[:16]
        for i in range(8):
            regs[20 + i] = plate[2 * i] << 8 | plate[2 * i + 1]
        regs[28] = 2
    return regs


def genuine(phase):
    if phase == "truck1":
        return 3, 1, TRUCK1
    if phase == "gone":
        return 0, 1, TRUCK1
    if phase == "truck2":
        return 3, 2, TRUCK2
    return 0, 0, None


def read_phase(path):
    try:
        with open(path) as f:
            w = f.read().strip()
        return w or None
    except OSError:
        return None


def read_reply(regs, addr, count):
    data = b"".join(struct.pack(">H", regs[a] if a < len(regs) else 0)
                    for a in range(addr, addr + count))
    return struct.pack(">BB", 3, len(data)) + data


def serve(conn, args):
    global injections
    say("connect")
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    n = 0
    last = "idle"
    while True:
        hdr = recv_exact(conn, 7)
        if hdr is None:
            return
        tid, proto, length, unit = struct.unpack(">HHHB", hdr)
        if length < 2 or length > 254:
            return
        pdu = recv_exact(conn, length - 1)
        if pdu is None:
            return
        phase = read_phase(args.control) or last
        last = phase
        status, seq, truck = genuine(phase)
        regs = scale_regs(status, seq, truck)
        fc = pdu[0]
        if proto != 0 or unit != 1:
            continue        # not this scale: silent, like a dead unit
        if fc not in (3, 4) or len(pdu) != 5:
            conn.sendall(frame(tid, unit, bytes([fc | 0x80, 1])))
            continue
        addr, count = struct.unpack(">HH", pdu[1:5])
        if count < 1 or count > 125:
            conn.sendall(frame(tid, unit, bytes([fc | 0x80, 3])))
            continue
        reply = frame(tid, unit, read_reply(regs, addr, count))
        with lock:
            if phase not in published:
                published.add(phase)
                sys.stdout.write("%d publish %s\n" % (now_ms(), phase))
                sys.stdout.flush()
        if args.honest:
            conn.sendall(reply)
            continue
        fake = scale_regs(3, seq + 1, INJECTED)
        stray = frame(0, 1, read_reply(fake, addr, count))
        n += 1
        if n % 2:
            conn.sendall(reply + stray)
        else:
            conn.sendall(reply)
            time.sleep(0.003)
            conn.sendall(stray)
        with lock:
            injections += 1
            k = injections
        if k % 50 == 0:
            say("injected %d" % k)


def handler(conn, args):
    try:
        serve(conn, args)
    except OSError:
        pass
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--control", required=True)
    ap.add_argument("--honest", action="store_true")
    args = ap.parse_args()
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", args.port))
    ls.listen(16)
    sys.stdout.write("listening %d\n" % ls.getsockname()[1])
    sys.stdout.flush()
    while True:
        conn, _ = ls.accept()
        threading.Thread(target=handler, args=(conn, args), daemon=True).start()


if __name__ == "__main__":
    main()
