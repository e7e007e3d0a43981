"""Open distributed files: zips (also nested), their members, encodings, xlsx cells."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from x12core.errors import InputError


class Member:
    """One table file: a plain file, or a member of a (possibly nested) zip.

    The bytes are read on demand (:attr:`data`, :meth:`lines`), so recognising a
    2.6-million-row PTP quarter does not hold it in memory.
    """

    __slots__ = ("_open", "name", "origin")

    def __init__(self, name: str, origin: str, opener: Callable[[], IO[bytes]]) -> None:
        self.name = name  # the member's own file name (no folders)
        self.origin = origin  # what the user gave: "x.zip", "x.zip!inner.zip", or a path
        self._open = opener

    @property
    def where(self) -> str:
        return self.origin if self.origin.endswith(self.name) else f"{self.origin}!{self.name}"

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix.lower()

    @property
    def data(self) -> bytes:
        with self._open() as handle:
            return handle.read()

    def lines(self, encoding: str = "latin-1") -> Iterator[str]:
        """Text lines, streamed (line ends dropped; a UTF-8 BOM dropped)."""
        with self._open() as raw:
            first = True
            for line in io.TextIOWrapper(raw, encoding=encoding, errors="replace",
                                         newline=None):
                if first:
                    line = line.removeprefix("\ufeff").removeprefix("\xef\xbb\xbf")
                    first = False
                yield line.rstrip("\n")

    def head(self, count: int, encoding: str = "latin-1") -> list[str]:
        out = []
        for line in self.lines(encoding):
            out.append(line)
            if len(out) >= count:
                break
        return out


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
            magic = handle.read(4)
    except OSError as err:
        raise InputError(f"{name}: cannot read ({err.strerror or err})") from None
    base = Path(name).name
    if magic != b"PK\x03\x04" or base.lower().endswith((".xlsx", ".xlsm")):
        return [Member(base, name, lambda: open(name, "rb"))]
    return list(_zip_members(name, lambda: open(name, "rb")))


def _zip_members(origin: str, source: Callable[[], IO[bytes]]) -> Iterator[Member]:
    try:
        with source() as handle, zipfile.ZipFile(handle) as archive:
            bad = archive.testzip()
            if bad is not None:
                raise InputError(f"{origin}: damaged zip (member {bad} fails its CRC check)")
            infos = [i for i in archive.infolist() if not i.is_dir()]
            nested = {i.filename: archive.read(i) for i in infos
                      if i.filename.lower().endswith(".zip")}
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as err:
        raise InputError(f"{origin}: not a readable zip (truncated or damaged: {err})") from None
    for info in infos:
        inner = Path(info.filename).name
        if info.filename in nested:
            blob = nested[info.filename]
            yield from _zip_members(f"{origin}!{inner}", lambda b=blob: io.BytesIO(b))
        else:
            yield Member(inner, origin, _member_opener(source, info.filename))


def _member_opener(source: Callable[[], IO[bytes]], member: str) -> Callable[[], IO[bytes]]:
    def opener() -> IO[bytes]:
        handle = source()
        archive = zipfile.ZipFile(handle)
        stream = archive.open(member)
        close = stream.close

        def closing() -> None:  # the member stream owns its archive and file
            close()
            archive.close()
            handle.close()

        stream.close = closing  # type: ignore[method-assign]
        return stream

    return opener


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

        book = CalamineWorkbook.from_filelike(io.BytesIO(member.data))  # workbooks are small
        sheet = book.get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except Exception as err:  # calamine raises its own error types for damaged books
        raise InputError(f"{member.where}: not a readable workbook ({err})") from None
    for row in rows:
        yield [cell_text(v).strip() for v in row]
