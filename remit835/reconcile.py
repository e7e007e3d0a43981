"""Reconcile 835 remittances against the 837P claims that were sent.

    from remit835.reconcile import Reconciler
    rec = Reconciler(["batch.837"], ["era1.835", "era2.835"])
    for result in rec.results():          # sent claims in file order, then unmatched remits
        print(result.claim_id, result.status, [ln.status for ln in result.lines])
    print(rec.totals.summary())           # complete once the results are consumed

Three passes, memory O(claims): the claims files are scanned with the rule engine
into a compact index (:mod:`remit835.reconcile_index`); the remits stream past and
each CLP is compacted and line-matched at once (:mod:`remit835.reconcile_match`);
then every sent claim is settled. The library never prints.

Settling (reference §B.7 reversal pattern, §B.8 steps 4-5, §C.3):

* remits are ordered by payment date (BPR16), then as read, so the command-line
  order of the files does not matter;
* a CLP that repeats one already read from the same payment (same TRN02, ICN,
  CLP02 and amounts) is a ``copy`` of a re-sent file and counts once;
* a reversal (CLP02 = 22) cancels the earlier remit whose amounts it negates
  (same ICN preferred); the remits left standing are ``counted``; one that follows
  a reversal is a ``correction``. A claim with nothing left standing after a
  reversal is ``reversed``; with a correction, the correction's outcome counts;
* every counted remit adds its payment, so a secondary payer's CLP adds to the
  primary's (``paid``); ``net_paid`` is the cash the files moved for the claim
  (reversals of payments made before these files included);
* a counted remit whose only denials are duplicate-claim denials (CARC 18) does
  not decide the status while another remit adjudicated the claim;
* a line is ``denied`` when nothing was paid and a denial adjustment applies,
  ``partial`` when something was paid and a denial adjustment took part of it,
  ``paid`` otherwise -- patient responsibility and contractual write-downs are not
  denials, so a line paid $0 because of the deductible is ``paid`` (§C.3 rule 1);
  a line that is only pending (OA-133) is ``unpaid``, like a line with no remit.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from edi837.scan import ScanOptions, preflight
from remit835.causes import CauseMap
from remit835.model import ZERO
from remit835.parse import check_835, read_remits
from remit835.reconcile_index import SentClaim, SentIndex, SentLine, index_claims
from remit835.reconcile_match import NO_LINE, Adj, Remit, RemitLine, compact, match_lines
from remit835.reconcile_totals import Totals

PAID, PARTIAL, DENIED, REVERSED, UNPAID = "paid", "partial", "denied", "reversed", "unpaid"
UNMATCHED = "unmatched-remit"
STATUSES = (PAID, PARTIAL, DENIED, REVERSED, UNPAID, UNMATCHED)
COUNTED, CORRECTION, REVERSAL, CANCELLED, COPY, DUPLICATE = (
    "counted", "correction", "reversal", "reversed", "copy", "duplicate-denial")


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


def _categories(adjustments: Sequence[Adj]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    every = tuple(sorted({a.why.category for a in adjustments}))
    return every, tuple(c for c in every if any(a.why.denial and a.why.category == c
                                                for a in adjustments))


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


def settle(remits: list[Remit]) -> tuple[list[Remit], list[tuple[Remit, str]]]:
    """The remits that count and every remit with its role (see the module notes)."""
    roles: dict[int, str] = {}
    counted: list[Remit] = []
    seen: set[tuple[str, str, str, Decimal, Decimal]] = set()
    reversal_seen = False
    ordered = sorted(remits, key=lambda r: (r.payment_date, r.seq))
    for r in ordered:
        key = (r.trace, r.payer_claim_id, r.status_code, r.charge, r.paid)
        if r.trace and key in seen:
            roles[r.seq] = COPY
            continue
        seen.add(key)
        if not r.is_reversal:
            roles[r.seq] = CORRECTION if reversal_seen else COUNTED
            counted.append(r)
            continue
        roles[r.seq] = REVERSAL
        reversal_seen = True
        negates = [c for c in counted if c.charge == -r.charge and c.paid == -r.paid]
        same_icn = [c for c in negates if c.payer_claim_id == r.payer_claim_id]
        target = (same_icn or negates or [None])[-1]
        if target is not None:
            counted.remove(target)
            roles[target.seq] = CANCELLED
    dups = [r for r in counted if _duplicate_denial(r)]
    if dups and len(dups) < len(counted):
        for r in dups:
            counted.remove(r)
            roles[r.seq] = DUPLICATE
    return counted, [(r, roles[r.seq]) for r in ordered]


def _duplicate_denial(r: Remit) -> bool:
    denials = [a for a in (*r.adjustments, *(a for ln in r.lines for a in ln.adjustments))
               if a.why.denial]
    return r.paid == 0 and bool(denials) and all(a.why.category == "duplicate" for a in denials)


def line_status(paid: Decimal, adjustments: Sequence[Adj]) -> str:
    if any(a.why.denial for a in adjustments):
        return PARTIAL if paid > 0 else DENIED  # §C.3 rules 3-4
    if any(a.why.category == "pending" for a in adjustments):
        return UNPAID  # OA-133: not adjudicated yet
    return PAID


def _prediction(status: str, denial: tuple[str, ...], rules: tuple[str, ...],
                flags: tuple[str, ...], rule_category: dict[str, str]) -> str:
    if status in (DENIED, PARTIAL):
        predicted = {rule_category.get(r, "") for r in rules}
        return "predicted" if predicted.intersection(denial) else "missed"
    return "flagged-paid" if status == PAID and flags else ""


class Reconciler:
    """Index the claims, stream the remits, then yield one :class:`ClaimResult` per claim."""

    def __init__(self, claims: Sequence[str | os.PathLike[str]],
                 remits: Sequence[str | os.PathLike[str]], *,
                 scan_options: ScanOptions | None = None, causes: CauseMap | None = None
                 ) -> None:
        self.claim_paths = list(claims)
        self.remit_paths = list(remits)
        self.scan_options = scan_options or ScanOptions()
        self.causes = causes or CauseMap.load()
        self.totals = Totals()
        self.index: SentIndex | None = None
        # sent claim index -> [(remit, line assignment, claim match)]
        self._ledger: dict[int, list[tuple[Remit, tuple[tuple[int, str], ...], str]]] = {}
        self._unmatched: dict[str, list[Remit]] = {}

    def load(self) -> None:
        """Passes one and two (idempotent): index the claims, read every remit."""
        if self.index is not None:
            return
        for claims_path in self.claim_paths:  # cheap checks first: fail before the long read
            preflight(claims_path)
        for remit_path in self.remit_paths:
            check_835(remit_path)
        self.index = index_claims(self.claim_paths, self.scan_options)
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
        self.load()
        assert self.index is not None
        for i, sent in enumerate(self.index.claims):
            result = self._settle_sent(sent, self._ledger.pop(i, []))
            self.totals.add_result(result)
            yield result
        for claim_id, remits in self._unmatched.items():
            result = self._settle_unmatched(claim_id, remits)
            self.totals.add_result(result)
            yield result
        self._unmatched = {}

    # -- settling ---------------------------------------------------------------
    def _settle_sent(self, sent: SentClaim,
                     entries: list[tuple[Remit, tuple[tuple[int, str], ...], str]]
                     ) -> ClaimResult:
        assert self.index is not None
        remits = [e[0] for e in entries]
        counted, history = settle(remits)
        roles = {r.seq: role for r, role in history}
        assigned = {e[0].seq: e[1] for e in entries}
        live = {r.seq for r in counted}
        lineless = [r for r in counted if not r.lines]
        lines = [self._settle_line(j, line, entries, roles, live, lineless)
                 for j, line in enumerate(sent.lines)]
        for r in counted:  # remit lines with no sent line (§B.8 step 7: for a person)
            for k, (rl, (j, _)) in enumerate(zip(r.lines, assigned[r.seq], strict=True)):
                if j == NO_LINE:
                    lines.append(_unmatched_line(rl, k + 1))
        adjustments = tuple(a for r in counted for a in r.adjustments)
        paid = sum((r.paid for r in counted), ZERO)
        status = _claim_status(counted, history, adjustments, paid,
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

    def _settle_line(self, j: int, line: SentLine,
                     entries: list[tuple[Remit, tuple[tuple[int, str], ...], str]],
                     roles: dict[int, str], live: set[int], lineless: list[Remit]
                     ) -> LineResult:
        assert self.index is not None
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
        categories, denial = _categories(adjustments)
        paid = sum((rl.paid for rl, _ in hits), ZERO)
        via_claim = False
        if hits:
            status = line_status(paid, adjustments)
        elif lineless:
            # A claim-level answer (CLP02 4 with claim CAS and no 2110): it decides every
            # line; its money stays on the claim row so totals count it once.
            claim_adjs = [a for r in lineless for a in r.adjustments]
            categories, denial = _categories(claim_adjs)
            status = line_status(ZERO, claim_adjs)
            via_claim = True
        elif reversed_ or any(role == REVERSAL for role in roles.values()):
            status = REVERSED
            adjustments = tuple(a for remit, assignment, _ in entries if remit.is_reversal
                                for rl, (k, _) in zip(remit.lines, assignment, strict=True)
                                if k == j for a in rl.adjustments)
            # The reversed codes keep their own categories; "reversal" says what happened.
            # Not a denial (§C.2): the money came back, nothing was refused.
            categories = tuple(sorted({*_categories(adjustments)[0], "reversal"}))
            denial = ()
        else:
            status = UNPAID
        prediction = _prediction(status, denial, line.rules, line.flags,
                                 self.index.rule_category)
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

    def _settle_unmatched(self, claim_id: str, remits: list[Remit]) -> ClaimResult:
        counted, history = settle(remits)
        shown = counted or [r for r, role in history if role == REVERSAL]
        lines = tuple(_unmatched_line(rl, k + 1) for r in shown for k, rl in enumerate(r.lines))
        adjustments = tuple(a for r in counted for a in r.adjustments)
        paid = sum((r.paid for r in counted), ZERO)
        own = _claim_status(counted, history, adjustments, paid,
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
    categories, denial = _categories(rl.adjustments)
    return LineResult(
        line_number=ordinal, line_control=rl.control, procedure=rl.procedure,
        modifiers=rl.modifiers, dos=rl.dos, charge=abs(rl.charge), paid=rl.paid,
        net_paid=rl.paid, status=UNMATCHED, adjustments=rl.adjustments, remarks=rl.remarks,
        predicted_by=(), flags=(), match="", categories=categories, denial_categories=denial,
        adjudicated=rl.adjudicated if rl.adjudicated != rl.procedure else "", remit_status=own)


def _claim_status(counted: list[Remit], history: list[tuple[Remit, str]],
                  adjustments: tuple[Adj, ...], paid: Decimal, lines: list[str]) -> str:
    if not counted:
        return REVERSED if any(role == REVERSAL for _, role in history) else UNPAID
    claim_denial = any(a.why.denial for a in adjustments)
    answered = [s for s in lines if s != UNPAID]
    if paid <= 0 and all(r.status_code == "4" for r in counted):
        return DENIED  # CLP02 4: the payer denied the whole claim
    if answered and len(answered) == len(lines) and all(s == DENIED for s in answered):
        return DENIED
    if not answered:
        if claim_denial:
            return DENIED if paid <= 0 else PARTIAL
        return UNPAID if lines else PAID
    if claim_denial or len(answered) < len(lines) or any(s != PAID for s in answered):
        return PARTIAL
    return PAID
