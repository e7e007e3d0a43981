"""Vaccine and immune-globulin administration codes."""

from __future__ import annotations

from edi837.edit_tables import medicare_vaccine_admin
from edi837.engine import ClaimContext, Hit, rule
from edi837.model import Claim
from edi837.rules.common import at_code, day
from x12core.findings import Severity


@rule("R96372-120", "medicare-vaccine-without-g-code", category="coding",
      severity=Severity.ERROR, catalog=("INJ-011",), needs="medicare_preventive_vaccines")
def medicare_vaccine_without_g_code(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """Medicare: a flu, pneumococcal or hepatitis B vaccine given with 90471/90460, not G0008-G0010.

    Why:
    Medicare Part B pays these preventive vaccines' administration only under
    its own HCPCS codes: G0008 (influenza), G0009 (pneumococcal), G0010
    (hepatitis B). 90471/90460 for them is denied (CO-4/N657 or CO-181), and no
    NCCI edit catches it. Other vaccines (e.g. zoster, Tdap) keep 90471 (Part D
    or other rules). Applies under the ``medicare`` profile only; others ignore it.

    Bad:
        SV1*HC:90686*25*UN*1***1~
        SV1*HC:90471*25*UN*1***1~

    Good:
        SV1*HC:90686*25*UN*1***1~
        SV1*HC:G0008*25*UN*1***1~

    References:
    Catalog INJ-011. CMS HCPCS 2024 G0008-G0010 [S3]; CMS MLN006773 Medicare
    Part B immunization billing ◐; reference §A.3.
    """
    hits: list[Hit] = []
    t = ctx.tables
    wrong = t.sets["immunization_admin_for_vaccines"]
    g_codes = t.sets["medicare_vaccine_admin"]
    for when, lines in ctx.by_date.items():
        needed: dict[str, str] = {}
        for ln in lines:
            entry = medicare_vaccine_admin(ln.code)
            if entry is not None:
                needed[entry[1]] = entry[0]
        if not needed or all(g in {ln.code for ln in lines} for g in needed):
            continue
        missing = [g for g in needed if g not in {ln.code for ln in lines}]
        for line in lines:
            if line.code in wrong and not g_codes.isdisjoint(missing):
                kinds = "/".join(needed[g] for g in missing)
                hits.append(at_code(line, f"{line.code} on {day(when)} administers a Medicare "
                              f"{kinds} vaccine; Medicare pays {'/'.join(missing)}",
                              f"Replace {line.code} with {' and '.join(missing)} (one per "
                              "preventive vaccine); keep 90471/90472 only for other vaccines."))
                break
    return hits


@rule("R96372-121", "immune-globulin-with-vaccine-admin", category="coding",
      severity=Severity.WARNING, catalog=("INJ-012",), needs="immune_globulins")
def immune_globulin_with_vaccine_admin(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """An immune globulin administered with 90471/90460 instead of 96372/96365.

    Why:
    Immune globulins (hepatitis B IG, rabies IG, tetanus IG, Rho(D) IG) are not
    vaccines: their IM/SC administration is 96372, IV is 96365-96368 or
    96374/96375. The immunization administration codes 90460/90461 and
    90471-90474 belong to vaccines and toxoids; with an IG product they are
    denied. Fires when the date has an IG product, no vaccine, and a vaccine
    administration code.

    Bad:
        SV1*HC:90371*180*UN*1***1~
        SV1*HC:90471*25*UN*1***1~

    Good:
        SV1*HC:90371*180*UN*1***1~
        SV1*HC:96372*40*UN*1***1~

    References:
    Catalog INJ-012. AAP Red Book 2018/2021 App. II (immune globulins are not
    vaccines; IM administration is 96372) [S23] ◐; reference §A.3.
    """
    hits: list[Hit] = []
    t = ctx.tables
    wrong = t.sets["immunization_admin_for_vaccines"]
    for when, lines in ctx.by_date.items():
        globulins = [ln.code for ln in lines if ln.code in t.immune_globulins]
        if not globulins or any(ln.code in t.vaccines for ln in lines):
            continue
        for line in lines:
            if line.code in wrong:
                hits.append(at_code(line, f"{line.code} on {day(when)} administers immune globulin "
                              f"{', '.join(dict.fromkeys(globulins))}; immune globulins are "
                              "not vaccines",
                              "Bill 96372 for an IM/SC immune globulin (96365 or 96374 when "
                              "given IV) instead of the immunization administration code."))
    return hits
