"""`claimkit scan` and `claimkit rules` end to end: formats, contract fields, exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from edi837.docs import rules_markdown
from edi837.report import COLUMNS
from tests.scan.x12claims import KETOROLAC, claim, subscriber, wrap

ROOT = Path(__file__).resolve().parent.parent
CLEAN = claim("CLEAN1", [KETOROLAC, ["SV1*HC:96372*40*UN*1***1"]])
NO_DRUG = claim("NODRUG1", [["SV1*HC:96372*40*UN*1***1", "DTP*472*D8*20250110"]])
WARN_ONLY = claim("WARN1", [[s.replace("20250115", "20250120") for s in KETOROLAC],
                            ["SV1*HC:96372:25*40*UN*1***1", "DTP*472*D8*20250120"]])


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    """Medicare: one clean claim, one 96372 without its drug (error), one warning only."""
    path = tmp_path / "batch.837"
    path.write_text(wrap(subscriber("MB") + CLEAN + NO_DRUG + WARN_ONLY))
    return path


def test_text_view_shows_held_claims_and_summary(cli, batch: Path) -> None:
    r = cli("scan", batch)
    assert r.code == 1
    assert "Held claims" in r.out and "NODRUG1" in r.out and "R96372-001" in r.out
    assert "fix: Add the drug's HCPCS line" in r.out
    assert "WARN1" not in r.out.split("\n\n")[0]  # held table only: WARN1 is not held
    assert "3 claim(s): 2 clean, 1 held; 1 error(s), 1 warning(s)" in r.out
    assert r.err == ""


def test_json_follows_the_contract(cli, batch: Path) -> None:
    r = cli("scan", batch, "--format", "json")
    assert r.code == 1
    doc = json.loads(r.out)
    assert list(doc) == ["schema_version", "summary", "claims", "file_findings",
                         "reference_data"]
    # Without installed tables the shipped subsets judged the batch, and the report says so.
    assert {r["kind"] for r in doc["reference_data"] if r["source"] == "shipped subset"} \
        >= {"ncci-ptp", "ncci-mue", "hcpcs"}
    assert {"files": 1, "claims": 3, "clean": 2, "held": 1, "errors": 1,
            "warnings": 1}.items() <= doc["summary"].items()
    claims = {c["claim_id"]: c for c in doc["claims"]}
    held = claims["NODRUG1"]
    for key in ("claim_id", "file", "interchange", "group", "transaction", "payer_id",
                "charge", "status", "findings"):
        assert key in held
    assert (held["status"], held["charge"], held["payer_id"]) == ("held", "40.00", "88801")
    assert (held["interchange"], held["group"], held["transaction"]) == ("000000701", "701",
                                                                        "0001")
    (f,) = held["findings"]
    assert {"rule": "R96372-001", "category": "drug-link", "severity": "error",
            "line_number": 1, "segment": "SV1", "element": "SV101-2",
            "value": "96372"}.items() <= f.items()
    assert f["message"] and f["fix"] and f["segment_index"] and f["file_line"]
    assert claims["CLEAN1"]["status"] == "clean" and claims["CLEAN1"]["findings"] == []
    assert claims["WARN1"]["status"] == "clean"
    assert doc["file_findings"] == []


def test_jsonl_and_csv_rows_repeat_the_claim_fields(cli, batch: Path) -> None:
    r = cli("scan", batch, "-f", "jsonl")
    rows = [json.loads(line) for line in r.out.splitlines()]
    assert [(row["claim_id"], row["rule"]) for row in rows] == [
        ("NODRUG1", "R96372-001"), ("WARN1", "R96372-031")]
    assert all(row["file"].endswith("batch.837") and row["payer_id"] == "88801" for row in rows)
    r = cli("scan", batch, "-f", "csv")
    table = list(csv.DictReader(io.StringIO(r.out)))
    assert list(table[0]) == list(COLUMNS)
    assert [(t["claim_id"], t["rule"], t["status"]) for t in table] == [
        ("NODRUG1", "R96372-001", "held"), ("WARN1", "R96372-031", "clean")]


def test_fail_on_select_ignore_and_profile(cli, batch: Path) -> None:
    assert cli("scan", batch, "--ignore", "drug-link").code == 0
    r = cli("scan", batch, "--ignore", "drug-link", "--fail-on", "warning", "-f", "json")
    assert r.code == 1 and json.loads(r.out)["summary"]["held"] == 1
    r = cli("scan", batch, "--select", "R96372-03", "-f", "jsonl")
    assert {json.loads(x)["rule"] for x in r.out.splitlines()} == {"R96372-031"}
    r = cli("scan", batch, "--payer-profile", "commercial", "-f", "json")
    assert r.code == 0  # without its drug, 96372 is only a warning for commercial payers
    assert json.loads(r.out)["summary"]["warnings"] == 2


def test_clean_file_exits_0_and_out_writes_a_file(cli, tmp_path: Path) -> None:
    path = tmp_path / "clean.837"
    path.write_text(wrap(subscriber("MB") + CLEAN))
    target = tmp_path / "report.json"
    r = cli("scan", path, "-f", "json", "--out", target)
    assert (r.code, r.out) == (0, "")
    assert json.loads(target.read_text())["summary"]["clean"] == 1


@pytest.mark.parametrize("make, message", [
    (lambda p: None, "no such file"),
    (lambda p: p.write_text("hello, this is not X12\n"), "not an X12 file"),
    (lambda p: p.write_text(wrap(CLEAN).replace("ST*837", "ST*835")), "not an 837 claim file"),
    (lambda p: p.write_text(wrap(CLEAN).replace("X222A1", "X223A2")), "837 institutional"),
])
def test_bad_input_is_one_line_and_exit_2(cli, tmp_path: Path, make, message: str) -> None:
    path = tmp_path / "in.837"
    make(path)
    r = cli("scan", path, "-f", "json")
    assert r.code == 2 and r.out == ""
    assert r.err.count("\n") == 1 and message in r.err and str(path) in r.err


@pytest.mark.parametrize("args, message", [
    (["--select", "R999"], "no rule matches 'R999'"),
    (["--payer-profile", "tricare"], "unknown payer profile"),
    (["--ptp-file", "missing.txt"], "no such file"),
])
def test_bad_options_are_one_line_and_exit_2(cli, batch: Path, args: list[str],
                                             message: str) -> None:
    r = cli("scan", batch, *args)
    assert r.code == 2 and message in r.err and r.err.count("\n") == 1


def test_envelope_problems_go_to_file_findings(cli, tmp_path: Path) -> None:
    path = tmp_path / "b.837"
    path.write_text(wrap(subscriber("MB") + CLEAN).replace("\nSE*", "\nSE*9", 1))
    r = cli("scan", path, "-f", "json")
    doc = json.loads(r.out)
    assert r.code == 1 and doc["summary"]["held"] == 0
    (f,) = doc["file_findings"]
    assert f["rule"] == "X12-ENV" and f["category"] == "structure" and f["element"] == "SE01"


def test_validate_attaches_pyx12_findings_to_their_claim(cli, tmp_path: Path) -> None:
    bad_sv1 = claim("BAD1", [KETOROLAC, ["SV1*HC:96372*40*ZZ*1***1"]])
    path = tmp_path / "v.837"
    path.write_text(wrap(subscriber("MB") + CLEAN + bad_sv1))
    doc = json.loads(cli("scan", path, "-f", "json").out)
    assert doc["summary"]["held"] == 0
    r = cli("scan", path, "-f", "json", "--validate")
    doc = json.loads(r.out)
    claims = {c["claim_id"]: c for c in doc["claims"]}
    (f,) = [f for f in claims["BAD1"]["findings"] if f["category"] == "structure"]
    assert f["rule"] == "X12-IG" and f["segment"] == "SV1" and f["line_number"] == 2
    assert f["element"] == "SV103" and claims["BAD1"]["status"] == "held"
    assert claims["CLEAN1"]["findings"] == [] and r.code == 1


def test_rules_list_show_and_errors(cli) -> None:
    r = cli("rules")
    assert r.code == 0 and "R96372-001" in r.out and "injection-without-drug" in r.out
    r = cli("rules", "injection-without-drug")
    assert r.code == 0 and r.out.startswith("R96372-001  injection-without-drug")
    assert "Why:" in r.out and "Bad:" in r.out and "medicare error" in r.out
    r = cli("rules", "--format", "json")
    doc = json.loads(r.out)
    assert doc["summary"]["rules"] == len(doc["rules"]) >= 30
    assert cli("rules", "R999").code == 2


def test_docs_rules_md_is_current() -> None:
    """Regenerate with: claimkit rules --markdown --out docs/rules.md"""
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == rules_markdown()


def test_several_files_and_file_finding_rows(cli, tmp_path: Path, batch: Path) -> None:
    broken = tmp_path / "broken.837"
    broken.write_text(wrap(subscriber("MB") + CLEAN).replace("\nGE*1*", "\nGE*7*", 1))
    r = cli("scan", batch, broken, "-f", "json")
    doc = json.loads(r.out)
    assert doc["summary"]["files"] == 2 and doc["summary"]["claims"] == 4
    assert {c["file"] for c in doc["claims"]} == {str(batch), str(broken)}
    assert [f["element"] for f in doc["file_findings"]] == ["GE01"]
    rows = [json.loads(x) for x in cli("scan", batch, broken, "-f", "jsonl").out.splitlines()]
    assert rows[-1]["rule"] == "X12-ENV" and rows[-1]["claim_id"] == ""
    assert rows[-1]["file"] == str(broken) and rows[-1]["transaction"] == ""
    text = cli("scan", batch, broken).out
    assert "File findings (not part of a claim):" in text and "2 file(s), 4 claim(s)" in text
