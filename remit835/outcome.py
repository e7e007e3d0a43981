"""What happened to each claim and line: paid, partial, denied, pending or reversed.

Applies the cause map to every adjustment and the line rules of reference §C.3:
a line is *denied* when the payer paid nothing on a charged line and at least one
adjustment is a denial; *partial* when it paid something and a denial adjustment
took the rest; a claim with CLP02 = 22 is a *reversal* (never counted as a denial).
Patient responsibility and contractual write-downs are not denials, so a line
paid $0 because of the deductible is *paid* (the patient owes it).

Line adjustments are classified with the line's LQ*HE remarks first, then the
claim's MOA/MIA remarks (a claim-level MA130 applies to every line).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from remit835.causes import Cause, CauseMap
from remit835.model import REVERSAL, ZERO, Adjustment, Claim, ServiceLine, builder

PAID, PARTIAL, DENIED, PENDING, REVERSED = "paid", "partial", "denied", "pending", "reversed"
REVERSED_CATEGORY = "reversal"  # contract: CLP02 = 22


@dataclass(frozen=True, slots=True)
class Classified:
    """An adjustment with its cause."""

    adjustment: Adjustment
    cause: Cause


@dataclass(frozen=True, slots=True)
class LineOutcome:
    line: ServiceLine
    status: str
    adjustments: tuple[Classified, ...]

    @property
    def denied(self) -> bool:
        return self.status == DENIED

    @property
    def denials(self) -> tuple[Classified, ...]:
        return tuple(c for c in self.adjustments if c.cause.denial)

    @property
    def denied_amount(self) -> Decimal:
        return sum((c.adjustment.amount for c in self.denials), ZERO)

    @property
    def categories(self) -> tuple[str, ...]:
        """Root causes: categories of the denial adjustments, first seen first
        (``reversal`` for a line of a reversal claim)."""
        if self.status == REVERSED:
            return (REVERSED_CATEGORY,)
        if self.status == PAID:
            return ()  # no denial adjustment on a paid line
        return _unique(c.cause.category for c in self.adjustments if c.cause.denial)


@dataclass(frozen=True, slots=True)
class ClaimOutcome:
    claim: Claim
    status: str
    adjustments: tuple[Classified, ...]  # claim-level (2100 CAS)
    lines: tuple[LineOutcome, ...]

    @property
    def categories(self) -> tuple[str, ...]:
        """Denial categories across the claim and its lines (``reversal`` for CLP02 22)."""
        if self.status == REVERSED:
            return (REVERSED_CATEGORY,)
        found = [c.cause.category for c in self.adjustments if c.cause.denial]
        for line in self.lines:
            found.extend(line.categories)
        return _unique(found)


_new_classified = builder(Classified)
_new_line_outcome = builder(LineOutcome)
_new_claim_outcome = builder(ClaimOutcome)


def _unique(items: object) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))  # type: ignore[call-overload]


def classify(adjustments: tuple[Adjustment, ...], remarks: tuple[str, ...], causes: CauseMap,
             reversal: bool) -> tuple[Classified, ...]:
    if not adjustments:
        return ()
    cached = causes.cached
    out = []
    for a in adjustments:
        # CauseMap.classify, its cache read inline (hot path: one call per adjustment).
        cause = cached((a.group, a.reason, remarks, reversal))
        if cause is None:
            cause = causes.classify(a.group, a.reason, remarks, reversal)
        out.append(_new_classified(a, cause))
    return tuple(out)


def line_status(line: ServiceLine, adjustments: tuple[Classified, ...], reversal: bool) -> str:
    if reversal:
        return REVERSED
    pending = False
    for c in adjustments:
        cause = c.cause
        if cause.denial:
            # §C.3 rules 3-4: nothing paid on a charged line = denied; something paid = partial.
            return PARTIAL if line.paid > ZERO else DENIED
        if cause.category == PENDING:
            pending = True
    return PENDING if pending else PAID


def assess(claim: Claim, causes: CauseMap) -> ClaimOutcome:
    """Classify every adjustment of ``claim`` and give the claim and its lines a status."""
    reversal = claim.status_code == REVERSAL
    claim_remarks = claim.remarks
    claim_adjustments = classify(claim.adjustments, claim_remarks, causes, reversal)
    lines = []
    for line in claim.lines:
        remarks = line.remarks + claim_remarks if claim_remarks else line.remarks
        adjustments = classify(line.adjustments, remarks, causes, reversal)
        lines.append(_new_line_outcome(line, line_status(line, adjustments, reversal),
                                       adjustments))
    status = _claim_status(claim, claim_adjustments, lines)
    return _new_claim_outcome(claim, status, claim_adjustments, tuple(lines))


def _claim_status(claim: Claim, adjustments: tuple[Classified, ...],
                  lines: list[LineOutcome]) -> str:
    if claim.status_code == REVERSAL:
        return REVERSED
    if claim.status_code == "4":  # CLP02 4: the payer denied the whole claim
        return DENIED
    claim_denial = claim_pending = False
    for c in adjustments:
        if c.cause.denial:
            claim_denial = True
        elif c.cause.category == PENDING:
            claim_pending = True
    # One pass over the lines: charged (and denied) lines, and any denial or pending.
    charged = charged_denied = denied = 0
    flagged = pending = False
    for lo in lines:
        status = lo.status
        if lo.line.charge > ZERO:
            charged += 1
            charged_denied += status == DENIED
        if status == DENIED:
            denied += 1
            flagged = True
        elif status == PARTIAL:
            flagged = True
        elif status == PENDING:
            pending = True
    # Denied: every charged line denied (every line, when none is charged).
    # Partial: some denial, but not all of it.
    if lines and (charged_denied == charged if charged else denied == len(lines)):
        return DENIED
    if not lines and claim_denial:
        return PARTIAL if claim.paid > ZERO else DENIED
    if claim_denial or flagged:
        return PARTIAL
    if claim_pending or pending:
        return PENDING
    return PAID
