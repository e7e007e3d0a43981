"""JW waste lines that cannot be right: more waste than the container held."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from edi837.edit_tables import container_units
from edi837.engine import ClaimContext, Hit, rule
from edi837.model import Claim, ServiceLine
from edi837.rules.common import at_units, day
from x12core.findings import Severity


def _waste(claim: Claim, ctx: ClaimContext
           ) -> list[tuple[ServiceLine, Decimal, int, date | None]]:
    """(JW line, units given of that code that day, container units, date) per JW line."""
    memo = ctx.memo.get("jw-waste")
    if memo is not None:
        return memo  # type: ignore[return-value]
    found = []
    for when, lines in ctx.by_date.items():
        for line in lines:
            if "JW" not in line.modifiers or line.units is None:
                continue
            container = container_units(line.code)
            if container is None:
                continue
            given = sum((ln.units for ln in lines if ln.code == line.code and ln.units is not None
                         and "JW" not in ln.modifiers), Decimal(0))
            if given > 0:
                found.append((line, given, container, when))
    ctx.memo["jw-waste"] = found
    return found


@rule("R96372-130", "jw-nothing-to-discard", category="modifier", severity=Severity.ERROR,
      catalog=("INJ-062",), needs_modifier="waste_modifiers")
def jw_nothing_to_discard(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """A JW waste line when the units given fill whole containers: nothing was left to discard.

    Why:
    JW reports the amount discarded from a single-dose container after the dose
    was drawn. When the administered units are a whole number of the drug's
    largest single-dose container (a 60 mg/2 mL ketorolac vial is 4 units of
    J1885: 4 units given), the container was used up and there is no waste;
    CMS and the MACs say not to bill JW when the billed units already cover the
    container (CO-4 + N519, and an overpayment on audit). Container sizes are
    data (edi837/data/containers.csv; the NDC package size once installed).

    Bad:
        SV1*HC:J1885*24*UN*4***1~
        SV1*HC:J1885:JW*12*UN*2***1~

    Good:
        SV1*HC:J1885:JZ*24*UN*4***1~

    References:
    Catalog INJ-062. CMS JW/JZ requirement, IOM 100-04 ch. 17 §40 [S7];
    Noridian JD DME "Modifier JZ" (no JW when the units cover the vial) [S17].
    """
    hits: list[Hit] = []
    for line, given, container, when in _waste(claim, ctx):
        if given % container == 0:
            hits.append(at_units(line, f"JW waste of {line.units} units of {line.code} on "
                           f"{day(when)}, "
                           f"but the {given} units given fill whole {container}-unit containers",
                           "Remove the JW line (and put JZ on the administered line): a dose "
                           "that uses the whole container leaves nothing to discard."))
    return hits


@rule("R96372-131", "jw-units-over-container", category="units", severity=Severity.WARNING,
      catalog=("INJ-062",), needs_modifier="waste_modifiers")
def jw_units_over_container(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """JW waste units larger than what the last container held after the dose.

    Why:
    Waste is what is left in the last single-dose container opened: at most the
    container minus the part of the dose drawn from it. A JW line with more units
    (e.g. 2 units of a 4-unit ketorolac vial given and 3 units wasted) claims more
    drug than was bought; payers cut it back or deny it (CO-151/N362, or CO-4 +
    N519). Uses the drug's largest single-dose container, so it errs toward
    silence when smaller vials were used.

    Bad:
        SV1*HC:J1885*12*UN*2***1~
        SV1*HC:J1885:JW*18*UN*3***1~

    Good:
        SV1*HC:J1885*12*UN*2***1~
        SV1*HC:J1885:JW*12*UN*2***1~

    References:
    Catalog INJ-062. CMS JW/JZ requirement, IOM 100-04 ch. 17 §40 [S7];
    Noridian JD DME "Modifier JZ" [S17]; reference §A.6.
    """
    hits: list[Hit] = []
    for line, given, container, when in _waste(claim, ctx):
        rest = given % container
        if rest and line.units is not None and line.units > container - rest:
            hits.append(at_units(line, f"JW waste of {line.units} units of {line.code} on "
                           f"{day(when)} "
                           f"exceeds what was left: a {container}-unit container less the "
                           f"{rest} units drawn from it is {container - rest}",
                           f"Bill at most {container - rest} units of waste (what was "
                           "actually discarded from the last container), as documented."))
    return hits
