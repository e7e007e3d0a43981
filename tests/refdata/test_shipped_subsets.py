"""The shipped, sourced subsets work out of the box (no installed tables).

The crosswalk and SAD rows in ``edi837/data/refdata`` are real rows (sources in its
SOURCES.md). With no store installed (the test session points CLAIMKIT_DATA at an empty
directory) the NDC checks fire on a wrong NDC or wrong units for a shipped row and stay
silent for the matching correct NDC and units; every shipped row compiles and answers.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from edi837.tables import REFDATA_DIR, Tables
from refdata.readers_drugs import ndc11
from tests.scan.x12claims import wrap

XWALK = REFDATA_DIR / "asp-ndc-hcpcs-crosswalk-subset.csv"
SAD = REFDATA_DIR / "sad-cgs-j15-subset.csv"


def _xwalk_rows() -> list[list[str]]:
    with XWALK.open(newline="") as handle:
        rows = list(csv.reader(handle))
    head = next(i for i, r in enumerate(rows) if r and r[0].endswith("_CODE"))
    return [r for r in rows[head + 1:] if r and r[0]]


def _batch(tmp_path: Path, day: str, *lines: list[str], filing: str = "CI") -> Path:
    body = ["CLM*PCN1*100***11:B:1*Y*A*Y*Y~", "HI*ABK:M5450~"]
    for n, (sv1, *rest) in enumerate(lines, 1):
        body += [f"LX*{n}~", sv1, f"DTP*472*D8*{day}~", f"REF*6R*PCN1-{n}~", *rest]
    path = tmp_path / "batch.837"
    path.write_text(wrap("\n".join(body), filing=filing))
    return path


def _findings(cli, path: Path, *args: str) -> list[dict]:
    r = cli("scan", path, "-f", "json", "--exit-zero", *args)
    assert r.code == 0, r.err
    return [f for c in json.loads(r.out)["claims"] for f in c["findings"]]


def _rules(cli, path: Path, *args: str) -> set[str]:
    return {f["rule"] for f in _findings(cli, path, *args)}


ADMIN = ["SV1*HC:96372*40*UN*1***1~"]


def test_no_store_is_installed_in_the_test_session() -> None:
    assert Tables.load().installed == frozenset()


def test_every_shipped_crosswalk_row_answers_out_of_the_box() -> None:
    rows = _xwalk_rows()
    assert len(rows) >= 40
    codes = {r[0] for r in rows}
    # The common office-injection drugs of edi837/data/drugs.csv are covered.
    assert {"J1885", "J3301", "J1100", "J0696", "J3420", "J1010", "J2550", "J0897", "J1950",
            "J9217"} <= codes
    t = Tables.load(installed=False)
    for when in (date(2024, 6, 1), date(2025, 2, 1), date(2026, 8, 1), date(2027, 1, 1)):
        for r in rows:
            got = t.crosswalk(ndc11(r[3]), when)
            assert r[0] in {x.code for x in got}, (r, when)
    ketorolac = [x for x in t.crosswalk("00409379601", date(2026, 8, 1)) if x.code == "J1885"]
    assert (ketorolac[0].pkg_size, ketorolac[0].billunits) == (2.0, 4.0)


@pytest.mark.parametrize(("ndc", "right", "wrong", "qty", "units"), [
    ("63323016201", "J1885", "J1100", "1", "2"),    # ketorolac 30 mg/mL, Fresenius
    ("00003029305", "J3301", "J1885", "1", "4"),    # triamcinolone 40 mg/mL (Kenalog)
    ("00409733201", "J0696", "J3301", "1", "4"),    # ceftriaxone 1 g vial
    ("63323004401", "J3420", "J1100", "1", "1"),    # cyanocobalamin 1000 mcg/mL
    ("00009307301", "J1010", "J1100", "1", "40"),   # Depo-Medrol 40 mg/mL
    ("55513071001", "J0897", "J1100", "1", "60"),   # Prolia 60 mg syringe
])
def test_ndc_not_for_hcpcs_fires_on_a_shipped_row_only_when_the_code_is_wrong(
        cli, tmp_path: Path, ndc: str, right: str, wrong: str, qty: str,
        units: str) -> None:
    unit = "UN" if right in ("J0696", "J0897") else "ML"
    good = _batch(tmp_path, "20250210", [f"SV1*HC:{right}*50*UN*{units}***1~",
                                         f"LIN**N4*{ndc}~", f"CTP****{qty}*{unit}~"], ADMIN)
    assert not _rules(cli, good) & {"R96372-080", "R96372-081"}
    bad = _batch(tmp_path, "20250210", [f"SV1*HC:{wrong}*50*UN*{units}***1~",
                                        f"LIN**N4*{ndc}~", f"CTP****{qty}*{unit}~"], ADMIN)
    (hit,) = [f for f in _findings(cli, bad) if f["rule"] == "R96372-080"]
    assert f"crosswalked to {right}, not {wrong}" in hit["message"]
    # Later dates of service use the same shipped subset (the nearest quarter).
    later = _batch(tmp_path, "20261110", [f"SV1*HC:{wrong}*50*UN*{units}***1~",
                                          f"LIN**N4*{ndc}~", f"CTP****{qty}*{unit}~"], ADMIN)
    assert "R96372-080" in _rules(cli, later)


def test_units_disagree_with_ndc_quantity_on_a_shipped_row(cli, tmp_path: Path) -> None:
    """2 mL of ketorolac 30 mg/mL (Hospira 60 mg/2 mL vial, 4 billing units per 2 mL) is
    4 units of J1885 (per 15 mg); 1 unit is the usual vial-count error."""
    drug = ["LIN**N4*00409379601~", "CTP****2*ML~"]
    right = _batch(tmp_path, "20250210", ["SV1*HC:J1885*24*UN*4***1~", *drug], ADMIN)
    assert not _rules(cli, right) & {"R96372-080", "R96372-081"}
    wrong = _batch(tmp_path, "20250210", ["SV1*HC:J1885*6*UN*1***1~", *drug], ADMIN)
    (hit,) = [f for f in _findings(cli, wrong) if f["rule"] == "R96372-081"]
    assert "works out to 4 units" in hit["message"]


def test_shipped_sad_rows_fire_for_medicare(cli, tmp_path: Path) -> None:
    glatiramer = _batch(tmp_path, "20250210", ["SV1*HC:J1595*90*UN*1***1~"], ADMIN,
                        filing="MB")
    assert "R96372-083" in _rules(cli, glatiramer)
    byetta = _batch(tmp_path, "20250210", ["SV1*HC:J3490:::::EXENATIDE 10MCG SC*90*UN*1***1~"],
                    ADMIN, filing="MB")
    (hit,) = [f for f in _findings(cli, byetta)
              if f["rule"] == "R96372-083"]
    assert "Byetta" in hit["message"]
    other = _batch(tmp_path, "20250210", ["SV1*HC:J3490:::::SEMAGLUTIDE 0.25MG SC*90*UN*1***1~"],
                   ADMIN, filing="MB")
    assert "R96372-083" not in _rules(cli, other)


def test_every_shipped_sad_row_compiles() -> None:
    with SAD.open(newline="") as handle:
        rows = [r for r in csv.reader(handle)][1:]
    t = Tables.load(installed=False)
    for r in rows:
        for code in (c.strip() for c in r[0].split("/")):
            assert t.self_administered(code, date(2025, 2, 10)), r
