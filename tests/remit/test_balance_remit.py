"""The three TR3 balancing equations, with locations and differences; nothing is 'fixed'."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from remit835.parse import read_text
from tests.remit.x835 import DRUG_CLAIM, PAID_CLAIM, header, interchange

D = Decimal


def run(body: list[str], amount: str = "176"):
    [(payment, claims, findings)] = read_text(interchange([*header(amount), "LX*1", *body]),
                                               "b.835")
    imbalances = [i for c in claims for i in c.imbalances] + list(payment.imbalances)
    return payment, claims, findings, imbalances


def test_balanced_remit_has_no_imbalances() -> None:
    payment, claims, findings, imbalances = run(PAID_CLAIM + DRUG_CLAIM)
    assert imbalances == [] and findings == []
    assert payment.balanced and all(c.balanced for c in claims)


def test_unbalanced_line_reports_location_and_difference() -> None:
    body = PAID_CLAIM + [s.replace("CAS*CO*16*25.01", "CAS*CO*16*20.01") for s in DRUG_CLAIM]
    payment, claims, _, imbalances = run(body)
    line, claim = imbalances  # CLP04 is unchanged, so the payment equation still holds
    assert (line.level, line.computed, line.reported, line.difference) == (
        "line", D("5.00"), D("0"), D("5.00"))
    loc = line.finding.location
    assert (loc.file, loc.interchange, loc.group, loc.transaction) == (
        "b.835", "000000901", "901", "0001")
    assert (loc.claim_id, loc.line_number, loc.segment, loc.element, loc.value) == (
        "PCN0002", 1, "SVC", "SVC03", "0")
    assert loc.file_line == 32 and loc.segment_index == 32
    assert line.finding.category == "balancing" and str(line.finding.severity) == "error"
    assert "difference 5.00" in line.finding.message
    # The same 5.00 surfaces at claim and payment level; the amounts are left as sent.
    assert (claim.level, claim.difference, claim.finding.location.element) == (
        "claim", D("5.00"), "CLP04")
    assert claims[1].lines[0].paid == 0 and not claims[1].balanced
    assert payment.unbalanced_claims == 1 and not payment.balanced


def test_claim_equation_counts_claim_and_line_adjustments() -> None:
    # Line balances; the claim-level CO-45 of 10 makes CLP04 too high by 10.
    body = ["CLP*C1*1*100*80**12*I1*11*1", "CAS*CO*45*10",
            "SVC*HC:99213*100*80**1", "CAS*CO*45*20"]
    _, [claim], _, imbalances = run(body, "80")
    [imb] = [i for i in imbalances if i.level == "claim"]
    assert (imb.computed, imb.reported, imb.difference) == (D("70"), D("80"), D("-10"))
    assert not claim.balanced
    fixed = ["CLP*C1*1*100*70**12*I1*11*1", "CAS*CO*45*10",
             "SVC*HC:99213*100*80**1", "CAS*CO*45*20"]
    _, [claim], _, imbalances = run(fixed, "70")
    assert imbalances == [] and claim.balanced


def test_payment_equation_with_interest_and_recoupment() -> None:
    # Σ CLP04 176 - (L6 -2.50 + WO 40) = 138.50.
    plb = ["PLB*1234567893*20251231*L6:ICN1*-2.50*WO:ICN9*40"]
    payment, _, _, imbalances = run(PAID_CLAIM + DRUG_CLAIM + plb, "138.50")
    assert imbalances == [] and payment.balanced
    # Reading the signs the wrong way round would give 213.50 or 141.00.
    payment, _, _, imbalances = run(PAID_CLAIM + DRUG_CLAIM + plb, "141.00")
    [imb] = imbalances
    assert (imb.level, imb.computed, imb.reported, imb.difference) == (
        "payment", D("138.50"), D("141.00"), D("-2.50"))
    assert imb.finding.location.element == "BPR02" and imb.finding.location.file_line == 4
    assert not payment.balanced


def test_debit_payment_balances_against_negative_bpr02() -> None:
    reversal = ["CLP*PCN0001*22*-225*-144*-36*MB*ICN0001*11*1", "CAS*CO*45*-45",
                "CAS*PR*2*-36"]
    payment, _, _, imbalances = run(reversal, "144")
    assert [i.level for i in imbalances] == ["payment"]  # credit: -144 vs 144
    [(payment, _, _)] = read_text(interchange(header("144", credit="D") + reversal))
    assert payment.balanced


def test_reversal_balances_with_negated_amounts_and_imbalance_is_still_caught() -> None:
    reversal = ["CLP*PCN0001*22*-225*-144*-36*MB*ICN0001*11*1",
                "SVC*HC:99213:25*-125*-72**-1", "CAS*CO*45*-35", "CAS*PR*2*-18",
                "SVC*HC:96372*-100*-72**-1", "CAS*CO*45*-10", "CAS*PR*2*-18"]
    _, [claim, _], _, imbalances = run(reversal + PAID_CLAIM, "0")
    assert claim.is_reversal and imbalances == []
    broken = [s.replace("CAS*CO*45*-35", "CAS*CO*45*35") for s in reversal]
    _, [claim, _], _, imbalances = run(broken + PAID_CLAIM, "0")
    assert [(i.level, i.difference) for i in imbalances] == [
        ("line", D("-70")), ("claim", D("-70"))]


def test_patient_responsibility_mismatch_is_a_warning_not_an_imbalance() -> None:
    body = [s.replace("CLP*PCN0001*1*225*144*36", "CLP*PCN0001*1*225*144*30")
            for s in PAID_CLAIM]
    payment, [claim], _, imbalances = run(body, "144")
    [imb] = imbalances
    assert (imb.level, imb.difference, str(imb.finding.severity)) == (
        "patient-responsibility", D("6"), "warning")
    assert imb.finding.location.element == "CLP05"
    assert claim.balanced and payment.balanced


def test_missing_lines_are_info_only() -> None:
    body = ["CLP*C1*1*300*80**12*I1*11*1", "CAS*CO*45*200",
            "SVC*HC:99213*100*80**1", "CAS*CO*45*20"]
    _, [claim], _, imbalances = run(body, "80")
    levels = {(i.level, str(i.finding.severity)) for i in imbalances}
    # CLP03 300 - 200 - 20 = 80 balances; the lines only charge 100 of the 300.
    assert levels == {("line-charges", "info")} and claim.balanced


@st.composite
def claims(draw: st.DrawFn) -> tuple[list[str], Decimal]:
    cents = st.integers(min_value=0, max_value=500_00)
    segs: list[str] = []
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        adjustments = draw(st.lists(st.tuples(st.sampled_from(["CO", "PR", "OA"]),
                                              st.sampled_from(["45", "2", "16", "97"]), cents),
                                    min_size=0, max_size=8))
        paid = draw(cents)
        charge = paid + sum(c for _, _, c in adjustments)
        lines.append((charge, paid, adjustments))
    claim_adj = draw(cents)
    charge = sum(c for c, _, _ in lines) + claim_adj
    paid = sum(p for _, p, _ in lines)
    segs.append(f"CLP*H1*1*{charge / 100:.2f}*{paid / 100:.2f}**12*I*11*1")
    if claim_adj:
        segs.append(f"CAS*CO*45*{claim_adj / 100:.2f}")
    for charge_, paid_, adjustments in lines:
        segs.append(f"SVC*HC:99213*{charge_ / 100:.2f}*{paid_ / 100:.2f}**1")
        for i in range(0, len(adjustments), 6):  # several triples per CAS, as payers send
            chunk = adjustments[i:i + 6]
            segs.append(f"CAS*{chunk[0][0]}*" + "*".join(
                f"{r}*{c / 100:.2f}*" for _, r, c in chunk).rstrip("*"))
    return segs, Decimal(paid) / 100


@settings(max_examples=60, deadline=None)
@given(claims(), st.integers(min_value=1, max_value=999))
def test_generated_claims_balance_and_any_change_is_caught(case: tuple[list[str], Decimal],
                                                           bump: int) -> None:
    segs, paid = case
    _, [_claim], findings, imbalances = run(segs, f"{paid:.2f}")
    assert [i for i in imbalances if i.is_error] == [] and findings == []
    # Raise CLP04 by a few cents: the claim and the payment both report exactly that.
    clp = segs[0].split("*")
    clp[4] = f"{Decimal(clp[4]) + Decimal(bump) / 100:.2f}"
    _, _, _, imbalances = run(["*".join(clp), *segs[1:]], f"{paid:.2f}")
    errors = [(i.level, i.difference) for i in imbalances if i.is_error]
    assert errors == [("claim", -Decimal(bump) / 100), ("payment", Decimal(bump) / 100)]


def test_notification_only_payment_must_still_net_to_zero() -> None:
    # BPR01 H, BPR02 0: a reversal larger than the payments, carried forward with PLB FB.
    reversal = ["CLP*PCN0001*22*-225*-144*-36*MB*ICN0001*11*1", "CAS*CO*45*-45",
                "CAS*PR*2*-36"]
    fb = ["PLB*1234567893*20251231*FB:ICN0001*-144"]
    text = interchange([*header("0"), "LX*1", *reversal, *fb]).replace("BPR*I*0*C*ACH",
                                                                        "BPR*H*0*C*NON")
    [(payment, _, _)] = read_text(text)
    assert payment.header.handling == "H" and payment.balanced
    [(payment, _, _)] = read_text(text.replace("FB:ICN0001*-144", "FB:ICN0001*-140"))
    [imb] = payment.imbalances
    assert (imb.level, imb.difference) == ("payment", D("-4"))
