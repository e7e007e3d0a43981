"""Table lookups other rules use, and the installed tables they read."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from edi837.tables import Tables
from fixtures import refdata_files as rf
from refdata.units import billing_unit_of
from tests.scan.x12claims import wrap


def test_billing_unit_from_descriptors() -> None:
    assert billing_unit_of("Injection, ketorolac tromethamine, per 15 mg") == "15 mg"
    assert billing_unit_of("Injection, vitamin b-12 cyanocobalamin, up to 1000 mcg") \
        == "up to 1000 mcg"
    assert billing_unit_of("Injection, penicillin g benzathine, 100,000 units") \
        == "100000 units"
    assert billing_unit_of("Unclassified drugs") == ""


def test_hospital_mue_export_is_refused_by_mue_file(cli, tmp_path: Path) -> None:
    path = tmp_path / "mue.csv"
    path.write_bytes(rf.mue_csv(rf.MUE_ROWS, ["HCPCS/CPT Code", "Outpatient Hospital Services "
                                              "MUE Values", "MUE Adjudication Indicator",
                                              "MUE Rationale"]))
    batch = tmp_path / "b.837"
    batch.write_text(wrap("CLM*PCN1*40***11:B:1*Y*A*Y*Y~\nHI*ABK:M5450~\nLX*1~\n"
                          "SV1*HC:96372*40*UN*1***1~\nDTP*472*D8*20250115~"))
    r = cli("scan", batch, "--mue-file", path)
    assert r.code == 2 and "not the practitioner services MUE table" in r.err


def test_drug_lookups_on_shipped_and_installed_tables(cli, data_dir: Path,
                                                     files: Path) -> None:
    shipped = Tables.load(installed=False)
    assert shipped.billing_unit("J1885") == "15 mg"
    assert shipped.is_chemotherapy("J9217") and not shipped.is_chemotherapy("J1885")
    assert [r.code for r in shipped.crosswalk("63323016501", date(2026, 8, 1))] == ["J1100"]
    assert cli("data", "install", rf.write_hcpcs(files)).code == 0
    installed = Tables.load()
    assert installed.descriptor("J1010", date(2026, 8, 1)) == \
        "Injection, methylprednisolone acetate, 1 mg"
    assert installed.hcpcs_known("J1886", date(2026, 8, 1)) is False
    assert shipped.hcpcs_known("J1886", date(2026, 8, 1)) is None
    assert shipped.codes_named("ceftriaxone") == ["J0696"]
    assert installed.codes_named("ketorolac", date(2026, 8, 1)) == ["J1885"]


def _scan(cli, path: Path, text: str, *args: str) -> set[str]:
    path.write_text(text)
    r = cli("scan", path, "-f", "json", "--exit-zero", *args)
    assert r.code == 0, r.err
    return {f["rule"] for c in json.loads(r.out)["claims"] for f in c["findings"]}


def test_jw_jz_reads_the_ndc_container(cli, data_dir: Path, files: Path,
                                       tmp_path: Path) -> None:
    assert cli("data", "install", rf.write_fda(files)).code == 0

    def claim(ndc: str) -> str:
        return wrap("\n".join([
            "CLM*PCN1*65***11:B:1*Y*A*Y*Y~", "HI*ABK:M5450~", "LX*1~",
            "SV1*HC:J1885*25*UN*2***1~", "DTP*472*D8*20240615~", "REF*6R*PCN1-1~",
            f"LIN**N4*{ndc}~", "CTP****1*ML~", "LX*2~", "SV1*HC:96372*40*UN*1***1~",
            "DTP*472*D8*20240615~", "REF*6R*PCN1-2~"]), filing="MB")

    single = _scan(cli, tmp_path / "s.837", claim("99901010101"), "--select", "R96372-060")
    multi = _scan(cli, tmp_path / "m.837", claim("99901010110"), "--select", "R96372-060")
    assert single == {"R96372-060"} and multi == set()


def test_installed_icd10_code_file_is_used(cli, data_dir: Path, files: Path,
                                           tmp_path: Path) -> None:
    codes = files / "icd10cm_codes_2027.txt"
    codes.write_text("E119    Type 2 diabetes mellitus without complications\n"
                     "M5450   Low back pain, unspecified\n")
    assert cli("data", "install", codes).code == 0
    text = wrap("\n".join([
        "CLM*PCN1*65***11:B:1*Y*A*Y*Y~", "HI*ABK:M25561~", "LX*1~",
        "SV1*HC:99213*100*UN*1***1~", "DTP*472*D8*20261115~", "REF*6R*PCN1-1~"]))
    assert "R837-024" in _scan(cli, tmp_path / "a.837", text, "--select", "R837-024")
    r = cli("scan", tmp_path / "a.837", "-f", "json", "--exit-zero")
    kinds = {d["kind"] for d in json.loads(r.out)["reference_data"]}
    assert "icd10cm" in kinds
