"""The scan with installed tables: the table in force on each date of service,
one-off official files added to coverage, and the provenance in the reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixtures import refdata_files as rf
from tests.scan.x12claims import wrap

KETOROLAC = ["SV1*HC:J1885:JZ*25*UN*2***1~", "LIN**N4*99901010101~", "CTP****1*ML~"]


def _claim(day: str, *lines: str) -> str:
    body = ["CLM*PCN1*100***11:B:1*Y*A*Y*Y~", "HI*ABK:M5450~"]
    for n, line in enumerate(lines, 1):
        sv1, *rest = line.split("|")
        body += [f"LX*{n}~", sv1, f"DTP*472*D8*{day}~", f"REF*6R*PCN1-{n}~", *rest]
    return wrap("\n".join(body))


def _batch(tmp_path: Path, name: str, day: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text(_claim(day, *lines))
    return path


def _rules(cli, *args: object) -> set[str]:
    r = cli("scan", *args, "-f", "json", "--exit-zero")
    assert r.code == 0, r.err
    return {f["rule"] for c in json.loads(r.out)["claims"] for f in c["findings"]}


@pytest.fixture
def two_mue_quarters(cli, data_dir: Path, files: Path) -> None:
    """2026 Q3 allows 4 units of 96372; the Q4 table (mock) allows 1, policy MAI 2."""
    q4 = files / "q4"
    q4.mkdir()
    r = cli("data", "install", rf.write_mue(files),
            rf.write_mue(q4, [("96372", "1", "2 Date of Service Edit: Policy", "x"),
                              *rf.MUE_ROWS[1:]], eff="10-01-2026", quarter="2026-q4"))
    assert r.code == 0, r.err


def test_scan_picks_the_quarter_by_date_of_service(cli, two_mue_quarters: None,
                                                   tmp_path: Path) -> None:
    line = "SV1*HC:96372*80*UN*2***1~"
    august = _batch(tmp_path, "aug.837", "20260815", "|".join(KETOROLAC), line)
    november = _batch(tmp_path, "nov.837", "20261115", "|".join(KETOROLAC), line)
    assert "R96372-040" not in _rules(cli, august)
    r = cli("scan", november, "-f", "json")
    doc = json.loads(r.out)
    (hit,) = [f for c in doc["claims"] for f in c["findings"] if f["rule"] == "R96372-040"]
    assert "exceed its MUE of 1" in hit["message"] and hit["severity"] == "error"
    mue = [d for d in doc["reference_data"] if d["kind"] == "ncci-mue"]
    assert [(d["version"], d["source"]) for d in mue] == [("2026Q4", "installed")]
    assert len(mue[0]["sha256"][0]) == 64
    # Text report: MUE installed, PTP/HCPCS still judged by the shipped subsets.
    text = cli("scan", november).out
    assert text.count("reference data: shipped curated subsets judged this batch for "
                      "NCCI PTP, HCPCS") == 1
    # A one-off --mue-file wins over the installed quarter for the codes it has.
    assert "R96372-040" not in _rules(cli, november, "--mue-file", rf.write_mue(tmp_path))


def test_installed_ptp_rows_carry_their_dates(cli, data_dir: Path, files: Path,
                                              tmp_path: Path) -> None:
    rows = [*rf.PTP_ROWS, ("96372", "99499", "", "20090101", "20251231", "0", rf.MISUSE)]
    assert cli("data", "install", *rf.write_ptp(files, rows)).code == 0
    line = "SV1*HC:99499*50*UN*1***1~"
    jab = "SV1*HC:96372*40*UN*1***1~"
    before = _batch(tmp_path, "a.837", "20250615", "|".join(KETOROLAC), jab, line)
    after = _batch(tmp_path, "b.837", "20260615", "|".join(KETOROLAC), jab, line)
    assert "R96372-020" in _rules(cli, before)  # pair in force (deleted 2025-12-31)
    assert "R96372-020" not in _rules(cli, after)
    nine = _batch(tmp_path, "c.837", "20260615", "|".join(KETOROLAC), jab,
                  "SV1*HC:99211*25*UN*1***1~")
    assert "R96372-020" in _rules(cli, nine)


def test_installed_hcpcs_quarter(cli, data_dir: Path, files: Path, tmp_path: Path) -> None:
    assert cli("data", "install", rf.write_hcpcs(files)).code == 0
    terminated = _batch(tmp_path, "t.837", "20260815", "SV1*HC:J1030:JZ*25*UN*1***1~",
                        "SV1*HC:96372*40*UN*1***1~")
    unknown = _batch(tmp_path, "u.837", "20260815", "SV1*HC:J1886:JZ*25*UN*1***1~",
                     "SV1*HC:96372*40*UN*1***1~")
    assert "R837-010" in _rules(cli, terminated)
    assert "R96372-084" in _rules(cli, unknown)


def test_ptp_file_parts_add_to_coverage(cli, tmp_path: Path, files: Path) -> None:
    """A part with no 96372 pair must not empty the edits (it did: exit 0, no finding)."""
    parts = rf.write_ptp(files, [r for r in rf.PTP_ROWS if "96372" not in r[:2]]
                         + [("11000", "11001", "", "20090101", "*", "1", rf.STD)])
    batch = _batch(tmp_path, "b.837", "20250615", "|".join(KETOROLAC),
                   "SV1*HC:96372*40*UN*1***1~", "SV1*HC:99211*25*UN*1***1~")
    args = [a for p in parts for a in ("--ptp-file", p)]
    assert "R96372-020" in _rules(cli, batch, *args)
    # The distributed zips and the .xlsx copies are read (no csv.Error).
    full = rf.write_ptp(tmp_path)
    assert "R96372-020" in _rules(cli, batch, "--ptp-file", full[3], "--ptp-file", full[0])
    book = tmp_path / "MCR_MUE_PractitionerServices_Eff_07-01-2026.xlsx"
    book.write_bytes(rf.mue_xlsx([("96372", "1", rf.CLIN, "x")]))
    r = cli("scan", batch, "--mue-file", book, "-f", "json", "--exit-zero",
            "--select", "R96372-040")
    assert r.code == 0, r.err
    r = cli("scan", batch, "--ptp-file", rf.write_mue(tmp_path))
    assert r.code == 2 and "holds NCCI MUE" in r.err and "--ptp-file" in r.err


def test_jsonl_and_csv_rows_name_the_tables(cli, two_mue_quarters: None,
                                            tmp_path: Path) -> None:
    batch = _batch(tmp_path, "b.837", "20261115", "|".join(KETOROLAC),
                   "SV1*HC:96372*80*UN*2***1~")
    rows = [json.loads(x) for x in cli("scan", batch, "-f", "jsonl").out.splitlines()]
    assert rows and all("ncci-mue 2026Q3,2026Q4 installed" in r["reference_data"]
                        for r in rows)
    assert "ncci-ptp shipped subset" in rows[0]["reference_data"]
    header = cli("scan", batch, "-f", "csv").out.splitlines()[0]
    assert header.endswith(",reference_data")


def test_audit_reports_name_the_tables(cli, two_mue_quarters: None, tmp_path: Path) -> None:
    batch = _batch(tmp_path, "b.837", "20261115", "|".join(KETOROLAC),
                   "SV1*HC:96372*80*UN*2***1~")
    doc = json.loads(cli("audit", "--claims", batch, "-f", "json").out)
    assert ("ncci-mue", "2026Q4", "installed") in {
        (r["kind"], r["version"], r["source"]) for r in doc["reference_data"]}
    page = cli("audit", "--claims", batch, "-f", "html").out
    assert "Code tables that judged the claims" in page and "2026Q4" in page
