"""Underpaid lines: the payer allowed less than the contract (fee schedule) says.

The fee schedule is a CSV with a header row::

    payer_id,code,modifier,allowed,effective_from,effective_to
    87726,96372,,25.12,2025-01-01,2025-12-31
    87726,J1885,JW,0.85,2025-01-01,

``allowed`` is the contracted amount per unit of service; a blank ``modifier`` applies
to any modifiers (a row naming one of the line's modifiers wins); ``effective_to``
may be blank (open-ended). A line is underpaid when ``allowed x units`` (SV104,
1 when missing) exceeds what the payer allowed -- paid plus patient responsibility
(the PR adjustments) -- by more than the tolerance.

Other price sources plug in as a :data:`PriceLookup`: a callable ``(payer_id, code,
modifiers, date of service) -> (allowed per unit, source) | None``. The Medicare ASP
drug payment limits and PFS amounts of the installed code tables (``claimkit data``)
are meant to be one; :func:`underpaid` takes any number, the first that prices a
line wins.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Engine, select

from ledger import schema as t
from ledger.queries import STREAM, _day, parse_day
from ledger.settle import ZERO
from x12core.errors import InputError

COLUMNS = ("payer_id", "code", "modifier", "allowed", "effective_from", "effective_to")
PriceLookup = Callable[[str, str, tuple[str, ...], date], tuple[Decimal, str] | None]
_FOREVER = date(9999, 12, 31)


@dataclass(frozen=True, slots=True)
class FeeRow:
    modifier: str
    allowed: Decimal
    start: date
    end: date


class FeeSchedule:
    """A payer fee-schedule CSV, looked up by payer, code, modifier and date of service."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self.rows: dict[tuple[str, str], list[FeeRow]] = {}
        try:
            with open(self.path, newline="", encoding="utf-8-sig") as handle:
                reader = csv.DictReader(handle)
                missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
                if missing:
                    raise InputError(f"{self.path}: fee schedule lacks column(s) "
                                     f"{', '.join(missing)} (need {', '.join(COLUMNS)})")
                for n, rec in enumerate(reader, start=2):
                    self._add(rec, n)
        except OSError as exc:
            raise InputError(f"{self.path}: cannot read the fee schedule ({exc.strerror})"
                             ) from None

    def _add(self, rec: dict[str, str], n: int) -> None:
        where = f"{self.path}: line {n}"
        try:
            allowed = Decimal(rec["allowed"].strip())
        except InvalidOperation:
            raise InputError(f"{where}: allowed {rec['allowed']!r} is not an amount") from None
        start = parse_day(rec["effective_from"].strip(), f"{where}: effective_from") if rec[
            "effective_from"].strip() else date.min
        end = parse_day(rec["effective_to"].strip(), f"{where}: effective_to") if rec[
            "effective_to"].strip() else _FOREVER
        key = (rec["payer_id"].strip(), rec["code"].strip().upper())
        self.rows.setdefault(key, []).append(
            FeeRow(rec["modifier"].strip().upper(), allowed, start, end))

    def __call__(self, payer_id: str, code: str, modifiers: tuple[str, ...],
                 dos: date) -> tuple[Decimal, str] | None:
        best: FeeRow | None = None
        for row in self.rows.get((payer_id, code), ()):
            if not row.start <= dos <= row.end:
                continue
            if row.modifier and row.modifier not in modifiers:
                continue
            if best is None or (row.modifier and not best.modifier):
                best = row
        return (best.allowed, f"fee schedule {os.path.basename(self.path)}") if best else None


def underpaid(engine: Engine, prices: Sequence[PriceLookup], tolerance: Decimal = ZERO,
              since: date | None = None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(lines paid below the expected allowed amount, summary)."""
    rows = list(_lines(engine, prices, tolerance, since))
    summary = {"tolerance": tolerance, "since": since.isoformat() if since else "",
               "underpaid_lines": len(rows),
               "short": sum((r["short"] for r in rows), ZERO)}
    return rows, summary


def _lines(engine: Engine, prices: Sequence[PriceLookup], tolerance: Decimal,
           since: date | None) -> Iterator[dict[str, Any]]:
    ln, c = t.claim_lines.c, t.claims.c
    stmt = (select(c.claim_id, c.payer_id, ln.number, ln.procedure, ln.modifiers, ln.dos,
                   ln.units, ln.charge, ln.paid, ln.allowed, ln.status, ln.payment_date)
            .join(t.claims, (c.file_id == ln.file_id) & (c.claim_seq == ln.claim_seq))
            .where(ln.status.in_(("paid", "partial")), ln.allowed.is_not(None))
            .order_by(ln.file_id, ln.claim_seq, ln.line_seq))
    if since is not None:
        stmt = stmt.where(ln.payment_date >= since.strftime("%Y%m%d"))
    with engine.connect() as conn:
        for row in conn.execution_options(**STREAM).execute(stmt):
            dos = _day(row.dos)
            if dos is None:
                continue
            modifiers = tuple(row.modifiers.split(":")) if row.modifiers else ()
            price = next((p for lookup in prices
                          if (p := lookup(row.payer_id, row.procedure, modifiers, dos))), None)
            if price is None:
                continue
            units = row.units if row.units and row.units > 0 else Decimal(1)
            expected = (price[0] * units).quantize(Decimal("0.01"))
            short = expected - row.allowed
            if short > tolerance:
                yield dict(claim_id=row.claim_id, payer_id=row.payer_id, line=row.number,
                           procedure=row.procedure, modifiers=" ".join(modifiers),
                           dos=dos.isoformat(), units=units, charge=row.charge,
                           expected=expected, allowed=row.allowed, paid=row.paid, short=short,
                           source=price[1], payment_date=row.payment_date)
