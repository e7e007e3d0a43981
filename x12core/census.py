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

import contextlib
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from x12core.errors import NotX12Error
from x12core.findings import Finding, Location, Severity
from x12core.reader import ISA_LENGTH, parse_isa_header
from x12core.remote import open_input

_CHUNK = 1 << 20
# A candidate segment id: ISA (to learn its terminator), CLM (837 claim), CLP (835 claim),
# each followed by a separator (anything but a letter, digit or blank).
_CANDIDATE = re.compile(rb"(ISA|CLM|CLP)[^A-Za-z0-9 \t\r\n]")
# The same, one id at a time (a Tally counts one claim tag): no two matches of the three
# can overlap (each id is followed by a separator, never a letter), so the union of the
# separate matches is the matches of ``_CANDIDATE``; and a pattern starting with a literal
# is searched about ten times faster than the alternation.
_ONE_CANDIDATE = {tag: re.compile(tag.encode() + rb"[^A-Za-z0-9 \t\r\n]")
                  for tag in ("ISA", "CLM", "CLP")}
_BLANK = b" \t\r\n"
_LF = ord("\n")
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
    counted = 0  # newlines before buf[counted] are in ``line``
    for buf, base, begin, limit, keep_from in _buffers(path, source, start, end):
        for match in _CANDIDATE.finditer(buf, begin):
            pos = match.start()
            if pos >= limit:
                break
            tag = match.group(1)
            if tag == b"ISA":
                # Any ISA that parses declares a terminator (junk may stand before it).
                _declare(buf, pos, declared, name)
            elif _after_terminator(buf, pos, declared):
                line += buf.count(b"\n", counted, pos)
                counted = pos
                yield tag.decode("ascii"), base + pos, line
        # The next buffer starts at ``keep_from`` of this one.
        line += buf.count(b"\n", counted, keep_from) if counted < keep_from else 0
        counted = max(0, counted - keep_from)


def _buffers(path: str | os.PathLike[str], source: BinaryIO | None, start: int,
             end: int | None) -> Iterator[tuple[bytes, int, int, int, int]]:
    """The bytes ``[start, end)`` in overlapping buffers: ``(buf, base, begin, limit,
    keep_from)``, where ``base`` is the file offset of ``buf[0]``, matches are looked for
    from ``begin`` and count below ``limit`` (one that may run past the end of the buffer
    waits for the next), and the next buffer starts at ``buf[keep_from]`` (the look-behind
    of :func:`_after_terminator`)."""
    remaining = None if end is None else end - start
    with _opened(path, source) as handle:
        handle.seek(start)
        tail = b""
        base = start
        begin = 0
        while True:
            size = _CHUNK if remaining is None else min(_CHUNK, remaining)
            chunk = handle.read(size)
            if remaining is not None:
                remaining -= len(chunk)
            eof = len(chunk) < _CHUNK or remaining == 0
            buf = tail + chunk
            limit = len(buf) if eof else max(begin, len(buf) - 2 * ISA_LENGTH)
            keep_from = max(0, limit - _LOOKBACK)
            yield buf, base, begin, limit, keep_from
            if eof:
                return
            tail = buf[keep_from:]
            base += keep_from
            begin = limit - keep_from


def count_claims(path: str | os.PathLike[str]) -> Census:
    """Count the CLM and CLP segments in the file at ``path`` (see the module doc)."""
    clm = clp = 0
    for tag, _, _ in iter_claim_segments(path):
        if tag == "CLM":
            clm += 1
        else:
            clp += 1
    return Census(clm, clp)


def _claim_offsets(path: str | os.PathLike[str], tag: str, *, start: int = 0,
                   end: int | None = None, terminators: Iterable[int] = (),
                   source: BinaryIO | None = None) -> Iterator[list[int]]:
    """The byte offsets of the ``tag`` segments (CLM or CLP), a list per buffer.

    Exactly the offsets of :func:`iter_claim_segments` for that tag (the same buffers,
    matches and look-behind), without their file lines: a :class:`Tally` needs a line
    only for the first claim segment it finds unread (:func:`_line_at`). Hot path: one
    pass over every file ``scan`` and ``remit`` read.
    """
    name = os.fspath(path)
    declared: set[int] = set(terminators)
    candidates = _ONE_CANDIDATE[tag].finditer
    headers = _ONE_CANDIDATE["ISA"].finditer
    for buf, base, begin, limit, _ in _buffers(path, source, start, end):
        found: list[int] = []
        isa = [m.start() for m in headers(buf, begin)]  # an ISA declares a terminator
        isa.append(limit)
        k = 0
        for match in candidates(buf, begin):
            pos = match.start()
            if pos >= limit:
                break
            while isa[k] < pos:  # the ISA headers before it, in file order
                _declare(buf, isa[k], declared, name)
                k += 1
            # A terminator right before it, or after one line break: at once (the common
            # layouts); anything else walks back over the blanks.
            if (pos > 1 and (buf[pos - 1] in declared or (
                    buf[pos - 1] == _LF and buf[pos - 2] in declared))) \
                    or _after_terminator(buf, pos, declared):
                found.append(base + pos)
        while isa[k] < limit:
            _declare(buf, isa[k], declared, name)
            k += 1
        if found:
            yield found


