"""A list of report records that lives on disk past a few MiB.

A report's side sections (the 835 findings: one per unbalanced line, claim or
payment) can grow with the file: a 200 MB remit with an imbalance on every claim
held ~2 KB per finding in memory. :class:`RecordSpool` keeps each record as a JSON
line in a spooled temporary file instead, counts what callers ask about as records
arrive, and reads them back in order as often as needed. :func:`x12core.render.render`
streams it into JSON arrays and rows without building a list.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from typing import Any

SPOOL_MEMORY = 4 << 20  # bytes kept in memory before the spool moves to a temporary file


class RecordSpool:
    """Append-only sequence of JSON-able dicts; iterate it any number of times."""

    def __init__(self, max_memory: int = SPOOL_MEMORY) -> None:
        self._file = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed with the spool
            max_size=max_memory, mode="w+", encoding="utf-8")
        self._count = 0

    def append(self, record: dict[str, Any]) -> None:
        self._file.seek(0, 2)
        self._file.write(json.dumps(record, default=str))
        self._file.write("\n")
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        self._file.flush()
        self._file.seek(0)
        position = 0
        while True:
            # Re-seek after each yield: appends between two reads move the file position.
            self._file.seek(position)
            line = self._file.readline()
            if not line:
                return
            position = self._file.tell()
            yield json.loads(line)

    def close(self) -> None:
        self._file.close()
