"""Ledger fixtures: every ledger test runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import psycopg
import pytest

from tests.ledger import pgserver

_names = itertools.count()


@pytest.fixture(scope="session")
def pg() -> Iterator[pgserver.PgServer]:
    """One PostgreSQL cluster for the session. Missing binaries FAIL the tests (never skip)."""
    try:
        server = pgserver.start()
    except FileNotFoundError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh, empty ledger: a SQLite file path, or a new database's postgresql:// URL."""
    if request.param == "sqlite":
        return str(tmp_path_factory.mktemp("ledger") / "ledger.sqlite")
    server: pgserver.PgServer = request.getfixturevalue("pg")
    name = f"ledger_{next(_names)}"
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return server.database_url(name)
