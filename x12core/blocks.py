"""The reader's fast path: a clean block of segments, split once, handed on in runs.

Most files write every segment the same way: the terminator, then the same line ending
(none, LF or CR LF), with no blank line, no segment wrapped over two lines and no blank
before a segment id. In such a block the general loop's per-segment bookkeeping
(stripping the line ending, counting newlines, skipping empty pieces) changes nothing.
:func:`clean_end` proves that for a whole buffer with a few ``count``/``find`` calls;
the block is then split on terminator + line ending, each segment costs one ``split``
and one object, and offsets and file lines advance by constant steps. The result --
every segment's elements, index, position, offset and line -- is exactly what the
general loop gives; :mod:`tests.test_reader_fastpath` compares the two.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from x12core.segment import KNOWN_TAGS, Delimiters, Segment

_BLANKS = " \t\r\n"


def clean_end(buf: str, term: str) -> tuple[int, str]:
    """How much of ``buf`` (which starts at a segment) is a clean block, and its separator.

    Returns ``(end, sep)``: ``buf[:end]`` is whole segments, each followed by ``sep`` (the
    terminator and one line ending), none of which holds a newline, starts with a blank,
    is empty or is an IEA (after an IEA the next ISA may declare other delimiters, and
    data between interchanges is read by the general loop). ``end`` is 0 when there is
    no such block at the start of ``buf``.
    """
    if not buf or buf[0] in _BLANKS or buf.startswith(term) or buf.startswith("IEA"):
        return 0, term
    nl = ""
    if term != "\n":
        at = buf.find(term)
        if at < 0:
            return 0, term
        if buf.startswith("\r\n", at + 1):
            nl = "\r\n"
        elif buf.startswith("\n", at + 1):
            nl = "\n"
    sep = term + nl
    last = buf.rfind(sep)
    if last < 0:
        return 0, sep
    end = last + len(sep)
    # Stop before the first piece that needs the general loop: an IEA, an empty piece or
    # one that starts with a blank (the block keeps every segment before it).
    for bad in ("IEA", term, " ", "\t", "\r", "\n"):
        at = buf.find(sep + bad, 0, end + len(bad))
        if at >= 0:
            end = at + len(sep)
    nsep = buf.count(sep, 0, end)
    if nl and buf.count(term, 0, end) != nsep:
        return 0, sep  # some terminators are followed by another line ending
    if buf.count("\n", 0, end) != nsep * sep.count("\n"):
        return 0, sep  # a newline inside a segment: a wrapped segment or a stray line
    return end, sep


def fast_run(pieces: list[str], el: str, delims: Delimiters, seplen: int, step: int,
             state: list[int]) -> Iterator[Segment]:
    """The segments of ``pieces[k:]`` up to the first whose tag is not in KNOWN_TAGS.

    ``state`` is ``[k, index, position, offset, line, done]``: where the run starts, and
    where it stopped once it has ended (``done`` = 1). Only segments with a known tag
    are handed on here (no control segment, no tag to check), so ``position`` just
    counts on inside a transaction set.
    """
    k, index, position, base, line, _ = state
    known = KNOWN_TAGS
    try:
        for piece in islice(pieces, k, None):
            elements = piece.split(el)
            if elements[0] not in known:
                break
            index += 1
            if position:
                position += 1
            yield Segment(elements, delims, index, position, base, line)
            base += len(piece) + seplen
            line += step
            k += 1
    finally:
        state[:] = (k, index, position, base, line, 1)
