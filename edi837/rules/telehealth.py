"""Telehealth: an injection is given in person."""

from __future__ import annotations

from edi837.engine import ClaimContext, Hit, rule
from edi837.model import Claim
from x12core.findings import Severity


@rule("R96372-102", "injection-by-telehealth", category="place-of-service",
      severity=Severity.ERROR, catalog=("INJ-031",), needs="injection")
def injection_by_telehealth(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """96372 with telehealth place of service 02/10 or a telehealth modifier (95, 93, GT, GQ, FQ).

    Why:
    A subcutaneous or intramuscular injection is given in person; it cannot be
    performed over audio-video or audio-only telehealth. A 96372 line with POS
    02 or 10 (claim CLM05-1 or line SV105) or a telehealth modifier is denied
    (CO-5 / place of service inconsistent with the procedure). Usually the
    visit was telehealth and the injection was given at a later in-person
    visit, which is its own claim with an office POS.

    Bad:
        CLM*PCN1*65.01***02:B:1*Y*A*Y*Y~
        SV1*HC:96372:95*40*UN*1***1~

    Good:
        CLM*PCN1*65.01***11:B:1*Y*A*Y*Y~
        SV1*HC:96372*40*UN*1***1~

    References:
    Catalog INJ-031 (✗ inference from the nature of the service). CMS Place of
    Service code set (02, 10); CMS telehealth billing (MLN901705) ◐;
    reference §A.7.
    """
    out: list[Hit] = []
    t = ctx.tables
    pos_set = t.sets["telehealth_pos"]
    mods = t.sets["telehealth_modifiers"]
    if claim.place_of_service not in pos_set and mods.isdisjoint(ctx.modifiers):
        # No telehealth POS on the claim, no telehealth modifier: done unless a line has a
        # POS of its own (a loop, not any(<generator>): this runs for every 96372 claim).
        for ln in claim.lines:
            if ln.place_of_service:
                break
        else:
            return out
    for line in claim.lines:
        if line.code not in t.injection:
            continue
        pos = line.place_of_service or claim.place_of_service
        if pos in pos_set:
            where = ("SV105", line.sv1) if line.place_of_service else ("CLM05-1", claim.clm)
            out.append(Hit(where[1] or line.lx, where[0], f"96372 is billed with telehealth "
                      f"place of service {pos}; an injection is given in person",
                      "Bill the injection on the in-person visit with its office place of "
                      "service (e.g. 11); bill the telehealth visit without 96372.", line=line,
                      value=pos))
            continue
        telehealth = [m for m in line.modifiers if m in mods]
        if telehealth:
            out.append(Hit(line.sv1 or line.lx, line.modifier_element(telehealth[0]),
                      f"96372 carries telehealth modifier {telehealth[0]}; an injection is "
                      "given in person", "Remove the telehealth modifier from 96372 (and "
                      "bill the injection only if it was given in person).", line=line,
                      value=telehealth[0]))
    return out
