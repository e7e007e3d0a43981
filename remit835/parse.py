"""Stream 835 files into payments and claims, balancing as they pass.

    for stream in read_remits("era.835"):      # one PaymentStream per ST*835
        print(stream.header.trace, stream.header.amount)
        for claim in stream:                   # claims one at a time
            ...
        payment = stream.finish()              # PLB, totals, payment balancing

Only one claim's segments are held at a time, so a single huge ST does not
grow memory. The 2100/2110 loops are recognised by their leading segments
(CLP starts a claim, SVC a service line, LX/PLB/SE end a claim), as in the
005010X221A1 loop skeleton (reference §B.1). Balancing (:mod:`remit835.balance`)
runs on every claim as it is built; the transaction equation once PLB and SE
have been read.

Problems that are not imbalances (an amount that is not a number, a 4010 CR
group code, a transaction that is not an 835) are ``structure`` findings. The
claim loops themselves are built by :mod:`remit835.loops`.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Iterator
from dataclasses import replace
from decimal import Decimal
from typing import BinaryIO

from remit835.balance import check_claim, check_payment
from remit835.loops import CLAIM_END, RULE, Problems, pad, read_claim
from remit835.model import (
    ZERO,
    Claim,
    HeaderNumber,
    Party,
    Payment,
    PaymentHeader,
    ProviderAdjustment,
)
from x12core.envelope import Envelope, TransactionBody
from x12core.errors import InputError
from x12core.findings import Finding, Location, Severity
from x12core.reader import SegmentReader
from x12core.segment import Segment
from x12core.versions import refuse_pre_5010

# PLB: six reason/amount pairs per segment (PLB03/04 ... PLB13/14).
_PLB_PAIRS = tuple((k, f"PLB{k + 1:02d}") for k in (3, 5, 7, 9, 11, 13))
Source = str | os.PathLike[str] | BinaryIO


class PaymentStream:
    """One ST*835: ``header`` after :meth:`start`, claims by iterating, :meth:`finish` for
    the rest."""

    def __init__(self, body: TransactionBody, path: str) -> None:
        self._body = body
        self._path = path
        txn = body.transaction
        where = txn.location(path)
        self.problems = Problems({k: str(v) for k, v in where.items()})
        self.findings = self.problems.findings
        self._pending: Segment | None = None
        self.header: PaymentHeader
        self.payment: Payment | None = None
        self._gen: Iterator[Claim] | None = None
        self._claims_paid = ZERO
        self._count = 0
        self._unbalanced = 0
        self._plb: list[ProviderAdjustment] = []
        self._numbers: list[HeaderNumber] = []
        # A chunk cut inside this payment (remit835.parallel) reads the header and the
        # open LX again: the findings and LX numbers made before its own bytes began.
        self.replayed = 0
        self.replayed_numbers = 0
        self._replay_header = False  # marked while its header was read: all of it was replay

    def start(self) -> PaymentStream:
        """Read the header (a chunk's own bytes may begin right after it: the stream must
        be known as the one being read before then, see ``mark_replayed``)."""
        self.header = self._read_header(self._path)
        if self._replay_header:  # the chunk's bytes began as the header ended
            self.mark_replayed()
        return self

    # -- header (BPR, TRN, DTM*405, 1000A, 1000B) ---------------------------------
    def _read_header(self, path: str) -> PaymentHeader:
        txn = self._body.transaction
        bpr: list[str] = []
        bpr_seg = None
        trn: list[str] = []
        production = ""
        parties: dict[str, tuple[list[str], list[tuple[str, str]]]] = {}
        current: list[tuple[str, str]] | None = None
        for seg in self._body:
            tag = seg.tag
            if tag in CLAIM_END:
                self._pending = seg
                break
            els = seg.elements
            if tag == "BPR":
                bpr, bpr_seg = pad(els, 17), seg
            elif tag == "TRN":
                trn = pad(els, 4)
            elif tag == "DTM" and len(els) > 2 and els[1] == "405":
                production = els[2]
            elif tag == "N1":
                refs: list[tuple[str, str]] = []
                parties.setdefault(els[1] if len(els) > 1 else "", (els, refs))
                current = refs
            elif tag == "REF" and current is not None and len(els) > 2:
                current.append((els[1], els[2]))  # 1000A/1000B additional ids
        if bpr_seg is None:
            self.problems.add(txn.segment, "", f"transaction {txn.control} has no BPR "
                              "segment; its payment amount is unknown",
                              "Ask the payer for a complete 835.")
            bpr = [""] * 17
        amount = self.problems.money(bpr[2], bpr_seg, "BPR02") if bpr_seg else ZERO
        return PaymentHeader(
            file=path, interchange=txn.interchange.control if txn.interchange else "",
            group=txn.group.control if txn.group else "", transaction=txn.control,
            handling=bpr[1], amount=amount, credit_debit=bpr[3], method=bpr[4],
            payment_date=bpr[16], trace=trn[2] if trn else "", trace_payer=trn[3] if trn else "",
            production_date=production, payer=_n1(parties.get("PR")),
            payee=_n1(parties.get("PE")), segment=bpr_seg)

    # -- claims -----------------------------------------------------------------
    def __iter__(self) -> Iterator[Claim]:
        if self._gen is not None:
            raise RuntimeError("a PaymentStream can be iterated once")
        self._gen = self._claims()
        return self._gen

    def _claims(self) -> Iterator[Claim]:
        number = ""
        body: Iterator[Segment] = iter(self._body)
        seg = self._pending if self._pending is not None else next(body, None)
        self._pending = None
        header, problems = self.header, self.problems
        while seg is not None:
            tag = seg.tag
            if tag == "CLP":
                # The claim reads its own segments, up to the one that ends it.
                claim, seg = read_claim(seg, body, header, number, problems)
                yield self._claim(claim)
                continue
            if tag == "LX":
                number = seg[1]
                self._numbers.append(HeaderNumber(number))
            elif tag == "TS3" and self._numbers:
                last = self._numbers[-1]
                self._numbers[-1] = HeaderNumber(
                    last.number, seg[1], seg[2], seg[3], seg[4],
                    self.problems.money(seg[5], seg, "TS305") if seg[5] else None)
            elif tag == "PLB":
                self._provider_adjustments(seg)
            seg = next(body, None)
        self._finish()

    def _claim(self, claim: Claim) -> Claim:
        imbalances = check_claim(claim)
        if imbalances:
            claim = replace(claim, imbalances=imbalances)
            if not claim.balanced:
                self._unbalanced += 1
        self._claims_paid += claim.paid
        self._count += 1
        return claim

    def _provider_adjustments(self, seg: Segment) -> None:
        els = seg.elements
        n = len(els)
        sep = seg.delimiters.component
        for k, element in _PLB_PAIRS:
            if k >= n:
                break
            if not els[k]:
                continue
            reason, _, reference = els[k].partition(sep)
            amount = self.problems.money(els[k + 1] if k + 1 < n else "", seg, element)
            self._plb.append(ProviderAdjustment(seg[1], seg[2], reason, reference, amount, seg,
                                                element))

    def _finish(self) -> None:
        self.payment = balanced_payment(
            self.header, tuple(self._plb), self._count, self._claims_paid, self._unbalanced,
            tuple(self._numbers), self._body.trailer)

    @property
    def unfinished(self) -> bool:
        """The input ended inside this transaction set (no SE read)."""
        return self._body.unfinished

    def mark_replayed(self) -> None:
        """What this payment holds so far was read again for a chunk's context."""
        if not hasattr(self, "header"):  # still reading it: its findings come after
            self._replay_header = True
            return
        self.replayed = len(self.findings)
        self.replayed_numbers = len(self._numbers)

    def finish(self) -> Payment:
        """Read whatever claims are left; the payment with PLB, totals and balancing."""
        rest = self._gen if self._gen is not None else iter(self)
        for _ in rest:
            pass
        assert self.payment is not None
        return self.payment


