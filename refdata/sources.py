"""Open distributed files: zips (also nested), their members, encodings, xlsx cells."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from x12core.errors import InputError


@dataclass(frozen=True)
class Member:
    """One table file: a plain file, or a member of a (possibly nested) zip."""

    name: str  # the member's own file name (no folders)
    origin: str  # what the user gave: "x.zip" or "x.zip!inner.zip" or the plain path
    data: bytes

    @property
    def where(self) -> str:
        return self.origin if self.origin.endswith(self.name) else f"{self.origin}!{self.name}"

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix.lower()


def sha256_file(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def members(path: str | os.PathLike[str]) -> list[Member]:
    """Every file inside ``path`` (the file itself when it is not a zip)."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as handle:
            data = handle.read()
    except OSError as err:
        raise InputError(f"{name}: cannot read ({err.strerror or err})") from None
    return list(_expand(Path(name).name, name, data))


def _expand(base: str, origin: str, data: bytes) -> Iterator[Member]:
    if data[:4] != b"PK\x03\x04" or base.lower().endswith((".xlsx", ".xlsm")):
        yield Member(base, origin, data)
        return
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            bad = archive.testzip()
            if bad is not None:
                raise InputError(f"{origin}: damaged zip (member {bad} fails its CRC check)")
            for info in archive.infolist():
                if info.is_dir():
                    continue
                inner = Path(info.filename).name
                blob = archive.read(info)
                if inner.lower().endswith(".zip"):
                    yield from _expand(inner, f"{origin}!{inner}", blob)
                else:
                    yield Member(inner, origin, blob)
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as err:
        raise InputError(f"{origin}: not a readable zip (truncated or damaged: {err})") from None


def decode(data: bytes) -> str:
    """Text of a CMS/FDA file: UTF-8 when it is, else cp1252 (a superset of the
    printable Latin-1 the files use); a BOM is dropped. Line ends are kept."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text the CSV copy holds: 4.0 -> "4", 19930101.0 ->
    "19930101", dates -> CCYYMMDD, None -> ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    strftime = getattr(value, "strftime", None)
    if strftime is not None:
        return str(strftime("%Y%m%d"))
    return str(value)


def xlsx_rows(member: Member) -> Iterator[list[str]]:
    """Rows of the first sheet of a workbook, cells as text (see :func:`cell_text`)."""
    try:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_filelike(io.BytesIO(member.data))
        sheet = book.get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except Exception as err:  # calamine raises its own error types for damaged books
        raise InputError(f"{member.where}: not a readable workbook ({err})") from None
    for row in rows:
        yield [cell_text(v).strip() for v in row]
