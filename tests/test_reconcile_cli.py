"""`claimkit reconcile` end to end through the real entry point: formats, HTML, redaction,
exit codes. The files are the hand-made scenario of ``test_reconcile``."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from lxml import html as lhtml

from reconcile.report import COLUMNS
from tests.test_reconcile import write_scenario

HOSTILE = "SMITH<SCRIPT>ALERT(1)</SCRIPT>&CO*ANN"  # last name*first name in NM1*IL


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return write_scenario(tmp_path)


def run_all(cli, f: dict[str, Path], *extra: str):
    return cli("reconcile", "--claims", f["claims"], "--remits", f["era1"], "--remits",
               f["era2"], "--remits", f["era3"], *extra)


def test_json_rows_follow_the_contract(cli, files) -> None:
    r = run_all(cli, files, "--format", "json")
    assert r.code == 1, r.err  # a remit for a claim never sent
    doc = json.loads(r.out)
    assert list(doc) == ["schema_version", "summary", "rows", "reference_data"]
    assert {r["kind"] for r in doc["reference_data"]} >= {"ncci-ptp", "ncci-mue", "hcpcs"}
    rows = doc["rows"]
    for row in rows:
        for key in ("claim_id", "line_control", "status", "charge", "paid", "categories",
                    "predicted_by"):
            assert key in row, key
        assert row["status"] in ("paid", "partial", "denied", "reversed", "unpaid",
                                 "unmatched-remit")
        assert re.fullmatch(r"-?\d+\.\d\d", row["charge"]) and re.fullmatch(
            r"-?\d+\.\d\d", row["paid"])
        assert row["row_type"] in ("claim", "line")
    first = [(x["row_type"], x["line_control"], x["status"], x["paid"]) for x in rows[:3]]
    assert first == [("claim", "", "partial", "100.00"), ("line", "PCN001-1", "paid", "100.00"),
                     ("line", "PCN001-2", "denied", "0.00")]
    denied = rows[2]
    assert (denied["categories"], denied["predicted_by"], denied["prediction"]) == (
        ["drug-link"], ["R96372-001"], "predicted")
    assert denied["adjustments"][0] | {"action": ""} == {
        "group": "CO", "reason": "16", "code": "CO-16", "remarks": ["N349"], "amount": "40.00",
        "category": "drug-link", "denial": True, "action": ""}
    reversal = next(x for x in rows if x["claim_id"] == "PCN004" and x["row_type"] == "claim")
    assert [(x["role"], x["paid"]) for x in reversal["remits"]] == [
        ("reversed", "120.00"), ("reversal", "-120.00"), ("correction", "80.00")]
    assert doc["summary"]["unmatched_remits"] == 1 and doc["summary"]["paid"] == "1185.00"


def test_jsonl_and_csv_carry_the_same_rows(cli, files) -> None:
    rows = json.loads(run_all(cli, files, "-f", "json").out)["rows"]
    lines = [json.loads(x) for x in run_all(cli, files, "-f", "jsonl").out.splitlines()]
    assert lines == rows
    table = list(csv.DictReader(io.StringIO(run_all(cli, files, "-f", "csv").out)))
    assert list(table[0]) == list(COLUMNS)
    assert [(t["claim_id"], t["status"], t["paid"]) for t in table] == [
        (x["claim_id"], x["status"], x["paid"]) for x in rows]
    pcn4 = next(t for t in table if t["claim_id"] == "PCN004" and t["row_type"] == "line")
    assert pcn4["denial_categories"] == "units" and pcn4["codes"] == "CO-151 N362"
    assert pcn4["adjustments"] == "CO-45 70.00 contractual; CO-151 [N362] 50.00 units"


def test_text_puts_the_summary_first_and_fits_a_terminal(cli, files) -> None:
    r = run_all(cli, files)
    assert r.code == 1
    text = r.out
    assert text.startswith("Reconciliation: 15 claim(s) sent (22 lines), 14 remitted")
    order = [text.index(h) for h in ("status  ", "Denied $435.00 by root cause",
                                     "Scan prediction: 2 of 5", "Worst denied lines",
                                     "Unpaid claims", "Unmatched remits",
                                     "Remit lines with no sent line", "Reversed claims")]
    assert order == sorted(order)
    assert "UNMATCHED: 1 remit claim(s)" in text
    assert max(len(line) for line in text.splitlines()) <= 100


def test_html_report_sections_numbers_and_escaping(cli, tmp_path: Path) -> None:
    f = write_scenario(tmp_path, patient=HOSTILE)
    out = tmp_path / "report.html"
    r = run_all(cli, f, "--format", "html", "--out", out)
    assert r.code == 1 and r.out == ""
    page = out.read_text()
    assert "<script" not in page.lower() and "<link" not in page.lower()
    assert "src=" not in page and "http" not in page.replace("http://www.w3.org/2000/svg", "")
    doc = lhtml.fromstring(page)
    ids = doc.xpath("//section/@id")
    for sid in ("totals", "chart", "denied", "unpaid", "unmatched", "reversed", "prediction",
                "missed", "flagged-paid", "reference-data"):
        assert sid in ids, sid
    assert "shipped subset" in page  # which code tables judged the claims
    cards = dict(zip(doc.xpath("//section[@id='totals']//div[@class='label']/text()"),
                     doc.xpath("//section[@id='totals']//div[@class='value']/text()"),
                     strict=True))
    assert {k: cards[k] for k in ("Claims sent", "Remitted", "Paid", "Denied", "Unpaid claims",
                                  "Unmatched remits")} == {
        "Claims sent": "15", "Remitted": "14", "Paid": "$1,185.00", "Denied": "$435.00",
        "Unpaid claims": "2", "Unmatched remits": "1"}
    bars = doc.xpath("//section[@id='chart']//*[local-name()='text']/text()")
    assert bars[:2] == ["eligibility", "$305.00"] and "drug-link" in bars
    assert len(doc.xpath("//section[@id='chart']//*[local-name()='rect']")) == 4
    denied = [[td.text_content() for td in tr.xpath("td")]
              for tr in doc.xpath("//section[@id='denied']//tbody/tr")]
    assert [row[0] for row in denied] == ["PCN008", "PCN008", "PCN004", "PCN001", "PCN015"]
    pcn1 = denied[3]
    assert pcn1[:9] == ["PCN001", "2", "96372", "40.00", "0.00", "40.00", "CO-16", "N349",
                        "drug-link"]
    assert pcn1[10:] == ["R96372-001", "predicted"] and "drug" in pcn1[9].lower()
    unpaid = doc.xpath("string(//section[@id='unpaid'])")
    assert "PCN007" in unpaid and "SMITH<SCRIPT>ALERT(1)</SCRIPT>&CO, ANN" in unpaid
    assert "UNKNOWN01" in doc.xpath("string(//section[@id='unmatched'])")
    assert "NEVER-SENT" in doc.xpath("string(//section[@id='unmatched-lines'])")
    assert "PCN005" in doc.xpath("string(//section[@id='reversed'])")
    prediction = doc.xpath("//section[@id='prediction']//div[@class='value']/text()")
    assert prediction == ["5", "2 (40%)", "3", "0", "2"]


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl", "csv", "html"])
def test_redact_masks_names_and_member_ids_in_every_format(cli, files, fmt) -> None:
    plain = run_all(cli, files, "-f", fmt).out
    assert "TESTPATIENT" in plain or fmt == "text"  # the text view lists unpaid patients
    masked = run_all(cli, files, "-f", fmt, "--redact").out
    for secret in ("TESTPATIENT", "ALPHA", "MEMBER0", "REMITPATIENT", "REMITID"):
        assert secret not in masked, (fmt, secret)
    assert "***" in masked


def test_redacted_json_fields(cli, files) -> None:
    rows = json.loads(run_all(cli, files, "-f", "json", "--redact").out)["rows"]
    claims = [x for x in rows if x["row_type"] == "claim"]
    assert {x["patient"] for x in claims} == {"***"} and {x["member_id"] for x in claims} == {
        "***"}


def test_exit_codes(cli, files, tmp_path: Path) -> None:
    only_first = ("reconcile", "--claims", files["claims"], "--remits", files["era1"])
    assert cli(*only_first).code == 0  # unpaid claims alone are normal: remits still coming
    assert cli(*only_first, "--fail-on-unpaid").code == 1
    # Files named without --claims/--remits go where their first ST01 says.
    positional = cli("reconcile", files["era2"], files["claims"], "-f", "json")
    assert positional.code == 1
    summary = json.loads(positional.out)["summary"]
    assert (summary["claims"], summary["remits"]["payments"]) == (15, 1)


@pytest.mark.parametrize("case", ["missing", "swapped", "not-x12", "no-remits"])
def test_bad_input_is_one_line_and_exit_2(cli, files, tmp_path: Path, case: str) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("not an interchange\n")
    args = {
        "missing": ["--claims", files["claims"], "--remits", tmp_path / "nope.835"],
        "swapped": ["--claims", files["era1"], "--remits", files["claims"]],
        "not-x12": ["--claims", files["claims"], "--remits", junk],
        "no-remits": ["--claims", files["claims"]],
    }[case]
    out = tmp_path / "report.json"
    r = cli("reconcile", *args, "--out", out)
    assert r.code == 2, (r.out, r.err)
    assert r.err.count("\n") == 1 and r.err.startswith("claimkit: ")
    assert "Traceback" not in r.err and not out.exists()
