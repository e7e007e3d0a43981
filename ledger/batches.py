"""Batched writes: rows collect per table and go to the database with executemany.

``conn.execute(table.insert(), rows)`` is one executemany on both databases: the
sqlite3 module's, and on PostgreSQL psycopg 3's, which sends the whole batch in
pipeline mode (one prepared statement, no round trip per row). SQLAlchemy's
"insertmanyvalues" rendering (multi-row ``VALUES`` statements, switched on for
executemany without RETURNING) was measured slower on both databases (about twice the
client and server CPU per row at 10,000 claims) and is left off.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table

CHUNK = 5_000  # rows per executemany


class Batcher:
    """Buffer rows per table; flush a table when it reaches :data:`CHUNK` rows.

    Tables are flushed in the order they were first seen, so parents (claims) are
    written before children (lines) when :meth:`flush_all` runs.
    """

    def __init__(self, conn: Connection, chunk: int = CHUNK) -> None:
        self.conn = conn
        self.chunk = chunk
        self.rows: dict[Table, list[dict[str, Any]]] = {}
        self.written = 0

    def add(self, table: Table, row: dict[str, Any]) -> None:
        rows = self.rows.setdefault(table, [])
        rows.append(row)
        if len(rows) >= self.chunk:
            self.flush_all()  # keep parents ahead of children

    def flush_all(self) -> None:
        for table, rows in self.rows.items():
            if rows:
                self.conn.execute(table.insert(), rows)
                self.written += len(rows)
                rows.clear()
