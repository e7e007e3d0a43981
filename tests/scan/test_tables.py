"""Code tables: shipped data with sources, and loaders for the official CMS layouts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from edi837.data.loaders import load_hcpcs, load_mue, load_ptp, read_table
from edi837.scan import ScanOptions, scan_text
from edi837.tables import Tables, expand
from tests.scan.x12claims import KETOROLAC, claim, wrap
from x12core.errors import InputError

PTP_TXT = """\
CPT only copyright 2024 American Medical Association. All rights reserved.
Medicare NCCI Procedure to Procedure Edits - Practitioner
Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\tDeletion Date *=no data\t\
Modifier 0=not allowed 1=allowed 9=not applicable\tPTP Edit Rationale
96372\t99211\t\t20050101\t*\t0\tMisuse of column two code with column one code
20610\t96372\t\t20100101\t20240630\t1\tStandards of medical / surgical practice
11000\t11001\t*\t19960101\t*\t1\tan unrelated pair the loader filters out
"""

MUE_CSV = """\
"CPT codes, descriptions and other data only are copyright 2024 AMA"
HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale
96372,2,2 Date of Service Edit: Policy,Clinical: Data
J1885,8,3 Date of Service Edit: Clinical,Prescribing Information
"""

HCPCS_CSV = """\
HCPC,SEQNUM,RECID,LONG DESCRIPTION,SHORT DESCRIPTION,ADD DT,ACT EFF DT,TERM DT
J1885,00100,3,"Injection, ketorolac tromethamine, per 15 mg",Ketorolac tromethamine inj,19930101,,20241231
J1885,00200,4,continuation line,,,,
J9999,00100,3,"Not otherwise classified, antineoplastic drugs",Chemotherapy drug,19860101,,
"""


def test_expand_ranges() -> None:
    assert expand("90476-90478") == ["90476", "90477", "90478"]
    assert expand("G0008-G0010") == ["G0008", "G0009", "G0010"]
    assert expand("0394T-0395T") == ["0394T", "0395T"]
    assert expand("J1885") == ["J1885"]


def test_every_shipped_table_names_source_and_effective_date() -> None:
    tables = Tables.load()
    assert len(tables.info) >= 20
    for info in tables.info:
        assert info.source and info.rows > 0
        assert date.fromisoformat(info.effective)
    for name in ("drugs.csv", "mue.csv", "hcpcs.csv", "ptp.csv"):
        info, rows = read_table(name)
        assert rows and info.source


def test_shipped_facts_from_the_reference() -> None:
    t = Tables.load()
    assert t.mue["96372"].value == 4 and t.mue["96372"].mai == 3
    j1030 = t.dates["J1030"]
    assert j1030.end == date(2024, 3, 31) and j1030.replacement == "J1010"
    assert t.ptp_edits("96372", "99211")[0].modifier == 0
    assert t.ptp_edits("96365", "96372")[0].modifier == 1
    assert t.is_injectable_drug("J1885") and t.is_injectable_drug("J2790")
    assert t.is_drug("J8499") and not t.is_injectable_drug("J8499")
    assert not t.is_drug("90686") and "90686" in t.vaccines
    assert t.drugs["J9217"].antineoplastic == "hormonal"


def test_ptp_loader_reads_the_cms_layout(tmp_path: Path) -> None:
    path = tmp_path / "ptp.txt"
    path.write_text(PTP_TXT)
    edits = load_ptp(path, lambda a, b: "96372" in (a, b), ("96372",))
    assert [(e.column1, e.column2, e.modifier) for e in edits] == [
        ("96372", "99211", 0), ("20610", "96372", 1)]
    assert edits[1].deletion == date(2024, 6, 30) and not edits[1].active(date(2025, 1, 15))
    assert edits[1].active(date(2024, 1, 15)) and edits[0].effective == date(2005, 1, 1)


def test_official_ptp_file_replaces_the_shipped_pairs(tmp_path: Path) -> None:
    path = tmp_path / "ptp.txt"
    path.write_text(PTP_TXT)
    body = claim("PCN1", [KETOROLAC, ["SV1*HC:96372*40*UN*1***1"],
                          ["SV1*HC:20610*120*UN*1***1"]])
    shipped = {f.rule for r in scan_text(wrap(body)) for f in r.findings}
    assert "R96372-022" in shipped
    # In the user's file the 20610/96372 edit was deleted on 2024-06-30.
    loaded = {f.rule for r in scan_text(wrap(body), ScanOptions(ptp_file=path))
              for f in r.findings}
    assert "R96372-022" not in loaded


def test_mue_loader_and_override(tmp_path: Path) -> None:
    path = tmp_path / "mue.csv"
    path.write_text(MUE_CSV)
    rows = {m.code: m for m in load_mue(path)}
    assert rows["96372"].value == 2 and rows["96372"].mai == 2
    body = claim("PCN1", [KETOROLAC, ["SV1*HC:96372*120*UN*3***1"]])
    found = [f for r in scan_text(wrap(body), ScanOptions(mue_file=path, select=("R96372-040",)))
             for f in r.findings]
    assert [str(f.severity) for f in found] == ["error"]  # MAI 2 is not appealable


def test_hcpcs_loader_and_term_dates(tmp_path: Path) -> None:
    path = tmp_path / "hcpcs.csv"
    path.write_text(HCPCS_CSV)
    rows = {c.code: c for c in load_hcpcs(path)}
    assert rows["J1885"].end == date(2024, 12, 31) and rows["J9999"].end is None
    assert rows["J1885"].descriptor == "Ketorolac tromethamine inj"
    body = claim("PCN1", [KETOROLAC, ["SV1*HC:96372*40*UN*1***1"]])
    found = [f.location.value for r in scan_text(wrap(body), ScanOptions(hcpcs_file=path,
                                                                  select=("R837-010",)))
             for f in r.findings]
    assert found == ["J1885"]


@pytest.mark.parametrize("loader, text, message", [
    (load_ptp, "just some prose\nno edits here\n", "no PTP edits found"),
    (load_mue, "code,value\n", "no MUE rows found"),
    (load_hcpcs, "a,b,c\n1,2,3\n", "not a CMS HCPCS file"),
])
def test_loaders_reject_other_files(tmp_path: Path, loader, text: str, message: str) -> None:
    path = tmp_path / "f.txt"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        loader(path)
