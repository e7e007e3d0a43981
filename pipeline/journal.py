"""The pipeline's journal: every file's sha256 and every step, in SQLite.

One row per file attempt (``files``) whose ``state`` moves forward only:
``seen → processing → staged → outputs-written → archived → done`` for a file that
was processed, ``… → failing → failed → done`` for one that was not. ``outcome`` says
how a ``done`` file ended: ``archived``, ``failed``, ``duplicate`` or ``vanished``.
``events`` keeps one row per step with its time, for the status command and audits.
Each state change is one committed transaction, so after a crash the journal says
exactly which step was the last one completed.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from x12core.errors import InputError
from x12core.fileio import shown

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY,
    inbox TEXT NOT NULL,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    state TEXT NOT NULL,
    outcome TEXT,
    kind TEXT,
    claims INTEGER,
    held INTEGER,
    outputs TEXT,
    dest TEXT,
    reason TEXT,
    day TEXT NOT NULL,
    first_seen REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS files_sha ON files (sha256, outcome);
CREATE INDEX IF NOT EXISTS files_open ON files (inbox, state);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES files (id),
    step TEXT NOT NULL,
    at REAL NOT NULL,
    detail TEXT
);
"""

QUEUED = ("seen",)
ACTIVE = ("processing", "staged", "outputs-written", "archived", "failing", "failed")


@dataclass
class Entry:
    """One file attempt as the journal knows it."""

    id: int
    inbox: str
    name: str
    sha256: str
    size: int
    state: str
    outcome: str | None
    kind: str | None
    claims: int | None
    held: int | None
    outputs: list[list[str]]
    dest: str | None
    reason: str | None
    day: str
    first_seen: float
    updated: float


class Journal:
    """The SQLite journal in ``state_dir/watch.sqlite3`` (WAL; one writer at a time)."""

    FILE = "watch.sqlite3"

    def __init__(self, state_dir: Path) -> None:
        try:
            state_dir.mkdir(parents=True, exist_ok=True)
            self.path = state_dir / self.FILE
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as err:
            raise InputError(f"{shown(state_dir)}: cannot open the watch journal ({err})"
                             ) from None
        self.db.row_factory = sqlite3.Row

    def close(self) -> None:
        self.db.close()

    def _entry(self, row: sqlite3.Row | None) -> Entry | None:
        if row is None:
            return None
        data = dict(row)
        data["outputs"] = json.loads(data["outputs"] or "[]")
        return Entry(**data)

    def get(self, file_id: int) -> Entry:
        entry = self._entry(self.db.execute("SELECT * FROM files WHERE id = ?",
                                            (file_id,)).fetchone())
        assert entry is not None
        return entry

    def open_entry(self, inbox: str, name: str, sha256: str) -> Entry | None:
        """The unfinished attempt at this very file (same folder, name and content)."""
        return self._entry(self.db.execute(
            "SELECT * FROM files WHERE inbox = ? AND name = ? AND sha256 = ? AND state != 'done'"
            " ORDER BY id DESC LIMIT 1", (inbox, name, sha256)).fetchone())

    def unfinished(self, inbox: str) -> list[Entry]:
        rows = self.db.execute("SELECT * FROM files WHERE inbox = ? AND state != 'done' "
                               "ORDER BY id", (inbox,)).fetchall()
        return [e for e in map(self._entry, rows) if e is not None]

    def processed(self, sha256: str, not_id: int) -> Entry | None:
        """An earlier file with this content that was processed (archived), if any."""
        return self._entry(self.db.execute(
            "SELECT * FROM files WHERE sha256 = ? AND id != ? AND (outcome = 'archived' OR "
            "state IN ('staged', 'outputs-written', 'archived')) ORDER BY id LIMIT 1",
            (sha256, not_id)).fetchone())

    def add(self, inbox: str, name: str, sha256: str, size: int, day: str) -> Entry:
        now = time.time()
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            cur = self.db.execute(
                "INSERT INTO files (inbox, name, sha256, size, state, day, first_seen, updated)"
                " VALUES (?, ?, ?, ?, 'seen', ?, ?, ?)", (inbox, name, sha256, size, day, now, now))
            file_id = int(cur.lastrowid or 0)
            self.db.execute("INSERT INTO events (file_id, step, at) VALUES (?, 'seen', ?)",
                            (file_id, now))
        return self.get(file_id)

    def step(self, entry: Entry, state: str, detail: str | None = None, **values: Any) -> Entry:
        """Move ``entry`` to ``state`` (and set ``values``) in one transaction."""
        now = time.time()
        if "outputs" in values:
            values["outputs"] = json.dumps(values["outputs"])
        sets = ", ".join(f"{k} = ?" for k in ("state", "updated", *values))
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(f"UPDATE files SET {sets} WHERE id = ?",
                            (state, now, *values.values(), entry.id))
            self.db.execute("INSERT INTO events (file_id, step, at, detail) VALUES (?, ?, ?, ?)",
                            (entry.id, state, now, detail))
        return self.get(entry.id)

    def status(self, recent: int = 20) -> dict[str, Any]:
        """Counts per state/outcome and the most recent files, for ``claimkit watch-status``."""
        counts = {"queued": 0, "processing": 0, "done": 0, "failed": 0, "duplicate": 0}
        for state, outcome, n in self.db.execute(
                "SELECT state, outcome, COUNT(*) FROM files GROUP BY state, outcome"):
            if state in QUEUED:
                counts["queued"] += n
            elif state != "done":
                counts["processing"] += n
            elif outcome in ("failed", "duplicate"):
                counts[outcome] += n
            else:
                counts["done"] += n
        rows = self.db.execute(
            "SELECT inbox, name, sha256, state, outcome, kind, claims, held, dest, reason, "
            "updated FROM files ORDER BY updated DESC, id DESC LIMIT ?", (recent,)).fetchall()
        return {"journal": str(self.path), "counts": counts,
                "recent": [dict(r) for r in rows]}
