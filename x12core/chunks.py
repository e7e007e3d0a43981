"""Cut one X12 file into chunks that can be read independently (``--workers``).

A fast pre-scan over the raw bytes (a memory map, regular expressions and
``bytes.count``: no segment objects) finds the envelope segments (ISA, GS, ST,
GE, IEA) and, inside a transaction set larger than the target chunk size, the
segments a reader can pick up from: in an 837, the HL segments that open a 2000A
billing-provider or 2000B subscriber loop (005010X222A1 section 2.3.2.1; HL03 = 20
or 22); in an 835, the CLP segments that open a 2100 claim payment loop
(005010X221A1 section 2.3.2.1; a payment's claims are independent, and its totals
are added up by the caller). Each chunk starts at one of those segments and
carries what a reader needs to carry on there:

* the reader state: segments and lines before it, the position inside the open
  transaction set, the interchange's delimiters (:class:`ReaderState`);
* the *context*: the header segments that the chunk's segments depend on (the
  open ISA and GS; for a cut inside a transaction, ST through the 1000A/B
  names and the open 2000A loop (837) or 2000 LX header-number loop (835)),
  read again from their own byte ranges so the claims built from them are
  exactly those of a whole-file read;
* the predicted envelope counters (:meth:`Envelope.snapshot`): control numbers
  seen so far and the transaction/group counts GE01 and IEA01 are checked
  against.

The prediction is checked, not trusted: every chunk reports the state it ends in
and the caller compares it with what the next chunk assumed (:func:`ChunkEnd`);
on a difference the next chunk is read again from the true state. A file the
pre-scan does not understand (junk after an IEA, a truncated header) is simply
not cut past that point.
"""

from __future__ import annotations

import io
import mmap
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, BinaryIO

from x12core import remote
from x12core.errors import InputError, NotX12Error
from x12core.reader import ISA_LENGTH, ReaderState, SegmentReader, parse_isa_header
from x12core.segment import Delimiters, Segment

if TYPE_CHECKING:
    from x12core.census import Tally

MIN_CHUNK = 1 << 20  # below this the per-chunk overhead outweighs the gain
MAX_CHUNK = 16 << 20  # a chunk is read into memory whole: keep it bounded
_BLANKS = b" \t\r\n"
_ENVELOPE_TAGS = (b"GS", b"ST", b"GE", b"IEA")
_EVENT_WINDOW = 4 << 20  # bytes searched for envelope segments at a time


@dataclass(frozen=True, slots=True)
class Span:
    """Bytes ``[start, end)`` of the file, read from ``state`` (``state`` None: file start)."""

    start: int
    end: int
    state: ReaderState | None


@dataclass(frozen=True, slots=True)
class Context:
    """Byte offsets of the header segments open at a point of the file (-1: none)."""

    isa: int = -1
    gs: int = -1
    st: int = -1
    # For a cut inside a transaction: the open 2000A loop's HL (837) or 2000 LX (835).
    loop: int = -1


@dataclass(frozen=True)
class Chunk:
    """One piece of work: a file's bytes from one cut to the next, with its context."""

    path: str
    number: int
    body: Span
    context: tuple[Span, ...] = ()
    where: Context = field(default_factory=Context)  # what the context spans are
    envelope: tuple[object, ...] | None = None  # predicted Envelope.snapshot(); None: fresh
    final: bool = True
    terminators: frozenset[int] = frozenset()  # declared by the ISAs before it (census)

    def census(self, tag: str) -> Tally:
        """A :class:`~x12core.census.Tally` of the chunk's own bytes (CLM or CLP)."""
        from x12core.census import Tally

        state = self.body.state
        source = None
        if remote.is_url(self.path):  # the bytes the chunk's reader fetched (kept, not refetched)
            source = remote.RangeSource(self.path, self.body.start, self.body.end)
        return Tally(self.path, tag, start=self.body.start, end=self.body.end,
                     line=state.line if state is not None else 1,
                     terminators=self.terminators, source=source)



@dataclass(frozen=True, slots=True)
class ChunkEnd:
    """The state a chunk ended in: what the next chunk must have started from."""

    offset: int
    index: int
    line: int
    position: int
    delimiters: Delimiters | None
    envelope: tuple[object, ...]
    where: Context
    headers: tuple[Segment | None, Segment | None] = (None, None)  # the open ISA and GS

    def matches(self, chunk: Chunk) -> bool:
        state = chunk.body.state
        return (state is not None and state.offset == self.offset
                and state.index == self.index and state.line == self.line
                and state.position == self.position and state.delimiters == self.delimiters
                and chunk.envelope == self.envelope and chunk.where == self.where)


