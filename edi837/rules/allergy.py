"""Allergen immunotherapy: allergy shots have their own codes, never 96372."""

from __future__ import annotations

from edi837.engine import ClaimContext, Hit, rule
from edi837.model import Claim
from edi837.rules.common import at_code, day
from x12core.findings import Severity


def allergy_shot_dates(claim: Claim, ctx: ClaimContext) -> set[object]:
    """Dates of service that carry an allergen immunotherapy or extract code."""
    shots = ctx.tables.sets["allergy_shot_codes"]
    return {ln.service_date for ln in claim.lines if ln.code in shots}


@rule("R96372-101", "allergen-immunotherapy-as-injection", category="coding",
      severity=Severity.ERROR, catalog=("INJ-014",), needs=("injection", "allergy_shot_codes"))
def allergen_immunotherapy_as_injection(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """96372 used for an allergy shot (allergen extract on the claim, or an allergy diagnosis only).

    Why:
    Allergen immunotherapy injections are 95115 (one injection) and 95117 (two or
    more), and the extract is 95144-95170; 96372 is never the code for them. NCCI
    lists 96372 as column 2 to 95115/95117 ("misuse of column 2 code"), and a
    96372 with an extract code and no drug line draws a "drug missing" finding
    that points to the wrong fix. Fires when the date has an extract or
    immunotherapy code and 96372 without its own injectable drug, with or
    without 59/X (an allergy shot is not a distinct injection).

    Bad:
        SV1*HC:95165*150*UN*10***1~
        SV1*HC:96372*40*UN*1***1~

    Good:
        SV1*HC:95165*150*UN*10***1~
        SV1*HC:95117*40*UN*1***1~

    References:
    Catalog INJ-014. CMS NCCI PTP practitioner file 2024-07-01 (95115/95117 ->
    96372, modifier 1, misuse of column 2 code) [S1]; reference §A.3.
    """
    hits: list[Hit] = []
    t = ctx.tables
    shots = t.sets["allergy_shot_codes"]
    for when, lines in ctx.by_date.items():
        extracts = [ln.code for ln in lines if ln.code in shots]
        if not extracts or any(t.is_injectable_drug(ln.code) for ln in lines):
            continue
        for line in lines:
            if line.code in t.injection:
                hits.append(at_code(line, f"96372 on {day(when)} with allergen immunotherapy "
                              f"{', '.join(dict.fromkeys(extracts))}: allergy shots are "
                              "95115/95117, not 96372",
                              "Replace 96372 with 95115 (one injection) or 95117 (two or "
                              "more) and keep the extract code (95144-95170)."))
    return hits
