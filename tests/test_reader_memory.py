"""Memory stays flat as files grow: reading 10x more claims must not need more memory.

The input is produced on the fly by a file-like object (no disk, no big string),
so the measurement sees only what the reader itself keeps.
"""

from __future__ import annotations

import io
import tracemalloc

from tests.streams import GeneratedStream
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


def claim_stream(claims: int) -> GeneratedStream:
    """A readable 837P of ``claims`` claims, generated as it is read."""
    head = (isa() + "~\nGS*HC*S*R*20250315*1200*1*X*005010X222A1~\n"
            "ST*837*0001*005010X222A1~\nBHT*0019*00*B1*20250315*1200*CH~\nHL*1**20*1~\n")
    tail = (f"SE*{claims * SEGMENTS_PER_CLAIM + 4}*0001~\nGE*1*1~\n"
            "IEA*1*000000701~\n")
    return GeneratedStream(head, lambda n: CLAIM.format(hl=n + 1, n=n), claims, tail)


def peak_reading(claims: int) -> tuple[int, int]:
    tracemalloc.start()
    env = Envelope(SegmentReader(io.BufferedReader(claim_stream(claims), 1 << 16),
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
    small_count, small_peak = peak_reading(600)
    big_count, big_peak = peak_reading(6_000)
    assert (small_count, big_count) == (600 * SEGMENTS_PER_CLAIM + 2, 6_000 * SEGMENTS_PER_CLAIM + 2)
    # 10x the data, essentially the same peak (chunk buffers dominate).
    assert big_peak < small_peak * 1.5 + 256 * 1024, (small_peak, big_peak)
