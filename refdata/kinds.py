"""Table kinds, what one recognised table looks like, and effective periods."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from refdata.sources import Member
from x12core.errors import InputError

PTP = "ncci-ptp"
MUE = "ncci-mue"
HCPCS = "hcpcs"
ASP = "asp-pricing"
XWALK = "asp-crosswalk"
FDA = "fda-ndc"
PFS = "pfs-rvu"
ICD10 = "icd10cm"
SAD = "sad"

TITLES = {
    PTP: "NCCI PTP edits, practitioner (Medicare)",
    MUE: "NCCI MUE, practitioner services (Medicare)",
    HCPCS: "HCPCS Level II quarterly file",
    ASP: "ASP Part B drug payment limits",
    XWALK: "ASP NDC-HCPCS crosswalk",
    FDA: "FDA NDC Directory",
    PFS: "PFS relative value file (PPRRVU)",
    ICD10: "ICD-10-CM code file",
    SAD: "Self-administered drug exclusion list",
}
# Kinds that are quarterly snapshots: the scan picks the one in force on the date of
# service. PTP rows carry their own dates (the newest quarter holds the history);
# FDA, ICD-10-CM and SAD rows carry dates too, or the file's fiscal year.
SNAPSHOT_KINDS = (MUE, HCPCS, ASP, XWALK, PFS, ICD10)


class WrongTable(InputError):
    """A real CMS/FDA table, but not the one claimkit reads (one sentence why)."""


@dataclass
class Parsed:
    """One recognised table file, header already checked; rows read lazily."""

    kind: str
    version: str
    start: date | None
    end: date | None
    member: Member
    rows: Callable[[], Iterable[tuple[object, ...]]]
    part: str = ""  # PTP f1..f4; FDA product/package/...
    notes: dict[str, str] = field(default_factory=dict)


MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}


def quarter_of(day: date) -> tuple[str, date, date]:
    """("2026Q3", 2026-07-01, 2026-09-30) for any day of that quarter."""
    q = (day.month - 1) // 3 + 1
    start = date(day.year, 3 * q - 2, 1)
    nxt = date(day.year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
    return f"{day.year}Q{q}", start, nxt - timedelta(days=1)


def month_number(text: str) -> int | None:
    return MONTHS.get(text[:3].lower())


_LONG_DATE = r"([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})"
EFFECTIVE_RE = re.compile(rf"Effective\s+{_LONG_DATE}\s+(?:through|to|-)\s+{_LONG_DATE}", re.I)


def effective_line(lines: Iterable[str]) -> tuple[date, date] | None:
    """The "Effective July 1, 2026 through September 30, 2026" line of a preamble."""
    for line in lines:
        m = EFFECTIVE_RE.search(line)
        if m:
            try:
                m1, m2 = month_number(m[1]), month_number(m[4])
                if m1 and m2:
                    return (date(int(m[3]), m1, int(m[2])), date(int(m[6]), m2, int(m[5])))
            except ValueError:
                return None
    return None


MONTH_YEAR_RE = re.compile(
    r"(january|february|march|april|may|june|july|august|september|october|november|"
    r"december)[\s_-]+(\d{4})", re.I)


def quarter_from_name(name: str) -> tuple[str, date, date] | None:
    """The quarter of "july-2026-..." / "July 2026 ASP ..." names."""
    m = MONTH_YEAR_RE.search(name)
    if not m:
        return None
    month = month_number(m[1])
    assert month is not None
    return quarter_of(date(int(m[2]), month, 1))


def int_date(text: str) -> int | None:
    """CCYYMMDD as an int; blank, ``*`` and 9999xxxx -> None. Raises ValueError."""
    text = text.strip()
    if not text or text == "*" or text.startswith("9999"):
        return None
    if len(text) == 8 and text.isdigit():
        date(int(text[:4]), int(text[4:6]), int(text[6:]))  # validates
        return int(text)
    if "/" in text:
        month, day_, year = (int(p) for p in text.split("/"))
        return int(date(year, month, day_).strftime("%Y%m%d"))
    if len(text) == 10 and text[4] == "-":
        return int(date.fromisoformat(text).strftime("%Y%m%d"))
    raise ValueError(f"not a date: {text!r}")


def as_date(value: int | None) -> date | None:
    if value is None:
        return None
    return date(value // 10000, value // 100 % 100, value % 100)


def check_header(member: Member, found: list[str], expected: dict[int, tuple[str, ...]],
                 what: str) -> None:
    """Refuse a table whose columns moved: name the first changed column."""
    for pos, names in expected.items():
        cell = found[pos] if pos < len(found) else ""
        norm = " ".join(cell.split()).lower()
        if not any(norm.startswith(n.lower()) for n in names):
            raise InputError(
                f"{member.where}: {what} header changed: column {pos + 1} is "
                f"{cell.strip()!r}, expected {names[0]!r}; not installed (check the file's "
                "record layout)")
