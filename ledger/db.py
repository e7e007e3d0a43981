"""Where the ledger lives and how to open it: SQLite by default, PostgreSQL by URL.

``--db`` and ``CLAIMKIT_DB`` take the same values: a file path (SQLite), a
``sqlite:///`` URL, or a ``postgresql://`` URL (driven by psycopg 3). With neither,
the ledger is ``ledger.sqlite`` in the platform's user-data directory
(``platformdirs.user_data_dir("claimkit")``).

SQLite runs in WAL mode with a busy timeout, and every transaction starts with
``BEGIN IMMEDIATE`` so two writers queue instead of failing mid-transaction.
The schema is versioned with Alembic; :func:`upgrade` migrates programmatically
(the migration scripts ship inside this package).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from platformdirs import user_data_dir
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from x12core.errors import InputError

ENV_VAR = "CLAIMKIT_DB"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 60_000


class LedgerError(InputError):
    """The ledger cannot be opened, or is not at the schema this claimkit needs (exit 2)."""


def default_path() -> Path:
    return Path(user_data_dir("claimkit", appauthor=False)) / "ledger.sqlite"


def resolve_url(db: str | os.PathLike[str] | None = None) -> str:
    """The SQLAlchemy URL for ``--db`` / ``CLAIMKIT_DB`` / the default file."""
    spec = os.fspath(db) if db else os.environ.get(ENV_VAR, "")
    if not spec:
        path = default_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    if spec.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + spec.split("://", 1)[1]
    if "://" in spec:
        return spec
    return f"sqlite:///{Path(spec).expanduser().resolve()}"


def ledger_file(db: str | os.PathLike[str] | None = None) -> Path | None:
    """The SQLite file behind ``--db`` (``None`` for a server database): an input that
    ``--out`` must never overwrite."""
    try:
        url = make_url(resolve_url(db))
    except ArgumentError:
        return None
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def display(url: str) -> str:
    """The URL with any password masked (for messages)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def open_engine(db: str | os.PathLike[str] | None = None) -> Engine:
    """An engine for the ledger; raises :class:`LedgerError` for an unusable spec."""
    url = resolve_url(db)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise LedgerError(f"{url}: not a database path or URL ({exc})") from None
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            folder = Path(parsed.database).parent
            if not folder.is_dir():
                raise LedgerError(f"{parsed.database}: folder {folder} does not exist")
        kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000}
    elif parsed.get_backend_name() != "postgresql":
        raise LedgerError(f"{display(url)}: the ledger runs on SQLite or PostgreSQL only")
    try:
        engine = create_engine(parsed, **kwargs)
    except (ArgumentError, ImportError) as exc:
        raise LedgerError(f"{display(url)}: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        _sqlite_setup(engine)
    return engine


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Migrate the ledger to ``revision``; returns (revision before, revision after)."""
    try:
        before = current_revision(engine)
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
        return before, current_revision(engine) or ""
    except SQLAlchemyError as exc:
        raise LedgerError(f"{display(str(engine.url))}: cannot migrate the ledger "
                          f"({_first_line(exc)})") from None


def ensure_current(engine: Engine) -> None:
    """Create a new ledger's schema; refuse one at an older or unknown revision."""
    try:
        current = current_revision(engine)
    except OperationalError as exc:
        raise LedgerError(f"{display(str(engine.url))}: cannot open the ledger "
                          f"({_first_line(exc)})") from None
    head = head_revision()
    if current == head:
        return
    if current is None:
        try:
            upgrade(engine)
        except LedgerError:
            if current_revision(engine) != head:  # another process may have just created it
                raise
        return
    raise LedgerError(f"{display(str(engine.url))}: the ledger is at schema revision {current}, "
                      f"this claimkit needs {head}; run `claimkit ledger upgrade`")


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
