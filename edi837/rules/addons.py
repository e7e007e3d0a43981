"""Add-on codes: an add-on is paid only with its primary code the same day."""

from __future__ import annotations

from edi837.edit_tables import addon_primaries
from edi837.engine import ClaimContext, Hit, rule
from edi837.model import Claim
from edi837.rules.common import at_code, day
from x12core.findings import Severity


@rule("R837-050", "addon-without-primary", category="bundling", severity=Severity.ERROR,
      catalog=("INJ-045",), needs="addon_codes")
def addon_without_primary(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """An add-on code (96375, 96361, 96411, 90472 ...) without its primary code that day.

    Why:
    An add-on code ("each additional", "sequential", "concurrent") describes work
    done on top of a primary service and is paid only when the primary is billed
    by the same provider for the same date: IV push 96375 needs 96365, 96374, 96409
    or 96413; hydration 96361 needs an initial code; chemo 96411/96415/96417 need
    96409/96413; 90472 needs 90460/90471/90473. 96372 is a primary for none of
    them. Without the primary the add-on is denied (CO-107 / B15 with N122). The
    primaries are data in the CMS add-on code file layout (edi837/data/addon.csv):
    Type I lists every primary (error); Type III lists some and lets the payer
    accept others (warning); Type II has no list and is not checked.

    Bad:
        SV1*HC:96372*40*UN*1***1~
        SV1*HC:96375*35*UN*1***1~

    Good:
        SV1*HC:96374*75*UN*1***1~
        SV1*HC:96375*35*UN*1***1~

    References:
    Catalog INJ-045. CMS NCCI add-on code edits (Type I/II/III) ◐; CARC 107, B15,
    RARC N122; reference §A.1, §A.4.
    """
    hits: list[Hit] = []
    for when, lines in ctx.by_date.items():
        present = {ln.code for ln in lines}
        for line in lines:
            entry = addon_primaries(line.code)
            if entry is None:
                continue
            primaries, kind = entry
            if kind == "II" or not primaries.isdisjoint(present):
                continue
            listed = ", ".join(sorted(primaries))
            hits.append(at_code(line, f"add-on {line.code} on {day(when)} has no primary code that "
                          f"day (one of {listed})",
                          f"Bill the primary service ({listed}) on the same date, or replace "
                          f"{line.code} with the initial code for what was done.",
                          severity=Severity.WARNING if kind == "III" else None))
    return hits