def balanced_payment(header: PaymentHeader, provider_adjustments: tuple[ProviderAdjustment, ...],
                     claims: int, claims_paid: Decimal, unbalanced: int,
                     header_numbers: tuple[HeaderNumber, ...], trailer: Segment | None
                     ) -> Payment:
    """A payment read to its end (in one stream, or added up from a chunked run's parts:
    remit835.parallel), with its transaction equation checked."""
    return Payment(header=header, provider_adjustments=provider_adjustments,
                   claim_count=claims, claims_paid=claims_paid, unbalanced_claims=unbalanced,
                   header_numbers=header_numbers,
                   imbalances=check_payment(header, claims_paid, provider_adjustments),
                   trailer=trailer)


def _n1(found: tuple[list[str], list[tuple[str, str]]] | None) -> Party:
    if found is None:
        return Party("", "", "", "")
    els, refs = found
    e = pad(els, 5)
    return Party(entity=e[1], name=e[2], id_qualifier=e[3], id=e[4], references=tuple(refs))


class RemitReader:
    """The 835 transactions of one file, as :class:`PaymentStream` objects.

    ``findings`` holds envelope problems and skipped non-835 transactions; read it
    after iterating. Raises :class:`~x12core.errors.NotX12Error` for input that is
    not X12 at all.
    """

    def __init__(self, source: Source, *, name: str | None = None,
                 chunk_size: int | None = None, segments: Iterable[Segment] | None = None,
                 partial: bool = False) -> None:
        # ``segments``/``partial``: one chunk of a file (remit835.parallel, --workers).
        self._reader: Iterable[Segment] = (
            SegmentReader(source, name=name, chunk_size=chunk_size) if segments is None
            else segments)
        self.path = name if segments is not None and name else \
            getattr(self._reader, "path", str(source))
        self.findings: list[Finding] = []
        self.counts: dict[str, int] = {}
        self.partial = partial
        self.envelope: Envelope | None = None
        self.replayed = 0  # envelope findings of replayed chunk headers (not reported)
        self.current: PaymentStream | None = None  # the payment being read

    def __iter__(self) -> Iterator[PaymentStream]:
        env = self.envelope = Envelope(self._reader, self.path)
        env.partial = self.partial
        for body in env:
            txn = body.transaction
            if txn.set_id != "835":
                self.findings.append(Finding(
                    RULE, "structure", Severity.WARNING,
                    f"transaction {txn.control} is a {txn.set_id or 'blank'} transaction set, "
                    "not an 835; skipped", "Give claimkit remit only 835 files.",
                    Location.at(txn.segment, "ST01", **txn.location(self.path)),
                    name="not-835"))
                continue
            stream = self.current = PaymentStream(body, self.path)
            yield stream.start()
            stream.finish()
            self.current = None
        self.findings.extend(env.findings[self.replayed:])
        self.counts = env.counts


