"""Install distributed files into the store: recognise, group, check, commit atomically.

One ``install`` call is one SQLite transaction: every table given is compiled and
checked (row floors, canaries) before anything is committed, and any failure -
a wrong table, a truncated zip, a changed header, a failed canary, an
interruption - rolls back, leaving the previous store as it was. Installing a file
whose sha256 is already in the manifest is a no-op that says so.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from refdata.gates import check_gates, floor_scale
from refdata.kinds import FDA, PTP, TITLES, Parsed
from refdata.recognise import tables_in
from refdata.sources import sha256_file
from refdata.store import ROW_TABLES, connect, store_path
from x12core.errors import InputError

BATCH = 20_000
Progress = Callable[[str, int], None]  # (what is being read, rows so far)


@dataclass
class Outcome:
    kind: str
    version: str
    start: date | None
    end: date | None
    rows: int
    sources: list[str]
    status: str  # "installed", "replaced" or "unchanged"
    notes: list[str] = field(default_factory=list)


@dataclass
class _Group:
    kind: str
    version: str
    tables: list[tuple[Parsed, str, str]] = field(default_factory=list)  # parsed, path, sha


def install(paths: Sequence[str | os.PathLike[str]], directory: str | os.PathLike[str] | None
            = None, *, accept_ama_license: str = "", allow_small: bool = False,
            today: date | None = None, progress: Progress | None = None) -> list[Outcome]:
    """Install the tables in ``paths`` (zips or files as distributed) into the store."""
    groups = _groups(paths, today or date.today())
    scale = 0.0 if allow_small else floor_scale()
    target = store_path(directory)
    existed = target.exists()
    con = connect(target, write=True)
    try:
        con.execute("BEGIN IMMEDIATE")
        outcomes = [_install_group(con, g, scale, accept_ama_license, progress)
                    for g in groups]
        con.execute("COMMIT")
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        con.close()
        if not existed:
            target.unlink(missing_ok=True)  # no store before: leave none behind
        raise
    con.close()
    return outcomes


def compile_into(con: sqlite3.Connection, paths: Sequence[str | os.PathLike[str]],
                 today: date) -> list[Outcome]:
    """Compile small tables (the shipped curated subsets) into an open store, no floors."""
    return [_install_group(con, g, 0.0, "", None) for g in _groups(paths, today)]


def _groups(paths: Sequence[str | os.PathLike[str]], today: date) -> list[_Group]:
    groups: dict[tuple[str, str], _Group] = {}
    for path in paths:
        name = os.fspath(path)
        if not os.path.isfile(name):
            raise InputError(f"{name}: no such file")
        sha = sha256_file(name)
        for parsed in tables_in(name, today):
            g = groups.setdefault((parsed.kind, parsed.version),
                                  _Group(parsed.kind, parsed.version))
            g.tables.append((parsed, name, sha))
    for g in groups.values():
        _check_complete(g)
    return list(groups.values())


def _check_complete(g: _Group) -> None:
    parts = {p.part for p, _, _ in g.tables}
    where = ", ".join(sorted({path for _, path, _ in g.tables}))
    if g.kind == PTP:
        missing = [f"f{i}" for i in range(1, 5) if f"f{i}" not in parts]
        if missing:
            raise InputError(f"{where}: NCCI PTP {g.version} needs all four parts of the "
                             f"quarter together; missing {', '.join(missing)} (install "
                             "…-ccipra-…-f1.zip … -f4.zip in one command)")
        if len(g.tables) > 4:
            raise InputError(f"{where}: NCCI PTP {g.version}: a part was given twice")
    if g.kind == FDA and g.version.endswith("listed") \
            and not {"listed-product", "listed-package"} <= parts:
        raise InputError(f"{where}: the FDA NDC Directory needs product.txt and package.txt "
                         "together (install ndctext.zip as downloaded)")


def _install_group(con: sqlite3.Connection, g: _Group, scale: float, license_: str,
                   progress: Progress | None) -> Outcome:
    first = g.tables[0][0]
    sources = sorted({path for _, path, _ in g.tables})
    shas = {sha for _, _, sha in g.tables}
    old = con.execute("SELECT id FROM dataset WHERE kind=? AND version=?",
                      (g.kind, g.version)).fetchone()
    if old is not None:
        known = {r[0] for r in con.execute("SELECT sha256 FROM file WHERE ds=?", (old[0],))}
        if shas <= known:
            rows = con.execute("SELECT rows FROM dataset WHERE id=?", (old[0],)).fetchone()[0]
            return Outcome(g.kind, g.version, first.start, first.end, rows, sources,
                           "unchanged", ["already installed (same sha256); nothing to do"])
        _drop(con, old[0])
    if g.kind == FDA:  # the directory is a daily snapshot: keep one per status
        status = g.version.split()[-1]
        for (ds,) in con.execute("SELECT id FROM dataset WHERE kind=? AND version LIKE ?",
                                 (FDA, f"% {status}")).fetchall():
            _drop(con, ds)
    if g.kind == PTP:
        license_ = license_ or "AMA CPT licence accepted on the CMS download page (manual " \
            "download)"
    else:
        license_ = ""  # only the PTP files are licence-gated
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    start = int(first.start.strftime("%Y%m%d")) if first.start else None
    end = int(first.end.strftime("%Y%m%d")) if first.end else None
    cur = con.execute("INSERT INTO dataset(kind, version, start, end, rows, installed_at, "
                      "license) VALUES (?,?,?,?,0,?,?)",
                      (g.kind, g.version, start, end, now, license_))
    ds = int(cur.lastrowid or 0)
    total = 0
    counts: dict[str, int] = {}
    for parsed, path, sha in sorted(g.tables, key=lambda t: t[0].part):
        key = g.kind if g.kind != FDA else f"{FDA}:{parsed.part.split('-')[-1]}"
        table, cols = ROW_TABLES[key]
        sql = (f"INSERT INTO {table}(ds, {', '.join(cols)}) "
               f"VALUES ({', '.join('?' * (len(cols) + 1))})")
        n = _insert(con, sql, ds, parsed.rows(), parsed.member.where, progress)
        counts[parsed.part or g.kind] = n
        total += n
        con.execute("INSERT INTO file VALUES (?,?,?,?,?,?,?)",
                    (ds, path, parsed.member.name, parsed.part, sha, n, now))
    con.execute("UPDATE dataset SET rows=? WHERE id=?", (total, ds))
    check_gates(con, g.kind, ds, counts, scale, ", ".join(sources))
    return Outcome(g.kind, g.version, first.start, first.end, total, sources,
                   "replaced" if old is not None else "installed")


def _insert(con: sqlite3.Connection, sql: str, ds: int, rows: Iterable[tuple[object, ...]],
            what: str, progress: Progress | None) -> int:
    batch: list[tuple[object, ...]] = []
    n = 0
    for row in rows:
        batch.append((ds, *row))
        if len(batch) >= BATCH:
            con.executemany(sql, batch)
            n += len(batch)
            batch.clear()
            if progress is not None:
                progress(what, n)
    if batch:
        con.executemany(sql, batch)
        n += len(batch)
    if progress is not None:
        progress(what, n)
    return n


def _drop(con: sqlite3.Connection, ds: int) -> None:
    for table, _ in ROW_TABLES.values():
        con.execute(f"DELETE FROM {table} WHERE ds=?", (ds,))
    con.execute("DELETE FROM file WHERE ds=?", (ds,))
    con.execute("DELETE FROM dataset WHERE id=?", (ds,))


def describe(outcome: Outcome) -> str:
    period = ""
    if outcome.start:
        period = f" effective {outcome.start.isoformat()}"
        period += f" through {outcome.end.isoformat()}" if outcome.end else " onward"
    note = f" ({'; '.join(outcome.notes)})" if outcome.notes else ""
    return (f"{outcome.status}: {TITLES.get(outcome.kind, outcome.kind)} {outcome.version}"
            f"{period}, {outcome.rows:,} rows{note}")


