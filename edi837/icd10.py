"""ICD-10-CM: the code shape without a decimal point, and billable code sets by fiscal year.

Two checks need two things (catalog INJ-074, reference §A.11):

* :func:`shape_problem`: an 837P carries ICD-10-CM codes without the decimal point
  (005010X222A1 2300 HI; reference §A.9): a letter, a digit, a digit or letter, then
  up to four letters or digits, 3 to 7 characters in all, upper case.
* :class:`CodeSet`: the billable (leaf) codes of one ICD-10-CM release. The code set
  changes every October 1 (and some Aprils), so each set carries the period it is
  valid for; a rule picks the set whose period holds the date of service.

Where the sets come from:

* the ``simple-icd-10-cm`` package (MIT; it ships the CDC ICD-10-CM tabular list and a
  code list, e.g. ``code-list-April-2026.txt``). Only that text file is read, straight
  from the package directory: importing the package parses a 10 MB XML file (about
  two seconds), which a scan must not pay. A code of that list is billable when it
  is a leaf, i.e. the next code does not extend it (the list is in tabular order);
* a CMS ``icd10cm_codes_YYYY.txt`` file (``--icd10-file``): one billable code per line,
  without the dot, then its description. ``YYYY`` (the fiscal year) in the file name
  gives the period October 1 of YYYY-1 to September 30 of YYYY; without a year the
  file is taken to hold for every date.

ICD-10-CM is public domain (CDC/NCHS, CMS; reference §D.1).
"""

from __future__ import annotations

import bisect
import importlib.util
import os
import re
from dataclasses import dataclass
from datetime import date
from functools import cache, cached_property
from pathlib import Path

from x12core.errors import InputError
from x12core.fileio import read_bytes

PACKAGE = "simple_icd_10_cm"
_MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"), 1)}
_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGITS = frozenset("0123456789")
_ALNUM = _LETTERS | _DIGITS
_LEAF = re.compile(r"^([A-Z][0-9A-Z]+)\n(?!\1)", re.M)


def shape_problem(code: str) -> str:
    """Why ``code`` is not an ICD-10-CM code as an 837P writes it; ``""`` when it is."""
    if "." in code:
        return "is written with a decimal point (the 837P sends ICD-10-CM codes without it)"
    if not code or code.strip() != code:
        return "is empty or has spaces"
    if code != code.upper():
        return "is not in upper case"
    if not 3 <= len(code) <= 7:
        return f"has {len(code)} characters (ICD-10-CM codes have 3 to 7)"
    if (code[0] not in _LETTERS or code[1] not in _DIGITS or code[2] not in _ALNUM
            or not _ALNUM.issuperset(code[3:])):
        return ("is not an ICD-10-CM code (a letter, a digit, a digit or letter, then up "
                "to four letters or digits)")
    return ""


def normal(code: str) -> str:
    """The code as the 837P should carry it: no dot, upper case (for list lookups)."""
    return code.replace(".", "").strip().upper()


@dataclass(frozen=True)
class CodeSet:
    """The billable codes of one ICD-10-CM release and the dates it is valid for."""

    label: str  # "ICD-10-CM April 2026 release (simple-icd-10-cm)"
    source: str
    start: date | None  # None: open-ended
    end: date | None
    billable: frozenset[str]

    @cached_property
    def ordered(self) -> tuple[str, ...]:
        """The billable codes sorted (header lookups; built on the first miss only)."""
        return tuple(sorted(self.billable))

    def covers(self, day: date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def more_specific(self, code: str) -> str:
        """A billable code that extends ``code`` (``code`` is a header), else ``""``."""
        i = bisect.bisect_right(self.ordered, code)
        if i < len(self.ordered) and self.ordered[i].startswith(code):
            return self.ordered[i]
        return ""

    @property
    def period(self) -> str:
        if self.start is None and self.end is None:
            return "every date"
        return f"{self.start or '...'} to {self.end or '...'}"


def fiscal_year(year: int) -> tuple[date, date]:
    """ICD-10-CM fiscal year YYYY: October 1 of YYYY-1 to September 30 of YYYY."""
    return date(year - 1, 10, 1), date(year, 9, 30)


def _year_of(name: str) -> int | None:
    found = re.findall(r"(?<!\d)(20\d\d)(?!\d)", name)
    return int(found[-1]) if found else None


def _make(label: str, source: str, year: int | None, codes: list[str]) -> CodeSet:
    start, end = fiscal_year(year) if year is not None else (None, None)
    return CodeSet(label, source, start, end, frozenset(codes))


def _package_dir() -> Path | None:
    spec = importlib.util.find_spec(PACKAGE)  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def package_set() -> CodeSet | None:
    """The billable codes of the release that ``simple-icd-10-cm`` ships (``None``: absent)."""
    where = _package_dir()
    if where is None:
        return None
    files = sorted((where / "data").glob("code-list-*.txt"))
    if not files:
        return None
    path = files[-1]
    # "code-list-April-2026.txt": the release; its fiscal year is 2026 from October 2025.
    words = path.stem.split("-")[2:]
    month = next((_MONTHS[w.lower()] for w in words if w.lower() in _MONTHS), 10)
    year = _year_of(path.stem)
    fy = None if year is None else (year + 1 if month >= 10 else year)
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n") + "\n"
    # One entry a line in tabular order: chapters ("1"), blocks ("A00-A09"), codes. A
    # code is a leaf (billable) when the next line does not extend it; a regex finds
    # them about twice as fast as a Python loop over the 98,000 lines.
    leaves = _LEAF.findall(text)
    release = " ".join(w.capitalize() for w in words)
    return _make(f"ICD-10-CM {release} release (simple-icd-10-cm)",
                 f"CDC/NCHS ICD-10-CM {release} release as shipped by the simple-icd-10-cm "
                 f"package (MIT), {path.name}", fy, leaves)


def load_code_file(path: str | os.PathLike[str]) -> CodeSet:
    """Billable codes from a CMS ``icd10cm_codes_YYYY.txt`` (code, spaces, description)."""
    name = os.fspath(path)
    text = read_bytes(path).decode("latin-1")
    codes = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        code = line.split(None, 1)[0]
        if shape_problem(code):
            raise InputError(f"{name}: line {n} does not start with an ICD-10-CM code without "
                             "a dot (expected the CMS icd10cm_codes_YYYY.txt layout)")
        codes.append(code)
    codes = list(dict.fromkeys(codes))
    if not codes:
        raise InputError(f"{name}: no ICD-10-CM codes found")
    year = _year_of(Path(name).name)
    label = f"ICD-10-CM FY{year} ({Path(name).name})" if year else f"ICD-10-CM ({Path(name).name})"
    return _make(label, name, year, codes)


def choose(sets: tuple[CodeSet, ...], day: date) -> tuple[CodeSet | None, bool]:
    """(the set for ``day``, whether its period holds ``day``); else the nearest set."""
    if not sets:
        return None, False
    for s in sets:
        if s.covers(day):
            return s, True

    def distance(s: CodeSet) -> int:
        if s.start is not None and day < s.start:
            return (s.start - day).days
        if s.end is not None and day > s.end:
            return (day - s.end).days
        return 0

    return min(sets, key=distance), False
