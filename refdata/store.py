"""The compiled store: one SQLite file per data directory, one dataset per kind and version.

``dataset`` rows are the installed tables (kind, version, effective period, rows,
install time, licence acceptance); ``file`` rows are the manifest of every file
that went into one (source and member names, sha256, rows). Table rows carry the
dataset id (``ds``) and are indexed by the keys the scan looks up.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from x12core.errors import InputError

STORE_NAME = "claimkit-refdata.sqlite"
ENV_DIR = "CLAIMKIT_DATA"

SCHEMA = """
CREATE TABLE IF NOT EXISTS dataset(id INTEGER PRIMARY KEY, kind TEXT NOT NULL,
    version TEXT NOT NULL, start INT, end INT, rows INT NOT NULL, installed_at TEXT NOT NULL,
    license TEXT NOT NULL DEFAULT '', UNIQUE(kind, version));
CREATE TABLE IF NOT EXISTS file(ds INT NOT NULL, source TEXT NOT NULL, member TEXT NOT NULL,
    part TEXT NOT NULL, sha256 TEXT NOT NULL, rows INT NOT NULL, installed_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ptp(ds INT, c1 TEXT, c2 TEXT, eff INT, del INT, modifier INT,
    rationale TEXT);
CREATE TABLE IF NOT EXISTS mue(ds INT, code TEXT, value INT, mai INT, rationale TEXT);
CREATE TABLE IF NOT EXISTS hcpcs(ds INT, code TEXT, long TEXT, short TEXT, price1 TEXT,
    cov TEXT, betos TEXT, tos1 TEXT, add_dt INT, eff_dt INT, term_dt INT, action TEXT);
CREATE TABLE IF NOT EXISTS asp(ds INT, code TEXT, short TEXT, dosage TEXT, payment_limit REAL,
    coinsurance REAL, notes TEXT);
CREATE TABLE IF NOT EXISTS xwalk(ds INT, code TEXT, ndc TEXT, labeler TEXT, drug TEXT,
    dosage TEXT, pkg_size REAL, pkg_qty REAL, billunits REAL, billunitspkg REAL);
CREATE TABLE IF NOT EXISTS fda_product(ds INT, productndc TEXT, status TEXT, proprietary TEXT,
    nonproprietary TEXT, form TEXT, route TEXT, start INT, end INT, category TEXT,
    labeler TEXT, strength TEXT, unit TEXT, exclude TEXT);
CREATE TABLE IF NOT EXISTS fda_package(ds INT, ndc TEXT, productndc TEXT, status TEXT,
    description TEXT, container TEXT, start INT, end INT, exclude TEXT, sample TEXT);
CREATE TABLE IF NOT EXISTS pfs(ds INT, code TEXT, mod TEXT, status TEXT, work REAL,
    pe_nonfac REAL, pe_fac REAL, mp REAL, total_nonfac REAL, total_fac REAL, pctc TEXT,
    glob TEXT, conv REAL);
CREATE TABLE IF NOT EXISTS icd10(ds INT, code TEXT);
CREATE TABLE IF NOT EXISTS sad(ds INT, code TEXT, generic TEXT, brand TEXT, start INT,
    end INT, comments TEXT);
CREATE INDEX IF NOT EXISTS ptp_pair ON ptp(ds, c1, c2);
CREATE INDEX IF NOT EXISTS ptp_col2 ON ptp(ds, c2);
CREATE INDEX IF NOT EXISTS mue_code ON mue(ds, code);
CREATE INDEX IF NOT EXISTS hcpcs_code ON hcpcs(ds, code);
CREATE INDEX IF NOT EXISTS asp_code ON asp(ds, code);
CREATE INDEX IF NOT EXISTS xwalk_ndc ON xwalk(ds, ndc);
CREATE INDEX IF NOT EXISTS xwalk_code ON xwalk(ds, code);
CREATE INDEX IF NOT EXISTS fda_product_ndc ON fda_product(ds, productndc);
CREATE INDEX IF NOT EXISTS fda_package_ndc ON fda_package(ds, ndc);
CREATE INDEX IF NOT EXISTS pfs_code ON pfs(ds, code);
CREATE INDEX IF NOT EXISTS icd10_code ON icd10(ds, code);
CREATE INDEX IF NOT EXISTS sad_code ON sad(ds, code);
"""

# Row table of each kind, and its columns after ``ds`` (the reader's tuple order).
ROW_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "ncci-ptp": ("ptp", ("c1", "c2", "eff", "del", "modifier", "rationale")),
    "ncci-mue": ("mue", ("code", "value", "mai", "rationale")),
    "hcpcs": ("hcpcs", ("code", "long", "short", "price1", "cov", "betos", "tos1", "add_dt",
                        "eff_dt", "term_dt", "action")),
    "asp-pricing": ("asp", ("code", "short", "dosage", "payment_limit", "coinsurance",
                            "notes")),
    "asp-crosswalk": ("xwalk", ("code", "ndc", "labeler", "drug", "dosage", "pkg_size",
                                "pkg_qty", "billunits", "billunitspkg")),
    "fda-ndc:product": ("fda_product", ("productndc", "status", "proprietary",
                                        "nonproprietary", "form", "route", "start", "end",
                                        "category", "labeler", "strength", "unit", "exclude")),
    "fda-ndc:package": ("fda_package", ("ndc", "productndc", "status", "description",
                                        "container", "start", "end", "exclude", "sample")),
    "pfs-rvu": ("pfs", ("code", "mod", "status", "work", "pe_nonfac", "pe_fac", "mp",
                        "total_nonfac", "total_fac", "pctc", "glob", "conv")),
    "icd10cm": ("icd10", ("code",)),
    "sad": ("sad", ("code", "generic", "brand", "start", "end", "comments")),
}


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``--data-dir``, else ``$CLAIMKIT_DATA``, else the platform user-data directory."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(ENV_DIR)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("claimkit", appauthor=False))


def store_path(directory: str | os.PathLike[str] | None = None) -> Path:
    return data_dir(directory) / STORE_NAME


@dataclass(frozen=True)
class Dataset:
    id: int
    kind: str
    version: str
    start: int | None
    end: int | None
    rows: int
    installed_at: str
    license: str
    sources: tuple[str, ...]
    sha256: tuple[str, ...]


def connect(path: Path, *, write: bool) -> sqlite3.Connection:
    """A connection to the store; read-only connections never create the file."""
    if write:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(path, isolation_level=None)
        con.execute("PRAGMA journal_mode=DELETE")
        con.executescript(SCHEMA)
        return con
    try:
        con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, isolation_level=None,
                              check_same_thread=False)
        con.execute("SELECT 1 FROM dataset LIMIT 1")
    except sqlite3.Error as err:
        raise InputError(f"{path}: not a readable claimkit data store ({err})") from None
    return con


def datasets(con: sqlite3.Connection) -> list[Dataset]:
    files: dict[int, list[tuple[str, str]]] = {}
    for ds, source, member, sha in con.execute(
            "SELECT ds, source, member, sha256 FROM file ORDER BY ds, part, member"):
        files.setdefault(ds, []).append((member if member == source else
                                         f"{source}!{member}", sha))
    out = []
    for row in con.execute("SELECT id, kind, version, start, end, rows, installed_at, license "
                           "FROM dataset ORDER BY kind, start, version"):
        entries = files.get(row[0], [])
        out.append(Dataset(*row, sources=tuple(e[0] for e in entries),
                           sha256=tuple(dict.fromkeys(e[1] for e in entries))))
    return out


def installed(directory: str | os.PathLike[str] | None = None) -> list[Dataset]:
    path = store_path(directory)
    if not path.exists():
        return []
    con = connect(path, write=False)
    try:
        return datasets(con)
    finally:
        con.close()
