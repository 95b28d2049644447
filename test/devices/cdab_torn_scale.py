#!/usr/bin/python3
"""The example CDAB scale of cdab_scale.py, publishing each vehicle at the
worst moment for a reader that takes several requests per poll.

The registers and the lane's timeline are cdab_scale.py's (a legal
15 000.3 kg truck, then an over-limit 30 000.3 kg one).  A vehicle is not
published at once: it is published right after the next read that covers
the gross (registers 0-1) has been answered, so that a reader that reads
the gross in one request and the status and sequence in a later one sees,
in that poll, the new sequence with the previous vehicle's gross (0 for
the first truck, 15 000.3 kg for the second): a torn read.  The line
"torn after gross read" says it happened.  Standard output as
cdab_scale.py's.
"""
import asyncio

import cdab_scale
import pymodbus_lane
from pymodbus_lane import Block, say


class TornBlock(Block):
    """A block that runs after_gross once a read of register 0 is answered."""

    def __init__(self, values, on_get=None):
        super().__init__(values, on_get=on_get)
        self.after_gross = None

    def getValues(self, address, count=1):  # pylint: disable=invalid-name
        values = super().getValues(address, count)
        if address == 0 and self.after_gross is not None:
            run, self.after_gross = self.after_gross, None
            run()
        return values


class TornLane(cdab_scale.CdabLane):
    def __init__(self, loop):
        super().__init__(loop)
        self.scale = TornBlock([0] * 60, on_get=self.scale_read)
        self.context[1].store["h"] = self.scale

    def publish(self, seq, truck):
        def now():
            cdab_scale.CdabLane.publish(self, seq, truck)
            say("torn after gross read %s" % truck["plate"])
        self.scale.after_gross = now


if __name__ == "__main__":
    pymodbus_lane.Lane = TornLane
    asyncio.run(pymodbus_lane.main())
