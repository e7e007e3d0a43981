"""`claimkit validate`: pyx12 validation as findings, 999s, exit codes, formats."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.x12text import isa
from x12core.validate import validate_file

VALID_837 = """\
ISA*00*          *00*          *ZZ*SUBMITTERID    *ZZ*RECEIVERID     *250315*1200*^*00501*000000701*0*T*:~
GS*HC*SUBMITTERID*RECEIVERID*20250315*1200*701*X*005010X222A1~
ST*837*0001*005010X222A1~
BHT*0019*00*BATCH0001*20250315*1200*CH~
NM1*41*2*TEST BILLING GROUP*****46*SUBMIT01~
PER*IC*BILLING CONTACT*TE*5555550100~
NM1*40*2*TEST CLEARINGHOUSE*****46*RECV01~
HL*1**20*1~
PRV*BI*PXC*207Q00000X~
NM1*85*2*TEST FAMILY PRACTICE*****XX*1234567893~
N3*100 MAIN ST~
N4*ANYTOWN*NY*12345~
REF*EI*123456789~
HL*2*1*22*0~
SBR*P*18*******MB~
NM1*IL*1*TESTPATIENT*ALPHA****MI*1EG4TE5MK73~
N3*1 ELM ST~
N4*ANYTOWN*NY*12345~
DMG*D8*19500101*F~
NM1*PR*2*MEDICARE PART B*****PI*12345~
CLM*PCN0001*65.01***11:B:1*Y*A*Y*Y~
HI*ABK:M545~
LX*1~
SV1*HC:J1885:JZ*25.01*UN*2***1~
DTP*472*D8*20250115~
REF*6R*PCN0001-1~
LIN**N4*00409379501~
CTP****1*ML~
LX*2~
SV1*HC:96372*40*UN*1***1~
DTP*472*D8*20250115~
REF*6R*PCN0001-2~
SE*31*0001~
GE*1*701~
IEA*1*000000701~
"""


@pytest.fixture
def valid(tmp_path: Path) -> Path:
    path = tmp_path / "valid.837"
    path.write_text(VALID_837)
    return path


@pytest.fixture
def invalid(tmp_path: Path) -> Path:
    path = tmp_path / "invalid.837"
    path.write_text(VALID_837.replace("SV1*HC:96372*40*", "SV1*HC:96372*4X0*")
                    .replace("DTP*472*D8*20250115~\nREF*6R*PCN0001-1",
                             "DTP*472*D8*20251315~\nREF*6R*PCN0001-1"))
    return path


def test_valid_file_has_no_findings(valid: Path) -> None:
    result = validate_file(valid)
    assert result.validated and result.ok
    assert result.findings == []


def test_invalid_file_findings_point_at_segment_and_element(invalid: Path) -> None:
    result = validate_file(invalid)
    by_element = {f.location.element: f for f in result.findings}
    assert set(by_element) == {"SV102", "DTP03"}
    sv102 = by_element["SV102"]
    assert sv102.category == "structure"
    assert sv102.location.segment == "SV1"
    assert sv102.location.file_line == 30
    assert sv102.location.value == "4X0"
    assert (sv102.location.interchange, sv102.location.group, sv102.location.transaction) == (
        "000000701", "701", "0001")
    assert by_element["DTP03"].location.file_line == 25


def test_cli_valid_exit_0_all_formats(cli, valid: Path) -> None:
    for fmt in ("text", "json", "jsonl", "csv"):
        res = cli("validate", valid, "-f", fmt)
        assert res.code == 0, res.err
    res = cli("validate", valid, "-f", "json")
    doc = json.loads(res.out)
    assert doc["summary"] == {"files": 1, "valid": 1, "invalid": 0, "errors": 0,
                              "warnings": 0, "info": 0}
    assert "valid" in cli("validate", valid).out


def test_cli_invalid_exit_1_all_formats(cli, invalid: Path) -> None:
    res = cli("validate", invalid, "-f", "json")
    assert res.code == 1
    doc = json.loads(res.out)
    assert doc["summary"]["errors"] == 2
    finding = doc["files"][0]["findings"][0]
    for key in ("file", "interchange", "group", "transaction", "rule", "category", "severity",
                "message", "fix", "segment", "file_line", "element", "value"):
        assert key in finding
    res = cli("validate", invalid, "-f", "jsonl")
    rows = [json.loads(line) for line in res.out.splitlines()]
    assert res.code == 1 and len(rows) == 2 and {r["element"] for r in rows} == {"SV102", "DTP03"}
    res = cli("validate", invalid, "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(res.out)))
    assert res.code == 1 and [r["file_line"] for r in rows] == ["25", "30"]
    res = cli("validate", invalid)
    assert res.code == 1 and "INVALID" in res.out and "SV102" in res.out


def test_ack_999_written_atomically(cli, invalid: Path, valid: Path, tmp_path: Path) -> None:
    ack = tmp_path / "out.999"
    assert cli("validate", invalid, "--ack", ack).code == 1
    text = ack.read_text()
    assert "ST*999*" in text and "AK9*R*1*1*0" in text
    assert cli("validate", valid, "--ack", ack).code == 0
    assert "AK9*A*1*1*1" in ack.read_text()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []
    # The 999 itself is X12 that validates against pyx12's 999 map.
    assert validate_file(ack).ok


def test_x222a2_is_validated_against_a1(tmp_path: Path, cli) -> None:
    path = tmp_path / "a2.837"
    path.write_text(VALID_837.replace("005010X222A1", "005010X222A2"))
    result = validate_file(path)
    assert result.validated
    assert [(f.name, str(f.severity)) for f in result.findings] == [
        ("version-substituted", "info")]
    assert cli("validate", path).code == 0
    strict = validate_file(path, substitute_versions=False)
    assert not strict.validated
    assert [f.name for f in strict.findings] == ["unknown-version"]
    assert cli("validate", path, "--strict-version").code == 0  # a warning, below --fail-on
    assert cli("validate", path, "--strict-version", "--fail-on", "warning").code == 1


def test_envelope_checks_fill_what_pyx12_misses(tmp_path: Path) -> None:
    from x12core.validation_report import validate_one

    path = tmp_path / "st03.837"
    path.write_text(VALID_837.replace("ST*837*0001*005010X222A1", "ST*837*0001*005010X222"))
    assert validate_file(path).findings == []  # pyx12 alone says nothing
    found = validate_one(str(path), want_ack=False, substitute_versions=True).findings
    assert [f.message for f in found] == ["ST03 005010X222 differs from GS08 005010X222A1"]
    # Where pyx12 already reports a segment, our own envelope finding is not repeated.
    path.write_text(VALID_837 + "JUNK*1~\n")
    found = validate_one(str(path), want_ack=False, substitute_versions=True).findings
    assert {f.rule for f in found} == {"X12-IG"}


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "file is empty"),
    (b"Dear billing team,\nplease find attached\n", "does not start with an ISA segment"),
    (isa().encode()[:50], "truncated ISA header"),
    (bytes(range(256)) * 4, "binary data"),
])
def test_not_x12_exits_2_with_one_line(cli, tmp_path: Path, content: bytes,
                                       reason: str) -> None:
    path = tmp_path / "in.837"
    path.write_bytes(content)
    res = cli("validate", path)
    assert res.code == 2
    assert res.out == ""
    assert res.err.count("\n") == 1 and reason in res.err and str(path) in res.err
    assert "Traceback" not in res.err


def test_missing_file_and_directory_exit_2(cli, tmp_path: Path) -> None:
    res = cli("validate", tmp_path / "missing.837")
    assert res.code == 2 and "no such file" in res.err and res.err.count("\n") == 1
    res = cli("validate", tmp_path)
    assert res.code == 2 and "is a directory" in res.err


def test_several_files_run_in_parallel(cli, valid: Path, invalid: Path, tmp_path: Path) -> None:
    acks = tmp_path / "acks"
    acks.mkdir()
    res = cli("validate", valid, invalid, "-f", "json", "--jobs", "2", "--ack", acks)
    assert res.code == 1
    doc = json.loads(res.out)
    assert [f["valid"] for f in doc["files"]] == [True, False]
    assert sorted(p.name for p in acks.iterdir()) == ["invalid.837.999", "valid.837.999"]


def test_out_file(cli, invalid: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    res = cli("validate", invalid, "-f", "json", "-o", out)
    assert res.code == 1 and res.out == ""
    assert json.loads(out.read_text())["summary"]["invalid"] == 1


def test_every_interchange_is_validated_even_with_other_delimiters(tmp_path: Path,
                                                                    cli) -> None:
    """pyx12 reads a whole file with the first ISA's delimiters; claimkit validates each
    interchange on its own, so an error in the second one is found and located."""
    from tests.conftest import FIXTURES
    from x12core.reader import SegmentReader

    source = FIXTURES / "837p" / "multi-interchange.837"
    segments = list(SegmentReader(source))
    second_isa = [s for s in segments if s.tag == "ISA"][1]
    target = next(s for s in segments if s.tag == "SV1" and s.index > second_isa.index)
    raw = source.read_bytes()
    charge = target[2].encode()
    at = raw.index(charge, target.offset)
    broken = tmp_path / "multi.837"
    broken.write_bytes(raw[:at] + b"12X" + raw[at + len(charge):])
    assert validate_file(source).ok
    result = validate_file(broken, want_ack=True)
    [finding] = result.findings
    assert (finding.location.element, finding.location.value) == ("SV102", "12X")
    assert finding.location.segment_index == target.index
    assert finding.location.file_line == target.line
    assert finding.location.interchange == second_isa[13]
    assert result.ack is not None and result.ack.count("ISA") == 2
    assert cli("validate", broken).code == 1


VALID_FIXTURES = ["837p/clean.837", "837p/pipe-crlf.837", "837p/newline-terminated.837",
                  "837p/multi-interchange.837", "837p/one-line.837", "837p/bom.837",
                  "837p/x222a2.837", "835/era.835", "835/multi-payer.835"]


@pytest.mark.parametrize("name", VALID_FIXTURES)
def test_bundled_valid_fixtures_exit_0(cli, name: str) -> None:
    from tests.conftest import FIXTURES

    res = cli("validate", FIXTURES / name, "-f", "json")
    assert res.code == 0, res.out
    assert json.loads(res.out)["summary"]["errors"] == 0


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl", "csv"])
def test_bundled_bad_envelope_fixture_exit_1(cli, fmt: str) -> None:
    from tests.conftest import FIXTURES

    res = cli("validate", FIXTURES / "837p" / "bad-envelope.837", "-f", fmt)
    assert res.code == 1
    for word in ("SE", "GE", "IEA"):
        assert word in res.out
