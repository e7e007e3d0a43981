"""Memory stays flat as files grow: reading 10x more claims must not need more memory.

The input is produced on the fly by a file-like object (no disk, no big string),
so the measurement sees only what the reader itself keeps.
"""

from __future__ import annotations

import io
import tracemalloc

from tests.x12text import isa
from x12core.envelope import Envelope
from x12core.reader import SegmentReader

CLAIM = (
    "HL*{hl}*1*22*0~\nSBR*P*18*******MB~\nNM1*IL*1*TESTPATIENT*ALPHA****MI*1EG4TE5MK73~\n"
    "CLM*PCN{n}*65.01***11:B:1*Y*A*Y*Y~\nHI*ABK:M545~\nLX*1~\nSV1*HC:J1885:JZ*25.01*UN*2***1~\n"
    "DTP*472*D8*20250115~\nREF*6R*PCN{n}-1~\nLIN**N4*00409379501~\nCTP****1*ML~\nLX*2~\n"
    "SV1*HC:96372*40*UN*1***1~\nDTP*472*D8*20250115~\nREF*6R*PCN{n}-2~\n"
)
SEGMENTS_PER_CLAIM = 15


class ClaimStream(io.RawIOBase):
    """A readable 837P of ``claims`` claims, generated as it is read."""

    def __init__(self, claims: int) -> None:
        self.claims = claims
        self.n = 0
        self.pending = (isa() + "~\nGS*HC*S*R*20250315*1200*1*X*005010X222A1~\n"
                        "ST*837*0001*005010X222A1~\nBHT*0019*00*B1*20250315*1200*CH~\n"
                        "HL*1**20*1~\n").encode()
        self.done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        while len(self.pending) < len(buffer) and not self.done:
            if self.n < self.claims:
                self.n += 1
                self.pending += CLAIM.format(hl=self.n + 1, n=self.n).encode()
            else:
                count = self.claims * SEGMENTS_PER_CLAIM + 4
                self.pending += f"SE*{count}*0001~\nGE*1*1~\nIEA*1*000000701~\n".encode()
                self.done = True
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size


def peak_reading(claims: int) -> tuple[int, int]:
    tracemalloc.start()
    env = Envelope(SegmentReader(io.BufferedReader(ClaimStream(claims), 1 << 16),
                                 name="gen.837", chunk_size=1 << 16), "gen.837")
    count = 0
    for body in env:
        for _ in body:
            count += 1
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert env.findings == []
    return count, peak


def test_memory_is_flat_as_the_file_grows() -> None:
    small_count, small_peak = peak_reading(2_000)
    big_count, big_peak = peak_reading(20_000)
    assert (small_count, big_count) == (2_000 * SEGMENTS_PER_CLAIM + 2, 20_000 * SEGMENTS_PER_CLAIM + 2)
    # 10x the data, essentially the same peak (chunk buffers dominate).
    assert big_peak < small_peak * 1.5 + 256 * 1024, (small_peak, big_peak)
