"""Look up the codes a batch uses in the table in force on each date of service.

:class:`RefData` reads the installed store (read-only; opened lazily, once per
process) and, for kinds that are not installed, the shipped curated subsets,
compiled at first use into an in-memory store by the same readers the installer
uses. Nothing loads a whole table: each (dataset, key) is one indexed query,
cached, so a batch costs one query per distinct code or NDC.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from refdata.kinds import MUE, PTP, SNAPSHOT_KINDS, TITLES, as_date
from refdata.store import Dataset, connect, datasets, store_path

CACHE_LIMIT = 200_000
_MISSING = object()


def _day(when: date | None) -> int | None:
    return when.year * 10000 + when.month * 100 + when.day if when is not None else None


@dataclass(frozen=True, slots=True)
class XwalkRow:
    code: str
    ndc: str
    drug: str
    dosage: str
    pkg_size: float | None
    pkg_qty: float | None
    billunits: float | None
    billunitspkg: float | None


@dataclass(frozen=True, slots=True)
class Package:
    ndc: str
    status: str  # listed, unfinished, excluded
    description: str
    container: str  # single, multi or ""
    start: date | None
    end: date | None
    product_end: date | None

    def marketed_on(self, when: date) -> bool:
        for start, end in ((self.start, self.end), (None, self.product_end)):
            if start is not None and when < start:
                return False
            if end is not None and when > end:
                return False
        return True


@dataclass(frozen=True, slots=True)
class SadEntry:
    code: str
    generic: str
    brand: str
    start: date | None
    end: date | None
    source: str


class _Source:
    """One store (installed or shipped) with its datasets by kind."""

    def __init__(self, con: sqlite3.Connection, label: str) -> None:
        self.con = con
        self.label = label
        self.by_kind: dict[str, list[Dataset]] = {}
        for d in datasets(con):
            self.by_kind.setdefault(d.kind, []).append(d)


_SHIPPED: dict[tuple[object, ...], _Source] = {}


def _shipped_source(files: tuple[Path, ...], as_of: date) -> _Source:
    """The shipped subsets compiled once per process into an in-memory store."""
    key = (files, as_of, os.getpid())
    src = _SHIPPED.get(key)
    if src is None:
        from refdata.install import compile_into
        from refdata.store import SCHEMA

        con = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        con.executescript(SCHEMA)
        compile_into(con, files, as_of)
        src = _SHIPPED[key] = _Source(con, "shipped subset")
    return src


class RefData:
    """Installed tables (and shipped subsets of the kinds not installed)."""

    def __init__(self, directory: str | os.PathLike[str] | None = None, *,
                 installed: bool = True, shipped: tuple[Path, ...] = (),
                 shipped_as_of: date = date(2000, 1, 1)) -> None:
        self.path = store_path(directory) if installed else None
        self.shipped_files = shipped
        self.shipped_as_of = shipped_as_of
        self._pid = -1
        self._user: _Source | None = None
        self._shipped: _Source | None = None
        self._cache: dict[tuple[Any, ...], Any] = {}
        self._picks: dict[tuple[str, date | None], tuple[_Source, Dataset] | None] = {}
        self.consulted: dict[tuple[str, int], Dataset] = {}

    # -- sources ------------------------------------------------------------
    def _open(self) -> None:
        if self._pid == os.getpid():
            return
        self._pid = os.getpid()  # a forked worker opens its own connections
        self._cache.clear()
        self._picks.clear()
        self._user = None
        if self.path is not None and self.path.exists():
            self._user = _Source(connect(self.path, write=False), "installed")
        self._shipped = None
        if self.shipped_files:
            self._shipped = _shipped_source(self.shipped_files, self.shipped_as_of)

    def installed_kinds(self) -> set[str]:
        self._open()
        return set(self._user.by_kind) if self._user else set()

    def has(self, kind: str) -> bool:
        return self._source(kind) is not None

    def _source(self, kind: str) -> _Source | None:
        self._open()
        for src in (self._user, self._shipped):
            if src is not None and src.by_kind.get(kind):
                return src
        return None

    def pick(self, kind: str, when: date | None) -> tuple[_Source, Dataset] | None:
        """The dataset in force on ``when``: for quarterly snapshots the one whose period
        holds the date (else the nearest: the newest for later dates, the oldest for
        earlier ones); for PTP, FDA and SAD the newest (their rows carry dates)."""
        self._open()
        key = (kind, when)
        try:
            return self._picks[key]  # a batch has a few hundred dates of service
        except KeyError:
            pass
        found = self._pick(kind, when)
        if len(self._picks) < CACHE_LIMIT:
            self._picks[key] = found
        return found

    def _pick(self, kind: str, when: date | None) -> tuple[_Source, Dataset] | None:
        src = self._source(kind)
        if src is None:
            return None
        items = src.by_kind[kind]
        chosen = items[-1]
        if kind in SNAPSHOT_KINDS and when is not None:
            day = _day(when) or 0
            chosen = next((d for d in items if (d.start or 0) <= day <= (d.end or 99991231)),
                          None) or (items[0] if day < (items[0].start or 0) else
                                    max(items, key=lambda d: d.end or 0))
        elif kind not in SNAPSHOT_KINDS:
            chosen = max(items, key=lambda d: (d.start or 0, d.id))
        key = (src.label, chosen.id)
        if key not in self.consulted:
            self.consulted[key] = chosen
        return src, chosen

    def _query(self, key: tuple[Any, ...], src: _Source, sql: str,
               args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        full = (src.label, *key)
        hit = self._cache.get(full)
        if hit is None:
            hit = src.con.execute(sql, args).fetchall()
            if len(self._cache) < CACHE_LIMIT:
                self._cache[full] = hit
        return hit

    # -- NCCI -----------------------------------------------------------------
    def _recall(self, key: tuple[Any, ...]) -> Any:
        """A cached answer of this process, else ``_MISSING``. Answers are cached only
        after the lookup that picked (and recorded as consulted) their dataset."""
        if self._pid != os.getpid():
            return _MISSING
        return self._cache.get(key, _MISSING)

    def _keep(self, key: tuple[Any, ...], value: Any) -> Any:
        if len(self._cache) < CACHE_LIMIT:
            self._cache[key] = value
        return value

    def mue(self, code: str, when: date | None) -> tuple[int, int | None, str] | None:
        key = ("mue-of", code, when)
        found = self._recall(key)
        if found is _MISSING:
            found = self._keep(key, self._mue(code, when))
        return found  # type: ignore[no-any-return]

    def _mue(self, code: str, when: date | None) -> tuple[int, int | None, str] | None:
        found = self.pick(MUE, when)
        if found is None:
            return None
        src, ds = found
        rows = self._query(("mue", ds.id, code), src,
                           "SELECT value, mai, rationale FROM mue WHERE ds=? AND code=?",
                           (ds.id, code))
        return rows[0] if rows else None

    def ptp(self, column1: str, column2: str) -> list[tuple[Any, ...]]:
        """(eff, del, modifier, rationale) rows of the pair in the newest PTP quarter."""
        found = self.pick(PTP, None)
        if found is None:
            return []
        src, ds = found
        return self._query(("ptp", ds.id, column1, column2), src,
                           "SELECT eff, del, modifier, rationale FROM ptp WHERE ds=? AND c1=? "
                           "AND c2=?", (ds.id, column1, column2))

    def ptp_partners(self, codes: frozenset[str]) -> tuple[set[str], set[str]]:
        """Codes pairing with any of ``codes`` under modifier 0 (either column), and
        column-1 codes that bundle one of them with modifier 1 (every PTP quarter)."""
        mod0: set[str] = set()
        col1: set[str] = set()
        src = self._source(PTP)
        if src is None or not codes:
            return mod0, col1
        marks = ",".join("?" * len(codes))
        for ds in src.by_kind[PTP]:
            args = (ds.id, *sorted(codes))
            for c2, modifier in src.con.execute(
                    f"SELECT DISTINCT c2, modifier FROM ptp WHERE ds=? AND c1 IN ({marks})",
                    args):
                if c2 not in codes and modifier == 0:
                    mod0.add(c2)
            for c1, modifier in src.con.execute(
                    f"SELECT DISTINCT c1, modifier FROM ptp WHERE ds=? AND c2 IN ({marks})",
                    args):
                if c1 in codes:
                    continue
                if modifier == 0:
                    mod0.add(c1)
                elif modifier == 1:
                    col1.add(c1)
        return mod0, col1

    # -- HCPCS ------------------------------------------------------------------
    def hcpcs(self, code: str, when: date | None) -> tuple[Any, ...] | None:
        """(long, short, add, term, betos) of ``code`` in the quarter of ``when``."""
        key = ("hcpcs-of", code, when)
        found = self._recall(key)
        if found is _MISSING:
            found = self._keep(key, self._hcpcs(code, when))
        return found  # type: ignore[no-any-return]

    def _hcpcs(self, code: str, when: date | None) -> tuple[Any, ...] | None:
        found = self.pick("hcpcs", when)
        if found is None:
            return None
        src, ds = found
        rows = self._query(("hcpcs", ds.id, code), src,
                           "SELECT long, short, add_dt, term_dt, betos FROM hcpcs WHERE ds=? "
                           "AND code=?", (ds.id, code))
        return rows[0] if rows else None

    def hcpcs_named(self, word: str, when: date | None) -> list[str]:
        """Codes of the HCPCS quarter of ``when`` whose long descriptor contains ``word``."""
        found = self.pick("hcpcs", when)
        if found is None:
            return []
        src, ds = found
        pattern = "%" + word.replace("%", "").replace("_", "") + "%"
        return [c for (c,) in self._query(("named", ds.id, word), src,
                                          "SELECT code FROM hcpcs WHERE ds=? AND lower(long) "
                                          "LIKE ?", (ds.id, pattern))]

    # -- Medicare prices ------------------------------------------------------------
    def asp_limit(self, code: str, when: date | None) -> tuple[float, str] | None:
        """(payment limit per HCPCS unit, dataset version) of ``code`` in the ASP quarter
        of ``when`` (ASP + 6 %, the Medicare Part B allowed amount of a drug)."""
        found = self.pick("asp-pricing", when)
        if found is None:
            return None
        src, ds = found
        rows = self._query(("asp", ds.id, code), src,
                           "SELECT payment_limit FROM asp WHERE ds=? AND code=?", (ds.id, code))
        if not rows or rows[0][0] is None:
            return None
        return float(rows[0][0]), ds.version

    def pfs_rvu(self, code: str, modifier: str, when: date | None
                ) -> tuple[float, float, float, str] | None:
        """(total non-facility RVU, total facility RVU, conversion factor, version) of
        ``code`` (with ``modifier``, e.g. 26/TC, else the row without one) in the PFS year
        of ``when``."""
        found = self.pick("pfs-rvu", when)
        if found is None:
            return None
        src, ds = found
        rows = self._query(("pfs", ds.id, code), src,
                           "SELECT mod, total_nonfac, total_fac, conv FROM pfs WHERE ds=? AND "
                           "code=?", (ds.id, code))
        row = next((r for r in rows if (r[0] or "") == modifier), None) or next(
            (r for r in rows if not r[0]), None)
        if row is None or row[1] is None or not row[3]:
            return None
        return float(row[1]), float(row[2] or row[1]), float(row[3]), ds.version

    def hcpcs_codes(self) -> set[str]:
        """Every code of the installed HCPCS quarters (~8,000 per quarter)."""
        src = self._source("hcpcs")
        if src is None:
            return set()
        return {c for (c,) in src.con.execute("SELECT DISTINCT code FROM hcpcs")}

    def icd10_sets(self) -> list[tuple[str, date | None, date | None, frozenset[str]]]:
        """Installed ICD-10-CM code files: (version, start, end, billable codes)."""
        src = self._source("icd10cm")
        if src is None or src is self._shipped:
            return []
        out = []
        for d in src.by_kind["icd10cm"]:
            codes = frozenset(c for (c,) in src.con.execute(
                "SELECT code FROM icd10 WHERE ds=?", (d.id,)))
            self.consulted.setdefault((src.label, d.id), d)
            out.append((d.version, as_date(d.start), as_date(d.end), codes))
        return out

    # -- drugs --------------------------------------------------------------------
    def crosswalk_ndc(self, ndc: str, when: date | None) -> list[XwalkRow]:
        """Crosswalk rows of ``ndc`` in the quarter of ``when`` (a fresh list each call;
        the rows are cached per (NDC, date): a batch repeats both)."""
        key = ("xwalk-rows", ndc, when)
        cached = self._recall(key)
        if cached is not _MISSING:
            return list(cached)
        found = self.pick("asp-crosswalk", when)  # records the dataset as consulted
        if found is None:
            return []
        src, ds = found
        rows = self._query(("xwalk", ds.id, ndc), src,
                           "SELECT code, ndc, drug, dosage, pkg_size, pkg_qty, billunits, "
                           "billunitspkg FROM xwalk WHERE ds=? AND ndc=?", (ds.id, ndc))
        return list(self._keep(key, tuple(XwalkRow(*r) for r in rows)))

    def package(self, ndc: str) -> Package | None:
        """The NDC's package in the newest FDA directory (listed first, then unfinished,
        then excluded), with its product's marketing end date. Cached per NDC."""
        key = ("package-of", ndc)
        found = self._recall(key)
        if found is _MISSING:
            found = self._keep(key, self._package(ndc))
        return found  # type: ignore[no-any-return]

    def _package(self, ndc: str) -> Package | None:
        src = self._source("fda-ndc")
        if src is None:
            return None
        for status in ("listed", "unfinished", "excluded"):
            items = [d for d in src.by_kind["fda-ndc"] if d.version.endswith(status)]
            if not items:
                continue
            ds = items[-1]
            rows = self._query(("pkg", ds.id, ndc), src,
                               "SELECT p.ndc, p.status, p.description, p.container, p.start, "
                               "p.end, (SELECT max(coalesce(r.end, 99991231)) FROM fda_product r "
                               "WHERE r.ds=p.ds AND r.productndc=p.productndc) FROM fda_package p "
                               "WHERE p.ds=? AND p.ndc=?", (ds.id, ndc))
            if rows:
                self.consulted.setdefault((src.label, ds.id), ds)
                n, st, desc, cont, start, end, pend = rows[0]
                return Package(n, st, desc, cont, as_date(start), as_date(end),
                               None if pend in (None, 99991231) else as_date(pend))
        return None

    def fda_installed(self) -> bool:
        return "fda-ndc" in self.installed_kinds()

    def sad_codes(self) -> set[str]:
        src = self._source("sad")
        if src is None:
            return set()
        return {c for (c,) in src.con.execute("SELECT DISTINCT code FROM sad")}

    def sad(self, code: str, when: date | None) -> list[SadEntry]:
        src = self._source("sad")
        if src is None:
            return []
        out: list[SadEntry] = []
        day = _day(when) or 0
        for ds in src.by_kind["sad"]:
            rows = self._query(("sad", ds.id, code), src,
                               "SELECT code, generic, brand, start, end FROM sad WHERE ds=? AND "
                               "code=?", (ds.id, code))
            for c, generic, brand, start, end in rows:
                if (start or 0) <= day <= (end or 99991231):
                    self.consulted.setdefault((src.label, ds.id), ds)
                    out.append(SadEntry(c, generic, brand, as_date(start), as_date(end),
                                        ds.version))
        return out

    def summary(self) -> list[str]:
        """Every dataset the lookups may use: "kind v1,v2 installed sha…"."""
        self._open()
        out = []
        for src in (self._user, self._shipped):
            if src is None:
                continue
            for kind, items in sorted(src.by_kind.items()):
                if src is self._shipped and self._user and kind in self._user.by_kind:
                    continue
                shas = ",".join(sha[:12] for d in items for sha in d.sha256[:1])
                out.append(f"{kind} {','.join(d.version for d in items)} {src.label} {shas}")
        return out

    # -- provenance -----------------------------------------------------------------
    def reference_data(self) -> list[dict[str, Any]]:
        """The datasets this run consulted: kind, version, effective period, sha256."""
        out = []
        for (label, _), d in sorted(self.consulted.items(), key=lambda kv: (kv[1].kind,
                                                                           kv[1].start or 0)):
            start, end = as_date(d.start), as_date(d.end)
            out.append({"kind": d.kind, "title": TITLES.get(d.kind, d.kind),
                        "version": d.version, "source": label,
                        "effective": {"start": start.isoformat() if start else None,
                                      "end": end.isoformat() if end else None},
                        "sha256": list(d.sha256), "files": [Path(s.split("!")[0]).name
                                                            for s in dict.fromkeys(d.sources)]})
        return out
