"""Envelopes: group a segment stream into interchanges, groups and transactions.

Streaming, like the reader: :class:`Envelope` yields one :class:`TransactionBody`
per ST/SE pair, itself an iterator over the segments between ST and SE. A body
must be consumed before the next one is requested (as with ``itertools.groupby``);
whatever a consumer leaves is skipped automatically. Nothing is held except the
current control numbers and counters, so memory stays flat.

Checks made on the way (X12.6 control structures; 005010 TR3 Appendix B):
ISA is 106 characters; IEA02/GE02/SE02 match their headers; IEA01 counts the
groups, GE01 the transaction sets, SE01 the segments from ST to SE inclusive;
control numbers are unique where the standard says so; nothing stands outside
an envelope. Each problem becomes a ``structure`` finding; nothing stops the run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain

from x12core.findings import Finding, Location, Severity
from x12core.isa import ISA_LENGTH
from x12core.segment import CONTROL_TAGS, KNOWN_TAGS, Delimiters, Segment, valid_tag

RULE_ENVELOPE = "X12-ENV"


@dataclass(frozen=True, slots=True)
class Interchange:
    """ISA header values."""

    control: str  # ISA13
    sender_qualifier: str  # ISA05
    sender: str  # ISA06
    receiver_qualifier: str  # ISA07
    receiver: str  # ISA08
    date: str  # ISA09 YYMMDD
    time: str  # ISA10
    version: str  # ISA12
    ack_requested: str  # ISA14
    usage: str  # ISA15 P/T
    delimiters: Delimiters
    segment: Segment


@dataclass(frozen=True, slots=True)
class Group:
    """GS header values."""

    control: str  # GS06
    functional_id: str  # GS01 (HC = 837, HP = 835, FA = 999)
    sender: str  # GS02
    receiver: str  # GS03
    date: str  # GS04 CCYYMMDD
    time: str  # GS05
    version: str  # GS08 e.g. 005010X222A1
    segment: Segment


@dataclass(frozen=True, slots=True)
class Transaction:
    """ST header values plus the envelopes around it."""

    set_id: str  # ST01: 837, 835, 999, 277
    control: str  # ST02
    version: str  # ST03 when present, else GS08
    interchange: Interchange | None
    group: Group | None
    segment: Segment

    def location(self, path: str, **extra: object) -> dict[str, object]:
        """Keyword arguments for :class:`Location` naming this transaction."""
        return {
            "file": path,
            "interchange": self.interchange.control if self.interchange else "",
            "group": self.group.control if self.group else "",
            "transaction": self.control,
            **extra,
        }


def _strip(value: str) -> str:
    return value.strip()


class TransactionBody:
    """The segments of one transaction set, between ST and SE (both excluded).

    Iterating gives one iterator for the life of the body (so a consumer may stop,
    and go on with ``next``); :meth:`drain` skips what is left.
    """

    def __init__(self, envelope: Envelope, transaction: Transaction) -> None:
        self._envelope = envelope
        self.transaction = transaction
        self.trailer: Segment | None = None
        self.done = False
        # The input ended inside it: a truncated file, or (Envelope.partial) a chunk cut
        # inside the transaction set, whose rest the next chunk reads.
        self.unfinished = False
        self._iter: Iterator[Segment] | None = None

    def __iter__(self) -> Iterator[Segment]:
        it = self._iter
        if it is None:
            env = self._envelope
            if env._runs is not None:
                # Runs of known segments pass straight through (C speed); only the
                # segments the reader hands on one by one are looked at here.
                it = chain.from_iterable(self._from_runs(env._runs))
            else:
                it = self._from_segments(env._it)
            self._iter = it
        return it

    def __next__(self) -> Segment:
        return next(self.__iter__())

    def _from_runs(self, runs: Iterator[Iterable[Segment]]) -> Iterator[Iterable[Segment]]:
        known = KNOWN_TAGS
        check = self._envelope._in_transaction
        for run in runs:
            if type(run) is not tuple or run[0].tag in known or check(self, run[0]):
                yield run
            else:
                break
        else:
            check(self, None)
        self.done = True

    def _from_segments(self, segments: Iterator[Segment]) -> Iterator[Segment]:
        known = KNOWN_TAGS
        check = self._envelope._in_transaction
        for seg in segments:
            if seg.tag in known or check(self, seg):
                yield seg
            else:
                break
        else:
            check(self, None)
        self.done = True

    def drain(self) -> None:
        for _ in self:
            pass


class Envelope:
    """Walk a segment stream's envelopes; iterate it for :class:`TransactionBody` objects.

    ``findings`` collects envelope problems as they are met; read it after
    iterating. ``counts`` tells how many interchanges, groups and transactions
    were seen.
    """

    def __init__(self, segments: Iterable[Segment], path: str) -> None:
        # A reader's runs (SegmentReader.runs) when it has them, else segment by segment.
        runs = getattr(segments, "runs", None)
        self._runs: Iterator[Iterable[Segment]] | None = runs() if runs is not None else None
        self._it: Iterator[Segment] = (chain.from_iterable(self._runs) if self._runs is not None
                                       else iter(segments))
        self._pushback: Segment | None = None
        self.path = path
        self.findings: list[Finding] = []
        self.interchange: Interchange | None = None
        self.group: Group | None = None
        self.counts = {"interchanges": 0, "groups": 0, "transactions": 0}
        self._gs_in_isa = 0
        self._st_in_gs = 0
        self._isa_ids: set[str] = set()
        self._gs_ids: set[str] = set()
        self._st_ids: set[str] = set()
        self._stray_reported = False

    # -- parallel chunks (x12core.chunks) --------------------------------
    # True when the segment stream ends at a chunk boundary rather than at the end of
    # the file: the end is then no "missing trailer".
    partial = False

    def snapshot(self) -> tuple[object, ...]:
        """What the walk carries from one chunk of a file into the next (comparable)."""
        i, g = self.interchange, self.group
        return (i.control if i else None, i.segment.index if i else None,
                g.control if g else None, g.segment.index if g else None,
                self._gs_in_isa, self._st_in_gs, frozenset(self._isa_ids),
                frozenset(self._gs_ids), frozenset(self._st_ids), self._stray_reported,
                tuple(self.counts.values()))

    def headers(self) -> tuple[Segment | None, Segment | None]:
        """The open interchange's ISA and group's GS segments (a chunk restarts from them)."""
        return (self.interchange.segment if self.interchange else None,
                self.group.segment if self.group else None)

    def restore(self, snapshot: tuple[object, ...]) -> None:
        """Take a chunk's counters from ``snapshot``; the open interchange and group come
        from their replayed header segments (ISA, GS) and are checked against it."""
        (_, _, _, _, gs_in_isa, st_in_gs, isa_ids, gs_ids, st_ids, stray,
         counts) = snapshot
        self._gs_in_isa, self._st_in_gs = gs_in_isa, st_in_gs  # type: ignore[assignment]
        self._isa_ids = set(isa_ids)  # type: ignore[call-overload]
        self._gs_ids = set(gs_ids)  # type: ignore[call-overload]
        self._st_ids = set(st_ids)  # type: ignore[call-overload]
        self._stray_reported = bool(stray)
        self.counts = dict(zip(self.counts, counts, strict=True))  # type: ignore[call-overload]

    # -- reporting -------------------------------------------------------
    def _report(self, seg: Segment | None, message: str, fix: str, element: str = "",
                severity: Severity = Severity.ERROR, transaction: str = "") -> None:
        loc = Location.at(
            seg, element, file=self.path,
            interchange=self.interchange.control if self.interchange else "",
            group=self.group.control if self.group else "",
            transaction=transaction,
        )
        self.findings.append(Finding(RULE_ENVELOPE, "structure", severity, message, fix, loc,
                                     name="envelope"))

    # -- segment source --------------------------------------------------
    def _pull(self) -> Segment | None:
        if self._pushback is not None:
            seg, self._pushback = self._pushback, None
            return seg
        return next(self._it, None)

    # -- main walk -------------------------------------------------------
    def __iter__(self) -> Iterator[TransactionBody]:
        while True:
            seg = self._pull()
            if seg is None:
                break
            tag = seg.tag
            if tag == "ISA":
                self._open_isa(seg)
            elif tag == "GS":
                self._open_gs(seg)
            elif tag == "ST":
                body = self._open_st(seg)
                yield body
                body.drain()
            elif tag == "GE":
                self._close_ge(seg)
            elif tag == "IEA":
                self._close_iea(seg)
            else:
                self._stray(seg)
        self._at_eof()

    def _open_isa(self, seg: Segment) -> None:
        if self.interchange is not None:
            self._report(seg, f"ISA {_strip(seg[13])} starts before IEA closed interchange "
                         f"{self.interchange.control}", "Add the missing GE/IEA trailers.")
            self.interchange = None
            self.group = None
        control = _strip(seg[13])
        length = len(seg.text()) + 1
        if length != ISA_LENGTH:
            self._report(seg, f"ISA segment is {length} characters; X12 requires exactly "
                         f"{ISA_LENGTH}", "Pad ISA elements to their fixed widths.")
        if control in self._isa_ids:
            self._report(seg, f"interchange control number {control} repeats in this file",
                         "Give every interchange a unique ISA13.", "ISA13")
        self._isa_ids.add(control)
        self.interchange = Interchange(
            control=control, sender_qualifier=_strip(seg[5]), sender=_strip(seg[6]),
            receiver_qualifier=_strip(seg[7]), receiver=_strip(seg[8]), date=seg[9],
            time=seg[10], version=seg[12], ack_requested=seg[14], usage=_strip(seg[15]),
            delimiters=seg.delimiters, segment=seg)
        self.counts["interchanges"] += 1
        self._gs_in_isa = 0
        self._gs_ids = set()
        self._stray_reported = False

    def _open_gs(self, seg: Segment) -> None:
        if self.interchange is None:
            self._report(seg, "GS outside an interchange (no ISA before it)",
                         "Wrap the group in ISA/IEA.")
        if self.group is not None:
            self._report(seg, f"GS {seg[6]} starts before GE closed group {self.group.control}",
                         "Add the missing GE trailer.")
        control = seg[6]
        if control in self._gs_ids:
            self._report(seg, f"group control number {control} repeats in this interchange",
                         "Give every group a unique GS06.", "GS06")
        self._gs_ids.add(control)
        self.group = Group(control=control, functional_id=seg[1], sender=seg[2],
                           receiver=seg[3], date=seg[4], time=seg[5], version=seg[8],
                           segment=seg)
        self.counts["groups"] += 1
        self._gs_in_isa += 1
        self._st_in_gs = 0
        self._st_ids = set()

    def _open_st(self, seg: Segment) -> TransactionBody:
        if self.group is None:
            self._report(seg, "ST outside a functional group (no GS before it)",
                         "Wrap the transaction in GS/GE.")
        control = seg[2]
        if control in self._st_ids:
            self._report(seg, f"transaction set control number {control} repeats in this group",
                         "Give every transaction set a unique ST02.", "ST02",
                         transaction=control)
        self._st_ids.add(control)
        version = seg[3] or (self.group.version if self.group else "")
        if self.group and seg[3] and seg[3] != self.group.version:
            self._report(seg, f"ST03 {seg[3]} differs from GS08 {self.group.version}",
                         "Make ST03 and GS08 name the same implementation guide.", "ST03",
                         Severity.WARNING, transaction=control)
        txn = Transaction(set_id=seg[1], control=control, version=version,
                          interchange=self.interchange, group=self.group, segment=seg)
        self.counts["transactions"] += 1
        self._st_in_gs += 1
        return TransactionBody(self, txn)

    def _in_transaction(self, body: TransactionBody, seg: Segment | None) -> bool:
        """Check a segment of ``body`` that is not known valid (``None``: the input
        ended). False when it ends the body: its SE, or a control segment that belongs
        to the walk (pushed back)."""
        control = body.transaction.control
        if seg is None:
            body.unfinished = True
            if not self.partial:
                self._report(body.transaction.segment, f"transaction {control} has no SE "
                             "trailer (file ends inside it)",
                             "Add the SE trailer; the file may be truncated.",
                             transaction=control)
            return False
        tag = seg.tag
        if tag == "SE":
            body.trailer = seg
            if seg[2] != control:
                self._report(seg, f"SE02 {seg[2]} does not match ST02 {control}",
                             "Make SE02 equal to ST02.", "SE02", transaction=control)
            # SE01 counts every segment from ST through SE; the reader's position
            # counter restarts at ST, so it is exactly seg.position.
            if seg[1] != str(seg.position):
                self._report(seg, f"SE01 says {seg[1] or 'nothing'} segments; transaction "
                             f"{control} has {seg.position}",
                             f"Set SE01 to {seg.position}.", "SE01", transaction=control)
            return False
        if tag in CONTROL_TAGS:
            self._report(seg, f"transaction {control} has no SE trailer before {tag}",
                         "Add the SE trailer.", transaction=control)
            self._pushback = seg
            return False
        if tag not in KNOWN_TAGS and not valid_tag(tag):
            self._report(seg, f"{tag[:20]!r} is not a segment identifier",
                         "Remove the stray text or fix the delimiters.", transaction=control)
        return True

    def _close_ge(self, seg: Segment) -> None:
        if self.group is None:
            self._report(seg, "GE without a matching GS", "Remove it or add the GS header.")
            return
        if seg[2] != self.group.control:
            self._report(seg, f"GE02 {seg[2]} does not match GS06 {self.group.control}",
                         "Make GE02 equal to GS06.", "GE02")
        if seg[1] != str(self._st_in_gs):
            self._report(seg, f"GE01 says {seg[1] or 'nothing'} transaction sets; group "
                         f"{self.group.control} has {self._st_in_gs}",
                         f"Set GE01 to {self._st_in_gs}.", "GE01")
        self.group = None

    def _close_iea(self, seg: Segment) -> None:
        if self.interchange is None:
            self._report(seg, "IEA without a matching ISA", "Remove it or add the ISA header.")
            return
        if self.group is not None:
            self._report(seg, f"group {self.group.control} has no GE trailer before IEA",
                         "Add the GE trailer.")
            self.group = None
        if _strip(seg[2]) != self.interchange.control:
            self._report(seg, f"IEA02 {seg[2]} does not match ISA13 "
                         f"{self.interchange.control}", "Make IEA02 equal to ISA13.", "IEA02")
        if seg[1] != str(self._gs_in_isa):
            self._report(seg, f"IEA01 says {seg[1] or 'nothing'} functional groups; interchange "
                         f"{self.interchange.control} has {self._gs_in_isa}",
                         f"Set IEA01 to {self._gs_in_isa}.", "IEA01")
        self.interchange = None

    def _stray(self, seg: Segment) -> None:
        if self._stray_reported:
            return
        self._stray_reported = True
        where = "after the last IEA" if self.interchange is None else "outside a transaction set"
        self._report(seg, f"segment {seg.tag[:20]!r} stands {where}",
                     "Remove stray data or restore the missing ST/GS/ISA header.")

    def _at_eof(self) -> None:
        if self.partial:
            return
        if self.group is not None:
            self._report(None, f"file ends inside group {self.group.control} (no GE)",
                         "Add the GE and IEA trailers; the file may be truncated.")
        if self.interchange is not None:
            self._report(None, f"file ends inside interchange {self.interchange.control} "
                         "(no IEA)", "Add the IEA trailer; the file may be truncated.")
