"""The 835 reader: every field staff and the reconciler rely on, streamed claim by claim."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from remit835.parse import iter_claims, read_remits, read_text
from tests.remit.x835 import DRUG_CLAIM, PAID_CLAIM, header, interchange

D = Decimal


def one(text: str):
    [(payment, claims, findings)] = read_text(text, "t.835")
    return payment, claims, findings


def test_header_payer_payee_and_totals() -> None:
    payment, _claims, findings = one(interchange([*header("176"), "LX*1", *PAID_CLAIM, *DRUG_CLAIM]))
    h = payment.header
    assert (h.handling, h.amount, h.credit_debit, h.method, h.payment_date) == (
        "I", D("176"), "C", "ACH", "20250315")
    assert (h.trace, h.trace_payer, h.production_date) == ("EFT0001", "1512345678", "20250314")
    assert (h.payer.name, h.payer.id_qualifier, h.payer_id) == ("ACME HEALTH PLAN", "XV", "88801")
    assert h.payer.references == (("2U", "PAYER01"),)
    assert (h.payee.name, h.payee.id, h.payee.references) == (
        "SUNRISE CLINIC", "1234567893", (("TJ", "123456789"),))
    assert (h.file, h.interchange, h.group, h.transaction) == ("t.835", "000000901", "901", "0001")
    assert payment.claim_count == 2 and payment.claims_paid == D("176")
    assert payment.balanced and findings == []
    assert [n.number for n in payment.header_numbers] == ["1"]


def test_claim_fields_lines_and_links_for_reconciliation() -> None:
    _, claims, _ = one(interchange([*header("176"), "LX*1", *PAID_CLAIM, *DRUG_CLAIM]))
    first, second = claims
    assert (first.claim_id, first.status_code, first.charge, first.paid) == (
        "PCN0001", "1", D("225"), D("144"))
    assert (first.patient_responsibility, first.filing_indicator, first.payer_claim_id) == (
        D("36"), "MB", "ICN0001")
    assert (first.facility_code, first.frequency, first.header_number) == ("11", "1", "1")
    assert first.patient is not None and first.patient.id == "1EG4TE5MK72"
    assert first.date("050") == "20250305"
    assert second.patient_responsibility is None  # CLP05 absent
    drug, admin = second.lines
    assert (drug.qualifier, drug.procedure, drug.modifiers, drug.units) == (
        "HC", "J1885", ("JZ",), "2")
    assert (drug.line_control, drug.service_date, drug.remarks) == (
        "PCN0002-1", "20250302", ("M119",))
    assert (drug.charge, drug.paid) == (D("25.01"), D("0"))
    assert admin.paid_units == "1"  # SVC05 absent means one unit
    assert first.lines[0].allowed == D("90")  # AMT*B6, informational
    assert [line.ordinal for line in first.lines] == [1, 2]
    assert first.segment is not None and first.segment.line == 15  # ISA is line 1


def test_cas_reads_all_six_triples_of_one_segment() -> None:
    claim = ["CLP*PCN9*1*600*0**12*ICN9*11*1",
             "SVC*HC:99214*600*0**1",
             "CAS*CO*45*100*1*59*100*2*97*100**16*100**151*100**253*100",
             "CAS*PR*1*0"]
    _, [c], findings = one(interchange(header("0") + claim))
    adjustments = c.lines[0].adjustments
    assert [(a.group, a.reason, a.amount, a.quantity, a.element) for a in adjustments] == [
        ("CO", "45", D("100"), "1", "CAS03"), ("CO", "59", D("100"), "2", "CAS06"),
        ("CO", "97", D("100"), "", "CAS09"), ("CO", "16", D("100"), "", "CAS12"),
        ("CO", "151", D("100"), "", "CAS15"), ("CO", "253", D("100"), "", "CAS18"),
        ("PR", "1", D("0"), "", "CAS03")]
    assert c.balanced and findings == []


def test_claim_level_cas_moa_remarks_and_names() -> None:
    claim = ["CLP*PCN7*2*300*180*20*13*ICN7*11*7",
             "CAS*OA*23*100",  # 2100 CAS before the first SVC: claim level
             "NM1*QC*1*DOE*JOHN****MI*M1",
             "NM1*IL*1*DOE*JANE****MI*S1",
             "NM1*74*1*DOUGH*JON",
             "NM1*82*1*WELBY*MARCUS****XX*1234567893",
             "MOA***MA01*MA18",
             "REF*F8*ORIGICN",
             "AMT*AU*280",
             "SVC*HC:99213*300*280**1",  # the claim-level OA-23 takes the other 100
             "CAS*PR*2*20",
             "REF*6R*L1",
             "LQ*HE*N20",
             "LQ*RX*IGNORED"]
    _, [c], _ = one(interchange(header("180") + claim))
    assert [(a.group, a.reason, a.amount) for a in c.adjustments] == [("OA", "23", D("100"))]
    assert c.remarks == ("MA01", "MA18")
    assert c.insured is not None and c.insured.first_name == "JANE"
    assert c.corrected is not None and c.corrected.name == "DOUGH"
    assert [p.entity for p in c.other_names] == ["82"]
    assert c.reference("F8") == "ORIGICN" and c.amounts == (("AU", D("280")),)
    assert c.lines[0].remarks == ("N20",)  # LQ*RX is NCPDP, not a RARC
    assert c.frequency == "7" and c.balanced


def test_svc06_keeps_the_submitted_code() -> None:
    claim = ["CLP*PCN3*1*150*100**12*ICN3*11*1",
             "SVC*HC:99213*150*100**1*HC:99214:25*1",
             "CAS*CO*45*50"]
    _, [c], _ = one(interchange(header("100") + claim))
    line = c.lines[0]
    assert (line.procedure, line.original_procedure, line.original_modifiers,
            line.original_units) == ("99213", "99214", ("25",), "1")
    assert line.submitted_procedure == "99214" and line.submitted_modifiers == ("25",)


def test_plb_reads_every_pair_and_signs() -> None:
    # L6 interest is negative (adds to the payment), WO recoupment positive (takes away).
    plb = ["PLB*1234567893*20251231*L6:ICN0001*-2.50*WO:ICN0999*40*FB:X*-10*72*5"]
    payment, _, findings = one(interchange([*header("111.50"), "LX*1", *PAID_CLAIM, *plb]))
    pairs = [(p.reason, p.reference, p.amount, p.element) for p in payment.provider_adjustments]
    assert pairs == [("L6", "ICN0001", D("-2.50"), "PLB04"), ("WO", "ICN0999", D("40"), "PLB06"),
                     ("FB", "X", D("-10"), "PLB08"), ("72", "", D("5"), "PLB10")]
    assert payment.adjusted == D("32.50")
    # Σ CLP04 144.00 - Σ PLB 32.50 = BPR02 111.50
    assert payment.balanced and findings == []


def test_two_payers_in_one_file_and_two_interchanges() -> None:
    first = interchange([*header("176", trace="EFT1"), "LX*1", *PAID_CLAIM, *DRUG_CLAIM],
                        [*header("144", trace="CHK2", payer="OTHER PLAN", payer_id="77701", method="CHK"), "LX*1", *PAID_CLAIM])
    second = interchange(header("32", trace="EFT3") + DRUG_CLAIM, control="000000902",
                         group="902")
    payments = read_text(first + second, "multi.835")
    assert [(p.header.trace, p.header.payer_id, p.header.interchange, p.claim_count)
            for p, _, _ in payments] == [("EFT1", "88801", "000000901", 2),
                                         ("CHK2", "77701", "000000901", 1),
                                         ("EFT3", "88801", "000000902", 1)]
    assert all(p.balanced for p, _, _ in payments)
    claims = list(iter_claims(io.BytesIO((first + second).encode()), name="multi.835"))
    assert [(c.claim_id, c.payment.trace) for c in claims] == [
        ("PCN0001", "EFT1"), ("PCN0002", "EFT1"), ("PCN0001", "CHK2"), ("PCN0002", "EFT3")]


def test_reversal_and_correction_pair() -> None:
    reversal = ["CLP*PCN0001*22*-225*-144*-36*MB*ICN0001*11*1",
                "SVC*HC:99213:25*-125*-72**-1", "CAS*CO*45*-35", "CAS*PR*2*-18",
                "SVC*HC:96372*-100*-72**-1", "CAS*CO*45*-10", "CAS*PR*2*-18"]
    correction = ["CLP*PCN0001*1*225*150*36*MB*ICN0001B*11*1",
                  "SVC*HC:99213:25*125*75**1", "CAS*CO*45*32", "CAS*PR*2*18",
                  "SVC*HC:96372*100*75**1", "CAS*CO*45*7", "CAS*PR*2*18"]
    payment, claims, _ = one(interchange([*header("6"), "LX*1", *reversal, *correction]))
    assert [c.is_reversal for c in claims] == [True, False]
    assert all(c.balanced for c in claims)  # negated amounts balance without special cases
    assert payment.claims_paid == D("6") and payment.balanced


def test_stream_gives_the_header_first_and_the_payment_after_the_claims() -> None:
    text = interchange([*header("176"), "LX*1", *PAID_CLAIM, *DRUG_CLAIM, "PLB*1234567893*20251231*L6*0"])
    reader = read_remits(io.BytesIO(text.encode()), name="s.835")
    [stream] = list(_first_claim_only(reader))
    assert stream.payment is not None and stream.payment.claim_count == 2
    assert [p.reason for p in stream.payment.provider_adjustments] == ["L6"]


def _first_claim_only(reader):
    for stream in reader:
        assert stream.header.trace == "EFT0001" and stream.payment is None
        claim = next(iter(stream))
        assert claim.claim_id == "PCN0001"
        stream.finish()  # the rest is read and the payment balanced
        yield stream


def test_unreadable_amount_and_legacy_group_are_structure_findings() -> None:
    claim = ["CLP*PCN5*1*1O0*0**12*ICN5*11*1", "CAS*CR*45*100", "CAS*XX*45*0"]
    _, [c], findings = one(interchange(header("0") + claim))
    assert c.charge == 0
    by_element = {(f.location.element, str(f.severity)) for f in findings}
    assert by_element == {("CLP03", "error"), ("CAS01", "warning"), ("CAS01", "error")}
    assert all(f.category == "structure" and f.location.claim_id == "PCN5" for f in findings)
    assert any("'1O0' is not an amount" in f.message for f in findings)


def test_non_835_transaction_is_skipped_with_a_finding() -> None:
    text = interchange([*header("176"), "LX*1", *PAID_CLAIM, *DRUG_CLAIM])
    text = text.replace("ST*835*0001", "ST*837*0001")
    reader = read_remits(io.BytesIO(text.encode()), name="x.835")
    assert list(reader) == []
    assert [f.name for f in reader.findings] == ["not-835"]


@pytest.mark.parametrize("element,component,terminator", [("|", ">", "~"), ("*", ":", "\n")])
def test_other_delimiters(element: str, component: str, terminator: str) -> None:
    text = interchange([*header("176"), "LX*1", *PAID_CLAIM, *DRUG_CLAIM], terminator="~")
    text = text.replace(":", "\x00").replace("*", "\x01").replace("~", "\x02")
    text = text.replace("\x00", component).replace("\x01", element).replace("\x02", terminator)
    _, claims, findings = one(text)
    assert claims[0].lines[0].modifiers == ("25",)
    assert claims[1].lines[0].remarks == ("M119",) and findings == []
