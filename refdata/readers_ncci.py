"""NCCI PTP practitioner edits (four parts per quarter) and the practitioner MUE table."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date

from refdata.kinds import MUE, PTP, Parsed, WrongTable, check_header, int_date, quarter_of
from refdata.sources import Member, decode, xlsx_rows
from x12core.errors import InputError

PTP_NAME = re.compile(r"cci(pra|oph|pr|op)[-_]?v(\d{2})(\d)r(\d+)[-_]f(\d)", re.I)
PTP_ZIP_QUARTER = re.compile(r"(\d{4})q([1-4])", re.I)
PTP_HEADER = {0: ("Column 1",), 1: ("Column 2",), 2: ("*=in existence",),
              3: ("Effective",), 4: ("Deletion",), 5: ("Modifier",), 6: ("PTP Edit Rationale",)}


def ptp_version_period(member: Member) -> tuple[str, str, date, date]:
    """("v322r0", "f1", start, end): quarter from the zip name, else from the version
    (v32Xr0 = 2026 quarter X+1: major 32 -> 2026, an inferred numbering)."""
    m = PTP_NAME.search(member.name) or PTP_NAME.search(member.origin)
    assert m is not None
    version = f"v{m[2]}{m[3]}r{m[4]}"
    zq = PTP_ZIP_QUARTER.search(member.origin)
    if zq:
        _, start, end = quarter_of(date(int(zq[1]), 3 * int(zq[2]) - 2, 1))
    else:
        _, start, end = quarter_of(date(1994 + int(m[2]), 3 * int(m[3]) + 1, 1))
    return version, f"f{m[5]}", start, end


def recognise_ptp(member: Member) -> Parsed | None:
    m = PTP_NAME.search(member.name)
    if m is None:
        return None
    if m[1].lower().startswith("cciop") or "hospital" in member.origin.lower():
        raise WrongTable(f"{member.where}: this is the NCCI PTP table for hospital outpatient "
                         "services (ccioph); claimkit checks practitioner claims, install the "
                         "practitioner files (…-practitioner-ptp-edits-ccipra-…-f1..f4.zip)")
    if "medicaid" in member.origin.lower():
        raise WrongTable(f"{member.where}: this is a Medicaid NCCI PTP file (another layout); "
                         "install the Medicare practitioner PTP files (ccipra)")
    version, part, start, end = ptp_version_period(member)
    if member.suffix in (".xlsx", ".xlsm"):
        rows = list(xlsx_rows(member))
        head = next((i for i, r in enumerate(rows[:12]) if r and r[0] == "Column 1"), None)
        if head is None:
            raise InputError(f"{member.where}: no 'Column 1 / Column 2' header in the first "
                             "rows; not the NCCI PTP layout")
        check_header(member, [c.split("\n")[0] for c in rows[head]], PTP_HEADER, "PTP")
        body: list[list[str]] = rows[head + 1:]
        return Parsed(PTP, version, start, end, member, lambda: _ptp_rows(member, body), part)
    lines = member.head(12)
    head = next((i for i, ln in enumerate(lines) if ln.startswith("Column 1")), None)
    if head is None:
        raise InputError(f"{member.where}: no 'Column 1 / Column 2' header in the first lines; "
                         "not the NCCI PTP layout")
    cells = lines[head].split("\t")
    if len(cells) > 2 and "existence" not in cells[2]:
        raise WrongTable(f"{member.where}: no 'in existence prior to 1996' column: a Medicaid "
                         "NCCI PTP layout, not the Medicare practitioner file")
    check_header(member, cells, PTP_HEADER, "PTP")

    def tail() -> Iterator[list[str]]:  # streamed from the zip: ~650,000 rows per part
        for n, line in enumerate(member.lines()):
            if n > head:
                yield line.split("\t")

    return Parsed(PTP, version, start, end, member, lambda: _ptp_rows(member, tail()), part)


def _ptp_rows(member: Member, rows: object) -> Iterator[tuple[object, ...]]:
    for n, cells in enumerate(rows, 1):  # type: ignore[call-overload]
        if len(cells) < 6:
            continue
        c1, c2 = cells[0].strip(), cells[1].strip()
        if len(c1) != 5 or len(c2) != 5:
            continue  # continuation of the wrapped header, footnotes
        try:
            yield (c1, c2, int_date(cells[3]), int_date(cells[4]), int(cells[5].strip()),
                   cells[6].strip() if len(cells) > 6 else "")
        except ValueError as err:
            raise InputError(f"{member.where}: data row {n} is not a PTP edit ({err})") from None


MUE_NAME = re.compile(r"MCR_MUE_(\w+?)_Eff_(\d{2})-(\d{2})-(\d{4})", re.I)
MUE_HEADER = {0: ("HCPCS",), 1: ("Practitioner Services MUE Values",),
              2: ("MUE Adjudication Indicator",), 3: ("MUE Rationale",)}


def recognise_mue(member: Member) -> Parsed | None:
    m = MUE_NAME.search(member.name)
    if m is None:
        return None  # a hand-made export: --mue-file's layout sniffing reads it
    if not m[1].lower().startswith("practitioner"):
        raise WrongTable(f"{member.where}: this is the {m[1]} MUE table; claimkit checks "
                         "professional claims, install MCR_MUE_PractitionerServices_Eff_….csv")
    if "medicaid" in member.name.lower():
        raise WrongTable(f"{member.where}: a Medicaid MUE table; install the Medicare "
                         "practitioner table (MCR_MUE_PractitionerServices_Eff_….csv)")
    if member.suffix in (".xlsx", ".xlsm"):
        rows = list(xlsx_rows(member))
    elif member.suffix in (".csv", ".txt"):
        rows = list(csv.reader(io.StringIO(decode(member.data), newline="")))
    else:
        return None
    head = next((i for i, r in enumerate(rows[:10])
                 if r and r[0].upper().startswith("HCPCS") and len(r) > 1), None)
    if head is None:
        raise InputError(f"{member.where}: no 'HCPCS/CPT Code' header row; not the NCCI MUE "
                         "layout")
    header = [" ".join(c.split()) for c in rows[head]]
    if len(header) > 1 and "MUE Values" in header[1] and "Practitioner" not in header[1]:
        raise WrongTable(f"{member.where}: column 2 is {header[1]!r}: not the practitioner "
                         "services MUE table (hospital and DME tables differ)")
    check_header(member, header, MUE_HEADER, "MUE")
    version, start, end = quarter_of(date(int(m[4]), int(m[2]), int(m[3])))
    body = rows[head + 1:]
    return Parsed(MUE, version, start, end, member, lambda: _mue_rows(member, body))


def _mue_rows(member: Member, rows: list[list[str]]) -> Iterator[tuple[object, ...]]:
    for n, cells in enumerate(rows, 1):
        if len(cells) < 3 or not cells[0].strip():
            continue
        code = cells[0].strip()
        value = cells[1].strip()
        mai_text = cells[2].strip()
        try:
            units = int(float(value))
        except ValueError:
            raise InputError(f"{member.where}: data row {n} ({code}): MUE value {value!r} is "
                             "not a number") from None
        mai = int(mai_text[0]) if mai_text[:1].isdigit() else None
        yield (code, units, mai, cells[3].strip() if len(cells) > 3 else "")