def chunk_size(total: int, slots: int, per_slot: int = 8) -> int:
    """The target chunk size for a file of ``total`` bytes on ``slots`` workers.

    About ``per_slot`` chunks per worker balance the load; :data:`MIN_CHUNK` bounds the
    per-chunk overhead and :data:`MAX_CHUNK` the memory of a task. ``CLAIMKIT_CHUNK_BYTES``
    overrides it (tests cut small files into many chunks with it).
    """
    forced = os.environ.get("CLAIMKIT_CHUNK_BYTES", "").strip()
    if forced.isdigit() and int(forced) > 0:
        return int(forced)
    return max(MIN_CHUNK, min(total // max(1, slots * per_slot), MAX_CHUNK))


def whole(path: str, size: int | None = None) -> list[Chunk]:
    """The file as one chunk (nothing predicted, nothing to check)."""
    return [Chunk(path, 0, Span(0, remote.size(path) if size is None else size, None))]


def plan(path: str | os.PathLike[str], target: int, inner: bool = True) -> list[Chunk]:
    """Chunks of about ``target`` bytes, in file order (see :func:`chunk_size`).

    ``inner``: also cut inside a large transaction set (837: at 2000A/2000B loops; 835:
    at 2100 claims).
    ``path`` may be a URL (:mod:`x12core.remote`): the pre-scan then runs on a local copy
    streamed in blocks, and the chunks name the URL (each task fetches its own bytes).
    """
    return list(iter_plan(path, target, inner))


def iter_plan(path: str | os.PathLike[str], target: int, inner: bool = True
              ) -> Iterator[Chunk]:
    """:func:`plan`'s chunks, each as soon as the pre-scan has found where it ends (the
    first can be at work while the rest of the file is pre-scanned)."""
    name = os.fspath(path)
    size = remote.size(name)
    target = max(1, target)
    if size < 2 * target:
        yield from whole(name, size)
        return
    with remote.local_copy(name) as local:
        size = os.path.getsize(local)
        with open(local, "rb") as handle, mmap.mmap(handle.fileno(), 0,
                                                   access=mmap.ACCESS_READ) as data:
            start, state = 0, None
            prior: _Cut | None = None
            for k, cut in enumerate(_Planner(data, name, target, inner).cuts()):
                yield _chunk(name, k, start, cut.offset, state, prior, final=False)
                start, state, prior = cut.offset, cut.state, cut
    yield _chunk(name, 0 if prior is None else k + 1, start, size, state, prior, final=True)


def _chunk(name: str, number: int, start: int, end: int, state: ReaderState | None,
           prior: _Cut | None, final: bool) -> Chunk:
    """The chunk from the cut ``prior`` (None: the file's start) to ``end``."""
    if prior is None:
        return Chunk(name, number, Span(start, end, state), final=final)
    return Chunk(name, number, Span(start, end, state), prior.context, prior.where,
                 prior.envelope, final=final, terminators=prior.terminators)


@dataclass(frozen=True, slots=True)
class _Cut:
    offset: int
    state: ReaderState
    context: tuple[Span, ...]
    where: Context
    envelope: tuple[object, ...]
    terminators: frozenset[int]


class _Planner:
    """One pass over the memory-mapped bytes, interchange by interchange."""

    def __init__(self, data: mmap.mmap, name: str, target: int, inner: bool) -> None:
        self.data = data
        self.name = name
        self.target = target
        self.inner = inner
        self.count_at = 0  # segments before byte ``count_at`` ...
        self.count = 0
        self.lines_at = 0  # ... and newlines before byte ``lines_at``
        self.lines = 0
        self.last_cut = 0
        # Envelope.snapshot() fields, as the walk would have them
        self.isa: tuple[str, int] | None = None
        self.gs: tuple[str, int] | None = None
        self.gs_in_isa = self.st_in_gs = 0
        self.isa_ids: set[str] = set()
        self.gs_ids: set[str] = set()
        self.st_ids: set[str] = set()
        self.counts = [0, 0, 0]
        self.where = Context()
        # kind -> (offset, segments before, line) of the open ISA, GS, ST and 2000A HL: what
        # a cut may replay, recorded as the walk passes them (counting only moves forward)
        self.marks: dict[str, tuple[int, int, int]] = {}
        self.terms: set[int] = set()  # terminators the ISAs so far declare

    def _mark(self, kind: str, offset: int, term: bytes) -> int:
        """Record the open ``kind`` segment at ``offset``; return the segments before it."""
        before = self._segments_before(offset, term)
        self.marks[kind] = (offset, before, self._line_of(offset))
        return before

    # -- counting ---------------------------------------------------------
    def _segments_before(self, offset: int, term: bytes) -> int:
        self.count += _count(self.data, term, self.count_at, offset)
        self.count_at = offset
        return self.count

    def _line_of(self, offset: int) -> int:
        self.lines += _count(self.data, b"\n", self.lines_at, offset)
        self.lines_at = offset
        return self.lines + 1

    def _state(self, offset: int, term: bytes, position: int,
               delims: Delimiters | None) -> ReaderState:
        return ReaderState(offset, self._segments_before(offset, term), self._line_of(offset),
                           position, delims)

    def _end_of(self, offset: int, term: bytes) -> int:
        found = self.data.find(term, offset)
        return len(self.data) if found < 0 else found + len(term)

    def _elements(self, offset: int, delims: Delimiters) -> list[str]:
        end = self.data.find(delims.segment.encode("latin-1"), offset)
        raw = self.data[offset:end if end >= 0 else offset + 4096]
        return raw.decode("latin-1").split(delims.element)

    # -- the walk ---------------------------------------------------------
    def cuts(self) -> Iterator[_Cut]:
        data = self.data
        pos = 0
        if data[:3] == b"\xef\xbb\xbf":
            pos = 3
        while pos < len(data) and data[pos] in _BLANKS:
            pos += 1
        while pos >= 0:
            try:
                delims, _ = parse_isa_header(
                    data[pos:pos + 2 * ISA_LENGTH].decode("latin-1"), self.name)
            except NotX12Error:
                return
            pos = yield from self._interchange(pos, delims)

    def _starts(self, tag: bytes, el: bytes, term: bytes, start: int, end: int,
                floor: int | None = None) -> Iterator[int]:
        """Offsets of the segments ``tag`` in ``[start, end)``: ``tag`` and the element
        separator right after a terminator (blanks between allowed, back to ``floor``:
        ``start`` unless given). ``find`` runs at memchr speed; a regular expression
        would stop at every terminator."""
        data = self.data
        needle = tag + el
        floor = start if floor is None else floor
        at = data.find(needle, start, end)
        while at >= 0:
            if self._opens(at, term, floor):
                yield at
            at = data.find(needle, at + 1, end)

    def _opens(self, at: int, term: bytes, floor: int) -> bool:
        """Does a segment start at ``at`` (a terminator before it, blanks between)?"""
        data = self.data
        k = at - 1
        while k > floor and data[k] in _BLANKS:
            k -= 1
        return k >= 0 and data[k:k + len(term)] == term

    def _events(self, el: bytes, term: bytes, isa_at: int) -> Iterator[tuple[int, bytes]]:
        """The GS, ST and GE segments of the interchange at ``isa_at``, then its IEA, in file
        order, searched a window at a time: a cut is handed on before the rest of the file
        is searched (a whole-file search for the GE and IEA, which close the interchange,
        held the first chunk of a one-interchange file back)."""
        size = len(self.data)
        lo = isa_at
        while lo < size:
            hi = min(size, lo + _EVENT_WINDOW)
            found: list[tuple[int, bytes]] = []
            for tag in _ENVELOPE_TAGS:
                # A segment that starts before ``hi`` may end past it: it is this window's.
                reach = min(size, hi + len(tag) + len(el) - 1)
                found += [(at, tag) for at in self._starts(tag, el, term, lo, reach, isa_at)
                          if at < hi]
            found.sort()
            for at, tag in found:
                yield at, tag
                if tag == b"IEA":
                    return
            lo = hi

    def _after(self, at: int, term: bytes, tags: tuple[bytes, ...]) -> bool:
        """Is the segment before ``at`` one of ``tags``? (An ST is cut only after an SE or
        a GS: a transaction set that never closed would carry its walk into the next.)"""
        data = self.data
        k = at - 1
        while k > 0 and data[k] in _BLANKS:
            k -= 1
        start = data.rfind(term, 0, k) + len(term)  # k: the terminator of the one before
        while start < k and data[start] in _BLANKS:
            start += 1
        return any(data[start:start + len(tag) + 1].startswith(tag)
                   and data[start + len(tag):start + len(tag) + 1] != b""
                   and not data[start + len(tag):start + len(tag) + 1].isalnum()
                   for tag in tags)

    def _interchange(self, isa_at: int, delims: Delimiters) -> Iterator[_Cut]:
        """Walk one interchange; return where the next ISA starts (-1: stop planning)."""
        data = self.data
        term = delims.segment.encode("latin-1")
        el = delims.element.encode("latin-1")
        self.terms.add(term[0])
        self._open_isa(isa_at, delims, term)
        st_at = -1
        for at, tag in self._events(el, term, isa_at):
            if st_at >= 0:  # the transaction set before this segment has ended
                yield from self._inside(st_at, at, delims, term)
                st_at = -1
            if tag == b"GS":
                elements = self._elements(at, delims)
                self.gs_ids.add(elements[6] if len(elements) > 6 else "")
                self.gs = (elements[6] if len(elements) > 6 else "",
                           self._mark("GS", at, term) + 1)
                self.counts[1] += 1
                self.gs_in_isa += 1
                self.st_in_gs = 0
                self.st_ids = set()
                self.where = Context(self.where.isa, at)
            elif tag == b"ST":
                if at - self.last_cut >= self.target and self._after(at, term, (b"SE", b"GS")):
                    cut = self._cut(at, delims, term, 0, self.where)
                    if cut is not None:
                        yield cut
                self._mark("ST", at, term)
                elements = self._elements(at, delims)
                self.st_ids.add(elements[2] if len(elements) > 2 else "")
                self.counts[2] += 1
                self.st_in_gs += 1
                st_at = at
            elif tag == b"GE":
                self.gs = None
                self.where = Context(self.where.isa)
            else:  # IEA: the next interchange must follow at once (blanks allowed)
                self.isa = self.gs = None
                self.where = Context()
                nxt = self._end_of(at, term)
                while nxt < len(data) and data[nxt] in _BLANKS:
                    nxt += 1
                if nxt >= len(data) or data[nxt:nxt + 3] != b"ISA":
                    return -1
                self._segments_before(nxt, term)
                return nxt
        if st_at >= 0:
            yield from self._inside(st_at, len(data), delims, term)
        return -1

    def _open_isa(self, at: int, delims: Delimiters, term: bytes) -> None:
        elements = self._elements(at, delims)
        control = elements[13].strip() if len(elements) > 13 else ""
        self.isa = (control, self._mark("ISA", at, term) + 1)
        self.isa_ids.add(control)
        self.gs_ids = set()
        self.gs_in_isa = 0
        self.counts[0] += 1
        self.where = Context(at)

    def _inside(self, st_at: int, end: int, delims: Delimiters,
                term: bytes) -> Iterator[_Cut]:
        """Cuts inside one transaction set (837 and 835 only) that ends more than the target
        past the last cut: a small one after the leftover of another is cut too, so no
        chunk grows to twice the target."""
        if not self.inner or end - self.last_cut < self.target:
            return
        # Only up to the transaction set's first SE (or a stray ISA): the reader ends the
        # set there, so a cut past it would not be inside the set it predicts.
        el = delims.element.encode("latin-1")
        for tag in (b"SE", b"ISA"):
            end = next(self._starts(tag, el, term, st_at, end), end)
        if end - self.last_cut < self.target:
            return
        kind = self._elements(st_at, delims)[1:2]
        if kind == ["837"]:
            yield from self._inside_837(st_at, end, delims, term)
        elif kind == ["835"]:
            yield from self._inside_835(st_at, end, delims, term)

    def _inside_837(self, st_at: int, end: int, delims: Delimiters,
                    term: bytes) -> Iterator[_Cut]:
        """Cuts at 2000A/2000B HL segments inside one large 837 transaction set.

        Only the HL segments near a cut are looked at: from ``target`` bytes past the last
        cut, the first HL opening a 2000A or 2000B loop (HL03 = 20 or 22) is the cut; the
        2000A loop open there is the last HL03 = 20 before it, which one regular
        expression finds (a billing provider opens few loops; subscribers open most).
        """
        el = delims.element.encode("latin-1")
        first_hl, _ = next(self._loops(el, term, st_at, end, st_at), (-1, b""))
        if first_hl < 0:
            return

        def point(pos: int) -> tuple[int, bool]:  # the 2000A is replayed under a 2000B
            at, level = next(self._loops(el, term, pos, end, st_at), (-1, b""))
            return at, level == b"22"

        yield from self._walk(st_at, end, delims, term, first_hl, point,
                              self._openers(el, term, st_at, end), b"HL", (b"CLM",))

    def _inside_835(self, st_at: int, end: int, delims: Delimiters,
                    term: bytes) -> Iterator[_Cut]:
        """Cuts at CLP segments (2100 claim payment) inside one large 835 transaction set.

        The header the chunk replays runs from ST to the first LX or CLP (BPR, TRN, the
        1000A/B names: what ``PaymentStream`` reads before its first claim); the 2000 LX
        open at the cut is replayed too (LX01 numbers the claims under it). LX segments
        are few (one per provider or bill type), so they are found as the walk goes.
        """
        el = delims.element.encode("latin-1")
        first = min(next(self._starts(b"CLP", el, term, st_at, end), end),
                    next(self._starts(b"LX", el, term, st_at, end), end))
        if first >= end:
            return

        def point(pos: int) -> tuple[int, bool]:
            return next(self._starts(b"CLP", el, term, pos, end, st_at), -1), True

        yield from self._walk(st_at, end, delims, term, first, point,
                              self._starts(b"LX", el, term, st_at, end), b"CLP",
                              (b"CLP", b"PLB"))

    def _walk(self, st_at: int, end: int, delims: Delimiters, term: bytes, first: int,
              point: Callable[[int], tuple[int, bool]], openers: Iterator[int],
              opener: bytes, forbidden: tuple[bytes, ...]) -> Iterator[_Cut]:
        """The cuts of one transaction set whose header ends at ``first``: from ``target``
        past the last cut, ``point(pos)`` gives the next place to cut and whether the loop
        open there is replayed; that loop is the last of ``openers`` (offsets of the
        segments that open one, in order) before it. ``opener``/``forbidden``: ``_cut``."""
        st_index = self.marks["ST"][1]  # segments before ST
        loop = marked = -1
        upcoming = next(openers, -1)
        pos = max(first + 1, self.last_cut + self.target)
        while pos < end:
            at, replay = point(pos)
            if at < 0:
                return
            while 0 <= upcoming < at:  # the loop open at ``at``
                loop, upcoming = upcoming, next(openers, -1)
            if loop >= 0 and loop != marked:
                self._mark("loop", loop, term)  # counting only moves forward: loop > last cut
                marked = loop
            where = Context(self.where.isa, self.where.gs, st_at, loop)
            position = self._segments_before(at, term) - st_index
            cut = self._cut(at, delims, term, position, where, first,
                            replay_loop=loop >= 0 and replay, opener=opener,
                            forbidden=forbidden)
            pos = self.last_cut + self.target if cut is not None else at + 1
            if cut is not None:
                yield cut

    def _level(self, at: int, el: bytes, term: bytes, end: int) -> bytes:
        """HL03 (hierarchical level code) of the HL segment at ``at``."""
        stop = self.data.find(term, at, end)
        elements = self.data[at:stop if stop >= 0 else end].split(el, 4)
        return elements[3] if len(elements) > 3 else b""

    def _loops(self, el: bytes, term: bytes, start: int, end: int, floor: int
               ) -> Iterator[tuple[int, bytes]]:
        """HL segments at or after ``start`` that open a 2000A or 2000B loop, with HL03."""
        for at in self._starts(b"HL", el, term, start, end, floor):
            level = self._level(at, el, term, end)
            if level in (b"20", b"22"):
                yield at, level

    def _openers(self, el: bytes, term: bytes, start: int, end: int) -> Iterator[int]:
        """HL segments with HL03 = 20 (2000A) in ``[start, end)``, in order: the pattern
        is HL03 = 20 itself (delimiters are one byte each), so only the terminator before
        the match is left to check."""
        e, t = re.escape(el), re.escape(term)
        other = b"[^" + e + t + b"]*"
        pattern = re.compile(b"HL" + e + other + e + other + e + b"20(?=" + e + b"|" + t
                             + b")")
        for found in pattern.finditer(self.data, start, end):
            if self._opens(found.start(), term, start):
                yield found.start()

    def _cut(self, at: int, delims: Delimiters, term: bytes, position: int,
             where: Context, first: int = -1, replay_loop: bool = False,
             opener: bytes = b"HL", forbidden: tuple[bytes, ...] = (b"CLM",)
             ) -> _Cut | None:
        """A cut at ``at`` (None: its context would replay a claim; not cut here).

        Inside a transaction set the context is ST up to ``first`` (the header) and, with
        ``replay_loop``, the open loop's segment up to the next ``opener``; none of it may
        hold a ``forbidden`` segment (it would be read twice)."""
        spans: list[Span] = []
        # The ISA is replayed with its delimiters known: read as the reader splits it
        # (up to the first terminator), whatever the header holds.
        isa_state = self._replay_state(where.isa, delims)
        spans.append(Span(where.isa, self._end_of(where.isa, term), isa_state))
        if where.gs >= 0:
            spans.append(Span(where.gs, self._end_of(where.gs, term),
                              self._replay_state(where.gs, delims)))
        if where.st >= 0:
            spans.append(Span(where.st, first, self._replay_state(where.st, delims)))
        if replay_loop:
            st_index = self._replay_state(where.st, delims).index
            hl_state = self._replay_state(where.loop, delims)
            nxt = self.data.find(term, where.loop)
            end = self._next(opener, nxt, delims, term)
            spans.append(Span(where.loop, end,
                              ReaderState(hl_state.offset, hl_state.index, hl_state.line,
                                          hl_state.index - st_index, delims)))
        el = delims.element.encode("latin-1")
        for span in spans[1:]:
            # Context is headers only; a claim in it (a broken HL) would be read twice.
            for tag in forbidden:
                if next(self._starts(tag, el, term, span.start, span.end), -1) >= 0:
                    return None
        self.last_cut = at
        assert self.isa is not None
        envelope = (self.isa[0], self.isa[1], self.gs[0] if self.gs else None,
                    self.gs[1] if self.gs else None, self.gs_in_isa, self.st_in_gs,
                    frozenset(self.isa_ids), frozenset(self.gs_ids), frozenset(self.st_ids),
                    False, tuple(self.counts))
        return _Cut(at, self._state(at, term, position, delims), tuple(spans), where,
                    envelope, frozenset(self.terms))

    def _replay_state(self, offset: int, delims: Delimiters) -> ReaderState:
        """The reader state at a header segment the walk has passed (see ``marks``)."""
        for at, index, line in self.marks.values():
            if at == offset:
                return ReaderState(offset, index, line, 0, delims)
        raise AssertionError(f"no mark at byte {offset}")  # pragma: no cover

    def _next(self, tag: bytes, ending: int, delims: Delimiters, term: bytes) -> int:
        """Where the first ``tag`` segment after the terminator at ``ending`` begins (it
        may follow at once, after a line break)."""
        el = delims.element.encode("latin-1")
        return next(self._starts(tag, el, term, ending + len(term), len(self.data), ending),
                    len(self.data))


def _count(data: mmap.mmap, byte: bytes, start: int, end: int) -> int:
    """``data[start:end].count(byte)`` for one-byte ``byte``, in windows (a memory map has no
    ``count`` before Python 3.13, and a slice is a copy)."""
    total = 0
    while start < end:
        stop = min(end, start + _WINDOW)
        total += data[start:stop].count(byte)
        start = stop
    return total


_WINDOW = 8 << 20


class ChunkReader:
    """The chunk's segments: its context (re-read) and then its own bytes.

    ``on_body`` runs once, just before the first segment of the chunk's own bytes is
    handed on: the point where replayed state gives way to the predicted state. After
    iterating, :meth:`end` tells the state the chunk ended in.
    """

    def __init__(self, chunk: Chunk, on_body: Callable[[], None] | None = None) -> None:
        self.chunk = chunk
        self.on_body = on_body
        self.last: Segment | None = None
        self.newlines = 0
        self.where = Context()
        self.remit = False  # the open transaction set is an 835

    def __iter__(self) -> Iterator[Segment]:
        # One generator for the whole chunk, the tracking inline: this is a frame on the
        # way of every segment, and nested generators cost one resume each per segment.
        chunk = self.chunk
        handle = None if remote.is_url(chunk.path) else open(chunk.path, "rb")  # noqa: SIM115
        tracked = _TRACKED_TAGS
        seg: Segment | None = None
        try:
            for span in chunk.context:
                for seg in self._read(handle, span):
                    if seg.tag in tracked:
                        self._track(seg)
                    yield seg
            if self.on_body is not None:
                self.on_body()
            seg = None
            for seg in self._read(handle, chunk.body, count=True):
                if seg.tag in tracked:
                    self._track(seg)
                yield seg
        finally:
            if seg is not None:
                self.last = seg
            if handle is not None:
                handle.close()

    def _read(self, handle: BinaryIO | None, span: Span, count: bool = False
              ) -> Iterable[Segment]:
        """The span's segments (``handle`` None: fetched by byte range, fsspec)."""
        if handle is None:
            data = remote.read_range(self.chunk.path, span.start, span.end)
        else:
            handle.seek(span.start)
            data = handle.read(span.end - span.start)
        if count:
            self.newlines = data.count(b"\n")
        if not data:
            return ()
        return SegmentReader(io.BytesIO(data), name=self.chunk.path, resume=span.state)

    def _track(self, seg: Segment) -> None:
        """Follow the open ISA/GS/ST offsets and the open 2000A HL (837) or 2000 LX (835),
        as :class:`_Planner` records them."""
        tag = seg.tag
        w = self.where
        if tag == "HL":
            if seg[3] == "20":
                self.where = Context(w.isa, w.gs, w.st, seg.offset)
        elif tag == "LX":  # 2000 in an 835; 2400 (a service line) in an 837
            # With an element, as the pre-scan finds it ("LX*"): an empty LX opens no loop.
            if self.remit and len(seg.elements) > 1:
                self.where = Context(w.isa, w.gs, w.st, seg.offset)
        elif tag == "ST":
            self.remit = seg[1] == "835"
            self.where = Context(w.isa, w.gs, seg.offset)
        elif tag == "SE":
            self.where = Context(w.isa, w.gs)
        elif tag == "GS":
            self.where = Context(w.isa, seg.offset)
        elif tag == "GE":
            self.where = Context(w.isa)
        elif tag == "ISA":
            self.where = Context(seg.offset)
        else:  # IEA
            self.where = Context()

    def end(self, envelope: tuple[object, ...],
            headers: tuple[Segment | None, Segment | None] = (None, None)) -> ChunkEnd:
        """The state after the last segment (``envelope``: the walk's snapshot then;
        ``headers``: its open ISA and GS segments)."""
        body = self.chunk.body
        last = self.last
        start_line = body.state.line if body.state is not None else 1
        index = last.index if last is not None else (body.state.index if body.state else 0)
        position = 0
        if last is not None and last.tag != "SE":
            position = last.position
        return ChunkEnd(body.end, index, start_line + self.newlines, position,
                        last.delimiters if last is not None else None, envelope, self.where,
                        headers)


def restarted(chunk: Chunk, end: ChunkEnd) -> Chunk:
    """``chunk`` read again from the state its predecessor really ended in.

    When the open headers differ from the prediction too, they are rebuilt from the
    ISA/GS segments the predecessor saw (a cut between transaction sets); a cut inside
    a transaction set whose headers were mispredicted cannot be rebuilt (never seen on
    files the pre-scan cuts: it only cuts where it found the headers).
    """
    state = ReaderState(end.offset, end.index, end.line, end.position, end.delimiters)
    context = chunk.context
    if chunk.where != end.where:
        if end.where.st >= 0 or end.where.loop >= 0:
            raise InputError(f"{chunk.path}: the file could not be cut into chunks here (byte "
                             f"{chunk.body.start}); run it with --workers 1")
        context = tuple(_header_span(seg) for seg in end.headers if seg is not None)
    return replace(chunk, body=Span(chunk.body.start, chunk.body.end, state), context=context,
                   where=end.where, envelope=end.envelope)


def _header_span(seg: Segment) -> Span:
    end = seg.offset + len(seg.text()) + len(seg.delimiters.segment)
    return Span(seg.offset, end, ReaderState(seg.offset, seg.index - 1, seg.line, 0,
                                             seg.delimiters))


_TRACKED_TAGS = frozenset({"ISA", "GS", "ST", "SE", "GE", "IEA", "HL", "LX"})
