"""Facts about a claim that several edit-family rules read, computed once per claim."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from edi837.engine import ClaimContext


class Facts(NamedTuple):
    first_day: date | None  # earliest DTP*472 date
    last_day: date | None  # latest DTP*472 date (end of a range)
    zero_charge: bool  # a line with SV102 = 0
    line_providers: bool  # a 2420x provider loop on some line


def facts(ctx: ClaimContext) -> Facts:
    found = ctx.memo.get("facts")
    if found is None:
        first = last = None
        zero = providers = False
        for line in ctx.claim.lines:
            start = line.service_date
            if start is not None:
                end = line.service_date_end or start
                if first is None or start < first:
                    first = start
                if last is None or end > last:
                    last = end
            charge = line.charge
            if charge is not None and not charge:
                zero = True
            if line.providers:
                providers = True
        found = ctx.memo["facts"] = Facts(first, last, zero, providers)
    return found  # type: ignore[return-value]
