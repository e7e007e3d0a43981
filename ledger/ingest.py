"""``claimkit ingest``: put X12 files into the ledger, each whole or not at all.

    from ledger.db import open_engine
    from ledger.ingest import ingest_file
    engine = open_engine("ledger.sqlite")          # or "postgresql://..."
    outcome = ingest_file(engine, "batch.837")     # 837P, 835, 999 or 277CA

One database transaction per file: a crash, a kill or a bad file half-way leaves
the ledger as it was before that file. Every ingest first locks the ledger's one
lock row (``SELECT ... FOR UPDATE``; SQLite's ``BEGIN IMMEDIATE`` serializes
writers the same way), then checks whether the file is already in: the same
SHA-256, or the same ISA13/GS06/ST02 from the same sender (ISA06) and of the same
kind, is a no-op that says so. Unique constraints back both checks, so two
processes ingesting at once never duplicate or lose a row.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, or_, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from edi837.scan import ScanOptions, preflight
from ledger import schema as t
from ledger.acks import ingest_acks
from ledger.db import LedgerError, display, ensure_current
from ledger.ident import FileIdentity, identify
from ledger.remits835 import ingest_835
from ledger.sent837 import ingest_837, rematch
from remit835.causes import CauseMap
from remit835.parse import check_835


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    path: str
    kind: str
    file_id: int | None  # None: already in the ledger
    records: int  # claims, remits or acks written
    changed: int  # claims whose status changed
    duplicate_of: str = ""  # the path the ledger already holds this file as

    @property
    def skipped(self) -> bool:
        return self.file_id is None

    def to_dict(self) -> dict[str, object]:
        return {"file": self.path, "kind": self.kind, "file_id": self.file_id,
                "records": self.records, "status_changes": self.changed,
                "skipped": self.skipped, "duplicate_of": self.duplicate_of}


def ingest_file(engine: Engine, path: str | os.PathLike[str], *,
                scan_options: ScanOptions | None = None,
                causes: CauseMap | None = None) -> IngestOutcome:
    """Ingest one file in one transaction; a file already in the ledger is a no-op."""
    ident = identify(path)
    if ident.kind == "837":
        preflight(ident.path)
    elif ident.kind == "835":
        check_835(ident.path)
    ensure_current(engine)
    try:
        with engine.begin() as conn:
            conn.execute(select(t.ledger_lock).with_for_update())
            previous = _already(conn, ident)
            if previous is not None:
                return IngestOutcome(ident.path, ident.kind, None, 0, 0, previous)
            file_id = _register(conn, ident)
            records, changed = _ingest(conn, file_id, ident, scan_options or ScanOptions(),
                                       causes)
            conn.execute(t.files.update().where(t.files.c.file_id == file_id)
                         .values(records=records))
            return IngestOutcome(ident.path, ident.kind, file_id, records, changed)
    except IntegrityError:  # another process registered the same file first
        with engine.connect() as conn:
            previous = _already(conn, ident)
        if previous is None:
            raise
        return IngestOutcome(ident.path, ident.kind, None, 0, 0, previous)
    except SQLAlchemyError as exc:
        raise LedgerError(f"{ident.path}: not ingested, the ledger "
                          f"{display(str(engine.url))} refused it "
                          f"({str(getattr(exc, 'orig', exc)).strip().splitlines()[0]})") from None


def _already(conn: Connection, ident: FileIdentity) -> str | None:
    f = t.files.c
    row = conn.execute(select(f.path).where(or_(
        f.sha256 == ident.sha256,
        (f.kind == ident.kind) & (f.sender == ident.sender) & (f.isa13 == ident.isa13)
        & (f.gs06 == ident.gs06) & (f.st02 == ident.st02)))).first()
    return None if row is None else row.path


def _register(conn: Connection, ident: FileIdentity) -> int:
    result = conn.execute(t.files.insert().values(
        sha256=ident.sha256, kind=ident.kind, path=ident.path, sender=ident.sender,
        isa13=ident.isa13, gs06=ident.gs06, st02=ident.st02, batch_date=ident.date,
        ingested_at=datetime.now(UTC).isoformat(timespec="seconds"), records=0))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _ingest(conn: Connection, file_id: int, ident: FileIdentity, options: ScanOptions,
            causes: CauseMap | None) -> tuple[int, int]:
    if ident.kind == "837":
        records = ingest_837(conn, file_id, ident, options)
        return records, rematch(conn, file_id)
    if ident.kind == "835":
        return ingest_835(conn, file_id, ident, causes or CauseMap.load())
    return ingest_acks(conn, file_id, ident)


def ingest_files(engine: Engine, paths: list[str | os.PathLike[str]], *,
                 scan_options: ScanOptions | None = None,
                 causes: CauseMap | None = None) -> list[IngestOutcome]:
    """Ingest each file in turn (each in its own transaction)."""
    if causes is None:
        causes = CauseMap.load()
    return [ingest_file(engine, p, scan_options=scan_options, causes=causes) for p in paths]


