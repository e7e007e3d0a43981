"""Alembic environment: migrations run on the connection :func:`ledger.db.upgrade` passes."""

from __future__ import annotations

from alembic import context

from ledger.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only ledger.db.upgrade runs these migrations
    raise RuntimeError("run the ledger migrations with `claimkit ledger upgrade`")
context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
