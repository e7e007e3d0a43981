"""Crash, concurrency and schema safety of the ledger, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ledger import schema as t
from ledger.db import head_revision, open_engine, upgrade
from tests.ledger.data import Batch, expected_statuses, make_batch
from tests.ledger.test_ledger_e2e import counts, statuses

ROOT = Path(__file__).resolve().parents[2]

# Ingest one file, but SIGKILL the process right after the first batch of rows reached the
# database (mid-transaction): nothing is committed, the ledger must stay as it was.
KILL_MID_INGEST = """
import os, signal, sys
from ledger import batches
real = batches.Batcher.flush_all
def flush_then_die(self):
    real(self)
    if self.written:
        os.kill(os.getpid(), signal.SIGKILL)
batches.Batcher.flush_all = flush_then_die
from ledger.db import open_engine
from ledger.ingest import ingest_file
ingest_file(open_engine(sys.argv[1]), sys.argv[2])
"""

INGEST = """
import sys
from ledger.db import open_engine
from ledger.ingest import ingest_file
engine = open_engine(sys.argv[1])
for path in sys.argv[2:]:
    ingest_file(engine, path)
"""


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    return make_batch(tmp_path_factory.mktemp("batch"))


def python(code: str, *args: Any) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.parametrize("which", ["837", "835"])
def test_killed_ingest_leaves_the_ledger_as_before(db: str, batch: Batch, which: str,
                                                    cli: Callable[..., Any]) -> None:
    if which == "835":
        assert cli("ingest", "--db", db, batch.claims_file).code == 0
    target = batch.claims_file if which == "837" else batch.weeks[0]
    upgrade(open_engine(db))
    before, story = counts(db), statuses(db)
    proc = python(KILL_MID_INGEST, db, target)
    proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL
    assert counts(db) == before and statuses(db) == story
    # and the file goes in normally afterwards, once
    assert cli("ingest", "--db", db, target).code == 0
    assert counts(db)["files"] == before["files"] + 1


def test_concurrent_ingests_never_duplicate_or_lose_rows(db: str, batch: Batch) -> None:
    upgrade(open_engine(db))
    files = [batch.claims_file, *batch.weeks]
    one = python(INGEST, db, *files)
    two = python(INGEST, db, *reversed(files))
    for proc in (one, two):
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err.decode()
    n = counts(db)
    assert n["files"] == len(files)
    assert n["claims"] == len(batch.truth)
    assert n["remits"] == sum(p.read_text().count("CLP*") for p in batch.weeks)
    assert statuses(db) == expected_statuses(batch.truth)


def test_migrations_build_exactly_the_schema(db: str, cli: Callable[..., Any]) -> None:
    first = cli("ledger", "upgrade", "--db", db)
    assert first.code == 0 and f"(new) -> {head_revision()}" in first.out
    engine = open_engine(db)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), t.metadata)
    assert diff == []
    again = cli("ledger", "upgrade", "--db", db)
    assert again.code == 0 and "already at schema revision" in again.out


def test_an_older_ledger_must_be_upgraded_first(db: str, batch: Batch,
                                                cli: Callable[..., Any]) -> None:
    engine = open_engine(db)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(t.metadata.tables["ledger_lock"].select())  # the schema is there
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0000'")
    result = cli("ingest", "--db", db, batch.claims_file)
    assert result.code == 2
    assert "claimkit ledger upgrade" in result.err and "Traceback" not in result.err
