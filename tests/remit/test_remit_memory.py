"""Memory stays flat: one ST*835 with 10x more claims must not need more memory.

The 835 is produced as it is read (no disk, no big string) and holds every claim in a
single transaction, the case where a reader that collects a whole ST would grow.
"""

from __future__ import annotations

import io
import tracemalloc

from remit835.causes import default_map
from remit835.outcome import assess
from remit835.parse import read_remits
from tests.streams import GeneratedStream
from tests.x12text import isa

CLAIM = (
    "CLP*PCN{n}*1*125.01*72**MB*ICN{n}*11*1~\nNM1*QC*1*DOE*JANE****MI*M{n}~\n"
    "SVC*HC:J1885:JZ*25.01*0**2~\nDTM*472*20250301~\nCAS*CO*16*25.01~\nREF*6R*PCN{n}-1~\n"
    "LQ*HE*M119~\nSVC*HC:96372*100*72**1~\nDTM*472*20250301~\nCAS*CO*45*28~\n"
    "REF*6R*PCN{n}-2~\n"
)
SEGMENTS_PER_CLAIM = 11


def remit_stream(claims: int) -> GeneratedStream:
    """A readable 835 of ``claims`` claims in one transaction, generated as it is read."""
    head = (isa() + "~\nGS*HP*S*R*20250315*1200*1*X*005010X221A1~\nST*835*0001~\n"
            f"BPR*I*{72 * claims}*C*ACH~\nTRN*1*EFT1*1512345678~\n"
            "N1*PR*ACME*XV*88801~\nN1*PE*CLINIC*XX*1234567893~\nLX*1~\n")
    tail = f"SE*{claims * SEGMENTS_PER_CLAIM + 7}*0001~\nGE*1*1~\nIEA*1*000000701~\n"
    return GeneratedStream(head, lambda n: CLAIM.format(n=n), claims, tail)


def run(claims: int) -> tuple[int, bool]:
    """Read, balance and classify every claim; (denied lines, payment balanced)."""
    causes = default_map()
    stream = io.BufferedReader(remit_stream(claims), 1 << 16)
    denied = 0
    balanced = False
    # Small reader chunks so both sizes span many chunks (the chunk is the reader's
    # fixed buffer, 1 MiB by default).
    for payment in read_remits(stream, name="gen.835", chunk_size=1 << 16):
        for claim in payment:
            denied += sum(lo.denied for lo in assess(claim, causes).lines)
        balanced = payment.finish().balanced
    return denied, balanced


def peak(claims: int) -> tuple[int, int, bool]:
    tracemalloc.start()
    try:
        denied, balanced = run(claims)
        return tracemalloc.get_traced_memory()[1], denied, balanced
    finally:
        tracemalloc.stop()


def test_memory_is_flat_in_one_huge_transaction() -> None:
    # Untraced warm-up: fills the interpreter's free lists (tuples are kept for reuse, up
    # to a fixed number), which would otherwise look like growth in the first pass.
    run(2_000)
    small, small_denied, _ = peak(1_000)
    big, big_denied, balanced = peak(4_000)
    assert (small_denied, big_denied, balanced) == (1_000, 4_000, True)
    assert big < small * 1.2 + 32 * 1024, (small, big)


# Every line is short by one cent: one balancing finding per line and per claim. Before
# the findings were spooled, the report kept ~2 KB per finding in memory (a 200 MB 835
# peaked at 269 MB).
UNBALANCED = CLAIM.replace("CAS*CO*45*28~", "CAS*CO*45*28.01~")


def _write_unbalanced(path, claims: int) -> None:
    stream = GeneratedStream(
        remit_stream(0).pending.decode(), lambda n: UNBALANCED.format(n=n), claims,
        f"SE*{claims * SEGMENTS_PER_CLAIM + 7}*0001~\nGE*1*1~\nIEA*1*000000701~\n")
    with open(path, "wb") as handle:
        while chunk := stream.read(1 << 16):
            handle.write(chunk)


def _report_peak(path) -> tuple[int, int]:
    from remit835.report import remit_report
    from x12core.render import render

    class Sink(io.TextIOBase):
        def write(self, text: str) -> int:
            return len(text)

    tracemalloc.start()
    try:
        report, totals = remit_report([path], default_map())
        render(report, "json", Sink())
        return tracemalloc.get_traced_memory()[1], totals.errors
    finally:
        tracemalloc.stop()


def test_report_memory_is_flat_when_every_claim_is_unbalanced(tmp_path, monkeypatch) -> None:
    # Small spool thresholds so both sizes spill to disk (production: 4 and 8 MiB).
    import x12core.census
    import x12core.reader
    import x12core.render
    import x12core.spool

    monkeypatch.setattr(x12core.spool, "SPOOL_MEMORY", 32 * 1024)
    # Reader and census chunks smaller than both files, as in production on 200 MB.
    monkeypatch.setattr(x12core.reader, "CHUNK_SIZE", 1 << 16)
    monkeypatch.setattr(x12core.census, "_CHUNK", 1 << 16)
    monkeypatch.setattr(x12core.render, "JSON_SPOOL_MEMORY", 32 * 1024)
    small, big = tmp_path / "small.835", tmp_path / "big.835"
    _write_unbalanced(small, 1_000)
    _write_unbalanced(big, 4_000)
    _report_peak(small)  # warm-up (free lists, caches; the spools reach their size early)
    small_peak, small_errors = _report_peak(small)
    big_peak, big_errors = _report_peak(big)
    assert big_errors > 3.9 * small_errors > 0
    assert big_peak < small_peak * 1.15 + 64 * 1024, (small_peak, big_peak)
