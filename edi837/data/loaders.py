"""Read code tables: our curated CSV/TOML files and the official CMS file layouts.

Curated tables (``edi837/data/*.csv``) start with ``# key: value`` lines that name
their ``source`` and ``effective`` date; the rest is an ordinary CSV with a header.

Official files the user downloads (CMS licence terms forbid us shipping them):

* NCCI PTP practitioner edits (quarterly; ``.txt`` tab-delimited or a CSV export of
  the ``.xlsx``): copyright preamble, then ``Column 1, Column 2, *=in existence prior
  to 1996, Effective Date, Deletion Date *=no data, Modifier 0/1/9, PTP Edit
  Rationale``. Dates are CCYYMMDD; ``*`` means none.
* NCCI MUE practitioner table (CSV export): preamble, then ``HCPCS/CPT Code,
  Practitioner Services MUE Values, MUE Adjudication Indicator ("3 Date of Service
  Edit: Clinical"), MUE Rationale``.
* HCPCS Level II quarterly file (CSV export of the ``.xlsx``): header with ``HCPC``,
  ``LONG DESCRIPTION`` / ``SHORT DESCRIPTION``, ``ADD DT``, ``TERM DT``.

Every loader raises :class:`~x12core.errors.InputError` with one line naming the
file when the file is not in the layout it expects.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from x12core.errors import InputError
from x12core.fileio import read_bytes

DATA_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True, slots=True)
class TableInfo:
    """Where a table came from: shown by ``claimkit rules --tables`` and in docs/rules.md."""

    name: str
    title: str
    source: str
    effective: str
    rows: int
    path: str


@dataclass(frozen=True, slots=True)
class PtpEdit:
    """One NCCI procedure-to-procedure edit: column 2 is denied when billed with column 1."""

    column1: str
    column2: str
    effective: date | None  # None: in force on every date we see
    deletion: date | None  # None: still active
    modifier: int  # 0 never bypassable, 1 bypassable with an NCCI-associated modifier, 9 n/a
    rationale: str

    def active(self, on: date | None) -> bool:
        if on is None:
            return self.deletion is None
        if self.effective is not None and on < self.effective:
            return False
        return self.deletion is None or on <= self.deletion


@dataclass(frozen=True, slots=True)
class Mue:
    code: str
    value: int
    mai: int | None  # 1 line edit, 2 DOS policy, 3 DOS clinical
    rationale: str


@dataclass(frozen=True, slots=True)
class CodeDates:
    code: str
    start: date | None
    end: date | None
    replacement: str
    descriptor: str

    def valid_on(self, on: date) -> bool:
        return (self.start is None or on >= self.start) and (self.end is None or on <= self.end)


def parse_any_date(text: str) -> date | None:
    """CCYYMMDD, CCYY-MM-DD or MM/DD/CCYY; ``None`` for blank, ``*`` and 99991231."""
    text = text.strip()
    if not text or text == "*" or text.startswith("9999"):
        return None
    try:
        if len(text) == 8 and text.isdigit():
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        if len(text) == 10 and text[4] == "-":
            return date.fromisoformat(text)
        if "/" in text:
            month, day, year = (int(p) for p in text.split("/"))
            return date(year, month, day)
    except ValueError:
        pass
    raise ValueError(f"not a date: {text!r}")


def read_table(name: str, directory: Path = DATA_DIR) -> tuple[TableInfo, list[dict[str, str]]]:
    """A curated CSV table: its ``# key: value`` header lines and its rows."""
    path = directory / name
    meta: dict[str, str] = {}
    body: list[str] = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#"):
                key, _, value = line[1:].partition(":")
                meta[key.strip()] = value.strip()
            elif line.strip():
                body.append(line)
    rows = list(csv.DictReader(body))
    for key in ("source", "effective"):
        if key not in meta:
            raise InputError(f"{path}: table has no '# {key}:' line")
    info = TableInfo(name.rsplit(".", 1)[0], meta.get("title", name), meta["source"],
                     meta["effective"], len(rows), str(path))
    return info, rows


def _text(path: str | os.PathLike[str]) -> str:
    raw = read_bytes(path)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    return raw.decode("latin-1")


def _records(text: str, contains: tuple[str, ...] = ()) -> Iterator[list[str]]:
    """Rows of a tab-delimited or comma-separated file, cells stripped.

    ``contains``: skip lines holding none of these strings before splitting them (the
    full PTP file has millions of rows and we keep a few thousand).
    """
    for line in io.StringIO(text):
        if not line.strip():
            continue
        if contains and not any(c in line for c in contains):
            continue
        cells = line.rstrip("\r\n").split("\t") if "\t" in line else next(csv.reader([line]))
        yield [c.strip().strip('"') for c in cells]


