#!/usr/bin/python3
"""Plays a truck scale on Modbus TCP, written apart from weighgate's own codec.

It serves the scale's register block of docs/operations.md (29 holding registers
from address 0: status, result sequence, gross u32 high word first, axles,
kind, configuration, speed in 0.1 km/h, 12 axle weights, 16 bytes of plate
in GB18030, plate colour) to function 03 on any unit id, with raw sockets
and the standard library only: the test judges the daemon by someone else's
frames.  What it shows is scripted by the test through a state file, read
again whenever it changes:

    scale_tcp.py serve PORTFILE STATEFILE   listen on 127.0.0.1:0, write the port
    scale_tcp.py block SEQ STATUS GROSS_KG AXLES PLATE   one block as JSON

The state file holds {"blocks": [BLOCK, ...]}: one block is shown as it is;
with several, each read gets the next one in turn (a counter that flips on
every poll).  A BLOCK is a list of 29 register values.
"""
import json
import os
import socket
import struct
import sys
import threading

# The MBAP framing shared with stray_scale.py: mbap.py, beside this file (no
# bytecode written into the source tree).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
from mbap import frame, recv_exact  # noqa: E402

NREGS = 29


def block(seq, status, gross, axles, plate):
    """The 29 registers of one result (a rigid truck when axles > 0)."""
    regs = [0] * NREGS
    regs[0] = status & 0xFFFF
    regs[1] = seq & 0xFFFF
    regs[2] = (gross >> 16) & 0xFFFF
    regs[3] = gross & 0xFFFF
    regs[4] = axles
    regs[5] = 2 if axles > 0 else 0        # truck
    regs[6] = 1 if axles > 0 else 0        # rigid
    regs[7] = 50 if axles > 0 else 0       # 5.0 km/h
    rest = gross
    for i in range(axles):
        w = gross // axles if i < axles - 1 else rest
        regs[8 + i] = w
        rest -= w
    raw = plate.encode("gb18030")[:16].ljust(16, b"\0")
    for i in range(8):
        regs[20 + i] = (raw[2 * i] << 8) | raw[2 * i + 1]
    regs[28] = 2 if plate else 0           # yellow
    return regs


class State:
    """The blocks to show, reloaded when the state file changes."""

    def __init__(self, path):
        self.path = path
        self.stamp = None
        self.blocks = [[0] * NREGS]
        self.turn = 0
        self.lock = threading.Lock()

    def next_block(self):
        with self.lock:
            try:
                st = os.stat(self.path)
                stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
                if stamp != self.stamp:
                    with open(self.path, encoding="utf-8") as f:
                        self.blocks = json.load(f)["blocks"]
                    self.stamp = stamp
                    self.turn = 0
            except (OSError, ValueError, KeyError):
                pass
            b = self.blocks[self.turn % len(self.blocks)]
            self.turn += 1
            return b


def serve_client(conn, state):
    with conn:
        while True:
            head = recv_exact(conn, 7)
            if head is None:
                return
            tid, proto, length, unit = struct.unpack(">HHHB", head)
            pdu = recv_exact(conn, length - 1) if length > 1 else b""
            if pdu is None or proto != 0 or not pdu:
                return
            fc = pdu[0]
            if fc == 3 and len(pdu) == 5:
                addr, count = struct.unpack(">HH", pdu[1:5])
                if addr + count <= NREGS and 1 <= count <= 125:
                    regs = state.next_block()[addr:addr + count]
                    body = bytes([3, 2 * count]) + struct.pack(
                        ">%dH" % count, *regs)
                else:
                    body = bytes([0x83, 2])         # illegal data address
            else:
                body = bytes([fc | 0x80, 1])        # illegal function
            conn.sendall(frame(tid, unit, body))


def serve(portfile, statefile):
    state = State(statefile)
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(8)
    tmp = portfile + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write("%d\n" % lsock.getsockname()[1])
    os.rename(tmp, portfile)
    while True:
        conn, _ = lsock.accept()
        threading.Thread(target=serve_client, args=(conn, state),
                         daemon=True).start()


def main(argv):
    if len(argv) == 4 and argv[1] == "serve":
        serve(argv[2], argv[3])
    elif len(argv) == 7 and argv[1] == "block":
        print(json.dumps(block(int(argv[2]), int(argv[3]), int(argv[4]),
                               int(argv[5]), argv[6])))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