def _declare(buf: bytes, pos: int, declared: set[int], name: str) -> None:
    """Add the terminator of the ISA header at ``buf[pos]`` (if it parses) to ``declared``."""
    try:
        delims, _ = parse_isa_header(buf[pos:pos + 2 * ISA_LENGTH].decode("latin-1"), name)
    except NotX12Error:
        return
    declared.add(ord(delims.segment))


def _opened(path: str | os.PathLike[str], source: BinaryIO | None
            ) -> contextlib.AbstractContextManager[BinaryIO]:
    """``path`` opened (a URL too, :func:`x12core.remote.open_input`), or ``source`` (a
    chunk's bytes of a URL input) left open for the next reader of the same bytes."""
    return open_input(path) if source is None else contextlib.nullcontext(source)


def _line_at(path: str | os.PathLike[str], start: int, line: int, offset: int,
             source: BinaryIO | None = None) -> int:
    """The file line of byte ``offset``: ``line`` is that of byte ``start``."""
    with _opened(path, source) as handle:
        handle.seek(start)
        while start < offset:
            data = handle.read(min(_CHUNK, offset - start))
            if not data:
                break
            line += data.count(b"\n")
            start += len(data)
    return line


class Tally:
    """Check, in step with a reader, that every CLM (or CLP) in the bytes was read.

    Call :meth:`read` with the byte offset of each claim segment the pipeline read, in
    file order; it returns the claim segments the bytes hold before it that were not
    read. :meth:`finish` returns the ones after the last claim read. Memory is flat:
    one pass over the file runs alongside the reader.
    """

    def __init__(self, path: str | os.PathLike[str], tag: str, **within: Any) -> None:
        """``within``: the byte range of one chunk (see :func:`iter_claim_segments`)."""
        self._path = path
        self._source: BinaryIO | None = within.get("source")
        self._start: int = within.get("start", 0)
        self._line: int = within.pop("line", 1)
        self._batches = _claim_offsets(path, tag, **within)
        self._batch: list[int] = []
        self._i = 0  # the next offset of ``_batch`` not matched yet
        self.total = 0
        self.missed = 0
        self._first: int | None = None  # offset of the first missed, its line found lazily
        self._first_missed: tuple[int, int] | None = None

    @property
    def first_missed(self) -> tuple[int, int] | None:
        """``(offset, line)`` of the first claim segment not read."""
        if self._first_missed is None and self._first is not None:
            self._first_missed = (self._first, _line_at(self._path, self._start, self._line,
                                                        self._first, self._source))
        return self._first_missed

    @first_missed.setter
    def first_missed(self, value: tuple[int, int] | None) -> None:
        self._first_missed = value
        self._first = None if value is None else value[0]

    def read(self, offset: int) -> None:
        batch, i = self._batch, self._i
        while True:
            if i >= len(batch):
                batch = self._batch = next(self._batches, None) or []
                i = 0
                if not batch:
                    self._i = 0
                    self.total += 1  # read by the pipeline though the census missed it
                    return
            at = batch[i]
            self.total += 1
            if at > offset:
                self._i = i  # read by the pipeline though the census missed it
                return
            i += 1
            if at == offset:
                self._i = i
                return
            self._miss(at)

    def finish(self) -> None:
        for at in self._batch[self._i:]:
            self.total += 1
            self._miss(at)
        self._batch, self._i = [], 0
        for batch in self._batches:
            for at in batch:
                self.total += 1
                self._miss(at)

    @classmethod
    def empty(cls) -> Tally:
        """A tally that only adds up chunks' counts (:meth:`add`)."""
        tally = cls.__new__(cls)
        tally._path = ""
        tally._start, tally._line = 0, 1
        tally._batches = iter(())
        tally._batch, tally._i = [], 0
        tally.total = tally.missed = 0
        tally._first = tally._first_missed = None
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

    def _miss(self, offset: int) -> None:
        self.missed += 1
        if self._first is None:
            self._first = offset


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
