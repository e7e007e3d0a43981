"""Timely filing: each line's date of service against the profile's filing limit.

The limit is payer-profile data (``filing_limit_months`` or ``filing_limit_days``,
``filing_warning_days``; :class:`edi837.policy.FilingLimit`), counted from the
line's date of service (DTP*472, the first day of a range) to the batch date
(BHT04), the earliest day the payer can receive the claim.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta

from edi837.engine import ClaimContext, Hit, rule
from edi837.model import Claim, ServiceLine
from edi837.policy import FilingLimit
from x12core.findings import Severity

_FIX_LATE = ("Payers deny late claims (CO-29). If the claim reached the payer in time before, "
             "resubmit with the proof (999/277CA acceptance, 835 DTM*050); otherwise the "
             "amount is a write-off.")
_FIX_NEAR = ("Send this claim first and watch its acknowledgments: a rejection fixed after "
             "the deadline is a CO-29 denial.")


_DEADLINES: dict[tuple[FilingLimit, date], date] = {}  # batches reuse a few hundred dates
_SAFE: dict[tuple[FilingLimit, date], date] = {}
Dated = tuple[ServiceLine, int, date, date, FilingLimit]


def _deadline(limit: FilingLimit, service: date) -> date:
    found = _DEADLINES.get((limit, service))
    if found is None:
        found = limit.deadline(service)
        if len(_DEADLINES) < 20_000:
            _DEADLINES[(limit, service)] = found
    return found


def safe_from(limit: FilingLimit, batch: date) -> date:
    """The earliest date of service that leaves more than ``warning_days`` on ``batch``:
    lines on or after it draw neither rule (the fast path of nearly every claim)."""
    found = _SAFE.get((limit, batch))
    if found is None:
        target = batch + timedelta(days=limit.warning_days + 1)
        # The deadline grows with the date of service; start near the answer and walk.
        guess = target - timedelta(days=limit.days if limit.days is not None
                                   else round(limit.months * 30.44))  # type: ignore[operator]
        one = timedelta(days=1)
        while limit.deadline(guess) < target:
            guess += one
        while limit.deadline(guess - one) >= target:
            guess -= one
        found = _SAFE[(limit, batch)] = guess
    return found


def _dated_lines(claim: Claim, ctx: ClaimContext) -> list[Dated]:
    """Per line near or past the limit: (line, days from the batch date to its deadline,
    deadline, batch date, limit); computed once per claim for both rules."""
    found = ctx.memo.get("timely")
    if found is None:
        found = []
        limit = ctx.profile.policy.filing_limit
        batch = claim.batch_day
        if limit is not None and batch is not None:
            safe = safe_from(limit, batch)
            for line in claim.lines:
                service = line.service_date
                if service is not None and service < safe:
                    deadline = _deadline(limit, service)
                    found.append((line, (deadline - batch).days, deadline, batch, limit))
        ctx.memo["timely"] = found
    return found  # type: ignore[return-value]


def _at_date(line: ServiceLine, message: str, fix: str) -> Hit:
    return Hit(line.dtp or line.sv1 or line.lx, "DTP03", message, fix, line=line)


@rule("R837-040", "filing-limit-passed", category="timely-filing", severity=Severity.ERROR,
      catalog=("POL-001",))
def filing_limit_passed(claim: Claim, ctx: ClaimContext) -> Iterable[Hit]:
    """A line whose date of service is past the payer's filing limit on the batch date.

    Why:
    Payers pay only claims received within their filing limit: Medicare 12 months
    after the date of service (42 CFR 424.44), Medicaid and commercial payers
    90-365 days by state rule or contract. The limit is the profile's
    ``filing_limit_months`` / ``filing_limit_days``; the batch date (BHT04) is the
    earliest the payer can receive the claim. A late line is denied CO-29 and, without
    proof of an earlier timely submission, written off. With a 12-month limit and a
    batch dated 2025-03-15, service on 2024-03-15 is on time (the last day, day 365)
    and service on 2024-03-14 is late (day 366).

    Bad:
        BHT*0019*00*BATCH0001*20250315*1200*CH~
        DTP*472*D8*20240314~

    Good:
        BHT*0019*00*BATCH0001*20250315*1200*CH~
        DTP*472*D8*20240315~

    References:
    Billing guide: submit within the filing window. Reference §C.7 (Medicare 12
    months, 42 CFR 424.44 ◐; Medicaid/commercial 90-365 days ✗), §C.2 TIMELY; CARC 29;
    005010X222A1 BHT04, 2400 DTP*472 [S25].
    """
    rows = _dated_lines(claim, ctx)
    return _late(rows, ctx) if rows else ()


def _late(rows: list[Dated], ctx: ClaimContext) -> Iterator[Hit]:
    for line, left, deadline, batch, limit in rows:
        if left < 0:
            age = (batch - line.service_date).days if line.service_date else 0
            yield _at_date(line, f"date of service {line.service_date} is {age} days before "
                           f"the batch date {batch}: past the {ctx.profile.name} filing limit "
                           f"({limit.text}, last day {deadline})", _FIX_LATE)


@rule("R837-041", "filing-limit-near", category="timely-filing", severity=Severity.WARNING,
      catalog=("POL-001",))
def filing_limit_near(claim: Claim, ctx: ClaimContext) -> Iterable[Hit]:
    """A line within ``filing_warning_days`` (30) of the filing limit on the batch date.

    Why:
    A claim sent a few days before its filing limit has no time left for a
    rejection, a correction or a lost file: if it has to be sent again after the
    limit it is denied CO-29. Sending it first and following its 999/277CA
    acknowledgments closely avoids that. With a 12-month limit and a batch dated
    2025-03-15, service on 2024-04-14 leaves 30 days (a warning) and 2024-04-15
    leaves 31 (nothing).

    Bad:
        BHT*0019*00*BATCH0001*20250315*1200*CH~
        DTP*472*D8*20240320~

    Good:
        BHT*0019*00*BATCH0001*20250315*1200*CH~
        DTP*472*D8*20250301~

    References:
    Billing guide: submit within the filing window. Reference §C.7; CARC 29;
    profile setting ``filing_warning_days``.
    """
    rows = _dated_lines(claim, ctx)
    return _near(rows, ctx) if rows else ()


def _near(rows: list[Dated], ctx: ClaimContext) -> Iterator[Hit]:
    for line, left, deadline, _batch, limit in rows:
        if 0 <= left <= limit.warning_days:
            yield _at_date(line, f"date of service {line.service_date} has {left} day"
                           f"{'s' if left != 1 else ''} left before the {ctx.profile.name} "
                           f"filing limit ({limit.text}, last day {deadline})", _FIX_NEAR)
