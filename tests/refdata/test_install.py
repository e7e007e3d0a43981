"""`claimkit data install/status` on files built in the exact distributed layouts."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from fixtures import refdata_files as rf
from refdata import install as install_mod
from refdata.store import STORE_NAME


def _store_digest(data_dir: Path) -> str:
    path = data_dir / STORE_NAME
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "absent"


def _rows(data_dir: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(data_dir / STORE_NAME)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_install_every_kind_then_status(cli, data_dir: Path, files: Path) -> None:
    ptp = rf.write_ptp(files)
    mue = rf.write_mue(files)
    hcpcs = rf.write_hcpcs(files)
    price, xwalk = rf.write_asp(files)
    fda = rf.write_fda(files)
    r = cli("data", "install", *ptp, mue, hcpcs, price, xwalk, fda)
    assert r.code == 0, r.err
    assert "installed: NCCI PTP edits, practitioner (Medicare) v322r0 effective 2026-07-01 " \
        "through 2026-09-30, 11 rows" in r.out
    assert "NCCI MUE, practitioner services (Medicare) 2026Q3" in r.out
    # The MUE zip holds the CSV and the xlsx: read once, from the CSV.
    assert _rows(data_dir, "SELECT value, mai FROM mue WHERE code='96372'") == [(4, 3)]
    # HCPCS fixed width: continuation records glued at the right place, the modifier code.
    (long_,) = _rows(data_dir, "SELECT long FROM hcpcs WHERE code='A0384'")[0]
    assert "defibrillation is permitted in bls ambulances)" in long_
    assert _rows(data_dir, "SELECT term_dt FROM hcpcs WHERE code='J1030'") == [(20240331,)]
    assert _rows(data_dir, "SELECT code FROM hcpcs WHERE code='JZ'") == [("JZ",)]
    # Crosswalk NDCs in 11-digit billing form; the AWP crosswalk was kept apart.
    assert _rows(data_dir, "SELECT ndc, billunits, pkg_size FROM xwalk WHERE code='J1885'") \
        == [("99901010101", 2.0, 1.0)]
    assert _rows(data_dir, "SELECT container FROM fda_package WHERE ndc='99901010101'") \
        == [("single",)]
    # PTP history rows kept (two rows for 96372/99213) and '*' read as no deletion.
    assert len(_rows(data_dir, "SELECT * FROM ptp WHERE c1='96372' AND c2='99213'")) == 2
    files_rows = _rows(data_dir, "SELECT part, sha256 FROM file WHERE part LIKE 'f%'")
    assert sorted(p for p, _ in files_rows) == ["f1", "f2", "f3", "f4"]
    assert all(len(s) == 64 for _, s in files_rows)

    r = cli("data", "status", "-f", "json", "--today", "2026-08-15")
    assert r.code == 0, r.err
    report = json.loads(r.out)
    kinds = {d["kind"] for d in report["datasets"]}
    assert kinds == {"ncci-ptp", "ncci-mue", "hcpcs", "asp-pricing", "asp-crosswalk",
                     "fda-ndc"}
    assert report["stale"] == []
    ptp_entry = next(d for d in report["datasets"] if d["kind"] == "ncci-ptp")
    assert ptp_entry["effective"] == {"start": "2026-07-01", "end": "2026-09-30"}
    assert "AMA" in ptp_entry["license"]
    r = cli("data", "status", "--today", "2026-11-02")
    assert "stale: NCCI MUE, practitioner services (Medicare): no table in force on " \
        "2026-11-02" in r.out


def test_same_files_twice_is_a_no_op(cli, data_dir: Path, files: Path) -> None:
    mue = rf.write_mue(files)
    assert cli("data", "install", mue).code == 0
    before = _store_digest(data_dir)
    r = cli("data", "install", mue)
    assert r.code == 0
    assert r.out.startswith("unchanged:") and "already installed (same sha256)" in r.out
    assert _store_digest(data_dir) == before


def test_two_quarters_side_by_side(cli, data_dir: Path, files: Path) -> None:
    q3 = rf.write_mue(files, eff="07-01-2026", quarter="2026-q3")
    other = files / "q4"
    other.mkdir()
    q4 = rf.write_mue(other, [("96372", "3", rf.CLIN, "x")], eff="10-01-2026",
                      quarter="2026-q4")
    assert cli("data", "install", q3, q4).code == 0
    versions = _rows(data_dir, "SELECT version, start, end FROM dataset ORDER BY start")
    assert versions == [("2026Q3", 20260701, 20260930), ("2026Q4", 20261001, 20261231)]


def _refused(cli, data_dir: Path, *args: object) -> str:
    before = _store_digest(data_dir)
    r = cli("data", "install", *args)
    assert r.code == 2, (r.out, r.err)
    assert r.err.startswith("claimkit: ") and r.err.count("\n") == 1, r.err
    assert "Traceback" not in r.err
    assert _store_digest(data_dir) == before
    return r.err


def test_wrong_tables_are_refused_with_one_sentence(cli, data_dir: Path, files: Path) -> None:
    assert cli("data", "install", rf.write_mue(files)).code == 0
    hospital = files / "hospital"
    hospital.mkdir()
    outpatient = rf.write_mue(hospital, kind="OutpatientHospitalServices",
                              header=["HCPCS/\nCPT Code", "Outpatient Hospital Services MUE "
                                      "Values", "MUE Adjudication Indicator", "MUE Rationale"])
    assert "OutpatientHospitalServices MUE table" in _refused(cli, data_dir, outpatient)
    dme = files / "MCR_MUE_DMESupplierServices_Eff_07-01-2026.csv"
    dme.write_bytes(rf.mue_csv(rf.MUE_ROWS))
    assert "DMESupplierServices MUE table" in _refused(cli, data_dir, dme)
    oph = files / "medicare-ncci-2026q3-hospital-ptp-edits-ccioph-v322r0-f1.zip"
    with zipfile.ZipFile(oph, "w") as z:
        z.writestr("ccioph-v322r0-f1.TXT", rf.ptp_text(rf.PTP_ROWS))
    assert "hospital outpatient" in _refused(cli, data_dir, oph)
    medicaid = files / "medicaid-ncci-q2-2026-ptp-edits-practitioner-services.zip"
    with zipfile.ZipFile(medicaid, "w") as z:
        z.writestr("ccipra-v321r0-f1.txt", rf.ptp_text(rf.PTP_ROWS))
    assert "Medicaid" in _refused(cli, data_dir, medicaid)
    order = files / "icd10cm_order_2026.txt"
    order.write_text("00001 A00     0 Cholera      Cholera\n")
    assert "order file" in _refused(cli, data_dir, order)
    awp = files / "section 508 version of July 2026 AWP NDC-HCPCS Crosswalk.csv"
    awp.write_text("x\n")
    assert "AWP" in _refused(cli, data_dir, awp)
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("article.csv", "article_id,article_version,title\r\n")
    mcd = files / "current_article.zip"
    with zipfile.ZipFile(mcd, "w") as z:
        z.writestr("current_article_csv.zip", inner.getvalue())
    assert "current_article_csv.zip!article.csv: the Medicare Coverage Database article " \
        "export" in _refused(cli, data_dir, mcd)


def test_truncated_zip(cli, data_dir: Path, files: Path) -> None:
    mue = rf.write_mue(files)
    cut = files / "cut.zip"
    cut.write_bytes(mue.read_bytes()[: mue.stat().st_size // 2])
    assert "not a readable zip" in _refused(cli, data_dir, cut)


def test_changed_header_names_the_column(cli, data_dir: Path, files: Path) -> None:
    header = list(rf.XWALK_HEADER_2026)
    header[6] = "PACKAGE SIZE"
    _, xwalk = rf.write_asp(files, header=header)
    err = _refused(cli, data_dir, xwalk)
    assert "crosswalk header changed: column 7 is 'PACKAGE SIZE', expected 'PKG SIZE'" in err


def test_crosswalk_2025_header_generation(cli, data_dir: Path, files: Path) -> None:
    _, xwalk = rf.write_asp(files, month=1, year=2025, header=rf.XWALK_HEADER_2025)
    r = cli("data", "install", xwalk)
    assert r.code == 0, r.err
    assert "crosswalk 2025Q1 effective 2025-01-01 through 2025-03-31" in r.out


def test_failed_canary(cli, data_dir: Path, files: Path) -> None:
    rows = [r if (r[0], r[1]) != ("96372", "99211") else (*r[:5], "1", r[6])
            for r in rf.PTP_ROWS]
    err = _refused(cli, data_dir, *rf.write_ptp(files, rows))
    assert "fails its known-answer check: 96372/99211 with modifier indicator 0" in err
    _, xwalk = rf.write_asp(files, rows=[("J1885", "Ketorolac", "Mock", "99901-0101-01", "K",
                                          "30 MG", "1", "1", "1", "1")])
    assert "J1885 dosage 15 MG expected, found 30 MG" in _refused(cli, data_dir, xwalk)


def test_row_floor(cli, data_dir: Path, files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLAIMKIT_DATA_FLOOR_SCALE")
    mue = rf.write_mue(files)
    assert "fewer than the 10,000 a full table holds" in _refused(cli, data_dir, mue)
    assert cli("data", "install", "--allow-small", mue).code == 0


def test_ptp_needs_all_four_parts(cli, data_dir: Path, files: Path) -> None:
    parts = rf.write_ptp(files)
    assert "missing f2, f3" in _refused(cli, data_dir, parts[0], parts[3])


def test_interrupted_install_leaves_the_store(cli, data_dir: Path, files: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("data", "install", rf.write_mue(files)).code == 0
    before = _store_digest(data_dir)
    real = install_mod._insert
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(install_mod, "_insert", flaky)
    r = cli("data", "install", *rf.write_ptp(files))
    assert r.code == 130 and "Traceback" not in r.err
    assert _store_digest(data_dir) == before
    assert _rows(data_dir, "SELECT count(*) FROM ptp") == [(0,)]


def test_xlsx_float_cells(cli, data_dir: Path, files: Path) -> None:
    book = files / "MCR_MUE_PractitionerServices_Eff_07-01-2026.xlsx"
    book.write_bytes(rf.mue_xlsx(rf.MUE_ROWS))
    assert cli("data", "install", book).code == 0
    assert _rows(data_dir, "SELECT value FROM mue WHERE code='J1100'") == [(120,)]
    hx = files / "HCPC2026_JUL_ANWEB.xlsx"
    hx.write_bytes(rf.hcpcs_xlsx(rf.HCPCS_ROWS))
    assert cli("data", "install", hx).code == 0
    assert _rows(data_dir, "SELECT add_dt, term_dt FROM hcpcs WHERE code='J1030'") == \
        [(19820101, 20240331)]
