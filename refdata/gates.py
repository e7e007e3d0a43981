"""Sanity gates run inside the install transaction: row floors and known answers.

Floors are the least a full-size table of each kind holds (the real files hold
several times more); ``$CLAIMKIT_DATA_FLOOR_SCALE`` scales them (0 turns them off,
for excerpts and test files; ``claimkit data install --allow-small`` does the
same). Canaries are known answers a genuine table gives: with floors on they must
be present and right; with floors off they must be right when present.
"""

from __future__ import annotations

import os
import sqlite3

from refdata.kinds import ASP, FDA, HCPCS, ICD10, MUE, PFS, PTP, TITLES, XWALK
from x12core.errors import InputError

ENV_SCALE = "CLAIMKIT_DATA_FLOOR_SCALE"
FLOORS = {PTP: 1_000_000, MUE: 10_000, HCPCS: 5_000, ASP: 500, XWALK: 3_000,
          f"{FDA}:listed-product": 50_000, f"{FDA}:listed-package": 100_000, PFS: 10_000,
          ICD10: 60_000}

# kind -> (what, SQL giving rows of the canary (ds bound), predicate on the rows)
CANARIES: dict[str, tuple[str, str, object]] = {
    PTP: ("96372/99211 with modifier indicator 0 (never payable together)",
          "SELECT modifier FROM ptp WHERE ds=? AND c1='96372' AND c2='99211' AND del IS NULL",
          lambda rows: any(r[0] == 0 for r in rows)),
    MUE: ("an MUE for 96372",
          "SELECT value FROM mue WHERE ds=? AND code='96372'",
          lambda rows: all(r[0] and r[0] > 0 for r in rows)),
    HCPCS: ("J1885 billed per 15 mg",
            "SELECT long FROM hcpcs WHERE ds=? AND code='J1885'",
            lambda rows: all("15 mg" in r[0].lower() for r in rows)),
    XWALK: ("J1885 dosage 15 MG",
            "SELECT dosage FROM xwalk WHERE ds=? AND code='J1885'",
            lambda rows: all(" ".join(r[0].upper().split()) == "15 MG" for r in rows)),
    ASP: ("J1885 dosage 15 MG",
          "SELECT dosage FROM asp WHERE ds=? AND code='J1885'",
          lambda rows: all(" ".join(r[0].upper().split()) == "15 MG" for r in rows)),
    PFS: ("a 96372 row", "SELECT code FROM pfs WHERE ds=? AND code='96372'", lambda rows: True),
    ICD10: ("E119 (type 2 diabetes without complications)",
            "SELECT code FROM icd10 WHERE ds=? AND code='E119'", lambda rows: True),
}


def floor_scale() -> float:
    text = os.environ.get(ENV_SCALE, "").strip()
    if not text:
        return 1.0
    try:
        return max(0.0, float(text))
    except ValueError:
        raise InputError(f"${ENV_SCALE}: {text!r} is not a number") from None


def check_gates(con: sqlite3.Connection, kind: str, ds: int, counts: dict[str, int],
                scale: float, where: str) -> None:
    title = TITLES.get(kind, kind)
    parts = counts.items() if kind == FDA else [(kind, sum(counts.values()))]
    for part, n in parts:
        key = f"{FDA}:{part}" if kind == FDA else kind
        floor = int(FLOORS.get(key, 0) * scale)
        if n < max(floor, 1 if key in FLOORS else 0):
            raise InputError(f"{where}: {title} has {n:,} rows, fewer than the {floor:,} a full "
                             "table holds (truncated or an excerpt?); not installed "
                             "(--allow-small installs excerpts)")
    canary = CANARIES.get(kind)
    if canary is None:
        return
    what, sql, ok = canary
    rows = con.execute(sql, (ds,)).fetchall()
    if (not rows and scale > 0) or (rows and not ok(rows)):  # type: ignore[operator]
        found = ", ".join(str(r[0]) for r in rows[:3]) or "absent"
        raise InputError(f"{where}: {title} fails its known-answer check: {what} expected, "
                         f"found {found}; not installed")
