"""``--out-dir DIR``: a run's rows written per chunk, by the task that made them.

Each chunk task (:mod:`x12core.chunks`; in this process, a local worker or a Dask
worker) writes its rows to ``DIR/part-FFFFF-CCCCC.jsonl`` (input file F of the run,
chunk C of that file) -- the very lines ``-f jsonl`` prints for those claims -- and,
with ``--out-format parquet``, the same rows to ``part-FFFFF-CCCCC.parquet``. It hands
back only the part's name, counts and SHA-256, so the rows never travel through the
process that started the run. That process writes the rows that belong to no chunk
(file-level findings, which are known only at the end) to ``findings.jsonl`` and,
last, ``manifest.json``: the run's summary and the parts in order (schema
``manifest``; ``claimkit schema manifest``). Concatenating the parts in manifest
order gives exactly the ``-f jsonl`` output of the same run.

Every file is written with :func:`~x12core.fileio.atomic_write` (a temporary file
renamed when complete), so a part is whole or absent, and a directory without
``manifest.json`` is a run that did not finish. A chunk read again by the parent
(a mispredicted cut, a patient shared with an earlier chunk) has its part rewritten
there, before the manifest. ``DIR`` must be new or empty: a run never mixes its
files with those of another run (nor overwrites an input).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from x12core import schemas
from x12core.errors import InputError
from x12core.fileio import atomic_write, shown
from x12core.render import encode_item
from x12core.spool import RecordSpool

MANIFEST = "manifest.json"
FINDINGS = "findings"
OUT_FORMATS = ("jsonl", "parquet")


def parquet_available() -> bool:
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class Part:
    """One written part: what the manifest lists."""

    name: str
    kind: str  # "claims" (one chunk's rows) or "findings" (the run's file-level rows)
    file: str | None
    chunk: int | None
    byte_range: tuple[int, int] | None
    claims: int
    rows: int
    bytes: int
    sha256: str
    parquet: dict[str, Any] | None = None  # {"name", "bytes", "sha256"}

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "file": self.file, "chunk": self.chunk,
                "byte_range": list(self.byte_range) if self.byte_range else None,
                "claims": self.claims, "rows": self.rows, "bytes": self.bytes,
                "sha256": self.sha256, "parquet": self.parquet}


@dataclass(frozen=True)
class Sink:
    """Where and how a task writes its part (picklable: it travels with each task)."""

    directory: str
    command: str  # the report's schema name: "scan" or "remit" (row schema, columns)
    columns: tuple[str, ...]
    files: tuple[str, ...]  # the run's inputs, in order (a part is named by its index)
    parquet: bool = False
    context: dict[str, Any] = field(default_factory=dict)  # per-command constants (scan:
    # the reference_data cell of every row)

    def part_name(self, path: str, chunk: int) -> str:
        return f"part-{self.files.index(path):05d}-{chunk:05d}"

    def write(self, stem: str, rows: Iterable[dict[str, Any]], *, kind: str = "claims",
              claims: int = 0, file: str | None = None, chunk: int | None = None,
              byte_range: tuple[int, int] | None = None) -> Part:
        """Write ``rows`` to ``stem``.jsonl (and .parquet), each atomically."""
        digest = hashlib.sha256()
        count = size = 0
        kept: list[dict[str, Any]] | None = [] if self.parquet else None
        name = stem + ".jsonl"
        with atomic_write(Path(self.directory) / name, "w", encoding="utf-8",
                          newline="") as out:
            batch: list[str] = []
            for row in rows:
                batch.append(encode_item(row))
                if kept is not None:
                    kept.append(row)
                count += 1
                if len(batch) >= 256:
                    size += _flush(batch, out, digest)
            size += _flush(batch, out, digest)
        parquet = None
        if kept is not None:
            parquet = _write_parquet(Path(self.directory) / (stem + ".parquet"), kept,
                                     self.command, self.columns)
        return Part(name, kind, file, chunk, byte_range, claims, count, size,
                    digest.hexdigest(), parquet)


def _flush(batch: list[str], out: Any, digest: Any) -> int:
    if not batch:
        return 0
    text = "\n".join(batch) + "\n"
    batch.clear()
    data = text.encode("utf-8")
    digest.update(data)
    out.write(text)
    return len(data)


# -- Parquet: one typed column per CSV column, types from the row schema ----------

@cache
def _column_types(command: str, columns: tuple[str, ...]) -> tuple[str, ...]:
    """``int64``, ``bool`` or ``string`` per column, from the JSON row schema: a column is
    typed only when every value the schema allows fits (else it is text)."""
    schema = schemas.load(command)
    defs = schema.get("$defs", {})
    found: dict[str, Any] = {}

    def walk(node: dict[str, Any]) -> None:
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            walk(defs[ref.split("/")[-1]])
        for sub in node.get("allOf", ()):
            walk(sub)
        for key, prop in node.get("properties", {}).items():
            found.setdefault(key, prop)

    walk(defs.get("row", schema))
    out = []
    for column in columns:
        kind = found.get(column, {}).get("type")
        kinds = set(kind) if isinstance(kind, list) else {kind}
        if kinds and kinds <= {"integer", "null"} and "integer" in kinds:
            out.append("int64")
        elif kinds == {"boolean"}:
            out.append("bool")
        else:
            out.append("string")
    return tuple(out)


def _cell(value: Any, kind: str) -> Any:
    if value is None or value == "":
        return None if kind != "string" else value
    if kind == "int64":
        return value if isinstance(value, int) and not isinstance(value, bool) else (
            int(value) if str(value).lstrip("-").isdigit() else None)
    if kind == "bool":
        return bool(value)
    if isinstance(value, str):
        return value
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def _write_parquet(path: Path, rows: Sequence[dict[str, Any]], command: str,
                   columns: tuple[str, ...]) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    kinds = _column_types(command, columns)
    types = {"int64": pa.int64(), "bool": pa.bool_(), "string": pa.string()}
    schema = pa.schema([(c, types[k]) for c, k in zip(columns, kinds, strict=True)])
    data = {c: [_cell(r.get(c), k) for r in rows] for c, k in zip(columns, kinds, strict=True)}
    table = pa.Table.from_pydict(data, schema=schema)
    with atomic_write(path, "wb") as out:
        pq.write_table(table, out)
    blob = path.read_bytes()
    return {"name": path.name, "bytes": len(blob), "sha256": hashlib.sha256(blob).hexdigest()}


# -- the directory, from the process that runs the command -------------------------

def prepare(directory: str | os.PathLike[str], fmt: str,
            inputs: Iterable[str | os.PathLike[str]] = ()) -> Path:
    """Check (one line each) and create ``directory`` before any work: new or empty."""
    if fmt not in OUT_FORMATS:
        raise InputError(f"--out-format: {fmt!r}: use one of {', '.join(OUT_FORMATS)}")
    if fmt == "parquet" and not parquet_available():
        raise InputError("--out-format parquet needs pyarrow (pip install 'claimkit[parquet]')")
    target = Path(directory)
    if target.exists() and not target.is_dir():
        raise InputError(f"{shown(target)}: --out-dir is a file, not a directory")
    if target.is_dir():
        entries = sorted(os.listdir(target))
        if entries:
            what = ("the output of an earlier run" if MANIFEST in entries
                    else f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}")
            raise InputError(f"{shown(target)}: --out-dir is not empty ({what}); name a new "
                             "or empty directory (a run never mixes its parts with others)")
        return target
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{shown(target)}: directory {shown(parent)} does not exist")
    try:
        target.mkdir()
    except OSError as err:
        raise InputError(f"{shown(target)}: cannot create ({err.strerror})") from None
    return target


def unique_inputs(paths: Iterable[str]) -> tuple[str, ...]:
    """The run's inputs; one named twice is refused (its parts would collide)."""
    seen: list[str] = []
    for path in paths:
        if path in seen:
            raise InputError(f"{shown(path)}: named twice; with --out-dir each input is "
                             "read once")
        seen.append(path)
    return tuple(seen)


