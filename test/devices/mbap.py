"""Modbus TCP framing (the MBAP header) for the raw-socket test devices.

Shared by scale_tcp.py and stray_scale.py; the standard library only, and
apart from weighgate's own Modbus code, so that the devices still judge it
by someone else's frames.
"""
import struct


def recv_exact(conn, n):
    """N bytes from the socket, or None when the peer closed first."""
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def frame(tid, unit, pdu):
    """One Modbus TCP frame: transaction id, protocol 0, length, unit, PDU."""
    return struct.pack(">HHHB", tid, 0, len(pdu) + 1, unit) + pdu
