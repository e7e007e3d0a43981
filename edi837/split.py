"""Split an 837P batch into a clean file and a held file, claim bytes unchanged.

One streaming pass. The decision per claim is keyed by the CLM segment's ordinal
in the file (``Segment.index``), which is the same in every pass of
:class:`~x12core.reader.SegmentReader`, so a scan pass can hand over a set of ints.

Loops (005010X222A1 section 2.3.2.1): the header (BHT, 1000A NM1*41/PER, 1000B
NM1*40) is copied into every transaction set an output receives; the 2000A
billing provider, 2000B subscriber and 2000C patient HL loops a claim sits under
are written once per output transaction, renumbered 1..n (HL01) with HL02
pointing at the renumbered parent and HL04 telling whether that output holds a
child level; loop 2300 and everything after it up to the next CLM, HL or SE is
the claim, copied segment by segment as read. Only the current HL chain (a few
short loops) is held, so memory stays flat.

Envelopes mirror the input: each input interchange, group and transaction set
that gives an output at least one claim becomes one interchange, group and set
in that output, with SE01, GE01 and IEA01 counted and new control numbers. An
output that receives no claim is not created (a clearinghouse has nothing to
send; an empty interchange would only draw a TA1).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Container
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from x12core.census import count_claims
from x12core.errors import ClaimkitError
from x12core.fileio import OutputSet, shown
from x12core.reader import SegmentReader
from x12core.remote import local_path, open_input
from x12core.segment import Segment
from x12core.values import is_digits

# An HL loop longer than this before its first claim is not an 837P hierarchy level.
MAX_LOOP_SEGMENTS = 2000
_FUNCTIONAL_IDS = {"HP": "835 remittances", "FA": "acknowledgments", "HN": "277 claim status",
                   "HI": "278 authorizations", "HB": "271 eligibility", "HS": "270 eligibility"}


class SplitError(ClaimkitError):
    """The input cannot be split: not 837 claims, no claims, broken envelope, bad outputs."""


@dataclass(frozen=True, slots=True)
class ClaimRef:
    """Which claim a decision is asked for."""

    index: int  # CLM segment ordinal in the file (ISA = 1), stable between passes
    claim_id: str  # CLM01
    interchange: str  # ISA13
    group: str  # GS06
    transaction: str  # ST02


Decision = Callable[[ClaimRef], bool] | Container[int]


@dataclass(frozen=True, slots=True)
class ControlNumbers:
    """First control numbers of the outputs; ``None`` takes the input's first ISA13/GS06.

    The clean file's n-th interchange (and group) gets ``start + 2n``, the held file's
    ``start + 2n + 1``: deterministic, and never the same number in both outputs.
    ST02 counts from ``st`` in each output.
    """

    isa: int | None = None
    gs: int | None = None
    st: int = 1


@dataclass
class SideResult:
    """What one output received."""

    path: Path
    claims: int = 0
    interchanges: list[str] = field(default_factory=list)  # ISA13 values written
    groups: int = 0
    transactions: int = 0

    @property
    def written(self) -> bool:
        return self.claims > 0


@dataclass
class SplitResult:
    clean: SideResult
    held: SideResult

    @property
    def claims(self) -> int:
        return self.clean.claims + self.held.claims


class _Loop:
    """An input HL loop: the HL segment and its segments up to the first claim."""

    __slots__ = ("hl", "segs")

    def __init__(self, hl: Segment) -> None:
        self.hl = hl
        self.segs: list[str] = []


class _Written:
    """An HL written to an output: where its HL04 byte is, and whether a child followed."""

    __slots__ = ("has_child", "hl04_at", "out_id", "source", "wrote")

    def __init__(self, source: int, out_id: int, hl04_at: int, wrote: str) -> None:
        self.source, self.out_id, self.hl04_at, self.wrote = source, out_id, hl04_at, wrote
        self.has_child = False


class _Side:
    """One output file: envelope state, HL renumbering and the bytes written."""

    def __init__(self, result: SideResult, slot: int, opener: Callable[[], IO[bytes]],
                 starts: list[int | None], st_start: int, newline: str) -> None:
        self.result, self.slot, self._opener = result, slot, opener
        self._starts, self._st_next, self._newline = starts, st_start, newline
        self.fh: IO[bytes] | None = None
        self.pos = 0
        self.el, self.end = "*", "~\n"
        self.isa13 = self.gs06 = self.st02 = ""
        self.in_isa = self.in_gs = self.in_st = False
        self.n_isa = self.n_gs = self.groups = self.sets = self.count = self.hl_count = 0
        self.stack: list[_Written] = []

    def write(self, text: str) -> None:
        data = (text + self.end).encode("latin-1")
        assert self.fh is not None
        self.fh.write(data)
        self.pos += len(data)
        self.count += 1

    # -- envelopes, opened lazily by the first claim of each input set ----------
    def open_isa(self, isa: Segment) -> None:
        if self.fh is None:
            self.fh = self._opener()
        delims = isa.delimiters
        self.el = delims.element
        self.end = delims.segment + ("" if delims.segment in "\r\n" else self._newline)
        self.isa13 = f"{(self._start(0) + 2 * self.n_isa + self.slot) % 10**9:09d}"
        self.n_isa += 1
        self.write(self.el.join([*isa.elements[:13], self.isa13, *isa.elements[14:]]))
        self.result.interchanges.append(self.isa13)
        self.in_isa, self.groups = True, 0

    def open_gs(self, gs: Segment) -> None:
        number = (self._start(1) + 2 * self.n_gs + self.slot) % 10**9 or 1
        self.gs06 = str(number)
        self.n_gs += 1
        self.write(self.el.join([*gs.elements[:6], self.gs06, *gs.elements[7:]]))
        self.in_gs, self.sets = True, 0
        self.groups += 1
        self.result.groups += 1

    def open_st(self, st: Segment, header: list[str]) -> None:
        # ST02 is AN 4/9: four digits at least, unique within the group.
        self.st02 = f"{self._st_next % 10**9:04d}"
        self._st_next += 1
        self.count = 0
        self.write(self.el.join([*st.elements[:2], self.st02, *st.elements[3:]]))
        for text in header:
            self.write(text)
        self.in_st, self.hl_count = True, 0
        self.sets += 1
        self.result.transactions += 1

    def _start(self, which: int) -> int:
        value = self._starts[which]
        return 1 if value is None else value

    def close_st(self) -> None:
        if self.in_st:
            while self.stack:
                self._pop()
            self.write(f"SE{self.el}{self.count + 1}{self.el}{self.st02}")
            self.in_st = False

    def close_gs(self) -> None:
        self.close_st()
        if self.in_gs:
            self.write(f"GE{self.el}{self.sets}{self.el}{self.gs06}")
            self.in_gs = False

    def close_isa(self) -> None:
        self.close_gs()
        if self.in_isa:
            self.write(f"IEA{self.el}{self.groups}{self.el}{self.isa13}")
            self.in_isa = False

    # -- hierarchy ------------------------------------------------------------
    def place(self, chain: list[_Loop]) -> None:
        """Make this output's open HL chain the claim's chain, writing the missing levels."""
        stack = self.stack
        keep = 0
        while (keep < len(stack) and keep < len(chain)
               and stack[keep].source == chain[keep].hl.index):
            keep += 1
        while len(stack) > keep:
            self._pop()
        for loop in chain[keep:]:
            parent = stack[-1] if stack else None
            if parent is not None:
                parent.has_child = True
            self.hl_count += 1
            hl = loop.hl
            # HL04 (child code): guess from the input, corrected when the level closes.
            wrote = "1" if hl[4] == "1" else "0"
            head = self.el.join(("HL", str(self.hl_count),
                                 str(parent.out_id) if parent else "", hl[3], ""))
            stack.append(_Written(hl.index, self.hl_count, self.pos + len(head), wrote))
            self.write(head + wrote)
            for text in loop.segs:
                self.write(text)

    def _pop(self) -> None:
        done = self.stack.pop()
        want = "1" if done.has_child else "0"
        if want != done.wrote:
            # Every HL04 is one byte, so the guess is patched in place (rare: only when a
            # level's children all went to the other output).
            assert self.fh is not None
            self.fh.seek(done.hl04_at)
            self.fh.write(want.encode("ascii"))
            self.fh.seek(0, os.SEEK_END)


def _line_ending(path: str) -> str:
    """What the input puts between segments after the terminator: "\r\n", "\n" or nothing.

    Read from the bytes between the ISA and the next segment; the reader raises the
    usual one-line errors for a missing file or one that is not X12.
    """
    segments = iter(SegmentReader(path))
    try:
        first, second = next(segments), next(segments, None)
    finally:
        segments.close()  # type: ignore[attr-defined]
    if second is None:
        return "\n"
    end = first.offset + len(first.text()) + len(first.delimiters.segment)
    # The head read from the start, not sought into: a URL whose server answers no range
    # requests (x12core.remote) reads from its beginning only.
    with open_input(path) as handle:
        gap = handle.read(second.offset)[end:].decode("latin-1")
    return gap if gap in ("", "\n", "\r\n") else "\n"


def _decider(held: Decision) -> Callable[[ClaimRef], bool]:
    if callable(held):
        return held
    return lambda ref: ref.index in held


def split_file(path: str | os.PathLike[str], clean_out: str | os.PathLike[str],
               held_out: str | os.PathLike[str], held: Decision, *,
               controls: ControlNumbers | None = None, force: bool = False,
               outputs: OutputSet | None = None) -> SplitResult:
    """Write every claim of ``path`` to ``clean_out`` or ``held_out`` (held when ``held`` says so).

    ``held`` is a set of CLM segment indices or a function of :class:`ClaimRef`.
    With ``outputs`` the files join the caller's :class:`OutputSet` and become visible
    when its block ends; otherwise they are committed before this returns.
    Raises :class:`SplitError` for input that is not 837 claims.
    """
    name = os.fspath(path)
    if outputs is None:
        with OutputSet(force=force, inputs=[local_path(name)]) as own:
            return split_file(path, clean_out, held_out, held, controls=controls, outputs=own)
    controls = controls or ControlNumbers()
    clean = SideResult(outputs.reserve(clean_out, "the clean batch"))
    hold = SideResult(outputs.reserve(held_out, "the held batch"))
    newline = _line_ending(name)
    starts: list[int | None] = [controls.isa, controls.gs]
    sides = [_Side(r, slot, lambda p=r.path: outputs.open(p, "wb"), starts, controls.st, newline)
             for slot, r in enumerate((clean, hold))]
    _Walk(name, sides, _decider(held), starts).run()
    if clean.claims + hold.claims == 0:
        raise SplitError(f"{shown(name)}: no claims (no CLM segment) to split")
    # The invariant of every split: each CLM in the bytes is in exactly one output. The
    # census reads the bytes on its own (x12core.census), so a segment the reader or
    # this walk could not place fails the run (the OutputSet then writes nothing).
    census = count_claims(name)
    if census.clm != clean.claims + hold.claims:
        raise SplitError(f"{shown(name)}: the file holds {census.clm} CLM segment(s) but "
                         f"{clean.claims + hold.claims} could be placed in an output; nothing "
                         "was written (`claimkit scan` shows where)")
    return SplitResult(clean, hold)


class _Walk:
    """Pass 2: route each claim, with the loops and envelopes it needs, to its output."""

    def __init__(self, name: str, sides: list[_Side], decide: Callable[[ClaimRef], bool],
                 starts: list[int | None]) -> None:
        self.name, self.sides, self.decide, self.starts = name, sides, decide, starts
        self.isa: Segment | None = None
        self.gs: Segment | None = None
        self.st: Segment | None = None
        self.header: list[str] = []  # BHT, 1000A, 1000B: copied into every output set
        self.chain: list[_Loop] = []  # the HL levels above the next claim
        self.where = 0  # 0 outside a set, 1 set header, 2 HL loop before its first claim
        self.on = {"CLM": self.claim, "HL": self.hl, "ST": self.st_, "SE": self.se,
                   "GS": self.gs_, "GE": self.ge, "ISA": self.isa_, "IEA": self.iea}

    def run(self) -> None:
        target: _Side | None = None
        on = self.on
        for seg in SegmentReader(self.name):
            handler = on.get(seg.tag)
            if handler is None:
                if target is not None:
                    target.write(seg.text())  # the claim, exactly as read
                else:
                    self.other(seg)
                continue
            target = handler(seg)
        for side in self.sides:
            side.close_isa()

    def claim(self, seg: Segment) -> _Side:
        isa, gs, st = self.isa, self.gs, self.st
        if st is None or gs is None or isa is None:
            raise SplitError(f"{self.name}: line {seg.line}: CLM outside a transaction set; "
                             "fix the envelope first (`claimkit validate`)")
        side = self.sides[1 if self.decide(ClaimRef(seg.index, seg[1], isa[13].strip(),
                                                        gs[6], st[2])) else 0]
        if not side.in_isa:
            side.open_isa(isa)
        if not side.in_gs:
            side.open_gs(gs)
        if not side.in_st:
            side.open_st(st, self.header)
        side.place(self.chain)
        side.write(seg.text())
        side.result.claims += 1
        self.where = 0
        return side

    def hl(self, seg: Segment) -> None:
        # HL02 names the parent: keep the chain down to it (2000A <- 2000B <- 2000C).
        parent, chain = seg[2], self.chain
        while chain and chain[-1].hl[1] != parent:
            chain.pop()
        if not parent:
            chain.clear()
        chain.append(_Loop(seg))
        self.where = 2

    def st_(self, seg: Segment) -> None:
        if seg[1] != "837":
            raise SplitError(f"{self.name}: transaction set {seg[2]} is a {seg[1] or '?'}, "
                             "not an 837 claim; split reads 837 claim batches")
        self.se(seg)
        self.st, self.header, self.chain, self.where = seg, [], [], 1

    def se(self, seg: Segment) -> None:
        for side in self.sides:
            side.close_st()
        self.st, self.where = None, 0

    def gs_(self, seg: Segment) -> None:
        if seg[1] != "HC":
            kind = _FUNCTIONAL_IDS.get(seg[1], f"functional group {seg[1] or '?'}")
            raise SplitError(f"{self.name}: holds {kind} (GS01 {seg[1]}), not HC 837 claims; "
                             "split reads 837 claim batches")
        self.ge(seg)
        self.gs = seg
        if self.starts[1] is None:
            self.starts[1] = int(seg[6]) if is_digits(seg[6]) and len(seg[6]) <= 9 else 1

    def ge(self, seg: Segment) -> None:
        for side in self.sides:
            side.close_gs()
        self.gs = None

    def isa_(self, seg: Segment) -> None:
        # Outputs copy the input's ISA with a new ISA13: a header that is not 16 elements
        # with a one-character ISA16 would make every output unreadable.
        if len(seg.elements) != 17 or len(seg[16]) != 1:
            raise SplitError(f"{shown(self.name)}: line {seg.line}: the ISA header is malformed "
                             f"({len(seg.elements) - 1} elements); fix the envelope first "
                             "(`claimkit validate`)")
        self.iea(seg)
        self.isa = seg
        if self.starts[0] is None:
            self.starts[0] = (int(seg[13]) if is_digits(seg[13].strip()) and len(seg[13]) <= 9
                              else 1)

    def iea(self, seg: Segment) -> None:
        for side in self.sides:
            side.close_isa()
        self.isa = self.gs = None

    def other(self, seg: Segment) -> None:
        """A segment before the first claim of a set or loop (or stray, which is dropped)."""
        if self.where == 2:
            loop = self.chain[-1]
            if len(loop.segs) >= MAX_LOOP_SEGMENTS:
                raise SplitError(f"{self.name}: HL {loop.hl[1]} at line {loop.hl.line} has "
                                 f"more than {MAX_LOOP_SEGMENTS} segments before a claim; not "
                                 "an 837P hierarchy")
            loop.segs.append(seg.text())
        elif self.where == 1:
            if len(self.header) >= MAX_LOOP_SEGMENTS:
                raise SplitError(f"{self.name}: a transaction set has no HL hierarchy; not an "
                                 "837P")
            self.header.append(seg.text())
        # where == 0: data outside a set; envelope findings are the scanner's job.
