#!/usr/bin/python3
"""A lane whose truck scale is not weighgate's: floats in CDAB order and
status bits at other places (Debian's pymodbus 3.0, Modbus TCP).

Unit 1 plays the example scale of
test/fixtures/profiles/example-cdab-scale.profile, written from this
register description (holding registers, 0-based), not from weighgate's
codec; the registers are computed with Python's struct module:

  0-1   gross weight, IEEE 754 float, kg, low word first (CDAB: the
        Mettler Toledo IND570's "word swap" byte order)
  10    status: b3 motion, b6 result ready, b9 scale error,
        b12 vehicle on the platform, b13 vehicle reversing
  11    result sequence, u16, +1 per completed weighing
  12    axle count
  14-15 speed, float km/h, CDAB
  20-43 axle weights, 12 floats, kg, CDAB
  50-57 plate, GB18030, high byte first, NUL padded
  58    plate colour: 0 blue, 1 yellow, 2 black, 3 white, 4 green

It is an example layout (no public map has both floats and a result
sequence), not a manufacturer's.  Units 2 (I/O module) and 3 (LED sign)
and the lane's timeline are those of pymodbus_lane.py: a legal truck
(15 000.3 kg, 2 axles), then an overweight one (30 000.3 kg, limit
18 000 kg).  Standard output as pymodbus_lane.py's, every line stamped
with the wall clock in ms ("coil N = V" is the device's log of writes).
"""
import asyncio
import struct

from pymodbus.datastore import ModbusSequentialDataBlock

import pymodbus_lane
from pymodbus_lane import Block, Lane, say

ST_MOTION, ST_READY, ST_ERROR, ST_ON, ST_REVERSING = 1 << 3, 1 << 6, 1 << 9, 1 << 12, 1 << 13
FRACTION = 0.3          # kg, so that the reader must round


def f32_cdab(value):
    """Two registers, low word first, of an IEEE 754 single float."""
    hi, lo = struct.unpack(">HH", struct.pack(">f", value))
    return [lo, hi]


def text_regs(text, nregs):
    raw = text.encode("gb18030").ljust(2 * nregs, b"\0")
    return list(struct.unpack(">%dH" % nregs, raw[:2 * nregs]))


class CdabLane(Lane):
    """pymodbus_lane.py's lane with this scale on unit 1."""

    def __init__(self, loop):
        super().__init__(loop)
        self.scale = Block([0] * 60, on_get=self.scale_read)
        self.context[1].store["h"] = self.scale

    def publish(self, seq, truck):
        regs = [0] * 60
        regs[0:2] = f32_cdab(truck["gross"] + FRACTION)
        regs[10] = ST_ON | ST_READY
        regs[11] = seq
        regs[12] = len(truck["axles"])
        regs[14:16] = f32_cdab(5.0)
        for i, kg in enumerate(truck["axles"]):
            regs[20 + 2 * i:22 + 2 * i] = f32_cdab(kg + FRACTION / 2)
        regs[50:58] = text_regs(truck["plate"], 8)
        regs[58] = 1                     # yellow plate
        self.inputs.setValues(3, [1])    # presence loop
        ModbusSequentialDataBlock.setValues(self.scale, 0, regs)
        say("publish %s" % truck["plate"])

    def leave_scale(self, status=0):
        # pymodbus_lane.py's status words, in this scale's bits
        word = (ST_ON if status & 1 else 0) | (ST_READY if status & 2 else 0)
        word |= ST_REVERSING if status & 16 else 0
        ModbusSequentialDataBlock.setValues(self.scale, 10, [word])
        if status == 0:
            self.inputs.setValues(3, [0])


if __name__ == "__main__":
    pymodbus_lane.Lane = CdabLane       # its main() serves the lane it names
    asyncio.run(pymodbus_lane.main())
