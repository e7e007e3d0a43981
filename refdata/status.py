"""What is installed, and what is stale for a given day."""

from __future__ import annotations

import os
from datetime import date
from typing import Any

from refdata.kinds import FDA, PTP, SAD, SNAPSHOT_KINDS, TITLES, as_date
from refdata.store import Dataset, installed, store_path

FDA_STALE_DAYS = 31  # the directory is updated daily; a month-old copy misses new NDCs


def _iso(value: int | None) -> str | None:
    day = as_date(value)
    return day.isoformat() if day else None


def status(directory: str | os.PathLike[str] | None = None,
           today: date | None = None) -> dict[str, Any]:
    """``{"store": path, "today": ..., "datasets": [...], "stale": [...]}``."""
    today = today or date.today()
    found = installed(directory)
    records = [_record(d, today) for d in found]
    stale: list[dict[str, str]] = []
    by_kind: dict[str, list[Dataset]] = {}
    for d in found:
        by_kind.setdefault(d.kind, []).append(d)
    day = int(today.strftime("%Y%m%d"))
    for kind, items in sorted(by_kind.items()):
        if kind in SNAPSHOT_KINDS or kind == PTP:
            if not any((d.start or 0) <= day <= (d.end or 99991231) for d in items):
                newest = max(items, key=lambda d: d.end or 0)
                stale.append({"kind": kind, "title": TITLES[kind],
                              "reason": f"no table in force on {today.isoformat()}; newest is "
                                        f"{newest.version} (through {_iso(newest.end)})"})
        elif kind == FDA:
            for d in items:
                loaded = as_date(d.start)
                if loaded and (today - loaded).days > FDA_STALE_DAYS:
                    stale.append({"kind": kind, "title": TITLES[kind],
                                  "reason": f"{d.version} is {(today - loaded).days} days old "
                                            "(the FDA updates the directory daily)"})
    return {"store": str(store_path(directory)), "today": today.isoformat(),
            "datasets": records, "stale": stale}


def _record(d: Dataset, today: date) -> dict[str, Any]:
    day = int(today.strftime("%Y%m%d"))
    in_force = (d.start or 0) <= day <= (d.end or 99991231)
    if d.kind == SAD:
        in_force = True
    return {"kind": d.kind, "title": TITLES.get(d.kind, d.kind), "version": d.version,
            "effective": {"start": _iso(d.start), "end": _iso(d.end)}, "rows": d.rows,
            "in_force_today": in_force, "sources": list(d.sources), "sha256": list(d.sha256),
            "installed_at": d.installed_at, "license": d.license}
