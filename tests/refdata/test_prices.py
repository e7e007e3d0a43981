"""Medicare allowed amounts from the installed ASP and PFS tables (`ledger underpaid`)."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import fixtures.refdata_files as rf
from refdata.prices import medicare_prices

PFS_HEAD = ("HCPCS,MOD,DESCRIPTION,CODE,PAYMENT,RVU,PE RVU,INDICATOR,PE RVU,INDICATOR,RVU,TOTAL,"
            "TOTAL,IND,DAYS,OP,OP,OP,PROC,SURG,SURG,SURG,SURG,IND,BASE,FACTOR,PROCEDURES,FLAG,"
            "INDICATOR,AMOUNT,AMOUNT,AMOUNT")


def _pfs(directory: Path, total_96372: str = "0.58") -> Path:
    """A PPRRVU release in the distributed layout (preamble, two-line header; mock values)."""
    rows = [",,2026 National Physician Fee Schedule Relative Value File July Release" + "," * 29,
            ",,,STATUS,MEDICARE,WORK,NON-FAC,NA,FACILITY,NA,MP,NON-FACILITY,FACILITY,PCTC,GLOB,"
            "PRE,INTRA,POST,MULT,BILAT,ASST,CO-,TEAM,PRIC,ENDO,CONV,DIAGNOSTIC,CALCULATION,"
            "FAMILY,PAYMENT,PAYMENT,PAYMENT", PFS_HEAD,
            f"96372,,REDACTED,A,,0.17,0.40,,0.06,NA,0.01,{total_96372},0.24,5,XXX,0.00,0.00,0.00,"
            "0,0,0,0,0,0,,33.4009,99,0,99,0.00,0.00,0.00",
            "99213,,REDACTED,A,,1.30,1.14,,0.53,,0.10,2.54,1.93,0,XXX,0.00,0.00,0.00,0,0,0,0,0,"
            "0,,33.4009,99,0,99,0.00,0.00,0.00",
            "99213,26,REDACTED,A,,1.30,0.50,,0.50,,0.10,1.90,1.90,0,XXX,0.00,0.00,0.00,0,0,0,0,"
            "0,0,,33.4009,99,0,99,0.00,0.00,0.00"]
    path = directory / "rvu26c-updated-06-30-2026.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("PPRRVU2026_Jul_nonQPP.csv", "\r\n".join(rows) + "\r\n")
    return path


def test_asp_limit_and_pfs_amount_price_medicare_lines(cli, data_dir: Path,
                                                       files: Path) -> None:
    price_file, _xwalk = rf.write_asp(files)
    assert cli("data", "install", price_file, _pfs(files)).code == 0
    price = medicare_prices(["99901"], data_dir)
    when = date(2026, 8, 1)
    assert price("99901", "J1885", (), when) == (Decimal("0.21"),
                                                 "Medicare ASP payment limit 2026Q3")
    amount, source = price("99901", "96372", (), when)
    assert amount == Decimal("19.37")  # 0.58 RVU x 33.4009
    assert source.startswith("Medicare PFS 2026Q3")
    assert price("99901", "99213", ("26",), when)[0] == Decimal("63.46")  # the -26 row
    assert price("99999", "96372", (), when) is None  # not a Medicare payer
    assert price("99901", "J9999", (), when) is None  # priced by neither table


def test_ledger_underpaid_with_medicare_tables(cli, data_dir: Path, files: Path,
                                               tmp_path: Path) -> None:
    price_file, _xwalk = rf.write_asp(files)
    # An RVU far above what any payer pays in the generated remits: every paid 96372 of
    # the Medicare payer is short.
    assert cli("data", "install", price_file, _pfs(files, "30.00")).code == 0
    batch, remit, db = tmp_path / "b.837", tmp_path / "b.835", tmp_path / "ledger.db"
    from fixtures.generate import main as generate

    generate(["837", "--claims", "40", "--seed", "6", "--out", str(batch)])
    generate(["835", "--claims", "40", "--seed", "6", "--out", str(remit)])
    assert cli("ingest", "--db", db, batch, remit).code == 0
    result = cli("ledger", "underpaid", "--db", db, "--medicare-payer", "99901", "-f", "json")
    assert result.code == 0, result.err
    rows = json.loads(result.out)["rows"]
    assert rows and {r["payer_id"] for r in rows} == {"99901"}
    assert "96372" in {r["procedure"] for r in rows} <= {"96372", "99213", "J1885", "J3301"}
    assert all(r["source"].startswith("Medicare PFS") and r["expected"] == "1002.03"
               for r in rows if r["procedure"] == "96372" and r["units"] == "1.00")
    none = cli("ledger", "underpaid", "--db", db)
    assert none.code == 2 and "needs a price source" in none.err
