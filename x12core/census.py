"""Count claim segments straight from the bytes, independently of the tokenizer.

The reader decides where segments start and which interchange they belong to;
when it is fooled (junk between interchanges, a mangled separator, a segment it
cannot place), claims could vanish from what later stages see. This census is the
second opinion that guards against that: it looks for ``CLM``/``CLP`` right after
any segment terminator any ISA header in the file declares (optional spaces, tabs
or line breaks between), followed by any separator character. ``split`` compares it
with the claims it wrote, ``scan`` and ``remit`` with the claims they read, so a
claim the pipeline could not place is an error with a count, never a silent loss.

It streams in chunks with a small overlap, so memory does not grow with the file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from x12core.errors import NotX12Error
from x12core.findings import Finding, Location, Severity
from x12core.reader import ISA_LENGTH, parse_isa_header

_CHUNK = 1 << 20
# A candidate segment id: ISA (to learn its terminator), CLM (837 claim), CLP (835 claim),
# each followed by a separator (anything but a letter, digit or blank).
_CANDIDATE = re.compile(rb"(ISA|CLM|CLP)[^A-Za-z0-9 \t\r\n]")
_BLANK = b" \t\r\n"
_LOOKBACK = 64  # bytes kept before the unprocessed region, for the look-behind


@dataclass(frozen=True, slots=True)
class Census:
    """How many claim segments the bytes of a file hold."""

    clm: int = 0  # 837 claims (loop 2300 CLM)
    clp: int = 0  # 835 claims (loop 2100 CLP)


def _after_terminator(buf: bytes, pos: int, terminators: set[int]) -> bool:
    """Does a segment start at ``pos``: only blanks between it and a terminator (or BOF)?"""
    k = pos - 1
    while k >= 0:
        byte = buf[k]
        if byte in terminators:
            return True
        if byte not in _BLANK:
            return False
        k -= 1
    return True


def iter_claim_segments(path: str | os.PathLike[str], *, start: int = 0,
                        end: int | None = None, line: int = 1,
                        terminators: Iterable[int] = (), source: BinaryIO | None = None
                        ) -> Iterator[tuple[str, int, int]]:
    """Yield ``(tag, byte offset, file line)`` of every CLM/CLP segment, in file order.

    ``start``/``end``/``line``/``terminators``: only the bytes ``[start, end)`` (one chunk
    of a parallel run), which begin on ``line`` after ISA headers declaring those
    terminators (byte values). ``source``: a seekable stream of the bytes instead of
    opening ``path`` (a chunk of a URL input, :class:`x12core.remote.RangeSource`).
    """
    name = os.fspath(path)
    declared: set[int] = set(terminators)
    remaining = None if end is None else end - start
    with open(path, "rb") if source is None else source as handle:
        handle.seek(start)
        tail = b""
        base = start  # file offset of buf[0]
        start = 0  # where the unprocessed bytes begin in ``buf``
        counted = 0  # newlines before buf[counted] are in ``line``
        while True:
            size = _CHUNK if remaining is None else min(_CHUNK, remaining)
            chunk = handle.read(size)
            if remaining is not None:
                remaining -= len(chunk)
            eof = len(chunk) < _CHUNK or remaining == 0
            buf = tail + chunk
            # A match that may run past the end of the buffer waits for the next chunk.
            limit = len(buf) if eof else max(start, len(buf) - 2 * ISA_LENGTH)
            for match in _CANDIDATE.finditer(buf, start):
                pos = match.start()
                if pos >= limit:
                    break
                tag = match.group(1)
                if tag == b"ISA":
                    # Any ISA that parses declares a terminator (junk may stand before it).
                    try:
                        delims, _ = parse_isa_header(buf[pos:pos + 2 * ISA_LENGTH]
                                                     .decode("latin-1"), name)
                    except NotX12Error:
                        continue
                    declared.add(ord(delims.segment))
                elif _after_terminator(buf, pos, declared):
                    line += buf.count(b"\n", counted, pos)
                    counted = pos
                    yield tag.decode("ascii"), base + pos, line
            if eof:
                break
            keep_from = max(0, limit - _LOOKBACK)
            line += buf.count(b"\n", counted, keep_from) if counted < keep_from else 0
            counted = max(0, counted - keep_from)
            tail = buf[keep_from:]
            base += keep_from
            start = limit - keep_from


def count_claims(path: str | os.PathLike[str]) -> Census:
    """Count the CLM and CLP segments in the file at ``path`` (see the module doc)."""
    clm = clp = 0
    for tag, _, _ in iter_claim_segments(path):
        if tag == "CLM":
            clm += 1
        else:
            clp += 1
    return Census(clm, clp)


class Tally:
    """Check, in step with a reader, that every CLM (or CLP) in the bytes was read.

    Call :meth:`read` with the byte offset of each claim segment the pipeline read, in
    file order; it returns the claim segments the bytes hold before it that were not
    read. :meth:`finish` returns the ones after the last claim read. Memory is flat:
    one pass over the file runs alongside the reader.
    """

    def __init__(self, path: str | os.PathLike[str], tag: str, **within: Any) -> None:
        """``within``: the byte range of one chunk (see :func:`iter_claim_segments`)."""
        self._it = (item for item in iter_claim_segments(path, **within) if item[0] == tag)
        self.total = 0
        self.missed = 0
        self.first_missed: tuple[int, int] | None = None  # (offset, line)
        self._next: tuple[str, int, int] | None = None

    def read(self, offset: int) -> None:
        while True:
            if self._next is None:
                self._next = next(self._it, None)
            item = self._next
            if item is None or item[1] > offset:
                self.total += 1  # read by the pipeline though the census missed it
                return
            self._next = None
            self.total += 1
            if item[1] == offset:
                return
            self._miss(item[1], item[2])

    def finish(self) -> None:
        if self._next is not None:
            self.total += 1
            self._miss(self._next[1], self._next[2])
            self._next = None
        for _, at, line in self._it:
            self.total += 1
            self._miss(at, line)

    @classmethod
    def empty(cls) -> Tally:
        """A tally that only adds up chunks' counts (:meth:`add`)."""
        tally = cls.__new__(cls)
        tally._it = iter(())
        tally.total = tally.missed = 0
        tally.first_missed = None
        tally._next = None
        return tally

    def add(self, other: Tally | tuple[int, int, tuple[int, int] | None]) -> None:
        """Add a chunk's counts (``(total, missed, first_missed)`` or a finished Tally)."""
        total, missed, first = other if isinstance(other, tuple) else (
            other.total, other.missed, other.first_missed)
        self.total += total
        self.missed += missed
        if self.first_missed is None:
            self.first_missed = first

    def counts(self) -> tuple[int, int, tuple[int, int] | None]:
        return self.total, self.missed, self.first_missed

    def _miss(self, offset: int, line: int) -> None:
        self.missed += 1
        if self.first_missed is None:
            self.first_missed = (offset, line)


RULE_UNREAD = "X12-CLAIMS"


def unread_claims_finding(path: str, tally: Tally, tag: str) -> Finding:
    """The file finding for claim segments the reader could not place (an error)."""
    offset, line = tally.first_missed or (0, 0)
    what = "claims" if tag == "CLM" else "remit claims"
    return Finding(
        RULE_UNREAD, "structure", Severity.ERROR,
        f"{tally.missed} of {tally.total} {tag} segment(s) could not be read as {what} "
        f"(first at line {line}, byte {offset}); they are not in this report",
        f"Fix the segment at line {line} (a mangled separator, or a segment outside its "
        "loop) and run again; `claimkit validate` shows the details.",
        Location(file=path, segment=tag, file_line=line), name="claims-not-read")
