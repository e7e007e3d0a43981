"""Ingest talks to the database in batches: statements per file do not grow with its rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, select

from ledger import schema as t
from ledger.db import open_engine
from ledger.ingest import ingest_file
from tests.ledger.data import make_batch


def _statements(db: str, path: Path) -> tuple[list[tuple[str, int]], int]:
    """Ingest ``path``; every statement sent (first words, parameter sets) and the records."""
    engine = open_engine(db)
    seen: list[tuple[str, int]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any,
                executemany: bool) -> None:
        seen.append((" ".join(statement.split()[:3]), len(parameters) if executemany else 1))

    outcome = ingest_file(engine, path)
    engine.dispose()
    return seen, outcome.records


def test_ingest_is_batched(db: str, tmp_path: Path) -> None:
    batch = make_batch(tmp_path, claims=120)
    sent, claims = _statements(db, batch.claims_file)
    assert claims == 120
    inserts = [(s, n) for s, n in sent if s.startswith("INSERT INTO")]
    # claims, lines, findings and history of 120 claims: a few executemany, not a row each
    assert sum(n for _, n in inserts) > 4 * claims
    assert len(inserts) <= 8, inserts

    era = tmp_path / "era.835"
    sent, remits = _statements(db, era)
    assert remits > 100
    written = sum(n for s, n in sent if s.startswith("INSERT INTO"))
    assert written > 4 * remits
    assert len(sent) < remits / 2, sent  # set-based lookups and executemany writes
    # the remits are written with their settled role, never written and then updated
    assert not [s for s, _ in sent if s.startswith("UPDATE remits")], sent
    r = t.remits.c
    with open_engine(db).connect() as conn:
        roles = {row.role for row in conn.execute(select(r.role).where(
            r.sent_file_id.is_not(None)))}
    assert roles and "" not in roles
