"""The remit side of reconciliation: compact remit records and the §B.8 line match.

Each 835 claim (CLP loop) is reduced to a :class:`Remit` as it streams past: its
money, its classified adjustments and its lines, without segments. Its lines are
matched to the sent claim's lines at once (the sent claim is in the index), so
nothing but these small records is kept.

Line match (reference §B.8 step 3): 2110 REF*6R equals 2400 REF*6R; when the
payer returns no (or an unknown) REF*6R, the procedure as submitted (SVC06 when
present, else SVC01) with its modifiers, the date of service and the charge
must agree. A reversal carries negated amounts (§B.7), so charges compare by
absolute value.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from reconcile.index import EXACT, FALLBACK, SentClaim, SentLine, shared
from remit835.causes import CauseMap
from remit835.model import Claim
from remit835.outcome import Classified, assess

NO_LINE = -1


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a payer adjusted: codes and root cause. Shared by every adjustment alike."""

    group: str
    reason: str
    remarks: tuple[str, ...]  # the remark code that decided the category, if one did
    category: str
    denial: bool
    action: str

    @property
    def code(self) -> str:
        return f"{self.group}-{self.reason}"


@dataclass(frozen=True, slots=True)
class Adj:
    """One CAS triple: its (shared) reason and its amount."""

    why: Reason
    amount: Decimal


# A batch repeats a few hundred code combinations; each is one Reason object.
_REASONS: dict[tuple[str, str, tuple[str, ...], str, bool, str], Reason] = {}
_MAX_REASONS = 50_000


@dataclass(frozen=True, slots=True)
class RemitLine:
    """One 2110 service payment, compacted."""

    procedure: str  # as submitted: SVC06-2 when present, else SVC01-2
    adjudicated: str  # SVC01-2 (differs from ``procedure`` when the payer recoded)
    modifiers: tuple[str, ...]  # as submitted
    control: str  # 2110 REF*6R
    dos: str  # DTM*472 / 150, else the claim's DTM*232 (§B.5: claim dates apply)
    charge: Decimal  # SVC02
    paid: Decimal  # SVC03
    status: str  # remit835.outcome line status: paid | partial | denied | pending | reversed
    adjustments: tuple[Adj, ...]
    remarks: tuple[str, ...]  # LQ*HE


@dataclass(frozen=True, slots=True)
class Remit:
    """One CLP loop, compacted, with where it came from."""

    file: str
    trace: str  # TRN02
    payment_date: str  # BPR16, else DTM*405: orders remits in time
    payer_id: str
    claim_id: str  # CLP01
    status_code: str  # CLP02
    payer_claim_id: str  # CLP07 ICN
    charge: Decimal  # CLP03
    paid: Decimal  # CLP04
    status: str  # remit835.outcome claim status
    adjustments: tuple[Adj, ...]  # claim-level (2100 CAS)
    lines: tuple[RemitLine, ...]
    remarks: tuple[str, ...]  # MOA / MIA claim-level remark codes
    patient: str  # NM1*QC "LAST, FIRST"
    member_id: str  # NM1*IL (else NM1*QC) id
    balanced: bool
    seq: int  # arrival order across every remit file

    @property
    def is_reversal(self) -> bool:
        return self.status_code == "22"


def _reason(c: Classified) -> Reason:
    a, cause = c.adjustment, c.cause
    remarks = (cause.remark,) if cause.remark else ()
    key = (a.group, a.reason, remarks, cause.category, cause.denial, cause.action)
    hit = _REASONS.get(key)
    if hit is None:
        hit = Reason(*key)
        if len(_REASONS) < _MAX_REASONS:
            _REASONS[key] = hit
    return hit


def _adjs(classified: Iterable[Classified]) -> tuple[Adj, ...]:
    return tuple(Adj(_reason(c), shared(c.adjustment.amount)) for c in classified)


def compact(claim: Claim, causes: CauseMap, seq: int) -> Remit:
    """Classify ``claim`` with the cause map and keep only what reconciliation reads."""
    outcome = assess(claim, causes)
    claim_dos = claim.date("232")
    lines = []
    for lo in outcome.lines:
        line = lo.line
        lines.append(RemitLine(
            procedure=shared(line.submitted_procedure), adjudicated=shared(line.procedure),
            modifiers=shared(line.submitted_modifiers), control=line.line_control,
            dos=shared(line.service_date or claim_dos), charge=shared(line.charge),
            paid=shared(line.paid),
            status=lo.status, adjustments=_adjs(lo.adjustments),
            remarks=shared(line.remarks)))
    pay = claim.payment
    patient = claim.patient
    person = claim.insured or patient
    return Remit(
        file=pay.file, trace=pay.trace, payment_date=pay.payment_date or pay.production_date,
        payer_id=pay.payer_id, claim_id=claim.claim_id, status_code=claim.status_code,
        payer_claim_id=claim.payer_claim_id, charge=shared(claim.charge),
        paid=shared(claim.paid),
        status=outcome.status, adjustments=_adjs(outcome.adjustments), lines=tuple(lines),
        remarks=shared(claim.remarks),
        patient=f"{patient.name}, {patient.first_name}".rstrip(", ") if patient else "",
        member_id=person.id if person else "", balanced=claim.balanced, seq=seq)


def _fallback_ok(sent: SentLine, rl: RemitLine, modifiers: bool) -> bool:
    if sent.procedure != rl.procedure or sent.charge != abs(rl.charge):
        return False
    if sent.dos and rl.dos and sent.dos != rl.dos:
        return False
    return not modifiers or sorted(sent.modifiers) == sorted(rl.modifiers)


def match_lines(sent: SentClaim, remit: Remit) -> tuple[tuple[int, str], ...]:
    """For each remit line: (index of the sent line, ``exact`` | ``fallback``) or (-1, "").

    Within one remit a sent line is used once. REF*6R wins; two sent lines with one
    control number (a duplicate REF*6R) are told apart by the fallback fields. The
    fallback first requires the modifiers to agree, then (a payer may drop or
    reorder modifiers without sending SVC06) tries without them.
    """
    free = [True] * len(sent.lines)
    out: list[tuple[int, str]] = [(NO_LINE, "")] * len(remit.lines)
    by_control: dict[str, list[int]] = {}
    for i, line in enumerate(sent.lines):
        if line.control:
            by_control.setdefault(line.control, []).append(i)
    for k, rl in enumerate(remit.lines):
        cands = [i for i in by_control.get(rl.control, ()) if free[i]] if rl.control else []
        if len(cands) > 1:
            cands = [i for i in cands if _fallback_ok(sent.lines[i], rl, True)] or cands
        if cands:
            free[cands[0]] = False
            out[k] = (cands[0], EXACT)
    for strict in (True, False):
        for k, rl in enumerate(remit.lines):
            if out[k][0] != NO_LINE:
                continue
            for i, line in enumerate(sent.lines):
                if free[i] and _fallback_ok(line, rl, strict):
                    free[i] = False
                    out[k] = (i, FALLBACK)
                    break
    return tuple(out)
