"""Streaming X12 tokenizer: bytes in, :class:`Segment` objects out.

Delimiters come from each ISA header (X12.5): the element separator is the byte
right after ``ISA``, the repetition separator is ISA11 (version 00501 and later),
the component separator is ISA16, and the segment terminator is the byte after
ISA16. A file may hold several interchanges, each with its own delimiters.

The file is read in fixed-size chunks and decoded as Latin-1, so one character
is one byte and offsets are exact byte offsets; memory does not grow with the
file. CR/LF after terminators, a UTF-8 byte-order mark, leading blank lines and
files that are one long line are all accepted.

Most buffers are read by the fast path of :mod:`x12core.blocks` (one split per
block, segments handed on in runs); whatever it does not take -- blank lines,
wrapped segments, mixed line endings, an IEA and what follows it -- is read by the
general loop, with the same result.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import BinaryIO

from x12core.blocks import clean_block, fast_run
from x12core.errors import InputError, NotX12Error
from x12core.isa import ISA_LENGTH, parse_isa_header
from x12core.segment import CONTROL_TAGS, Delimiters, Segment, valid_tag

__all__ = ["CHUNK_SIZE", "ISA_LENGTH", "ReaderState", "SegmentReader", "parse_isa_header",
           "read_segments", "read_text"]

CHUNK_SIZE = 1 << 20
_BOM = b"\xef\xbb\xbf"
_LEADING_WS = " \t\r\n"
_BLANKS = _LEADING_WS
# An ISA header candidate: the id and an element separator (not a letter, digit or blank).
_ISA_CANDIDATE = re.compile(r"ISA[^A-Za-z0-9 \t\r\n]")
_SPECIAL_TAGS = CONTROL_TAGS


@dataclass(frozen=True, slots=True)
class ReaderState:
    """Where a reader resumes inside a file (parallel chunks, :mod:`x12core.chunks`).

    ``offset`` is the byte offset of the source's first byte in the file, ``index`` the
    number of segments before it, ``line`` the physical line it is on, ``position`` the
    segments of the open transaction before it (0 outside ST..SE), and ``delimiters``
    those of the open interchange (``None``: the source starts with an ISA header).
    """

    offset: int
    index: int
    line: int
    position: int = 0
    delimiters: Delimiters | None = None


class _Segments(chain):  # type: ignore[type-arg]
    """A reader's runs flattened into segments; ``close`` ends the read early, as a
    generator's would (the file is closed)."""

    __slots__ = ("runs",)
    runs: Generator[Iterable[Segment], None, None]

    def close(self) -> None:
        self.runs.close()


