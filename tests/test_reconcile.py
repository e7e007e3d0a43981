"""Reconciliation on hand-made 837P/835 files whose answer is known claim by claim.

The scenario (:func:`write_scenario`) has one claim per situation the matcher must
get right: a denied line the scan predicted, a truncated CLP01, lines without
REF*6R, a duplicate REF*6R, reversal + correction across two 835s, a reversal
left standing, a primary and a secondary payer, a claim with no remit, a
claim-level denial without service lines, a $0 deductible line, a pending line,
a remit for a claim never sent, a remit line never sent, a duplicate-claim
denial after a payment, and claim- and line-level scan findings.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from reconcile.engine import ClaimResult, Reconciler
from reconcile.index import MIN_TRUNCATED, SentClaim, SentIndex
from tests.remit.x835 import header, interchange
from tests.scan.x12claims import claim, subscriber, wrap

EM = ["SV1*HC:99213:25*125*UN*1***1"]
INJ = ["SV1*HC:96372*40*UN*1***1"]
B12 = ["SV1*HC:J3420*30*UN*1***1", "LIN**N4*63323004401", "CTP****1*ML"]
LONG_ID = "PCNLONG0123456789ABCDEFGH"  # 25 characters; the payer keeps 20


def line(code: str, charge: str) -> list[str]:
    return [f"SV1*HC:{code}*{charge}*UN*1***1"]


def claims_837(patient: str = "TESTPATIENT*ALPHA") -> str:
    plan = [
        claim("PCN001", [EM, INJ]),  # 96372 without a drug: R96372-001 (drug-link)
        claim(LONG_ID, [line("99214", "200")]),  # R837-002 at claim level
        claim("PCN003", [[*line("99213", "125"), "NO-REF"], [*line("20610", "180"), "NO-REF"]]),
        claim("PCN004", [line("99214", "200")]),
        claim("PCN005", [line("99214", "200")]),
        claim("PCN006", [line("99214", "200")]),
        claim("PCN007", [line("99213", "125")]),
        claim("PCN008", [line("99213", "125"), line("20610", "180")]),
        claim("PCN009", [line("99213", "125")]),
        claim("PCN010", [line("99213", "125")]),
        claim("PCN012", [line("99213", "125")]),
        claim("PCN013", [[*line("99213", "125"), "REF*6R*DUP-1"],
                         [*line("20610", "180"), "REF*6R*DUP-1"]]),
        claim("PCN014", [line("99213", "125")]),
        claim("PCN015", [INJ, B12], pos="22"),  # R96372-070 (place-of-service)
        claim("PCN016", [line("99211", "40"), INJ, B12]),  # R96372-020 (bundling, error)
    ]
    body: list[str] = []
    for n, segs in enumerate(plan):
        sub = subscriber("CI", n + 2, f"MEMBER{n:03d}")
        sub[2] = f"NM1*IL*1*{patient}****MI*MEMBER{n:03d}"
        body += sub + segs
    return wrap(body)


def svc(code: str, charge: str, paid: str, cas: str = "", control: str = "",
        remarks: str = "", svc06: str = "") -> list[str]:
    """A 2110 loop; ``cas`` is ``CO:45:35 PR:2:18``."""
    segs = [f"SVC*HC:{code}*{charge}*{paid}**1" + (f"*HC:{svc06}" if svc06 else ""),
            "DTM*472*20250115"]
    segs += [f"CAS*{c.replace(':', '*')}" for c in cas.split()]
    if control:
        segs.append(f"REF*6R*{control}")
    segs += [f"LQ*HE*{r}" for r in remarks.split()]
    return segs


def clp(claim_id: str, status: str, charge: str, paid: str, icn: str, *lines: list[str],
        cas: str = "", moa: str = "") -> list[str]:
    segs = [f"CLP*{claim_id}*{status}*{charge}*{paid}**12*{icn}*11*1"]
    segs += [f"CAS*{c.replace(':', '*')}" for c in cas.split()]
    segs.append(f"NM1*QC*1*REMITPATIENT*BETA****MI*REMITID{claim_id[-3:]}")
    if moa:
        segs.append("MOA***" + "*".join(moa.split()))
    for ln in lines:
        segs += ln
    return segs


def era(date: str, trace: str, *claims: list[str], payer_id: str = "88801") -> str:
    paid = sum(Decimal(c[0].split("*")[4]) for c in claims)
    head = header(str(paid), trace=trace, payer_id=payer_id)
    head[0] = head[0].replace("20250315", date)
    return interchange([*head, "LX*1", *(s for c in claims for s in c)])


def paid_line(claim_id: str, n: int, code: str = "99214", charge: str = "200",
              paid: str = "120") -> list[str]:
    rest = Decimal(charge) - Decimal(paid)
    return svc(code, charge, paid, f"CO:45:{rest}", f"{claim_id}-{n}")


def write_scenario(tmp_path: Path, patient: str = "TESTPATIENT*ALPHA") -> dict[str, Path]:
    """batch.837 and three 835s (era1 earliest, era3 a second payer)."""
    files = {"claims": tmp_path / "batch.837", "era1": tmp_path / "era1.835",
             "era2": tmp_path / "era2.835", "era3": tmp_path / "era3.835"}
    files["claims"].write_text(claims_837(patient))
    files["era1"].write_text(era(
        "20250301", "ERA1",
        clp("PCN004", "1", "200", "120", "ICN4A", paid_line("PCN004", 1)),
        clp("PCN005", "1", "200", "120", "ICN5A", paid_line("PCN005", 1)),
        clp("PCN014", "1", "125", "100", "ICN14", paid_line("PCN014", 1, "99213", "125", "100")),
    ))
    files["era2"].write_text(era(
        "20250315", "ERA2",
        clp("PCN001", "1", "165", "100", "ICN1",
            svc("99213:25", "125", "100", "CO:45:25", "PCN001-1"),
            svc("96372", "40", "0", "CO:16:40", "PCN001-2", "N349")),
        clp(LONG_ID[:20], "1", "200", "150", "ICN2", paid_line(LONG_ID, 1, paid="150")),
        clp("PCN003", "1", "305", "200", "ICN3", svc("20610", "180", "110", "CO:45:70"),
            svc("99213", "125", "90", "CO:45:35")),
        clp("PCN004", "22", "-200", "-120", "ICN4A",
            svc("99214", "-200", "-120", "CO:45:-80", "PCN004-1")),
        clp("PCN004", "1", "200", "80", "ICN4B",
            svc("99214", "200", "80", "CO:45:70 CO:151:50", "PCN004-1", "N362")),
        clp("PCN005", "22", "-200", "-120", "ICN5A",
            svc("99214", "-200", "-120", "CO:45:-80", "PCN005-1")),
        clp("PCN006", "19", "200", "60", "ICN6", paid_line("PCN006", 1, paid="60")),
        clp("PCN008", "4", "305", "0", "ICN8", cas="CO:27:305"),
        clp("PCN009", "1", "125", "0", "ICN9", svc("99213", "125", "0", "CO:45:25 PR:1:100",
                                                  "PCN009-1")),
        clp("PCN010", "1", "125", "0", "ICN10", svc("99213", "125", "0", "OA:133:125",
                                                    "PCN010-1")),
        clp("UNKNOWN01", "1", "125", "90", "ICNU", svc("99213", "125", "90", "CO:45:35", "U-1")),
        clp("PCN012", "1", "225", "170", "ICN12",
            paid_line("PCN012", 1, "99213", "125", "90"),
            svc("99215", "100", "80", "CO:45:20", "NEVER-SENT")),
        clp("PCN013", "1", "305", "220", "ICN13", svc("20610", "180", "130", "CO:45:50", "DUP-1"),
            svc("99213", "125", "90", "CO:45:35", "DUP-1")),
        clp("PCN014", "1", "125", "0", "ICN14B", svc("99213", "125", "0", "OA:18:125",
                                                     "PCN014-1")),
        clp("PCN015", "1", "70", "20", "ICN15", svc("96372", "40", "0", "CO:58:40", "PCN015-1",
                                                    "M97"),
            svc("J3420", "30", "20", "CO:45:10", "PCN015-2")),
        clp("PCN016", "1", "110", "70", "ICN16", paid_line("PCN016", 1, "99211", "40", "20"),
            paid_line("PCN016", 2, "96372", "40", "30"),
            paid_line("PCN016", 3, "J3420", "30", "20")),
    ))
    files["era3"].write_text(era(
        "20250320", "ERA3", clp("PCN006", "2", "200", "15", "SEC6",
                                paid_line("PCN006", 1, paid="15")), payer_id="77701"))
    return files


@pytest.fixture
def results(tmp_path: Path) -> tuple[dict[str, ClaimResult], Reconciler]:
    f = write_scenario(tmp_path)
    # Remits deliberately out of date order: settling orders them by BPR16.
    rec = Reconciler([f["claims"]], [f["era3"], f["era2"], f["era1"]])
    return {r.claim_id: r for r in rec.results()}, rec


def statuses(r: ClaimResult) -> list[str]:
    return [ln.status for ln in r.lines]


def test_denied_line_predicted_by_the_scan(results) -> None:
    r = results[0]["PCN001"]
    assert (r.status, r.paid, statuses(r)) == ("partial", Decimal("100"), ["paid", "denied"])
    denied = r.lines[1]
    assert denied.denial_categories == ("drug-link",)
    assert denied.predicted_by == ("R96372-001",)
    assert denied.prediction == "predicted"
    assert denied.match == "exact" and denied.line_control == "PCN001-2"
    assert "drug" in denied.adjustments[0].why.action.lower()


def test_truncated_claim_id_matches_the_long_sent_id(results) -> None:
    r = results[0][LONG_ID]
    assert (r.match, r.remit_claim_id, r.status, r.paid) == (
        "truncated", LONG_ID[:20], "paid", Decimal("150"))
    # A claim-level finding counts for every line; the line was paid anyway.
    assert r.lines[0].predicted_by == ("R837-002",)
    assert r.lines[0].prediction == "flagged-paid"


def test_lines_without_ref6r_fall_back_to_procedure_date_and_charge(results) -> None:
    r = results[0]["PCN003"]  # remitted in the other order than sent
    assert [(ln.procedure, ln.match, ln.paid) for ln in r.lines] == [
        ("99213", "fallback", Decimal("90")), ("20610", "fallback", Decimal("110"))]


def test_duplicate_ref6r_is_told_apart_by_the_line_fields(results) -> None:
    r = results[0]["PCN013"]
    assert [(ln.procedure, ln.paid, ln.match) for ln in r.lines] == [
        ("99213", Decimal("90"), "exact"), ("20610", Decimal("130"), "exact")]


def test_reversal_and_correction_net_to_the_correction(results) -> None:
    r = results[0]["PCN004"]
    assert (r.status, r.paid, r.net_paid) == ("partial", Decimal("80"), Decimal("80"))
    assert [role for _, role in r.remits] == ["reversed", "reversal", "correction"]
    assert r.lines[0].denial_categories == ("units",)
    assert r.lines[0].net_paid == Decimal("80")


def test_reversal_without_correction_is_reversed(results) -> None:
    r = results[0]["PCN005"]
    assert (r.status, r.paid, r.net_paid, statuses(r)) == (
        "reversed", Decimal(0), Decimal(0), ["reversed"])
    assert "reversal" in r.lines[0].categories and r.lines[0].denial_categories == ()


def test_secondary_payer_adds_to_the_primary(results) -> None:
    r = results[0]["PCN006"]
    assert (r.status, r.paid, r.net_paid) == ("paid", Decimal("75"), Decimal("75"))
    assert [x.status_code for x, _ in r.remits] == ["19", "2"]
    assert r.lines[0].paid == Decimal("75")


def test_claim_without_remit_is_unpaid(results) -> None:
    r = results[0]["PCN007"]
    assert (r.status, r.paid, r.remits, statuses(r)) == ("unpaid", Decimal(0), (), ["unpaid"])


def test_claim_level_denial_without_lines_denies_every_line(results) -> None:
    r = results[0]["PCN008"]
    assert (r.status, statuses(r)) == ("denied", ["denied", "denied"])
    assert all(ln.via_claim and ln.denial_categories == ("eligibility",) for ln in r.lines)
    assert r.lines[1].denied_amount == Decimal("180")


def test_deductible_is_not_a_denial(results) -> None:
    r = results[0]["PCN009"]
    assert (r.status, r.lines[0].status, r.lines[0].paid) == ("paid", "paid", Decimal(0))
    assert r.lines[0].categories == ("contractual", "patient-responsibility")


def test_pending_line_is_unpaid(results) -> None:
    r = results[0]["PCN010"]
    assert (r.status, r.lines[0].status, r.lines[0].categories) == (
        "unpaid", "unpaid", ("pending",))


def test_remit_for_a_claim_never_sent(results) -> None:
    r = results[0]["UNKNOWN01"]
    assert (r.status, r.remit_status, r.paid, r.file) == (
        "unmatched-remit", "paid", Decimal("90"), "")
    assert statuses(r) == ["unmatched-remit"] and r.lines[0].remit_status == "paid"


def test_remit_line_never_sent_is_its_own_row(results) -> None:
    r = results[0]["PCN012"]
    assert statuses(r) == ["paid", "unmatched-remit"]
    assert (r.lines[1].procedure, r.lines[1].line_control) == ("99215", "NEVER-SENT")
    assert results[1].totals.has_unmatched


def test_duplicate_denial_after_payment_keeps_the_payment(results) -> None:
    r = results[0]["PCN014"]
    assert (r.status, r.paid) == ("paid", Decimal("100"))
    assert [role for _, role in r.remits] == ["counted", "duplicate-denial"]


def test_line_level_finding_predicts_place_of_service_denial(results) -> None:
    r = results[0]["PCN015"]
    assert r.lines[0].status == "denied"
    assert r.lines[0].denial_categories == ("place-of-service",)
    assert r.lines[0].prediction == "predicted"
    assert r.lines[1].prediction == ""  # the drug line was not flagged and was paid


def test_totals_and_prediction_summary(results) -> None:
    s = results[1].totals.summary()
    assert (s["claims"], s["remitted"], s["unpaid_claims"], s["unmatched_remits"],
            s["unmatched_remit_lines"]) == (15, 14, 2, 1, 1)
    assert s["claim_status"] == {"denied": 1, "paid": 8, "partial": 3, "reversed": 1,
                                 "unmatched-remit": 1, "unpaid": 2}
    assert s["match"] == {"claims": {"exact": 13, "truncated": 1},
                          "lines": {"exact": 17, "fallback": 2}}
    # 40 (drug-link) + 50 (units) + 305 (eligibility, claim level) + 40 (place of service)
    assert s["denied"] == "435.00"
    assert {c["category"]: c["amount"] for c in s["denied_by_category"]} == {
        "eligibility": "305.00", "units": "50.00", "drug-link": "40.00",
        "place-of-service": "40.00"}
    p = s["prediction"]
    assert (p["denial_lines"], p["predicted"], p["missed"]) == (5, 2, 3)
    assert [m["category"] for m in p["missed_by_category"]] == ["eligibility", "units"]
    assert p["flagged_paid_by_rule"] == [{"rule": "R837-002", "lines": 1},
                                        {"rule": "R96372-020", "lines": 1}]
    assert s["paid"] == "1185.00"  # every counted remit of the sent claims


def test_remit_order_does_not_matter(tmp_path: Path) -> None:
    f = write_scenario(tmp_path)
    one = Reconciler([f["claims"]], [f["era1"], f["era2"], f["era3"]])
    two = Reconciler([f["claims"]], [f["era2"], f["era3"], f["era1"]])
    key = [(r.claim_id, r.status, r.paid, r.net_paid, tuple(statuses(r)))
           for r in one.results()]
    assert key == [(r.claim_id, r.status, r.paid, r.net_paid, tuple(statuses(r)))
                   for r in two.results()]


def test_same_remit_file_twice_counts_once(tmp_path: Path) -> None:
    f = write_scenario(tmp_path)
    once = {r.claim_id: r for r in Reconciler([f["claims"]], [f["era2"]]).results()}
    twice = {r.claim_id: r for r in Reconciler([f["claims"]], [f["era2"], f["era2"]]).results()}
    for claim_id, r in once.items():
        assert (twice[claim_id].status, twice[claim_id].paid) == (r.status, r.paid), claim_id
    assert [role for _, role in twice["PCN001"].remits] == ["counted", "copy"]


def test_truncated_lookup_needs_a_long_unique_prefix() -> None:
    index = SentIndex()
    for claim_id in ("ABCDEFGHIJKLMNOPQRS1", "ABCDEFGHIJKLMNOPQRS2X", "PCN1", "PCN10"):
        index.add(SentClaim(claim_id, Decimal(10), "f", "", "", "", "", (), (), False))
    assert index.find("PCN1", Decimal(10)) == (2, "exact")
    assert index.find("PCN", Decimal(10)) is None  # short ids never match by prefix
    assert index.find("ABCDEFGHIJKLMNOPQRS2", Decimal(10)) == (1, "truncated")
    # Two longer ids share the prefix and the charge: ambiguous, left to a person.
    assert index.find("ABCDEFGHIJKLMNOPQRS", Decimal(10)) is None
    assert len("ABCDEFGHIJKLMNOPQRS") >= MIN_TRUNCATED


def test_related_categories_count_as_predicted() -> None:
    """An E/M without modifier 25 (scan: modifier) denied as CO-97 + N20 (bundling) was
    predicted (reference §C.6 row 2); an unrelated category still is missed."""
    from reconcile.status import predicted_categories, prediction_of

    categories = {"R96372-030": "modifier", "R837-002": "missing-information"}
    assert "bundling" in predicted_categories("modifier")
    assert predicted_categories("eligibility") == frozenset({"eligibility"})
    assert prediction_of("denied", ("bundling",), ("R96372-030",), (), categories) == "predicted"
    assert prediction_of("denied", ("eligibility",), ("R96372-030",), (), categories) == "missed"
    assert prediction_of("partial", ("missing-information",), ("R837-002",), (),
                         categories) == "predicted"
    assert prediction_of("paid", (), ("R837-002",), ("R837-002",), categories) == "flagged-paid"
