"""The reader's fast path: a clean block of segments, split once, handed on in runs.

Most files write every segment the same way: the terminator, then the same line ending
(none, LF or CR LF), with no blank line, no segment wrapped over two lines and no blank
before a segment id. In such a block the general loop's per-segment bookkeeping
(stripping the line ending, counting newlines, skipping empty pieces) changes nothing.
:func:`clean_block` splits a block on terminator + line ending and proves it clean
with two ``count`` calls; each segment then costs one ``split`` and one object, and
offsets and file lines advance by constant steps. The result --
every segment's elements, index, position, offset and line -- is exactly what the
general loop gives; :mod:`tests.test_reader_fastpath` compares the two.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from x12core.segment import KNOWN_TAGS, Delimiters, Segment

_BLANKS = " \t\r\n"


# A block is at most this long: what follows an IEA in it (junk, another interchange
# with other delimiters) is split for nothing, so keep that waste small.
BLOCK = 1 << 16


def clean_block(buf: str, pos: int, term: str) -> tuple[list[str], str] | None:
    """The whole segments of ``buf`` from ``pos`` (at most about :data:`BLOCK` characters),
    split on their separator, when the block is clean; else ``None``.

    ``pos`` is the start of a segment, not a blank. The separator is the terminator and
    the line ending that follows it (none, LF or CR LF); clean means every terminator
    is followed by that line ending and no segment holds a newline. Empty pieces and
    pieces that start with a blank are found by :func:`fast_run` for free (their tag
    is never a known one) and handed back to the general loop.
    """
    nl = ""
    if term != "\n":
        at = buf.find(term, pos, pos + BLOCK)
        if at < 0:
            return None
        if buf.startswith("\r\n", at + 1):
            nl = "\r\n"
        elif buf.startswith("\n", at + 1):
            nl = "\n"
    sep = term + nl
    last = buf.rfind(sep, pos, pos + BLOCK)
    if last < 0:
        return None
    block = buf[pos : last + len(sep)]
    pieces = block.split(sep)
    pieces.pop()  # the block ends with a separator
    n = len(pieces)
    if nl and block.count(term) != n:
        return None  # some terminators are followed by another line ending
    if term != "\n" and block.count("\n") != (n if nl else 0):
        return None  # a newline inside a segment: a wrapped segment or a stray line
    return pieces, sep


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
    new = object.__new__
    cls = Segment
    first = index
    # Inside a transaction set ``position`` counts on with ``index``; outside it stays 0.
    # Either way it follows from ``index``, so the loop keeps one counter, not three
    # (``k`` too is recovered from ``index`` at the end).
    shift = position - index if position else None
    try:
        for piece in islice(pieces, k, None):
            elements = piece.split(el)
            tag = elements[0]
            if tag not in known:
                break
            index += 1
            # Segment's fields set here, as Segment.__init__ would: a third of the cost
            # of calling the class (no argument tuple, no second frame).
            seg = new(cls)
            seg.tag = tag
            seg.elements = elements
            seg.delimiters = delims
            seg.index = index
            seg.position = 0 if shift is None else index + shift
            seg.offset = base
            seg.line = line
            yield seg
            base += len(piece) + seplen
            line += step
    finally:
        if shift is not None:
            position = index + shift
        state[:] = (k + index - first, index, position, base, line, 1)
