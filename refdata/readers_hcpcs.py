"""HCPCS Level II quarterly file: fixed-width 320-character .txt, or the 48-column .xlsx."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date

from refdata.kinds import HCPCS, Parsed, check_header, int_date, month_number, quarter_of
from refdata.sources import Member, decode, xlsx_rows
from x12core.errors import InputError

HCPCS_NAME = re.compile(r"HCPC(\d{4})_([A-Z]{3})_ANWEB", re.I)
# Workbook/CSV export columns (0-based) claimkit reads, with their header names.
XLSX_HEADER = {0: ("HCPC",), 1: ("SEQNUM",), 2: ("RECID",), 3: ("LONG DESCRIPTION",),
               4: ("SHORT DESCRIPTION",), 5: ("PRICE1",), 30: ("COV",), 37: ("BETOS",),
               38: ("TOS1",), 44: ("ADD DT",), 45: ("ACT EFF DT",), 46: ("TERM DT",),
               47: ("ACTION CD",)}
# Row: code, long, short, price1, cov, betos, tos1, add, act_eff, term, action


def recognise_hcpcs(member: Member) -> Parsed | None:
    name = member.name
    m = HCPCS_NAME.search(name)
    lower = name.lower()
    if m is None or "recordlayout" in lower or "transaction" in lower or "correction" in lower:
        return None
    month = month_number(m[2])
    if month is None:
        return None
    version, start, end = quarter_of(date(int(m[1]), month, 1))
    if member.suffix in (".xlsx", ".xlsm", ".csv"):
        rows = (list(xlsx_rows(member)) if member.suffix != ".csv" else
                list(csv.reader(io.StringIO(decode(member.data), newline=""))))
        head = next((i for i, r in enumerate(rows[:5]) if r and r[0].strip() == "HCPC"), None)
        if head is None:
            raise InputError(f"{member.where}: no HCPC header row; not the HCPCS workbook")
        check_header(member, [c.strip() for c in rows[head]], XLSX_HEADER, "HCPCS")
        body = rows[head + 1:]
        return Parsed(HCPCS, version, start, end, member, lambda: _table_rows(member, body))
    if member.suffix != ".txt":
        return None
    lines = decode(member.data).splitlines()
    first = next((ln for ln in lines if ln.strip()), "")
    if len(first) < 293 or first[10:11] not in ("3", "7") or not first[268:276].strip().isdigit():
        raise InputError(f"{member.where}: not the 320-character HCPCS record layout (record 1 "
                         f"is {len(first)} characters, RECID {first[10:11]!r}, ADD DT "
                         f"{first[268:276]!r})")
    return Parsed(HCPCS, version, start, end, member, lambda: _fixed_rows(member, lines))


def _join(head: str, more: str) -> str:
    """Glue a continuation record: CMS wraps the long description at word boundaries and
    the continuation is not padded, so the words join with one space (slicing and
    concatenating glues them: "ispermitted")."""
    more = more.strip()
    return f"{head} {more}" if head and more else head or more


def _fixed_rows(member: Member, lines: list[str]) -> Iterator[tuple[object, ...]]:
    current: list[object] | None = None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        recid = line[10:11]
        if recid in ("4", "8"):
            if current is not None:
                current[1] = _join(str(current[1]), line[11:91])
            continue
        if recid not in ("3", "7"):
            raise InputError(f"{member.where}: line {n}: RECID {recid!r} is not 3, 4, 7 or 8")
        if current is not None:
            yield tuple(current)
        try:
            current = [line[0:5].strip(), line[11:91].strip(), line[91:119].strip(),
                       line[119:121].strip(), line[229:230].strip(), line[256:259].strip(),
                       line[260:261].strip(), int_date(line[268:276]), int_date(line[276:284]),
                       int_date(line[284:292]), line[292:293].strip()]
        except ValueError as err:
            raise InputError(f"{member.where}: line {n}: {err}") from None
    if current is not None:
        yield tuple(current)


def _table_rows(member: Member, rows: list[list[str]]) -> Iterator[tuple[object, ...]]:
    seen: set[str] = set()
    for n, cells in enumerate(rows, 2):
        if len(cells) < 48 or not cells[0].strip():
            continue
        code = cells[0].strip()
        if code in seen or cells[2].strip() in ("4", "8"):
            continue
        seen.add(code)
        try:
            yield (code, cells[3].strip(), cells[4].strip(), cells[5].strip(),
                   cells[30].strip(), cells[37].strip(), cells[38].strip(),
                   int_date(cells[44]), int_date(cells[45]), int_date(cells[46]),
                   cells[47].strip())
        except ValueError as err:
            raise InputError(f"{member.where}: row {n} ({code}): {err}") from None
