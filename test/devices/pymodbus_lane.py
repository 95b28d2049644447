#!/usr/bin/python3
"""One toll-station lane played by Debian's pymodbus (3.0) Modbus TCP server.

Unit 1 is the truck scale (holding registers 0-28), unit 2 the lane I/O
module (coils 0 barrier, 1 light, 2 alarm, 3 lower; discrete inputs 0
barrier up, 1 barrier down, 2 pass loop, 3 presence loop), unit 3 the LED
sign (holding registers 0 counter, 1 colour, 2.. text), all at base 0, as
docs/simulator.md describes the lane's register map.  The barrier follows
coil 0 after 100 ms.  It is independent of weighgate's own Modbus code.

Its own timeline, once the scale has been read 25 times (the daemon has
its baseline): a legal truck (15 000 kg, 2 axles) is published and, if the
barrier goes up within 5 s, drives through (off the scale, pass loop on
for 300 ms); then an overweight truck (30 000 kg, 2 axles, limit 18 000 kg)
is published and, if the barrier stays down for 3 s, reverses.

Standard output: "listening PORT", then "<wall ms> <event>" lines:
publish PLATE, coil N = V, led COLOUR TEXT, drove_through PLATE,
reversed PLATE, done.
"""
import asyncio
import logging
import sys
import time

from pymodbus.datastore import (ModbusSequentialDataBlock, ModbusServerContext,
                                ModbusSlaveContext)
from pymodbus.server.async_io import ModbusTcpServer

LEGAL = dict(plate="豫A11111", gross=15000, axles=[6000, 9000])
OVER = dict(plate="豫A30000", gross=30000, axles=[12000, 18000])
COLOURS = {0: "green", 1: "red", 2: "yellow"}


def say(line):
    sys.stdout.write("%d %s\n" % (int(time.time() * 1000), line))
    sys.stdout.flush()


class Block(ModbusSequentialDataBlock):
    """A data block that tells its owner of every write and read."""

    def __init__(self, values, on_set=None, on_get=None):
        super().__init__(0, values)
        self.on_set = on_set
        self.on_get = on_get

    def setValues(self, address, values):  # pylint: disable=invalid-name
        super().setValues(address, values)
        if self.on_set is not None:
            self.on_set(address, values)

    def getValues(self, address, count=1):  # pylint: disable=invalid-name
        if self.on_get is not None:
            self.on_get(address, count)
        return super().getValues(address, count)


class Lane:
    def __init__(self, loop):
        self.loop = loop
        self.scale_reads = 0
        self.scale = Block([0] * 29, on_get=self.scale_read)
        self.coils = Block([0] * 4, on_set=self.coil_set)
        self.inputs = Block([0, 1, 0, 0])
        self.led = Block([0] * 40, on_set=self.led_set)
        empty = ModbusSequentialDataBlock(0, [0] * 4)
        self.context = ModbusServerContext(slaves={
            1: ModbusSlaveContext(hr=self.scale, zero_mode=True),
            2: ModbusSlaveContext(co=self.coils, di=self.inputs, zero_mode=True),
            3: ModbusSlaveContext(hr=self.led, co=empty, zero_mode=True),
        }, single=False)

    def scale_read(self, address, count):
        self.scale_reads += 1

    def coil_set(self, address, values):
        for i, v in enumerate(values):
            say("coil %d = %d" % (address + i, 1 if v else 0))
            if address + i == 0:
                up = 1 if v else 0
                self.inputs.setValues(0, [0, 0])
                self.loop.call_later(0.1, self.inputs.setValues, 0, [up, 1 - up])

    def led_set(self, address, values):
        if address != 0:
            return
        regs = super(Block, self.led).getValues(1, 33)
        raw = b"".join(bytes([r >> 8, r & 0xFF]) for r in regs[1:])
        text = raw.split(b"\0")[0].decode("gb18030", "replace")
        say("led %s %s" % (COLOURS.get(regs[0], "?"), text))

    def publish(self, seq, truck):
        regs = [0] * 29
        regs[0] = 3                      # present + valid
        regs[1] = seq
        regs[2], regs[3] = truck["gross"] >> 16, truck["gross"] & 0xFFFF
        regs[4] = len(truck["axles"])
        regs[5], regs[6], regs[7] = 2, 1, 50   # truck, rigid, 5.0 km/h
        regs[8:8 + len(truck["axles"])] = truck["axles"]
        plate = truck["plate"].encode("gb18030").ljust(16, b"\0")
        regs[20:28] = [plate[2 * i] << 8 | plate[2 * i + 1] for i in range(8)]
        regs[28] = 2                     # yellow plate
        self.inputs.setValues(3, [1])    # presence loop
        ModbusSequentialDataBlock.setValues(self.scale, 0, regs)
        say("publish %s" % truck["plate"])

    def leave_scale(self, status=0):
        ModbusSequentialDataBlock.setValues(self.scale, 0, [status])
        if status == 0:
            self.inputs.setValues(3, [0])

    async def wait_barrier(self, up, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if self.inputs.getValues(0, 1)[0] == (1 if up else 0):
                return True
            await asyncio.sleep(0.02)
        return False

    async def timeline(self):
        while self.scale_reads < 25:
            await asyncio.sleep(0.02)
        self.publish(1, LEGAL)
        if await self.wait_barrier(True, 5):
            await asyncio.sleep(0.3)
            self.leave_scale()
            self.inputs.setValues(2, [1])
            await asyncio.sleep(0.3)
            self.inputs.setValues(2, [0])
            say("drove_through %s" % LEGAL["plate"])
            await self.wait_barrier(False, 3)
        else:
            self.leave_scale()
            say("reversed %s" % LEGAL["plate"])
        await asyncio.sleep(1)
        self.publish(2, OVER)
        if await self.wait_barrier(True, 3):
            say("barrier up for %s" % OVER["plate"])
        self.leave_scale(3 | 16)         # reversing
        await asyncio.sleep(0.3)
        self.leave_scale()
        say("reversed %s" % OVER["plate"])
        say("done")


async def main():
    logging.basicConfig(level=logging.ERROR)
    loop = asyncio.get_running_loop()
    lane = Lane(loop)
    server = ModbusTcpServer(lane.context, address=("127.0.0.1", 0),
                             allow_reuse_address=True)
    task = asyncio.create_task(server.serve_forever())
    await server.serving
    sys.stdout.write("listening %d\n" % server.server.sockets[0].getsockname()[1])
    sys.stdout.flush()
    await lane.timeline()
    await task


if __name__ == "__main__":
    asyncio.run(main())
