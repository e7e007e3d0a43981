"""What earlier patient loops of a run billed: a compact index with a fixed memory bound.

Cross-claim checks (duplicate lines, 96372 units over the MUE) must see claims of
the same patient that sit in other subscriber loops or other files of the run.
The index keeps one small entry per patient and date of service, keyed by the text of
the patient key (payer id + member id + birth date + last and first name) and the
date: the line signatures seen that day (what the duplicate rule compares) with the
first claim's id, and the 96372 units so far.

Memory is bounded: at most :data:`MEMORY_ENTRIES` entries (about 15 MiB, ~800 bytes
each, measured on the benchmark batch) live in a dict; past that the oldest quarter moves
(pickled) to a temporary SQLite database on disk (``sqlite3`` with an empty file name: a
private file deleted when the run ends, with a 2 MiB page cache), so a 200,000-claim run
with repeated patients stays flat. The dict is kept in order of last write, so what
stays in memory is what the run touched last: a patient's claims sit close together
in a batch. A lookup checks the dict, then the database once anything has spilled.
Keys are the text itself, not a hash of it: no two patients can collide, and a key is
the same in every process of a parallel run (``hash()`` of a str is not).
"""

from __future__ import annotations

import itertools
import pickle
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from typing import Protocol

from edi837.model import Claim

MEMORY_ENTRIES = 20_000
PROTOCOL = pickle.HIGHEST_PROTOCOL  # entries pickled (spilled, or sent back by a chunk task)
_BATCH = 500  # keys per disk lookup of get_many (SQLite allows 999 parameters at least)
_PAGE_CACHE_KIB = 2048


def patient_key(claim: Claim) -> tuple[str, str, str, str, str]:
    """Payer id + member id + birth date + last and first name of the claim's patient."""
    person = claim.patient
    party = person.party
    return (claim.subscriber.payer.id, party.id, person.birth_date, party.name,
            party.first_name)


def line_signature(*parts: str) -> str:
    """What the duplicate check compares, as one string key of an encounter entry.

    A string, never a tuple: tuple keys of an entry are the 96372 unit counters
    (``("mue", provider)`` ...), which a parallel run merges by adding."""
    return "\x1f".join(parts)


class RunIndex:
    """A bounded key -> value store for one run (one :class:`~edi837.scan.Scanner`).

    A value is an entry (plain data: str, numbers, dicts of them) or ``bytes``: the
    entry pickled (with :data:`PROTOCOL`) by a chunk task of a parallel run, which
    this process keeps as it came and unpickles only when asked for the entry.
    """

    def __init__(self, limit: int = MEMORY_ENTRIES) -> None:
        self.limit = limit
        self._memory: dict[str, object] = {}
        self._db: sqlite3.Connection | None = None
        self.spilled = 0  # entries written to disk so far
        # A chunk of a parallel run (edi837.scan_parallel.run_chunk): rules also record
        # what the run needs to merge this chunk's entries with earlier chunks' (the
        # 96372 running peak and lowest MUE); a one-process run skips that bookkeeping.
        self.chunked = False

    def get(self, key: str) -> object | None:
        found = self._memory.get(key)
        if found is None and self._db is not None:
            row = self._db.execute("SELECT v FROM entries WHERE k = ?", (key,)).fetchone()
            found = row[0] if row else None
        return pickle.loads(found) if isinstance(found, bytes) else found

    def get_many(self, keys: Iterable[str]) -> dict[str, bytes]:
        """The entries (pickled) of those of ``keys`` the index holds; the disk is asked
        in batches, not once per key (a parallel run merges a chunk's keys at once)."""
        memory = self._memory
        found: dict[str, bytes] = {}
        missing: list[str] = []
        for key in keys:
            value = memory.get(key)
            if value is None:
                missing.append(key)
            else:
                found[key] = _pickled(value)
        if self._db is not None:
            for at in range(0, len(missing), _BATCH):
                batch = missing[at:at + _BATCH]
                marks = ",".join("?" * len(batch))
                found.update(self._db.execute(
                    f"SELECT k, v FROM entries WHERE k IN ({marks})", batch))
        return found

    def put(self, key: str, value: object) -> None:
        """Store ``value`` (an entry, or the entry pickled: ``bytes``) under ``key``."""
        memory = self._memory
        memory.pop(key, None)  # to the end: the dict's order is the order of last write
        memory[key] = value
        if len(memory) > self.limit:
            self._spill()

    def __len__(self) -> int:
        return len(self._memory) + self.spilled

    def items(self) -> Iterator[tuple[str, object]]:
        """Every entry (memory and disk)."""
        for key, value in self.pickled():
            yield key, pickle.loads(value)

    def pickled(self) -> Iterator[tuple[str, bytes]]:
        """Every entry (memory and disk), pickled: what a chunk of a parallel run hands
        back (the disk's are already)."""
        if self._db is not None:
            for key, blob in self._db.execute("SELECT k, v FROM entries"):
                if key not in self._memory:
                    yield key, blob
        for key, value in self._memory.items():
            yield key, _pickled(value)

    def load(self, entries: Mapping[str, object]) -> None:
        """Start from what earlier chunks of the run recorded under these keys."""
        for key, value in entries.items():
            self.put(key, value)

    def _spill(self) -> None:
        if self._db is None:
            self._db = sqlite3.connect("")  # a private temporary database on disk
            self._db.execute(f"PRAGMA cache_size = -{_PAGE_CACHE_KIB}")
            self._db.execute("PRAGMA journal_mode = OFF")
            self._db.execute("PRAGMA synchronous = OFF")
            self._db.execute("CREATE TABLE entries (k TEXT PRIMARY KEY, v BLOB) "
                             "WITHOUT ROWID")
        memory = self._memory
        older = list(itertools.islice(memory, max(1, len(memory) // 4)))
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?)",
                                 ((k, _pickled(memory.pop(k))) for k in older))
        self.spilled += len(older)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _pickled(value: object) -> bytes:
    """An entry as stored on disk (a value already pickled by a chunk task: as it is)."""
    return value if isinstance(value, bytes) else pickle.dumps(value, PROTOCOL)


class _Context(Protocol):
    index: RunIndex
    memo: dict[object, object]


def encounter(ctx: _Context, claim: Claim, when: str) -> dict[object, object]:
    """The run's record of one patient's date of service (``when``: DTP*472 DTP03).

    One dict per patient and date that the cross-claim rules of a patient loop share
    (line signatures -> first claim id; ``("mue", provider)`` -> 96372 units). The
    engine calls :func:`flush` once the loop's rules are done: the entries go back into
    the index then, so a spill to disk never loses a change made during the loop.
    """
    memo = ctx.memo
    patient = memo.get(id(claim))
    if patient is None:
        # The fields joined by separators no X12 element holds here (the reader splits
        # on the file's delimiters; these control characters are not among them).
        patient = memo[id(claim)] = "\x1f".join(patient_key(claim))
    key = f"{patient}\x1e{when}"
    entry = memo.get(key)
    if entry is None:
        found = ctx.index.get(key)
        entry = memo[key] = found if isinstance(found, dict) else {}
        pending = memo.setdefault("pending", {})
        pending[key] = entry  # type: ignore[index]
    return entry  # type: ignore[return-value]


def flush(ctx: _Context) -> None:
    """Put the encounters a patient loop touched back into the run index (once, after
    every rule of the loop ran: a put may spill older entries to disk)."""
    pending = ctx.memo.pop("pending", None)
    if pending:
        for key, entry in pending.items():  # type: ignore[attr-defined]
            ctx.index.put(key, entry)
