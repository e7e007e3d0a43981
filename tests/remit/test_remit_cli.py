"""`claimkit remit` and `claimkit explain` end to end, through the real entry point."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.remit.x835 import DRUG_CLAIM, PAID_CLAIM, header, interchange
from tests.x12text import BODY
from tests.x12text import interchange as interchange_837

REVERSAL = ["CLP*PCN0001*22*-225*-144*-36*MB*ICN0001*11*1",
            "SVC*HC:99213:25*-125*-72**-1", "CAS*CO*45*-35", "CAS*PR*2*-18",
            "SVC*HC:96372*-100*-72**-1", "CAS*CO*45*-10", "CAS*PR*2*-18"]
PLB = ["PLB*1234567893*20251231*L6:ICN0001*-2.50*WO:ICN0777*40"]


@pytest.fixture
def era(tmp_path: Path) -> Path:
    # Payer 1: a paid claim and a denied drug line, interest and a recoupment (176 + 2.50 - 40).
    # Payer 2: a reversal (a debit: BPR03 D) and an unknown code on a second ST.
    unknown = ["CLP*PCN0003*1*50*0**12*ICN0003*11*1", "SVC*HC:99999*50*0**1", "CAS*CO*Z99*50",
               "LQ*HE*N9999"]
    path = tmp_path / "era.835"
    path.write_text(interchange(
        [*header("138.50"), "LX*1", *PAID_CLAIM, *DRUG_CLAIM, *PLB],
        [*header("144", trace="CHK2", payer="OTHER PLAN", payer_id="77701", method="CHK", credit="D"), "LX*1", *REVERSAL, *unknown]))
    return path


@pytest.fixture
def unbalanced(tmp_path: Path) -> Path:
    path = tmp_path / "unbalanced.835"
    body = PAID_CLAIM + [s.replace("CAS*CO*45*28", "CAS*CO*45*25") for s in DRUG_CLAIM]
    path.write_text(interchange([*header("176"), "LX*1", *body]))
    return path


def test_json_follows_the_contract(cli, era: Path) -> None:
    r = cli("remit", era, "--format", "json")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    s = doc["summary"]
    assert (s["payments"], s["claims"], s["paid"], s["denied_lines"], s["balanced"]) == (
        2, 4, "32.00", 2, True)
    assert s["unmapped"] == ["CO-Z99", "N9999"]
    # 138.50 credit (payer 1) and 144.00 debit (payer 2, BPR03 D)
    assert s["payment_total"] == "-5.50"
    pay = doc["payments"][0]
    assert {k: pay[k] for k in ("file", "trace", "payer_id", "amount", "balanced")} == {
        "file": str(era), "trace": "EFT0001", "payer_id": "88801", "amount": "138.50",
        "balanced": True}
    assert pay["provider_adjustments"][:2] == [
        {"reason": "L6", "reference": "ICN0001", "amount": "-2.50", "provider": "1234567893",
         "fiscal_date": "20251231"},
        {"reason": "WO", "reference": "ICN0777", "amount": "40.00", "provider": "1234567893",
         "fiscal_date": "20251231"}]
    claim = doc["claims"][1]
    for key in ("claim_id", "status_code", "charge", "paid", "patient_responsibility",
                "payer_claim_id", "balanced", "adjustments", "lines"):
        assert key in claim
    assert (claim["claim_id"], claim["charge"], claim["paid"], claim["payer_claim_id"]) == (
        "PCN0002", "85.01", "32.00", "ICN0002")
    line = claim["lines"][0]
    assert {k: line[k] for k in ("procedure", "modifiers", "line_control", "charge", "paid",
                                 "units", "denied", "remarks")} == {
        "procedure": "J1885", "modifiers": ["JZ"], "line_control": "PCN0002-1",
        "charge": "25.01", "paid": "0.00", "units": "2", "denied": True, "remarks": ["M119"]}
    [adj] = line["adjustments"]
    assert {k: adj[k] for k in ("group", "reason", "amount", "category", "denial")} == {
        "group": "CO", "reason": "16", "amount": "25.01", "category": "drug-data",
        "denial": True}
    assert "NDC" in adj["action"]
    reversal, unknown = doc["claims"][2:]
    assert (reversal["status"], reversal["categories"]) == ("reversed", ["reversal"])
    assert [ln["categories"] for ln in reversal["lines"]] == [["reversal"], ["reversal"]]
    # The codes keep their categories (negated amounts net against the original).
    assert {a["category"] for ln in reversal["lines"] for a in ln["adjustments"]} == {
        "contractual", "patient-responsibility"}
    assert all("pair it" in a["action"] for ln in reversal["lines"] for a in ln["adjustments"])
    assert unknown["lines"][0]["adjustments"][0]["category"] == "unmapped"
    assert unknown["lines"][0]["denied"] is True
    assert doc["findings"] == []


def test_text_view_summarises_and_lists_denied_lines(cli, era: Path) -> None:
    r = cli("remit", era)
    assert r.code == 0, r.err
    out = r.out
    assert out.startswith("2 payment(s), 4 claim(s): paid 32.00 on claims")
    assert "Denied lines: 2" in out
    causes = out.split("Top root causes")[1].split("\n\n")[0]
    assert "drug-data" in causes and "25.01" in causes and "unmapped" in causes
    table = out.split("Denied and partially paid lines (2)")[1]
    assert "PCN0002-1" in table and "CO-16" in table and "M119" in table
    assert "Fix the NDC" in table and "CO-Z99" in table
    assert "every line, claim and payment balances" in out
    assert "Unmapped codes (not in the cause map): CO-Z99, N9999" in out


def test_unbalanced_exits_1_with_location_and_difference(cli, unbalanced: Path) -> None:
    r = cli("remit", unbalanced, "--format", "json")
    assert r.code == 1
    doc = json.loads(r.out)
    assert doc["summary"]["balanced"] is False
    [line, claim] = doc["findings"]  # CLP04 itself is unchanged: the payment still adds up
    assert (line["level"], line["difference"], line["element"], line["claim_id"],
            line["line_number"], line["file_line"]) == ("line", "3.00", "SVC03", "PCN0002", 2, 37)
    assert (claim["level"], claim["difference"], claim["element"]) == ("claim", "3.00", "CLP04")
    assert doc["payments"][0]["balanced"] is False  # a claim in it does not balance
    text = cli("remit", unbalanced)
    assert text.code == 1 and "Problems: 2 imbalance(s)" in text.out
    assert "difference 3.00" in text.out


def test_jsonl_and_csv_rows(cli, era: Path, unbalanced: Path) -> None:
    r = cli("remit", era, "--format", "jsonl")
    rows = [json.loads(x) for x in r.out.splitlines()]
    adjustments = [x for x in rows if x["record"] == "adjustment"]
    assert len(adjustments) == 5 + 2 + 4 + 1
    drug = next(x for x in adjustments if x["reason"] == "16")
    assert (drug["claim_id"], drug["line_control"], drug["procedure"], drug["amount"],
            drug["category"], drug["remarks"], drug["line_status"]) == (
        "PCN0002", "PCN0002-1", "J1885", "25.01", "drug-data", "M119", "denied")
    r = cli("remit", unbalanced, "--format", "csv")
    assert r.code == 1
    table = list(csv.DictReader(io.StringIO(r.out)))
    findings = [x for x in table if x["record"] == "finding"]
    assert [x["difference"] for x in findings] == ["3.00", "3.00"]
    assert findings[0]["group"] == ""  # not the GS06 control number


def test_causes_overlay_changes_the_category(cli, era: Path, tmp_path: Path) -> None:
    overlay = tmp_path / "ours.toml"
    overlay.write_text('[carc.Z99]\nmeaning = "private code"\ncategory = "authorization"\n')
    doc = json.loads(cli("remit", era, "-f", "json", "--causes", overlay).out)
    assert doc["summary"]["unmapped"] == ["N9999"]
    assert doc["claims"][3]["lines"][0]["adjustments"][0]["category"] == "authorization"


@pytest.mark.parametrize("content,reason", [
    (b"", "file is empty"),
    (b"Dear provider, your payment is enclosed.\n", "does not start with an ISA"),
    (b"ISA*00*          *00*  ", "truncated ISA"),
    (b"\x00\x01\x02PK\x03\x04" * 40, "binary"),
])
def test_bad_input_exits_2_with_one_line(cli, tmp_path: Path, content: bytes,
                                         reason: str) -> None:
    path = tmp_path / "bad.835"
    path.write_bytes(content)
    r = cli("remit", path)
    assert r.code == 2 and r.out == ""
    assert r.err.count("\n") == 1 and str(path) in r.err and reason in r.err


def test_missing_file_and_837_input_exit_2(cli, tmp_path: Path) -> None:
    r = cli("remit", tmp_path / "nope.835")
    assert r.code == 2 and "no such file" in r.err and r.err.count("\n") == 1
    claims = tmp_path / "batch.837"
    claims.write_text(interchange_837(BODY))
    r = cli("remit", claims)
    assert r.code == 2 and "not an 835" in r.err and r.err.count("\n") == 1


def test_explain(cli) -> None:
    r = cli("explain", "CO-16", "M119")
    assert r.code == 0
    assert "drug-data" in r.out and "a denial" in r.out and "NDC" in r.out
    assert "scenario 2" in r.out
    r = cli("explain", "PR-1")
    assert r.code == 0 and "patient-responsibility (not a denial)" in r.out
    r = cli("explain", "CO-16", "MA130", "--format", "json")
    doc = json.loads(r.out)
    assert doc["unprocessable"] and "new claim" in doc["action"]
    r = cli("explain", "16")
    assert r.code == 0 and "missing-information" in r.out and "If PR:" in r.out
    r = cli("explain", "M119")
    assert r.code == 0 and "drug-data" in r.out
    r = cli("explain", "CO-Z99")
    assert r.code == 1 and "unmapped" in r.out
    r = cli("explain", "HELLO")
    assert r.code == 2 and r.err.count("\n") == 1 and "HELLO" in r.err


def test_reversal_then_correction_is_recognised(cli, tmp_path: Path) -> None:
    correction = ["CLP*PCN0001*1*225*150*36*MB*ICN0001B*11*1",
                  "SVC*HC:99213:25*125*75**1", "CAS*CO*45*32", "CAS*PR*2*18",
                  "SVC*HC:96372*100*75**1", "CAS*CO*45*7", "CAS*PR*2*18"]
    path = tmp_path / "corrected.835"
    path.write_text(interchange([*header("6"), "LX*1", *REVERSAL, *correction]))
    r = cli("remit", path, "-f", "json")
    assert r.code == 0, r.out
    doc = json.loads(r.out)
    assert [(c["status"], c["correction"]) for c in doc["claims"]] == [
        ("reversed", False), ("paid", True)]
    assert (doc["summary"]["reversals"], doc["summary"]["corrections"]) == (1, 1)
    assert doc["summary"]["paid"] == "6.00" and doc["summary"]["denied_lines"] == 0
    assert "Reversals: 1 claim(s) reversed, 1 corrected" in cli("remit", path).out


FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def test_bundled_multi_payer_file(cli) -> None:
    r = cli("remit", FIXTURES / "835" / "multi-payer.835", "-f", "json")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert doc["summary"]["payments"] == 10 and doc["summary"]["balanced"] is True
    assert len({p["payer_id"] for p in doc["payments"]}) == 5
    assert all(p["balanced"] for p in doc["payments"])
    assert {c["payer_id"] for c in doc["claims"]} == {p["payer_id"] for p in doc["payments"]}


def test_bundled_unbalanced_file_exits_1(cli) -> None:
    r = cli("remit", FIXTURES / "835" / "unbalanced.835", "-f", "json")
    assert r.code == 1
    findings = json.loads(r.out)["findings"]
    levels = sorted((f["level"], f["severity"]) for f in findings if f["severity"] != "info")
    assert levels == [("claim", "error"), ("line", "error"),
                      ("patient-responsibility", "warning"), ("payment", "error")]
    # SVC02 raised by 5.00 also leaves the lines' charges 5.00 over CLP03: noted, not failed.
    assert [(f["level"], f["difference"]) for f in findings if f["severity"] == "info"] == [
        ("line-charges", "5.00")]


@pytest.mark.parametrize("name", ["empty.837", "not-x12.txt", "truncated-isa.837", "binary.bin"])
def test_bundled_bad_inputs_exit_2(cli, name: str) -> None:
    path = FIXTURES / "bad" / name
    r = cli("remit", path)
    assert r.code == 2 and r.out == ""
    assert r.err.count("\n") == 1 and r.err.startswith(f"claimkit: {path}: not an X12 file")


def test_explain_with_overlay(cli, tmp_path: Path) -> None:
    overlay = tmp_path / "ours.toml"
    overlay.write_text('[rarc.M119]\naction = "Call pharmacy desk ext. 42."\n')
    r = cli("explain", "CO-16+M119", "--causes", overlay, "-f", "json")
    doc = json.loads(r.out)
    assert r.code == 0 and doc["action"] == "Call pharmacy desk ext. 42."
    assert doc["category"] == "drug-data" and str(overlay) in doc["map"]