class SegmentReader:
    """Iterate the segments of one X12 file, chunk by chunk.

    >>> for seg in SegmentReader("batch.837"):
    ...     print(seg.tag, seg.index, seg.line)

    ``path`` names the file in messages; ``source`` may be a path, a URL
    (:mod:`x12core.remote`) or an open binary stream. Raises :class:`NotX12Error` when
    the input does not begin with a readable ISA header.
    """

    def __init__(
        self,
        source: str | os.PathLike[str] | BinaryIO,
        *,
        name: str | None = None,
        chunk_size: int | None = None,
        resume: ReaderState | None = None,
    ) -> None:
        self._source = source
        self._resume = resume
        self.path = name or (os.fspath(source) if isinstance(source, (str, os.PathLike)) else
                             getattr(source, "name", "<stream>"))
        self.chunk_size = max(CHUNK_SIZE if chunk_size is None else chunk_size, 2 * ISA_LENGTH)
        self.delimiters: Delimiters | None = None
        self.bytes_read = 0

    def _open(self) -> BinaryIO:
        if isinstance(self._source, str) and "://" in self._source:
            # Perhaps a URL (fsspec): x12core.remote decides, imported only then.
            from x12core import remote

            if remote.is_url(self._source):
                return remote.open_binary(self._source)
        if isinstance(self._source, (str, os.PathLike)):
            try:
                return open(self._source, "rb")
            except FileNotFoundError:
                raise InputError(f"{self.path}: no such file") from None
            except IsADirectoryError:
                raise InputError(f"{self.path}: is a directory, not a file") from None
            except OSError as err:
                raise InputError(f"{self.path}: cannot read ({err.strerror})") from None
        return self._source

    def __iter__(self) -> Iterator[Segment]:
        # The runs, flattened at C speed: no Python frame between reader and consumer.
        runs = self.runs()
        flat = _Segments.from_iterable(runs)
        flat.runs = runs
        return flat

    def runs(self) -> Generator[Iterable[Segment], None, None]:
        """The segments in runs: a 1-tuple for a segment to look at on its own (a control
        segment, a tag not known valid yet, anything the general loop reads), else an
        iterator over consecutive segments whose tags are in
        :data:`~x12core.segment.KNOWN_TAGS` (see :mod:`x12core.blocks`).

        Flattened, this is the segment stream; :class:`~x12core.envelope.Envelope`
        passes the long runs inside a transaction set on without looking at each
        segment. Consume each run before asking for the next.
        """
        return self._runs(self._open())

    def _runs(self, stream: BinaryIO) -> Generator[Iterable[Segment], None, None]:
        try:
            read = stream.read
            size = self.chunk_size
            first = read(size)
            base = 0  # byte offset of buf[0]
            resume = self._resume
            if resume is None and first.startswith(_BOM):  # a slice never starts with one
                first = first[len(_BOM) :]
                base = len(_BOM)
            self.bytes_read = len(first) + base
            buf = first.decode("latin-1")
            eof = len(first) < size
            line = 1
            index = 0
            position = 0
            expect_isa = True
            special = _SPECIAL_TAGS
            if resume is not None:  # a slice of a file: carry on its counters
                base, line, index, position = (resume.offset, resume.line, resume.index,
                                               resume.position)
                if resume.delimiters is not None:
                    delims = self.delimiters = resume.delimiters
                    term, el = delims.segment, delims.element
                    tlen, term_nl = len(term), term.count("\n")
                    expect_isa = False
            while True:
                if expect_isa:
                    # Skip blank space before (another) ISA; it does not count as data.
                    stripped = buf.lstrip(_LEADING_WS)
                    while not stripped and not eof:
                        line += buf.count("\n")
                        base += len(buf)
                        chunk = read(size)
                        self.bytes_read += len(chunk)
                        eof = len(chunk) < size
                        buf = chunk.decode("latin-1")
                        stripped = buf.lstrip(_LEADING_WS)
                    skipped = len(buf) - len(stripped)
                    line += buf.count("\n", 0, skipped)
                    base += skipped
                    buf = stripped
                    if not buf:
                        if index == 0:
                            raise NotX12Error(self.path, "file is empty")
                        return
                    while len(buf) < 2 * ISA_LENGTH and not eof:
                        chunk = read(size)
                        self.bytes_read += len(chunk)
                        eof = len(chunk) < size
                        buf += chunk.decode("latin-1")
                    if index and not buf.startswith("ISA"):
                        # Junk after an IEA: hand it on with the previous delimiters (the
                        # envelope layer reports it) up to the next ISA that parses, which
                        # brings its own delimiters. Never let junk swallow an interchange.
                        state = [index, position, line, base]
                        assert self.delimiters is not None  # set by the first ISA
                        buf, eof = yield from self._junk(buf, eof, read, size, self.delimiters,
                                                         state)
                        index, position, line, base = state
                        if not buf:
                            return
                    if not (index and not buf.startswith("ISA")):
                        delims, _ = parse_isa_header(buf, self.path)
                        self.delimiters = delims
                        term = delims.segment
                        el = delims.element
                        tlen = len(term)
                        # Newline-terminated segments: the terminator itself ends a line.
                        term_nl = term.count("\n")
                    expect_isa = False
                # Blank space before a segment belongs to it (the general loop below
                # strips it the same way): drop it here so a clean block can start.
                if buf and buf[0] in _BLANKS:
                    stripped = buf.lstrip(_BLANKS)
                    lead = len(buf) - len(stripped)
                    line += buf.count("\n", 0, lead)
                    base += lead
                    buf = stripped
                # The fast path (x12core.blocks), block by block, while blocks are clean.
                origin = base  # the file offset of buf[0]
                resync = False
                while True:
                    block = clean_block(buf, base - origin, term)
                    if block is None:
                        break
                    pieces, sep = block
                    n = len(pieces)
                    seplen = len(sep)
                    step = sep.count("\n")
                    state = [0, index, position, base, line, 0]
                    while True:
                        yield fast_run(pieces, el, delims, seplen, step, state)
                        k, index, position, base, line, done = state
                        if not done:
                            raise RuntimeError("a run of segments was left unfinished")
                        if k >= n:
                            break
                        # A control segment or a tag not known yet: on its own.
                        piece = pieces[k]
                        if not piece or piece[0] in _BLANKS:
                            break  # empty, or a blank before the id: the general loop's
                        elements = piece.split(el)
                        index += 1
                        tag = elements[0]
                        if tag == "ST":
                            position = 1
                            seg = Segment(elements, delims, index, 1, base, line)
                        elif tag == "SE":
                            seg = Segment(elements, delims, index,
                                          position + 1 if position else 0, base, line)
                            position = 0
                        elif tag in special:  # ISA, GS, GE, IEA: no position
                            position = 0
                            seg = Segment(elements, delims, index, 0, base, line)
                            resync = tag == "IEA"
                        else:
                            valid_tag(tag)  # a valid one joins the runs from now on
                            if position:
                                position += 1
                            seg = Segment(elements, delims, index, position, base, line)
                        yield (seg,)
                        base += len(piece) + seplen
                        line += step
                        if resync:  # the next ISA may bring other delimiters
                            break
                        state[:] = (k + 1, index, position, base, line, 0)
                    if resync or k < n:
                        break
                if base > origin:
                    buf = buf[base - origin :]
                if resync:
                    if eof and not buf.strip(_LEADING_WS + "\x1a"):
                        return
                    expect_isa = True
                    continue
                # The general loop: split what is left on the terminator; the last
                # piece may be incomplete unless at EOF.
                pieces = buf.split(term)
                carry = "" if eof else pieces.pop()
                resync = False
                for k, piece in enumerate(pieces):
                    start = base
                    base += len(piece) + tlen
                    # lstrip returns the very same object when there is nothing to strip.
                    # Leading blanks before a segment id are accepted, as pyx12 does
                    # (indented files from several public projects).
                    body = piece.lstrip(_BLANKS)
                    if body is not piece:
                        lead = len(piece) - len(body)
                        line += piece.count("\n", 0, lead)
                        start += lead
                    if not body:
                        line += term_nl
                        continue
                    seg_line = line
                    if "\n" in body:
                        # Wrapped segment or a junk line; keep line numbers honest.
                        line += body.count("\n")
                        body = body.rstrip("\r\n")
                    line += term_nl
                    elements = body.split(el)
                    index += 1
                    tag = elements[0]
                    if tag not in special:
                        if position:
                            position += 1
                        yield (Segment(elements, delims, index, position, start, seg_line),)
                        continue
                    if tag == "ST":
                        position = 1
                        yield (Segment(elements, delims, index, 1, start, seg_line),)
                    elif tag == "SE":
                        yield (Segment(elements, delims, index, position + 1 if position else 0,
                                       start, seg_line),)
                        position = 0
                    else:  # ISA, GS, GE, IEA: envelope segments have no position
                        position = 0
                        yield (Segment(elements, delims, index, 0, start, seg_line),)
                        if tag == "IEA":
                            rest = pieces[k + 1 :]
                            # Rejoin what follows the IEA. Before EOF every piece in ``pieces``
                            # was followed by a terminator; at EOF the last one was not.
                            if eof:
                                buf = term.join(rest)
                            else:
                                buf = "".join(p + term for p in rest) + carry
                            resync = True
                            break
                if resync:
                    if eof and not buf.strip(_LEADING_WS + "\x1a"):
                        return
                    expect_isa = True
                    continue
                if eof:
                    return
                chunk = read(size)
                self.bytes_read += len(chunk)
                eof = len(chunk) < size
                buf = carry + chunk.decode("latin-1")
        finally:
            if stream is not self._source:
                stream.close()


    def _junk(self, buf: str, eof: bool, read: Callable[[int], bytes], size: int,
              delims: Delimiters, state: list[int],
              ) -> Generator[tuple[Segment], None, tuple[str, bool]]:
        """Yield the data after an IEA up to the next ISA header as segments.

        ``state`` is ``[index, position, line, base]``, updated in place. Returns the
        buffer starting at the next ISA (empty at end of file) and the EOF flag. Junk is
        handed on chunk by chunk, so a large stray tail does not fill memory.
        """
        term, el = delims.segment, delims.element
        while True:
            at = self._find_isa(buf, eof)
            if at >= 0:
                junk, buf = buf[:at], buf[at:]
            elif eof:
                junk, buf = buf, ""
            else:
                # Keep a tail long enough to hold the start of an ISA header.
                cut = max(0, len(buf) - 2 * ISA_LENGTH)
                last = buf.rfind(term, 0, cut)
                if last >= 0:  # hand on whole segments only
                    cut = last + len(term)
                junk, buf = buf[:cut], buf[cut:]
            index, position, line, base = state
            pieces = junk.split(term)
            for k, piece in enumerate(pieces):
                body = piece.lstrip(_BLANKS)
                lead = len(piece) - len(body)
                start = base + lead
                seg_line = line + piece.count("\n", 0, lead)
                base += len(piece)
                line += piece.count("\n")
                if k + 1 < len(pieces):  # a terminator follows every piece but the last
                    base += len(term)
                    line += term.count("\n")
                body = body.rstrip(_BLANKS)
                if not body:
                    continue
                index += 1
                elements = body.split(el)
                tag = elements[0]
                if tag == "ST":
                    position = 1
                elif position:
                    position += 1
                yield (Segment(elements, delims, index, position, start, seg_line),)
                if tag == "SE":
                    position = 0
            state[:] = [index, position, line, base]
            if at >= 0 or eof:
                return buf, eof
            chunk = read(size)
            self.bytes_read += len(chunk)
            eof = len(chunk) < size
            buf += chunk.decode("latin-1")

    def _find_isa(self, buf: str, eof: bool) -> int:
        """Offset of the first ISA header in ``buf`` that parses, or -1."""
        for match in _ISA_CANDIDATE.finditer(buf):
            at = match.start()
            if not eof and len(buf) - at < 2 * ISA_LENGTH:
                return -1  # not enough data yet to judge this candidate
            try:
                parse_isa_header(buf[at:], self.path)
            except NotX12Error:
                continue
            return at
        return -1


def read_segments(
    source: str | os.PathLike[str] | BinaryIO, *, name: str | None = None,
    chunk_size: int | None = None,
) -> Iterator[Segment]:
    """Stream the segments of ``source``; see :class:`SegmentReader`."""
    return iter(SegmentReader(source, name=name, chunk_size=chunk_size))


def read_text(text: str, name: str = "<text>") -> list[Segment]:
    """Tokenize X12 held in a string (tests, case files)."""
    return list(SegmentReader(io.BytesIO(text.encode("latin-1")), name=name))
