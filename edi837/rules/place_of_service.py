"""Place of service: injections billed professionally in a facility setting."""

from __future__ import annotations

from edi837.engine import ClaimContext, Hit, rule
from edi837.model import Claim
from x12core.findings import Severity


@rule("R96372-070", "injection-in-facility-pos", category="place-of-service",
      severity=Severity.WARNING, catalog=("INJ-030",), needs="injection_infusion")
def injection_in_facility_pos(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """96372 (or 96360-96379) on a professional claim with a facility place of service.

    Why:
    CPT says the injection and infusion codes are not reported by the physician or
    other qualified professional in a facility setting: the facility bills them on
    its institutional claim. A professional 96372 with a hospital, ED or nursing
    facility POS is denied or written off (CO-5/CO-58 with M97 or N428). Which POS
    codes count as "facility" differs by payer, so the set is the profile's
    ``facility_pos`` (CMS PFS list for medicare/medicaid, the Regence list for
    commercial). The line's SV105 overrides the claim's CLM05-1.

    Bad:
        CLM*PCN0001*65.01***22:B:1*Y*A*Y*Y~
        SV1*HC:96372*40*UN*1***1~

    Good:
        CLM*PCN0001*65.01***11:B:1*Y*A*Y*Y~
        SV1*HC:96372*40*UN*1***1~
        (or no professional 96372 when given in the hospital outpatient department)

    References:
    Catalog INJ-030. Regence reimbursement policy 109 (CPT parenthetical, facility
    POS list) [S20]; CMS PFS facility POS list; RARC M97, N428.
    """
    hits: list[Hit] = []
    facility = ctx.profile.facility_pos
    codes = ctx.tables.injection_infusion
    for line in claim.lines:
        if line.code not in codes:
            continue
        if line.place_of_service:
            if line.place_of_service in facility:
                hits.append(Hit(line.sv1, "SV105", f"{line.code} is billed professionally in "
                          f"facility place of service {line.place_of_service}",
                          "Do not bill the injection on the professional claim in a facility "
                          "setting (the facility bills it), or correct SV105.", line=line))
        elif claim.place_of_service in facility:
            hits.append(Hit(claim.clm, "CLM05-1", f"{line.code} is billed professionally in "
                      f"facility "
                      f"place of service {claim.place_of_service}",
                      "Do not bill the injection on the professional claim in a facility "
                      "setting (the facility bills it), or correct CLM05-1.", line=line))
    return hits
