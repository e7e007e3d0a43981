"""Which table is this file? Recognise every member of what the user gave."""

from __future__ import annotations

from datetime import date

from refdata.kinds import Parsed, WrongTable
from refdata.readers_drugs import recognise_asp, recognise_fda, recognise_sad
from refdata.readers_hcpcs import recognise_hcpcs
from refdata.readers_misc import recognise_icd10, recognise_pfs
from refdata.readers_ncci import recognise_mue, recognise_ptp
from refdata.sources import Member, members
from x12core.errors import InputError

SKIPPED_SUFFIXES = (".pdf", ".doc", ".docx", ".htm", ".html", ".md")
PREFERRED = {".txt": 0, ".csv": 0, ".xlsx": 1, ".xlsm": 1, ".xls": 2}


def recognise(member: Member, today: date) -> Parsed | None:
    """The table in ``member``; ``None`` for files that are not tables (layouts, read-me
    files, the AWP crosswalk inside the ASP zip). Raises for a wrong or damaged table."""
    if member.suffix in SKIPPED_SUFFIXES:
        return None
    for probe in (recognise_ptp, recognise_mue, recognise_hcpcs, recognise_asp,
                  recognise_pfs, recognise_icd10, recognise_sad):
        found = probe(member)
        if found is not None:
            return found
    return recognise_fda(member, today)


def tables_in(path: str, today: date) -> list[Parsed]:
    """Every table inside ``path`` (a zip or a plain file); one line when there is none.

    In a zip, side tables claimkit does not read (record layouts, AWP/OPPS/PrEP
    crosswalks, "Drugs Not Payable", GPCI) are passed over; the same table as both
    CSV/TXT and XLSX is read once, from the text copy.
    """
    found: list[Parsed] = []
    wrong: list[WrongTable] = []
    items = members(path)
    for member in items:
        try:
            parsed = recognise(member, today)
        except WrongTable as err:
            wrong.append(err)  # a side table is fine when the zip also holds the right one
            continue
        if parsed is not None:
            found.append(parsed)
    if not found:
        if wrong:
            raise wrong[0]
        names = ", ".join(m.name for m in items[:5])
        raise InputError(f"{path}: no code table claimkit reads (holds {names}); expected NCCI "
                         "PTP/MUE practitioner, HCPCS, ASP, crosswalk, FDA NDC, PPRRVU or "
                         "ICD-10-CM code files")
    best: dict[tuple[str, str, str], Parsed] = {}
    for p in found:
        key = (p.kind, p.version, p.part)
        old = best.get(key)
        if old is None or PREFERRED.get(p.member.suffix, 3) < PREFERRED.get(old.member.suffix, 3):
            best[key] = p
    return list(best.values())