def _is_code(cell: str) -> bool:
    return len(cell) == 5 and cell.isalnum()


def _keep_all(column1: str, column2: str) -> bool:
    return True


def load_ptp(path: str | os.PathLike[str],
             keep: Callable[[str, str], bool] = _keep_all,
             contains: tuple[str, ...] = ()) -> list[PtpEdit]:
    """NCCI PTP edits from the CMS practitioner file layout.

    ``keep`` filters pairs; ``contains`` pre-filters raw lines (see :func:`_records`).
    """
    edits: list[PtpEdit] = []
    seen = 0
    text = _text(path)
    if contains and not any(c in text for c in contains):
        contains = ()  # let the layout check below explain what is wrong with the file
    for n, cells in enumerate(_records(text, contains), 1):
        if len(cells) < 6 or not (_is_code(cells[0]) and _is_code(cells[1])):
            continue  # preamble, header, footnotes
        seen += 1
        if not keep(cells[0], cells[1]):
            continue
        try:
            modifier = int(cells[5])
            edits.append(PtpEdit(cells[0], cells[1], parse_any_date(cells[3]),
                                 parse_any_date(cells[4]), modifier,
                                 cells[6] if len(cells) > 6 else ""))
        except ValueError as err:
            raise InputError(f"{path}: row {n} is not a PTP edit ({err})") from None
    if not seen:
        raise InputError(f"{path}: no PTP edits found (expected the CMS 'Column 1, Column 2, "
                         "..., Modifier' layout)")
    return edits


def load_mue(path: str | os.PathLike[str]) -> list[Mue]:
    """MUEs from the CMS practitioner MUE table layout."""
    out: list[Mue] = []
    for cells in _records(_text(path)):
        if len(cells) > 1 and "MUE Values" in cells[1] and "Practitioner" not in cells[1]:
            raise InputError(f"{path}: column 2 is {cells[1]!r}: not the practitioner "
                             "services MUE table (hospital and DME tables differ)")
        if len(cells) < 3 or not _is_code(cells[0]) or not cells[1].isdigit():
            continue
        mai_text = cells[2]
        mai = int(mai_text[0]) if mai_text[:1].isdigit() else None
        out.append(Mue(cells[0], int(cells[1]), mai, cells[3] if len(cells) > 3 else ""))
    if not out:
        raise InputError(f"{path}: no MUE rows found (expected the CMS 'HCPCS/CPT Code, "
                         "Practitioner Services MUE Values, MUE Adjudication Indicator' layout)")
    return out


def load_hcpcs(path: str | os.PathLike[str]) -> list[CodeDates]:
    """Code add/termination dates from a CSV export of the CMS HCPCS quarterly file."""
    rows = list(_records(_text(path)))
    header_at = next((i for i, r in enumerate(rows)
                      if any(c.upper() in ("HCPC", "HCPCS") for c in r)), None)
    if header_at is None:
        raise InputError(f"{path}: not a CMS HCPCS file (no HCPC column; export the .xlsx "
                         "as CSV)")
    header = [c.upper() for c in rows[header_at]]

    def col(*names: str) -> int | None:
        return next((header.index(n) for n in names if n in header), None)

    code_i = col("HCPC", "HCPCS")
    add_i, term_i = col("ADD DT", "ADD_DT", "ADD DATE"), col("TERM DT", "TERM_DT", "TERM DATE")
    desc_i = col("SHORT DESCRIPTION", "SHORT_DESCRIPTION", "LONG DESCRIPTION")
    if code_i is None or add_i is None or term_i is None:
        raise InputError(f"{path}: HCPCS file needs HCPC, ADD DT and TERM DT columns")
    out: dict[str, CodeDates] = {}
    for n, cells in enumerate(rows[header_at + 1 :], header_at + 2):
        if len(cells) <= max(code_i, add_i, term_i) or not _is_code(cells[code_i]):
            continue
        code = cells[code_i]
        if code in out:
            continue  # continuation lines of a long description
        try:
            out[code] = CodeDates(code, parse_any_date(cells[add_i]),
                                  parse_any_date(cells[term_i]), "",
                                  cells[desc_i] if desc_i is not None else "")
        except ValueError as err:
            raise InputError(f"{path}: row {n}: {err}") from None
    if not out:
        raise InputError(f"{path}: no HCPCS codes found")
    return list(out.values())
