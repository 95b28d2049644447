#!/usr/bin/python3
"""A Flintec FT-112 weighing indicator and a lane's I/O module and sign,
played by Debian's pymodbus (3.0) Modbus TCP server.

Unit 1 is the indicator, written from the FT-112(D) Technical Manual,
Rev.1.0.0, section 13.2.1 (1-based register numbers, so 40005 is holding
register 4): 40005-40006 gross (s32, high word first), 40007-40008 status
(B1 dynamic result, B2 unstable, B31 "no decimal point"), 40009-40010
error status, 40011-40012 heartbeat (increased every 100 ms), 40015-40016
CN, the consecutive label number.  Units 2 and 3 are the lane's own I/O
module and LED sign (docs/simulator.md): discrete inputs 0-3 (barrier
down, nothing on the loops), coils 0-3, sign registers 0-40.

Timeline: the heartbeat counts from the start; once the indicator has
been read 25 times (the daemon has its baseline), a 15 000 kg dynamic
result with label number 1 is published; 1.5 s later the heartbeat stops
(the indicator still answers); 3 s later it counts again; 2 s later
"done".  Standard output: "listening PORT", then "<wall ms> <event>"
lines: publish, frozen, beating, done.
"""
import asyncio
import logging
import sys
import time

from pymodbus.datastore import (ModbusSequentialDataBlock, ModbusServerContext,
                                ModbusSlaveContext)
from pymodbus.server.async_io import ModbusTcpServer


def say(line):
    sys.stdout.write("%d %s\n" % (int(time.time() * 1000), line))
    sys.stdout.flush()


class Counted(ModbusSequentialDataBlock):
    """Registers that count the reads made of them."""

    reads = 0

    def getValues(self, address, count=1):  # pylint: disable=invalid-name
        Counted.reads += 1
        return super().getValues(address, count)


class Indicator:
    def __init__(self):
        self.regs = Counted(0, [0] * 20)
        self.regs.setValues(6, [0x8000, 0x0000])     # 40007: B31, stable, no result
        self.beat = 0
        self.beating = True

    async def heartbeat(self):
        while True:
            if self.beating:
                self.beat = (self.beat + 1) & 0xFFFFFFFF
                self.regs.setValues(10, [self.beat >> 16, self.beat & 0xFFFF])
            await asyncio.sleep(0.1)

    async def timeline(self):
        while Counted.reads < 25:
            await asyncio.sleep(0.02)
        gross = 15000
        self.regs.setValues(4, [gross >> 16, gross & 0xFFFF])
        self.regs.setValues(6, [0x8000, 0x0002])     # B1: dynamic result
        self.regs.setValues(14, [0, 1])              # CN 1
        say("publish")
        await asyncio.sleep(1.5)
        self.beating = False
        say("frozen")
        await asyncio.sleep(3)
        self.beating = True
        say("beating")
        await asyncio.sleep(2)
        say("done")


async def main():
    logging.basicConfig(level=logging.CRITICAL)
    ind = Indicator()
    context = ModbusServerContext(slaves={
        1: ModbusSlaveContext(hr=ind.regs, zero_mode=True),
        2: ModbusSlaveContext(co=ModbusSequentialDataBlock(0, [0] * 4),
                              di=ModbusSequentialDataBlock(0, [0, 1, 0, 0]),
                              zero_mode=True),
        3: ModbusSlaveContext(hr=ModbusSequentialDataBlock(0, [0] * 40),
                              zero_mode=True),
    }, single=False)
    server = ModbusTcpServer(context, address=("127.0.0.1", 0),
                             allow_reuse_address=True)
    task = asyncio.create_task(server.serve_forever())
    await server.serving
    sys.stdout.write("listening %d\n" % server.server.sockets[0].getsockname()[1])
    sys.stdout.flush()
    asyncio.create_task(ind.heartbeat())
    await ind.timeline()
    await task


if __name__ == "__main__":
    asyncio.run(main())
