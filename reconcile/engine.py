"""Reconcile 835 remittances against the 837P claims that were sent.

    from reconcile.engine import Reconciler
    rec = Reconciler(["batch.837"], ["era1.835", "era2.835"])
    for result in rec.results():          # sent claims in file order, then unmatched remits
        print(result.claim_id, result.status, [ln.status for ln in result.lines])
    print(rec.totals.summary())           # complete once the results are consumed

Three passes, memory O(claims): the claims files are scanned with the rule engine
into a compact index (:mod:`reconcile.index`); the remits stream past and
each CLP is compacted and line-matched at once (:mod:`reconcile.match`);
then every sent claim is settled. The library never prints.

Settling -- netting reversals, copies and secondary payers, and the status words --
lives in :mod:`reconcile.status`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from edi837.scan import ScanOptions, preflight
from reconcile.index import SentClaim, SentIndex, SentLine, index_claims
from reconcile.match import NO_LINE, Adj, Remit, RemitLine, compact, match_lines
from reconcile.status import (
    COPY,
    DENIED,
    PAID,
    PARTIAL,
    REVERSAL,
    REVERSED,
    STATUSES,
    UNMATCHED,
    UNPAID,
    claim_status,
    line_status,
    prediction_of,
    settle,
    split_categories,
)
from reconcile.totals import Totals
from remit835.causes import CauseMap
from remit835.model import ZERO
from remit835.parse import check_835, read_remits
from x12core.parallel import Pool

__all__ = ["DENIED", "PAID", "PARTIAL", "REVERSED", "STATUSES", "UNMATCHED", "UNPAID",
           "ClaimResult", "Entry", "LineResult", "Reconciler", "settle", "settle_sent",
           "settle_unmatched"]



# One remit matched to a sent claim: (remit, per remit line (sent line index, how), claim match)
Entry = tuple[Remit, tuple[tuple[int, str], ...], str]


@dataclass(frozen=True, slots=True)
class LineResult:
    """One sent line (or one remit line nothing was sent for) after settling."""

    line_number: int | None  # 837 LX01; remit SVC ordinal for unmatched remit lines
    line_control: str
    procedure: str
    modifiers: tuple[str, ...]
    dos: str
    charge: Decimal
    paid: Decimal  # what the counted remits paid on the line
    net_paid: Decimal  # every remit line matched, reversals included
    status: str
    adjustments: tuple[Adj, ...]  # of the counted remits (the claim's, for line-less remits)
    remarks: tuple[str, ...]
    predicted_by: tuple[str, ...]
    flags: tuple[str, ...]  # predicted_by rules at or above the scan's --fail-on
    match: str  # exact (REF*6R) | fallback | "" (nothing matched)
    categories: tuple[str, ...] = ()  # every adjustment category, sorted
    denial_categories: tuple[str, ...] = ()  # those that are denials (§C.3)
    via_claim: bool = False  # answered by a claim-level adjustment only (no 2110 loop)
    adjudicated: str = ""  # SVC01-2 when the payer changed the code (SVC06 sent back)
    remit_status: str = ""  # the remit's own line status (unmatched remit lines)
    prediction: str = ""  # predicted | missed | flagged-paid | ""

    @property
    def denied_amount(self) -> Decimal:
        """Denial adjustments on the line; the unpaid charge when the claim was denied whole."""
        if self.via_claim:
            return self.charge - self.paid if self.denial_categories else ZERO
        return sum((a.amount for a in self.adjustments if a.why.denial), ZERO)


@dataclass(frozen=True, slots=True)
class ClaimResult:
    """One sent claim (or one CLP01 nothing was sent for) after settling."""

    claim_id: str
    status: str
    charge: Decimal
    paid: Decimal
    net_paid: Decimal
    match: str  # exact | truncated | "" (no remit, or an unmatched remit)
    remit_claim_id: str  # CLP01 as the payer wrote it
    payer_claim_id: str  # CLP07 of the last counted remit
    file: str  # the 837 file ("" for an unmatched remit)
    patient: str
    member_id: str
    dos: str
    adjustments: tuple[Adj, ...]  # claim-level, counted remits
    remarks: tuple[str, ...]  # claim-level remark codes (MOA), counted remits
    lines: tuple[LineResult, ...]
    remits: tuple[tuple[Remit, str], ...]  # every remit read for the claim, with its role
    predicted_by: tuple[str, ...]
    held: bool = False
    remit_status: str = ""  # the remits' own verdict (unmatched remits)

    @property
    def categories(self) -> tuple[str, ...]:
        found = {a.why.category for a in self.adjustments}
        found.update(c for ln in self.lines for c in ln.categories)
        return tuple(sorted(found))

    @property
    def denial_categories(self) -> tuple[str, ...]:
        found = {a.why.category for a in self.adjustments if a.why.denial}
        found.update(c for ln in self.lines for c in ln.denial_categories)
        return tuple(sorted(found))

    @property
    def sent(self) -> bool:
        return self.status != UNMATCHED


class Reconciler:
    """Index the claims, stream the remits, then yield one :class:`ClaimResult` per claim."""

    def __init__(self, claims: Sequence[str | os.PathLike[str]],
                 remits: Sequence[str | os.PathLike[str]], *,
                 scan_options: ScanOptions | None = None, causes: CauseMap | None = None,
                 pool: Pool | None = None) -> None:
        self.pool = pool  # the 837 scan's rules run there (--workers, --scheduler)
        self.claim_paths = list(claims)
        self.remit_paths = list(remits)
        self.scan_options = scan_options or ScanOptions()
        self.causes = causes or CauseMap.load()
        self.totals = Totals()
        self.index: SentIndex | None = None
        # sent claim index -> [(remit, line assignment, claim match)]
        self._ledger: dict[int, list[Entry]] = {}
        self._unmatched: dict[str, list[Remit]] = {}
        self._settled = False  # results() pops the ledger as it goes: one pass only

    def load(self) -> None:
        """Passes one and two (idempotent): index the claims, read every remit."""
        if self.index is not None:
            return
        for claims_path in self.claim_paths:  # cheap checks first: fail before the long read
            preflight(claims_path)
        for remit_path in self.remit_paths:
            check_835(remit_path)
        self.index = index_claims(self.claim_paths, self.scan_options, self.pool)
        self.totals.scan_file_findings = self.index.file_findings
        seq = 0
        for path in self.remit_paths:
            reader = read_remits(path)
            for stream in reader:
                for claim in stream:
                    remit = compact(claim, self.causes, seq)
                    seq += 1
                    self._file(remit)
                payment = stream.finish()
                self.totals.add_payment(payment, stream.findings)
            self.totals.remit_findings += len(reader.findings)

    def _file(self, remit: Remit) -> None:
        assert self.index is not None
        self.totals.add_remit(remit)
        found = self.index.find(remit.claim_id, remit.charge)
        if found is None:
            self._unmatched.setdefault(remit.claim_id, []).append(remit)
            return
        i, how = found
        assignment = match_lines(self.index.claims[i], remit)
        self._ledger.setdefault(i, []).append((remit, assignment, how))

    def results(self) -> Iterator[ClaimResult]:
        """Pass three: settle each sent claim in file order, then each unmatched CLP01."""
        if self._settled:
            raise RuntimeError("Reconciler.results() can be consumed once")
        self._settled = True
        self.load()
        assert self.index is not None
        for i, sent in enumerate(self.index.claims):
            result = settle_sent(sent, self._ledger.pop(i, []), self.index.rule_category)
            self.totals.add_result(result)
            yield result
        for claim_id, remits in self._unmatched.items():
            result = settle_unmatched(claim_id, remits)
            self.totals.add_result(result)
            yield result
        self._unmatched = {}


def settle_sent(sent: SentClaim, entries: Sequence[Entry],
                rule_category: dict[str, str]) -> ClaimResult:
    """Settle one sent claim from every remit matched to it, in any arrival order.

    ``entries`` are (remit, line assignment from :func:`~reconcile.match.match_lines`,
    claim match ``exact`` | ``truncated``); ``rule_category`` names each scan rule's
    category (for ``predicted_by``). The reconciler and the ledger both settle here.
    """
    remits = [e[0] for e in entries]
    counted, history = settle(remits)
    roles = {r.seq: role for r, role in history}
    assigned = {e[0].seq: e[1] for e in entries}
    live = {r.seq for r in counted}
    lineless = [r for r in counted if not r.lines]
    lines = [_settle_line(j, line, entries, roles, live, lineless, rule_category)
             for j, line in enumerate(sent.lines)]
    for r in counted:  # remit lines with no sent line (§B.8 step 7: for a person)
        for k, (rl, (j, _)) in enumerate(zip(r.lines, assigned[r.seq], strict=True)):
            if j == NO_LINE:
                lines.append(_unmatched_line(rl, k + 1))
    adjustments = tuple(a for r in counted for a in r.adjustments)
    paid = sum((r.paid for r in counted), ZERO)
    status = claim_status(counted, history, adjustments, paid,
                           [ln.status for ln in lines[:len(sent.lines)]])
    last = counted[-1] if counted else (remits[-1] if remits else None)
    return ClaimResult(
        claim_id=sent.claim_id, status=status, charge=sent.charge, paid=paid,
        net_paid=sum((r.paid for r, role in history if role != COPY), ZERO),
        match=entries[0][2] if entries else "",
        remit_claim_id=last.claim_id if last else "",
        payer_claim_id=last.payer_claim_id if last else "", file=sent.file,
        patient=sent.patient, member_id=sent.member_id, dos=sent.dos,
        adjustments=adjustments, remarks=_claim_remarks(counted), lines=tuple(lines),
        remits=tuple(history),
        predicted_by=sent.rules, held=sent.held)

def _settle_line(j: int, line: SentLine, entries: Sequence[Entry], roles: dict[int, str],
                 live: set[int], lineless: list[Remit], rule_category: dict[str, str]
                 ) -> LineResult:
    hits: list[tuple[RemitLine, str]] = []  # (remit line, how) of counted remits
    net = ZERO
    reversed_ = False
    match = ""
    for remit, assignment, _ in entries:
        for rl, (k, how) in zip(remit.lines, assignment, strict=True):
            if k != j or roles[remit.seq] == COPY:
                continue
            net += rl.paid
            reversed_ |= remit.is_reversal
            match = match or how
            if remit.seq in live:
                hits.append((rl, how))
    adjustments: tuple[Adj, ...] = tuple(a for rl, _ in hits for a in rl.adjustments)
    categories, denial = split_categories(adjustments)
    paid = sum((rl.paid for rl, _ in hits), ZERO)
    via_claim = False
    if hits:
        status = line_status(paid, adjustments)
    elif lineless:
        # A claim-level answer (CLP02 4 with claim CAS and no 2110): it decides every
        # line; its money stays on the claim row so totals count it once.
        claim_adjs = [a for r in lineless for a in r.adjustments]
        categories, denial = split_categories(claim_adjs)
        status = line_status(ZERO, claim_adjs)
        via_claim = True
    elif reversed_ or any(role == REVERSAL for role in roles.values()):
        status = REVERSED
        adjustments = tuple(a for remit, assignment, _ in entries if remit.is_reversal
                            for rl, (k, _) in zip(remit.lines, assignment, strict=True)
                            if k == j for a in rl.adjustments)
        # The reversed codes keep their own categories; "reversal" says what happened.
        # Not a denial (§C.2): the money came back, nothing was refused.
        categories = tuple(sorted({*split_categories(adjustments)[0], "reversal"}))
        denial = ()
    else:
        status = UNPAID
    prediction = prediction_of(status, denial, line.rules, line.flags,
                             rule_category)
    adjudicated = next((rl.adjudicated for rl, _ in hits
                        if rl.adjudicated != rl.procedure), "")
    return LineResult(
        line_number=line.number, line_control=line.control, procedure=line.procedure,
        modifiers=line.modifiers, dos=line.dos, charge=line.charge, paid=paid, net_paid=net,
        status=status, adjustments=adjustments,
        remarks=tuple(dict.fromkeys(r for rl, _ in hits for r in rl.remarks)),
        predicted_by=line.rules, flags=line.flags, match=hits[0][1] if hits else match,
        categories=categories, denial_categories=denial, via_claim=via_claim,
        adjudicated=adjudicated, prediction=prediction)

def settle_unmatched(claim_id: str, remits: list[Remit]) -> ClaimResult:
    """Settle the remits of a CLP01 nothing was sent for."""
    counted, history = settle(remits)
    shown = counted or [r for r, role in history if role == REVERSAL]
    lines = tuple(_unmatched_line(rl, k + 1) for r in shown for k, rl in enumerate(r.lines))
    adjustments = tuple(a for r in counted for a in r.adjustments)
    paid = sum((r.paid for r in counted), ZERO)
    own = claim_status(counted, history, adjustments, paid,
                        [ln.remit_status for ln in lines])
    first = shown[0] if shown else remits[0]
    return ClaimResult(
        claim_id=claim_id, status=UNMATCHED, charge=abs(first.charge), paid=paid,
        net_paid=sum((r.paid for r, role in history if role != COPY), ZERO), match="",
        remit_claim_id=claim_id, payer_claim_id=first.payer_claim_id, file="",
        patient=first.patient, member_id=first.member_id,
        dos=min((ln.dos for ln in lines if ln.dos), default=""), adjustments=adjustments,
        remarks=_claim_remarks(counted), lines=lines, remits=tuple(history), predicted_by=(),
        remit_status=own)


def _claim_remarks(remits: list[Remit]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(r for remit in remits for r in remit.remarks))


def _unmatched_line(rl: RemitLine, ordinal: int) -> LineResult:
    own = REVERSED if rl.charge < 0 else line_status(rl.paid, rl.adjustments)
    categories, denial = split_categories(rl.adjustments)
    return LineResult(
        line_number=ordinal, line_control=rl.control, procedure=rl.procedure,
        modifiers=rl.modifiers, dos=rl.dos, charge=abs(rl.charge), paid=rl.paid,
        net_paid=rl.paid, status=UNMATCHED, adjustments=rl.adjustments, remarks=rl.remarks,
        predicted_by=(), flags=(), match="", categories=categories, denial_categories=denial,
        adjudicated=rl.adjudicated if rl.adjudicated != rl.procedure else "", remit_status=own)
