"""Issue 10: hostile values and user data files give findings or one line, never a crash."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from x12core.values import parse_dt, parse_n0, parse_r

ERA = FIXTURES / "835" / "era.835"
CLEAN = FIXTURES / "837p" / "clean.837"


@pytest.mark.parametrize("text", ["1E+999999999", "1e5", "sNaN", "nan", "-inf", "Infinity",
                                  "²", "1²", "+5", "1.2.3", " 5", "5 ", "", "-", ".",
                                  "9" * 40])
def test_parse_r_refuses_what_is_not_an_x12_decimal(text: str) -> None:
    assert parse_r(text) is None


@pytest.mark.parametrize("text,value", [("25.01", "25.01"), ("-3", "-3"), (".5", "0.5"),
                                        ("40.", "40"), ("0", "0")])
def test_parse_r_reads_x12_decimals(text: str, value: str) -> None:
    from decimal import Decimal

    assert parse_r(text) == Decimal(value)


def test_parse_n0_and_dt() -> None:
    assert parse_n0("12") == 12 and parse_n0("²") is None and parse_n0("1e3") is None
    assert parse_dt("20250115") is not None
    for bad in ("00010101", "99991231", "20251345", "2025011", "２０２５０１１５", "2025-01-15"):
        assert parse_dt(bad) is None, bad


def _replace_element(data: bytes, tag: bytes, index: int, value: bytes) -> bytes:
    start = data.index(tag + b"*")
    end = data.index(b"~", start)
    elements = data[start:end].split(b"*")
    elements[index] = value
    return data[:start] + b"*".join(elements) + data[end:]


def test_exponent_amount_in_835_is_a_finding_fast(cli, tmp_path: Path) -> None:
    path = tmp_path / "exp.835"
    path.write_bytes(_replace_element(ERA.read_bytes(), b"CLP", 5, b"1E+999999999"))
    started = time.monotonic()
    result = cli("remit", path, "-f", "json")
    assert time.monotonic() - started < 20  # was 9 s and 1.9 GB before failing
    assert result.code == 1, result.err
    findings = json.loads(result.out)["findings"]
    assert any(f["element"] == "CLP05" and "not an amount" in f["message"] for f in findings)


@pytest.mark.parametrize("profile", ["medicare", "medicaid", "commercial"])
def test_garbage_numbers_and_dates_in_837_are_findings(cli, tmp_path: Path,
                                                       profile: str) -> None:
    data = _replace_element(CLEAN.read_bytes(), b"BHT", 4, b"00010101")
    data = data.replace(b"LX*1~", "LX*²~".encode("latin-1"), 1)
    data = data.replace(b"*UN*1*", b"*UN*1E+999999999*", 1)
    path = tmp_path / "garbage.837"
    path.write_bytes(data)
    result = cli("scan", path, "-f", "json", "--payer-profile", profile)
    assert result.code == 1, result.err
    report = json.loads(result.out)
    hits = [f for c in report["claims"] for f in c["findings"] if f["rule"] == "R837-008"]
    assert {f["element"] for f in hits} == {"LX01", "SV104"}
    assert report["summary"]["claims"] == 10


@pytest.mark.parametrize("text,words", [
    ("[settings]\nndc_length = \"x\"\n", "settings.ndc_length: 'x' is not of type 'integer'"),
    ("extends = \"medicare\"\n[single_dose]\nJ1885 = 3\n", "single_dose.J1885: 3 is not"),
    ("rules = 5\n", "rules: 5 is not of type 'object'"),
    ("[severity]\nR96372-001 = {a = 1}\n", "severity.R96372-001"),
])
def test_bad_payer_profile_is_one_line_naming_the_key(cli, tmp_path: Path, text: str,
                                                      words: str) -> None:
    profile = tmp_path / "payer.toml"
    profile.write_text(text)
    result = cli("scan", CLEAN, "--payer-profile", profile)
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert "payer.toml: not a valid payer profile" in result.err and words in result.err


@pytest.mark.parametrize("command", ["remit", "scan"])
def test_binary_toml_is_one_line(cli, tmp_path: Path, command: str) -> None:
    junk = tmp_path / "junk.toml"
    junk.write_bytes(bytes(range(128, 256)) * 4)
    args = ([ERA, "--causes", junk] if command == "remit"
            else [CLEAN, "--payer-profile", junk])
    result = cli(command, *args)
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert "not UTF-8" in result.err


def test_short_service_segments_are_not_a_crash(cli, tmp_path: Path) -> None:
    # Found by the fuzz test: R837-090 indexed SV1/DTP elements that a truncated segment
    # does not have (IndexError -> "internal error" in reconcile and scan).
    data = CLEAN.read_bytes()
    data = data.replace(b"SV1*HC:J3301*38*UN*4***1~", b"SV1*HC:J3301~")
    data = data.replace(b"DTP*472*D8*20250215~", b"DTP*472~", 1)
    path = tmp_path / "short.837"
    path.write_bytes(data)
    result = cli("scan", path, "-f", "json")
    assert result.code in (0, 1), result.err
    assert json.loads(result.out)["summary"]["claims"] == 10