def read_remits(source: Source, *, name: str | None = None,
                chunk_size: int | None = None) -> RemitReader:
    """Stream the 835 transactions of ``source`` (path or binary stream)."""
    return RemitReader(source, name=name, chunk_size=chunk_size)


def iter_claims(source: Source, *, name: str | None = None) -> Iterator[Claim]:
    """Every claim of every 835 in ``source``; ``claim.payment`` names its payment."""
    for stream in read_remits(source, name=name):
        yield from stream


def load_remits(source: Source, *, name: str | None = None
                ) -> list[tuple[Payment, list[Claim], list[Finding]]]:
    """Everything in memory: (payment, claims, structure findings) per 835. Small files only."""
    out = []
    for stream in read_remits(source, name=name):
        claims = list(stream)
        out.append((stream.finish(), claims, stream.findings))
    return out


def read_text(text: str, name: str = "<text>") -> list[tuple[Payment, list[Claim], list[Finding]]]:
    """:func:`load_remits` for X12 held in a string (tests, examples)."""
    return load_remits(io.BytesIO(text.encode("latin-1")), name=name)


def check_835(path: str | os.PathLike[str], source: BinaryIO | None = None) -> None:
    """Fail fast (before any output) on input that is not an 835.

    Reads only up to the first ST: raises :class:`NotX12Error` for non-X12 input and
    :class:`InputError` when the first transaction set is not an 835 or there is none.
    """
    name = os.fspath(path)
    gs08 = ""
    for seg in SegmentReader(path if source is None else source, name=name):
        if seg.tag == "GS":
            gs08 = seg[8]
        elif seg.tag == "ST":
            refuse_pre_5010(name, gs08, seg[3], "remit reads 5010 remittances (005010X221A1)")
            if seg[1] != "835":
                raise InputError(f"{name}: not an 835 remittance (first transaction set is "
                                 f"{seg[1] or 'blank'})")
            return
    raise InputError(f"{name}: no transaction sets in this interchange")
