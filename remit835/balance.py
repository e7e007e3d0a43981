"""The 835 balancing equations (005010X221A1; reference §B.7), checked on every read.

1. Service line (2110): ``SVC02 - Σ line CAS = SVC03``.
2. Claim (2100): ``CLP03 - Σ claim CAS - Σ line CAS = CLP04``.
3. Transaction: ``Σ CLP04 - Σ PLB = BPR02`` (``-BPR02`` when BPR03 is D, a debit).

Positive CAS/PLB amounts reduce the payment, negative ones increase it, so the
equations are plain sums. A reversal (CLP02 = 22) negates every amount, which
keeps the equations true without special cases. AMT and QTY are informational
and never enter an equation.

Two softer checks are warnings/info, not imbalances that fail a run: CLP05
against Σ PR-group CAS, and Σ SVC02 against CLP03 (a payer may legitimately
leave lines out).

Nothing is corrected: each failure becomes an :class:`Imbalance` whose finding
names the file, control numbers, claim, line, segment, file line and element,
with the difference (computed minus reported).
"""

from __future__ import annotations

from decimal import Decimal

from remit835.model import ZERO, Claim, Imbalance, PaymentHeader, ProviderAdjustment, money
from x12core.findings import Finding, Location, Severity
from x12core.segment import Segment

FIX = ("Do not post it as is: ask the payer for a corrected 835 and post this one by hand "
       "meanwhile. claimkit never adjusts the amounts.")


def _imbalance(level: str, computed: Decimal, reported: Decimal, rule: str, name: str,
               message: str, fix: str, seg: Segment | None, element: str,
               severity: Severity = Severity.ERROR, **where: object) -> Imbalance:
    difference = computed - reported
    location = Location.at(seg, element, **where)  # type: ignore[arg-type]
    finding = Finding(rule, "balancing", severity,
                      f"{message} (difference {money(difference)})", fix, location, name)
    return Imbalance(level, computed, reported, difference, finding)


def _where(header: PaymentHeader, claim_id: str = "", line: int | None = None
           ) -> dict[str, object]:
    return {"file": header.file, "interchange": header.interchange, "group": header.group,
            "transaction": header.transaction, "claim_id": claim_id, "line_number": line}


def check_claim(claim: Claim) -> tuple[Imbalance, ...]:
    """Line and claim equations, CLP05 against PR, and line charges against CLP03."""
    out: list[Imbalance] = []
    line_total = ZERO
    line_charges = ZERO
    owed = ZERO  # Σ PR-group amounts, for CLP05
    for line in claim.lines:
        adjusted = ZERO
        for a in line.adjustments:
            adjusted += a.amount
            if a.group == "PR":
                owed += a.amount
        line_total += adjusted
        line_charges += line.charge
        computed = line.charge - adjusted
        if computed != line.paid:
            # 2110: SVC02 - Σ CAS amounts = SVC03.
            out.append(_imbalance(
                "line", computed, line.paid, "R835-BAL-LINE", "line-unbalanced",
                f"service line {line.ordinal} ({line.procedure}) of claim {claim.claim_id} does "
                f"not balance: SVC02 {money(line.charge)} - line adjustments "
                f"{money(adjusted)} = {money(computed)}, but SVC03 is {money(line.paid)}",
                FIX, line.segment, "SVC03",
                **_where(claim.payment, claim.claim_id, line.ordinal)))
    claim_level = ZERO
    for a in claim.adjustments:
        claim_level += a.amount
        if a.group == "PR":
            owed += a.amount
    computed = claim.charge - claim_level - line_total
    if computed != claim.paid:
        # 2100: CLP03 - Σ claim CAS - Σ line CAS = CLP04.
        out.append(_imbalance(
            "claim", computed, claim.paid, "R835-BAL-CLAIM", "claim-unbalanced",
            f"claim {claim.claim_id} does not balance: CLP03 {money(claim.charge)} - claim "
            f"adjustments {money(claim_level)} - line adjustments {money(line_total)} = "
            f"{money(computed)}, but CLP04 is {money(claim.paid)}",
            FIX, claim.segment, "CLP04", **_where(claim.payment, claim.claim_id)))
    if claim.patient_responsibility is not None and owed != claim.patient_responsibility:
        out.append(_imbalance(
            "patient-responsibility", owed, claim.patient_responsibility, "R835-BAL-PR",
            "patient-responsibility-mismatch",
            f"claim {claim.claim_id}: CLP05 patient responsibility is "
            f"{money(claim.patient_responsibility)} but its PR adjustments add up to "
            f"{money(owed)}",
            "Bill the patient from the PR adjustments, and ask the payer which figure "
            "is right.", claim.segment, "CLP05", Severity.WARNING,
            **_where(claim.payment, claim.claim_id)))
    if claim.lines and line_charges != claim.charge:
        out.append(_imbalance(
            "line-charges", line_charges, claim.charge, "R835-BAL-CHARGES", "line-charges-differ",
            f"claim {claim.claim_id}: its service lines charge {money(line_charges)} in total "
            f"but CLP03 is {money(claim.charge)}; the payer may have left lines out",
            "Compare with the 837 you sent; lines the payer did not return are still open.",
            claim.segment, "CLP03", Severity.INFO, **_where(claim.payment, claim.claim_id)))
    return tuple(out)


def check_payment(header: PaymentHeader, claims_paid: Decimal,
                  provider_adjustments: tuple[ProviderAdjustment, ...]) -> tuple[Imbalance, ...]:
    """Σ CLP04 - Σ PLB = BPR02 (negated for a debit, BPR03 = D).

    No exception for BPR01 H (notification only, BPR02 zero): the claims and PLB
    (e.g. an FB forwarding balance) must then net to zero, and if they do not, that
    is an imbalance like any other.
    """
    plb = sum((p.amount for p in provider_adjustments), ZERO)
    computed = claims_paid - plb
    reported = -header.amount if header.credit_debit == "D" else header.amount
    if computed == reported:
        return ()
    return (_imbalance(
        "payment", computed, reported, "R835-BAL-PAYMENT", "payment-unbalanced",
        f"payment {header.trace or header.transaction} does not balance: claim payments "
        f"{money(claims_paid)} - provider adjustments {money(plb)} = {money(computed)}, but "
        f"BPR02 is {money(reported)}",
        FIX, header.segment, "BPR02", **_where(header)),)
