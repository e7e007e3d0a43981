"""Streaming X12 tokenizer: bytes in, :class:`Segment` objects out.

Delimiters come from each ISA header (X12.5): the element separator is the byte
right after ``ISA``, the repetition separator is ISA11 (version 00501 and later),
the component separator is ISA16, and the segment terminator is the byte after
ISA16. A file may hold several interchanges, each with its own delimiters.

The file is read in fixed-size chunks and decoded as Latin-1, so one character
is one byte and offsets are exact byte offsets; memory does not grow with the
file. CR/LF after terminators, a UTF-8 byte-order mark, leading blank lines and
files that are one long line are all accepted.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from x12core.errors import InputError, NotX12Error
from x12core.segment import Delimiters, Segment

CHUNK_SIZE = 1 << 20
ISA_LENGTH = 106
_BOM = b"\xef\xbb\xbf"
_LEADING_WS = " \t\r\n"
_BLANKS = _LEADING_WS
# An ISA header candidate: the id and an element separator (not a letter, digit or blank).
_ISA_CANDIDATE = re.compile(r"ISA[^A-Za-z0-9 \t\r\n]")
_SPECIAL_TAGS = frozenset({"ISA", "GS", "GE", "IEA", "ST", "SE"})


def _looks_utf16(text: str) -> bool:
    """A UTF-16 byte-order mark, or ASCII letters interleaved with NUL bytes (``I\0S\0A\0``)."""
    if text.startswith(("\xff\xfe", "\xfe\xff")):
        return True
    head = text[:12]
    return len(head) == 12 and (
        (head[1::2] == "\x00" * 6 and "\x00" not in head[0::2])
        or (head[0::2] == "\x00" * 6 and "\x00" not in head[1::2]))


def parse_isa_header(text: str, path: str) -> tuple[Delimiters, int]:
    """Read the delimiters from an ISA header at the start of ``text``.

    Returns the delimiters and the length of the ISA segment including its
    terminator. The fixed 106-character layout is what the standard requires; a
    header padded differently is still read by counting its 16 elements (the
    envelope layer reports the bad length as a finding).
    """
    if not text:
        raise NotX12Error(path, "file is empty")
    if _looks_utf16(text):
        raise NotX12Error(path, "the file is UTF-16 text; save it as ASCII or UTF-8 (X12 is "
                          "one byte per character)")
    if "\x00" in text[:ISA_LENGTH]:
        raise NotX12Error(path, "binary data (NUL bytes) where an ISA header was expected")
    if not text.startswith("ISA"):
        found = text[:3].encode("unicode_escape").decode("ascii")
        raise NotX12Error(path, f"does not start with an ISA segment (found {found!r})")
    if len(text) < 4:
        raise NotX12Error(path, f"truncated ISA header ({len(text)} of {ISA_LENGTH} characters)")
    element = text[3]
    if element.isalnum() or element in _LEADING_WS:
        raise NotX12Error(path, f"ISA element separator {element!r} is not a delimiter")
    # ISA16 is the 16th element; the segment terminator is the character after it.
    pos = 3
    for _ in range(15):
        pos = text.find(element, pos + 1, pos + 1 + 80)
        if pos < 0:
            shown = min(len(text), ISA_LENGTH)
            raise NotX12Error(path, f"truncated ISA header ({shown} of {ISA_LENGTH} characters)")
    if pos + 2 >= len(text):
        raise NotX12Error(path, f"truncated ISA header ({len(text)} of {ISA_LENGTH} characters)")
    component = text[pos + 1]
    terminator = text[pos + 2]
    if terminator.isalnum() or terminator in (element, component):
        raise NotX12Error(path, "ISA header has no segment terminator after ISA16")
    fields = text[: pos + 2].split(element)
    repetition = fields[11] if len(fields) > 11 else ""
    version = fields[12] if len(fields) > 12 else ""
    # ISA11 is the repetition separator from version 00501 on; in 00401 it is "U".
    if version < "00501" or len(repetition) != 1 or repetition.isalnum():
        repetition = ""
    delimiters = Delimiters(element=element, component=component, repetition=repetition,
                            segment=terminator)
    return delimiters, pos + 3


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


class SegmentReader:
    """Iterate the segments of one X12 file, chunk by chunk.

    >>> for seg in SegmentReader("batch.837"):
    ...     print(seg.tag, seg.index, seg.line)

    ``path`` names the file in messages; ``source`` may be a path or an open binary
    stream. Raises :class:`NotX12Error` when the input does not begin with a
    readable ISA header.
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
        # One generator, no ``yield from`` layer: this loop is the hot path.
        return self._segments(self._open())

    def _segments(self, stream: BinaryIO) -> Iterator[Segment]:
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
                # Split what we have; the last piece may be incomplete unless at EOF.
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
                        yield Segment(elements, delims, index, position, start, seg_line)
                        continue
                    if tag == "ST":
                        position = 1
                        yield Segment(elements, delims, index, 1, start, seg_line)
                    elif tag == "SE":
                        yield Segment(elements, delims, index, position + 1 if position else 0,
                                      start, seg_line)
                        position = 0
                    else:  # ISA, GS, GE, IEA: envelope segments have no position
                        position = 0
                        yield Segment(elements, delims, index, 0, start, seg_line)
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
              ) -> Generator[Segment, None, tuple[str, bool]]:
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
                yield Segment(elements, delims, index, position, start, seg_line)
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
