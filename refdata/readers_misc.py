"""PFS relative value file (PPRRVU*.csv) and ICD-10-CM code files."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date

from refdata.kinds import ICD10, PFS, Parsed, WrongTable, check_header, month_number, quarter_of
from refdata.sources import Member, decode, xlsx_rows
from x12core.errors import InputError

PFS_NAME = re.compile(r"PPRRVU(\d{2,4})_?([A-Za-z]{3})?_?(\w*)", re.I)
PFS_HEADER = {0: ("HCPCS",), 1: ("MOD",), 2: ("DESCRIPTION",), 3: ("CODE",), 5: ("RVU",),
              6: ("PE RVU",), 8: ("PE RVU",), 10: ("RVU",), 11: ("TOTAL",), 12: ("TOTAL",),
              13: ("IND",), 14: ("DAYS",), 25: ("FACTOR",)}


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def recognise_pfs(member: Member) -> Parsed | None:
    m = PFS_NAME.match(member.name)
    if m is None or member.suffix not in (".csv", ".xlsx"):
        return None
    year = int(m[1]) if len(m[1]) == 4 else 2000 + int(m[1])
    month = month_number(m[2] or "jan") or 1
    quarter, start, end = quarter_of(date(year, month, 1))
    variant = (m[3] or "").strip("_")
    version = f"{quarter}{'-' + variant if variant else ''}"
    rows = (list(xlsx_rows(member)) if member.suffix == ".xlsx" else
            list(csv.reader(io.StringIO(decode(member.data), newline=""))))
    head = next((i for i, r in enumerate(rows[:20]) if r and r[0].strip() == "HCPCS"), None)
    if head is None:
        raise InputError(f"{member.where}: no 'HCPCS,MOD,DESCRIPTION' header row; not the "
                         "PPRRVU layout")
    check_header(member, [c.strip() for c in rows[head]], PFS_HEADER, "PPRRVU")
    body = rows[head + 1:]

    def gen() -> Iterator[tuple[object, ...]]:
        for cells in body:
            if len(cells) < 26 or not cells[0].strip():
                continue
            # DESCRIPTION (column 3) is AMA CPT text: never stored.
            yield (cells[0].strip(), cells[1].strip(), cells[3].strip(), _number(cells[5]),
                   _number(cells[6]), _number(cells[8]), _number(cells[10]),
                   _number(cells[11]), _number(cells[12]), cells[13].strip(),
                   cells[14].strip(), _number(cells[25]))
    return Parsed(PFS, version, start, end, member, gen)


ICD_NAME = re.compile(r"icd10cm[-_ ]?(codes|order)[-_ ]?(\d{4})", re.I)


def recognise_icd10(member: Member) -> Parsed | None:
    m = ICD_NAME.search(member.name)
    if m is None or member.suffix != ".txt":
        return None
    if m[1].lower() == "order":
        raise WrongTable(f"{member.where}: the ICD-10-CM order file (with header codes); "
                         f"install the code file icd10cm_codes_{m[2]}.txt from the same zip")
    fiscal = int(m[2])
    lines = decode(member.data).splitlines()
    first = next((ln for ln in lines if ln.strip()), "")
    if not re.match(r"^[A-Z][0-9][0-9A-Z]{1,5}\s", first):
        raise InputError(f"{member.where}: line 1 is not 'CODE description'; not an ICD-10-CM "
                         "code file")

    def gen() -> Iterator[tuple[object, ...]]:
        for line in lines:
            code = line[:8].strip()
            if code:
                yield (code,)
    return Parsed(ICD10, f"FY{fiscal}", date(fiscal - 1, 10, 1), date(fiscal, 9, 30), member,
                  gen)
