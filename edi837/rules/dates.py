"""Dates: services not yet given, and line dates outside the claim's own dates."""

from __future__ import annotations

from edi837.builders import parse_date
from edi837.engine import ClaimContext, Hit, rule
from edi837.model import Claim
from x12core.findings import Severity


@rule("R837-080", "service-after-batch-date", category="missing-information",
      severity=Severity.ERROR, catalog=("INJ-094",))
def service_after_batch_date(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """A date of service after the batch was created (BHT04): a claim for a service not yet given.

    Why:
    A claim is billed after the service. A line whose DTP*472 date (or the end of
    its range) is after the transaction's creation date in BHT04 bills a future
    service: a keying error in the date, or a scheduled visit billed in advance.
    Payers reject it at the front end (CO-16 + M59 / "date of service in the
    future").

    Bad:
        BHT*0019*00*0123*20250115*1023*CH~
        DTP*472*D8*20250120~

    Good:
        BHT*0019*00*0123*20250115*1023*CH~
        DTP*472*D8*20250114~

    References:
    Catalog INJ-094. 005010X222A1 BHT04 and 2400 DTP*472 [S25].
    """
    out: list[Hit] = []
    batch = claim.batch_day
    last_day = ctx.last_day
    if batch is None or last_day is None or last_day <= batch:
        return out
    for line in claim.lines:
        last = line.service_date_end or line.service_date
        if last is not None and last > batch and line.dtp is not None:
            out.append(Hit(line.dtp, "DTP03", f"date of service {last.isoformat()} is after the "
                      f"batch date {batch.isoformat()} (BHT04)", "Correct the date of "
                      "service, or hold the claim until the service has been given.",
                      line=line))
    return out


# 2300 DTP qualifiers that open and close a period the lines must fall in.
_PERIODS = (("435", "096", "admission", "discharge"),)


@rule("R837-081", "line-date-outside-claim-dates", category="missing-information",
      severity=Severity.WARNING, catalog=("INJ-094",))
def line_date_outside_claim_dates(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """A line dated outside the claim's admission-discharge period (2300 DTP*435/DTP*096).

    Why:
    A professional claim for an inpatient stay carries the admission date
    (DTP*435) and, when known, the discharge date (DTP*096) in loop 2300. A line
    dated before the admission or after the discharge contradicts the claim's
    own dates; payers deny it (CO-16 / M52) or ask for a corrected claim.

    Bad:
        DTP*435*D8*20250110~
        DTP*096*D8*20250112~
        DTP*472*D8*20250115~

    Good:
        DTP*435*D8*20250110~
        DTP*096*D8*20250112~
        DTP*472*D8*20250111~

    References:
    Catalog INJ-094. 005010X222A1 loop 2300 DTP*435/DTP*096 and 2400 DTP*472
    [S25].
    """
    out: list[Hit] = []
    if not claim.dates:
        return out
    found = {seg[1]: parse_date(seg[3][:8]) for seg in claim.dates if seg[2] in ("D8", "DT")}
    for opens, closes, first_word, last_word in _PERIODS:
        start, end = found.get(opens), found.get(closes)
        if start is None and end is None:
            continue
        for line in claim.lines:
            when = line.service_date
            if when is None or line.dtp is None:
                continue
            last = line.service_date_end or when
            if start is not None and when < start:
                out.append(Hit(line.dtp, "DTP03", f"date of service {when.isoformat()} is before "
                          f"the {first_word} date {start.isoformat()} (DTP*{opens})",
                          "Correct the line's date of service or the claim's "
                          f"{first_word} date.", line=line))
            elif end is not None and last > end:
                out.append(Hit(line.dtp, "DTP03", f"date of service {last.isoformat()} is after "
                          f"the {last_word} date {end.isoformat()} (DTP*{closes})",
                          "Correct the line's date of service or the claim's "
                          f"{last_word} date.", line=line))
    return out
