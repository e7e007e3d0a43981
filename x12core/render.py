"""One rendering module for every command: records in, text/json/jsonl/csv out.

A command builds a :class:`Report`: a summary, a stream of *items* (claims,
payments, reconciliation rows), a function that flattens an item into CSV/JSONL
rows, and a function that draws the text view. :func:`render` does the rest.
Items are streamed: JSON is spooled to a temporary file so the summary can come
first without holding every claim in memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO, NamedTuple, TextIO

from x12core import schemas
from x12core.spool import RecordSpool

FORMATS = ("text", "json", "jsonl", "csv")
JSON_SPOOL_MEMORY = 8 << 20  # items held in memory before the JSON spool moves to disk


@dataclass
class Report:
    """What a command hands to :func:`render`.

    ``items`` is consumed once. ``summary`` is called after the items have been
    consumed (it may read counters the item stream updated). ``extra`` adds more
    top-level JSON keys, also called after the items.
    """

    items_key: str
    items: Iterable[dict[str, Any]]
    summary: Callable[[], dict[str, Any]]
    rows: Callable[[dict[str, Any]], Iterable[dict[str, Any]]]
    columns: Sequence[str]
    text: Callable[[Iterable[dict[str, Any]], TextIO], None]
    extra: Callable[[], dict[str, Any]] = field(default=lambda: {})
    extra_rows: Callable[[], Iterable[dict[str, Any]]] = field(default=lambda: ())


def _default(value: Any) -> Any:
    return str(value)


# ``json.dumps(item, default=_default)`` without building an encoder per item (one item per
# claim); records are plain trees, so the cycle check is skipped. Same bytes out.
_encode_item = json.JSONEncoder(default=_default, check_circular=False).encode
encode_item = _encode_item  # the same bytes, made in a worker process (--workers)


_BATCH = 256  # items joined per write: the spool's write call costs more than the join
ITEM_SEPARATOR = ",\n    "  # between two items of the JSON document's list
_SEPARATOR_BYTES = ITEM_SEPARATOR.encode()


class FileRange(NamedTuple):
    """Bytes ``[start, end)`` of a file a local worker wrote (copied by the kernel)."""

    path: str
    start: int
    end: int


class EncodedBlock:
    """Several items encoded by :func:`encode_item`, joined by :data:`ITEM_SEPARATOR` and
    UTF-8 encoded (a worker made them: this process only writes them), in ``pieces``
    (written one after the other; views of a worker's bytes, never copied here, or ranges
    of a file it wrote, copied file to file in the kernel)."""

    __slots__ = ("pieces",)

    def __init__(self, *pieces: bytes | memoryview | FileRange) -> None:
        self.pieces = pieces


def write_json(report: Report, out: TextIO, schema: str | None = None) -> None:
    """``{"schema_version": N, "summary": ..., "<items_key>": [...], **extra}``.

    ``schema`` names the document's schema (:mod:`x12core.schemas`); its version is the
    first key. Without it the document starts with the summary.
    """
    with _Items() as items:
        first = True
        batch: list[str] = []
        write = items.write

        def flush() -> None:  # the batch's items, after what was written before them
            nonlocal first
            write(((_LEAD if first else ITEM_SEPARATOR) + ITEM_SEPARATOR.join(batch)).encode())
            first = False
            batch.clear()

        for item in report.items:
            if isinstance(item, EncodedBlock):
                if batch:
                    flush()
                if any(len(piece) if not isinstance(piece, FileRange)
                       else piece.end > piece.start for piece in item.pieces):
                    write(_LEAD_BYTES if first else _SEPARATOR_BYTES)
                    for piece in item.pieces:
                        if isinstance(piece, FileRange):
                            items.add_range(piece)
                        else:
                            write(piece)
                    first = False
                continue
            batch.append(_encode_item(item))
            if len(batch) >= _BATCH:
                flush()
        if batch:
            flush()
        summary = report.summary()
        extra = report.extra()
        out.write("{\n")
        if schema:
            out.write(f'  "schema_version": {schemas.version(schema)},\n')
        out.write('  "summary": ')
        out.write(json.dumps(summary, default=_default))
        out.write(f',\n  "{report.items_key}": [')
        items.copy_to(out)
        out.write("\n  ]" if not first else "]")
        for key, value in extra.items():
            out.write(f",\n  {json.dumps(key)}: ")
            if isinstance(value, RecordSpool):  # streamed: it may not fit in memory
                out.write("[")
                for k, record in enumerate(value):
                    out.write(",\n    " if k else "\n    ")
                    out.write(_encode_item(record))
                out.write("\n  ]" if value else "]")
            else:
                out.write(json.dumps(value, default=_default, indent=None))
        out.write("\n}\n")


MAX_HELD_FILES = 64  # workers' files held open until the end; later ranges are copied now


class _Items:
    """The bytes of a JSON document's item list, kept until its summary is written.

    What this process writes goes to a spool (memory, then a temporary file). A range
    of a local worker's file (:class:`FileRange`) is not copied into the spool: the
    file is held open (its name may go: the worker's spool directory is removed before
    the end) and the range is copied once, straight to the output, by ``sendfile``. A
    remit report is several times its 835, so a second copy of every byte was a visible
    share of a ``--workers`` run. Past :data:`MAX_HELD_FILES` open files a range is
    copied into the spool at once, as every range was before.
    """

    def __init__(self) -> None:
        # A binary spool: items are ASCII (``ensure_ascii``) and blocks from workers are
        # bytes already; a text spool would decode and re-scan for newlines on the way back.
        self.spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115  (closed by __exit__)
            max_size=JSON_SPOOL_MEMORY, mode="w+b")
        self.write = self.spool.write
        # In order: (None, start, end) for the spool's bytes, (file, start, end) for a
        # worker's; ``_mark`` is where the spool's bytes not yet listed start.
        self._parts: list[tuple[BinaryIO | None, int, int]] = []
        self._mark = 0
        self._files: dict[str, BinaryIO] = {}

    def add_range(self, piece: FileRange) -> None:
        source = self._files.get(piece.path)
        if source is None and len(self._files) >= MAX_HELD_FILES:
            _append_range(self.spool, piece)
            return
        if source is None:
            source = self._files[piece.path] = open(piece.path, "rb")  # noqa: SIM115
        if os.fstat(source.fileno()).st_size < piece.end:
            raise OSError(f"{piece.path}: shorter than the {piece.end} bytes a worker wrote")
        self._close_run()
        self._parts.append((source, piece.start, piece.end))

    def _close_run(self) -> None:
        end = self.spool.tell()
        if end > self._mark:
            self._parts.append((None, self._mark, end))
        self._mark = end

    def copy_to(self, out: TextIO) -> None:
        """Every part, in order, onto ``out``: as bytes where a byte stream is under it
        (``sendfile`` from a file), else decoded."""
        self._close_run()
        self.spool.flush()
        binary = _binary(out)
        if binary is not None:  # the bytes as they are: nothing decoded, re-encoded
            out.flush()
            for source, start, end in self._parts:
                _copy(self.spool if source is None else source, start, end, binary)
            return
        decode = codecs.getincrementaldecoder("utf-8")().decode
        for source, start, end in self._parts:
            for data in _read(self.spool if source is None else source, start, end):
                out.write(decode(data))
        out.write(decode(b"", final=True))

    def __enter__(self) -> _Items:
        return self

    def __exit__(self, *exc: object) -> None:
        for handle in self._files.values():
            handle.close()
        self.spool.close()


def _append_range(spool: Any, piece: FileRange) -> None:
    """``piece``'s bytes at the end of ``spool``: by ``sendfile``, file to file in the
    kernel (the spool moves to disk first: what comes this way is large), else read."""
    if not getattr(spool, "_rolled", False):
        spool.rollover()
    spool.flush()
    with open(piece.path, "rb") as source:
        offset = _sendfile(spool.fileno(), source.fileno(), piece.start, piece.end)
        spool.seek(0, os.SEEK_END)  # the file grew under the buffered object
        for data in _read(source, offset, piece.end):
            spool.write(data)


def _binary(out: TextIO) -> BinaryIO | None:
    """The byte stream under ``out`` when the spool's bytes can go there as they are: the
    items are ASCII (``ensure_ascii``), so any ASCII-compatible encoding takes them, and
    where the line separator is a bare line feed no newline is translated."""
    buffer = getattr(out, "buffer", None)
    if buffer is None or os.linesep != "\n" or not isinstance(out, io.TextIOWrapper):
        return None
    try:
        name = codecs.lookup(out.encoding).name
    except LookupError:
        return None
    return buffer if name in ("utf-8", "ascii", "iso8859-1", "cp1252") else None  # type: ignore[no-any-return]


def _copy(source: Any, start: int, end: int, binary: BinaryIO) -> None:
    """Bytes ``[start, end)`` of ``source`` (the spool or a worker's file) onto ``binary``:
    by ``sendfile`` in the kernel when ``source`` is on disk and ``binary`` is a file or
    pipe, else by reading."""
    if getattr(source, "_rolled", True):  # a worker's file, or a spool on disk
        try:
            target = binary.fileno()
        except (OSError, ValueError, io.UnsupportedOperation):
            target = -1
        if target >= 0:
            binary.flush()
            start = _sendfile(target, source.fileno(), start, end)
    for data in _read(source, start, end):
        binary.write(data)


def _read(source: Any, start: int, end: int) -> Iterator[bytes]:
    """Bytes ``[start, end)`` of the open file ``source``, a MiB at a time."""
    source.seek(start)
    while start < end:
        data = source.read(min(1 << 20, end - start))
        if not data:
            name = getattr(source, "name", "the JSON spool")
            raise OSError(f"{name}: shorter than the {end} bytes written to it")
        yield data
        start += len(data)


def _sendfile(target: int, source: int, offset: int, end: int) -> int:
    """Bytes ``[offset, end)`` of ``source`` onto ``target`` (file descriptors) by
    ``sendfile``, in the kernel; where it stopped: ``end``, or earlier when ``sendfile`` does
    not serve this pair of files (the caller reads and writes the rest)."""
    if not hasattr(os, "sendfile"):
        return offset
    while offset < end:
        try:
            sent = os.sendfile(target, source, offset, end - offset)
        except OSError:
            break
        if not sent:
            break
        offset += sent
    return offset


_LEAD = "\n    "  # before the first item
_LEAD_BYTES = _LEAD.encode()


def iter_rows(report: Report) -> Iterator[dict[str, Any]]:
    for item in report.items:
        yield from report.rows(item)
    yield from report.extra_rows()


def write_jsonl(report: Report, out: TextIO) -> None:
    for row in iter_rows(report):
        out.write(_encode_item(row))
        out.write("\n")


def write_csv(report: Report, out: TextIO) -> None:
    writer = csv.DictWriter(out, fieldnames=list(report.columns), extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    for row in iter_rows(report):
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})


def render(report: Report, fmt: str, out: TextIO, schema: str | None = None) -> None:
    """Write ``report`` to ``out`` in ``fmt`` (one of :data:`FORMATS`).

    ``schema``: the name of the JSON document's schema (``scan``, ``remit`` ...), whose
    version the JSON format writes as ``schema_version``.
    """
    if fmt == "json":
        write_json(report, out, schema)
    elif fmt == "jsonl":
        write_jsonl(report, out)
    elif fmt == "csv":
        write_csv(report, out)
    elif fmt == "text":
        report.text(report.items, out)
    else:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


# -- text helpers shared by the commands' text views ------------------------

def table(columns: Sequence[str], rows: Iterable[Sequence[Any]], out: TextIO,
          max_width: int = 60) -> None:
    """A plain fixed-width table (no colour, stable for tests and pipes)."""
    materialised = [[_cell(v, max_width) for v in row] for row in rows]
    widths = [len(c) for c in columns]
    for row in materialised:
        for i, v in enumerate(row):
            widths[i] = max(widths[i], len(v))
    out.write("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for row in materialised:
        out.write("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() + "\n")


def _cell(value: Any, max_width: int) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= max_width else text[: max_width - 1] + "…"