def write_manifest(sink: Sink, parts: Sequence[Part], summary: dict[str, Any],
                   extra: dict[str, Any], fmt: str) -> Path:
    """``manifest.json``, written last: the run's summary, its parts in order, totals."""
    doc = {"schema_version": schemas.version("manifest"), "command": sink.command,
           "out_format": fmt, "row_schema": sink.command, "inputs": list(sink.files),
           "summary": summary, "parts": [p.to_dict() for p in parts],
           "claims": sum(p.claims for p in parts), "rows": sum(p.rows for p in parts)}
    for key, value in extra.items():
        if not isinstance(value, RecordSpool):  # spooled (remit findings): the findings part
            doc[key] = value
    path = Path(sink.directory) / MANIFEST
    _sweep(Path(sink.directory))
    with atomic_write(path, "w", encoding="utf-8", newline="") as out:
        out.write(json.dumps(doc, indent=2, default=str))
        out.write("\n")
    return path




def _sweep(directory: Path) -> None:
    """Remove temporary files a killed task left (its part was written again elsewhere):
    the directory was empty when the run began, so every such file is this run's."""
    for entry in directory.iterdir():
        name = entry.name
        if name.startswith((".part-", f".{FINDINGS}.")) and name.endswith(".tmp"):
            entry.unlink(missing_ok=True)


def note(parts: Sequence[Part], manifest: Path) -> str:
    """The one line a ``--out-dir`` run prints: what it wrote, where."""
    claims = sum(p.claims for p in parts)
    rows = sum(p.rows for p in parts)
    return (f"{len(parts)} part(s), {claims} claim(s), {rows} row(s) written to "
            f"{shown(manifest.parent)}; manifest {shown(manifest)}\n")
