"""Modifiers: 25 on the same-day E/M, 59/X misuse, JW/JZ on single-dose drugs."""

from __future__ import annotations

from edi837.engine import ClaimContext, Hit, rule
from edi837.model import Claim, ServiceLine
from edi837.rules.common import at_code, at_modifier, day
from x12core.findings import Severity


@rule("R96372-030", "em-without-modifier-25", category="modifier", severity=Severity.ERROR,
      catalog=("INJ-023",), needs=("injection", "em_separately_identifiable"))
def em_without_modifier_25(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """An office E/M (99202-99205, 99212-99215) on the same date as 96372 without modifier 25.

    Why:
    The E/M codes are column 2 to 96372 in NCCI (modifier indicator 1): the visit is
    bundled into the injection unless it was significant and separately
    identifiable, which modifier 25 on the E/M says. Without 25 the E/M is denied
    (CO-97 with N20/M80). A separate diagnosis is common but not required; do not
    use 25 for a nurse check or a routine interval history.

    Bad:
        SV1*HC:99213*125*UN*1***1~
        SV1*HC:96372*40*UN*1***1~

    Good:
        SV1*HC:99213:25*125*UN*1***1:2~
        SV1*HC:96372*40*UN*1***1~

    References:
    Catalog INJ-023. CMS NCCI PTP practitioner edits eff. 2024-07-01 [S1]; CMS
    transmittal 2005-10-28 / CR 3631 [S6]; Noridian E/M and drug administration [S18].
    """
    hits: list[Hit] = []
    t = ctx.tables
    for when, lines in ctx.by_date.items():
        for ln in lines:  # a 96372 on the date? (a loop: no generator per date)
            if ln.code in t.injection:
                break
        else:
            continue
        for line in lines:
            if line.code in t.em_needs_25 and "25" not in line.modifiers:
                hits.append(at_code(line, f"{line.code} is billed on {day(when)} with 96372 "
                              f"without "
                              "modifier 25; the visit is bundled into the injection",
                              f"Append 25 to {line.code} if the visit was significant and "
                              "separately identifiable (and documented); otherwise remove "
                              "the E/M line."))
    return hits


@rule("R96372-031", "modifier-25-on-injection", category="modifier", severity=Severity.WARNING,
      catalog=("INJ-024",), needs="injection",
      needs_modifier="separate_em_modifier")
def modifier_25_on_injection(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """Modifier 25 appended to 96372 (it belongs on the E/M line).

    Why:
    Modifier 25 means "significant, separately identifiable E/M service" and is
    only valid on an E/M code. On 96372 it is invalid (CO-4 with N519) and the E/M
    it was meant for stays bundled.

    Bad:
        SV1*HC:99213*125*UN*1***1~
        SV1*HC:96372:25*40*UN*1***1~

    Good:
        SV1*HC:99213:25*125*UN*1***1~
        SV1*HC:96372*40*UN*1***1~

    References:
    Catalog INJ-024. CMS NCCI PTP [S1]; CMS transmittal 2005-10-28 [S6]; HMSA
    modifier guidance [S24].
    """
    hits: list[Hit] = []
    t = ctx.tables
    for line in claim.lines:
        if line.code in t.injection and "25" in line.modifiers:
            hits.append(at_modifier(line, "25", "modifier 25 is on 96372; it belongs on the "
                              "same-day E/M line",
                              "Remove 25 from 96372 and put it on the E/M line (if the visit "
                              "was separately identifiable)."))
    return hits


@rule("R96372-032", "distinct-modifier-on-em", category="modifier", severity=Severity.ERROR,
      catalog=("INJ-024",), needs="evaluation_management",
      needs_modifier="distinct_service_modifiers")
def distinct_modifier_on_em(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """Modifier 59 or XE/XS/XP/XU on an E/M code.

    Why:
    59 and the X{EPSU} modifiers mark a distinct procedure; CMS says they are never
    appended to E/M services. The E/M modifier for a separately identifiable visit
    is 25. A 59 on the E/M does not bypass the edit, so the visit stays bundled with
    the injection and the modifier itself draws CO-4.

    Bad:
        SV1*HC:99213:59*125*UN*1***1~

    Good:
        SV1*HC:99213:25*125*UN*1***1~

    References:
    Catalog INJ-024. CMS MLN1783722 Proper Use of Modifiers 59 and -X{EPSU} (rev.
    2023-03-29) [S8]; HMSA [S24].
    """
    hits: list[Hit] = []
    t = ctx.tables
    for line in claim.lines:
        if line.code in t.em:
            for modifier in line.modifiers:
                if modifier in t.distinct:
                    hits.append(at_modifier(line, modifier, f"modifier {modifier} is on E/M "
                                      f"{line.code}; 59 and X modifiers are never used on E/M",
                                      f"Remove {modifier}; use 25 on the E/M when the visit was "
                                      "separately identifiable."))
    return hits


@rule("R837-030", "59-with-x-modifier", category="modifier", severity=Severity.WARNING,
      catalog=("INJ-025",), needs_modifier="x_modifiers")
def fifty_nine_with_x(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """Modifier 59 and an X{EPSU} modifier on the same line.

    Why:
    XE, XS, XP and XU are the specific forms of 59 (CR 8863, 2015). One line uses
    either 59 or the X modifier that describes why the service is distinct, never
    both; payers reject the combination (CO-4).

    Bad:
        SV1*HC:96372:59:XS*40*UN*1***1~

    Good:
        SV1*HC:96372:XS*40*UN*1***1~

    References:
    Catalog INJ-025. CMS CR 8863 / MLN1783722 [S8]; HMSA [S24].
    """
    hits: list[Hit] = []
    x_mods = ctx.tables.x_modifiers
    for line in claim.lines:
        mods = line.modifiers
        if len(mods) > 1 and "59" in mods:
            both = [m for m in mods if m in x_mods]
            if both:
                hits.append(at_modifier(line, "59", f"{line.code} has both 59 and {both[0]}",
                                  f"Keep only {both[0]} (the more specific modifier) and "
                                  "remove 59."))
    return hits


def _single_dose(ctx: ClaimContext, code: str,
                 line: ServiceLine | None = None) -> bool | None:
    """Single-dose container? The profile's override, else the container of the NDC on
    the line (FDA package description), else the drug table's default for the code."""
    override = ctx.profile.single_dose.get(code)
    if override is not None:
        return override
    ndc = line.drug.ndc if line is not None and line.drug is not None else ""
    if ndc:
        package = ctx.tables.ndc_package(ndc)
        if package is not None and package.container:
            return package.container == "single"
    drug = ctx.tables.drugs.get(code)
    return drug.single_dose if drug is not None else None


@rule("R96372-060", "jw-jz-missing", category="modifier", severity=Severity.ERROR,
      catalog=("INJ-060",))
def jw_jz_missing(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """A single-dose-container drug without JZ or a JW waste line (Medicare, DOS >= 2023-07-01).

    Why:
    Medicare Part B requires, for drugs from single-dose containers, either JZ on
    the drug line (nothing discarded) or a separate line with JW for the discarded
    amount, for dates of service from 2023-07-01; claims without either are
    returned as unprocessable from 2023-10-01. The medicare profile applies it (the
    others ignore it), from its ``jz_required_from`` date; the single-dose flag comes
    from the drug table
    and the profile's ``[single_dose]`` overrides. A HCPCS drug whose container is
    unknown to the tables draws a warning when the profile sets
    ``unknown_container_warning``, rather than silence.

    Bad:
        SV1*HC:J1885*25.01*UN*2***1~
        DTP*472*D8*20250115~

    Good:
        SV1*HC:J1885:JZ*25.01*UN*2***1~
        DTP*472*D8*20250115~

    References:
    Catalog INJ-060. CMS CR of 2023-06-02 (IOM 100-04 ch. 17 §40) [S7]; CGS JZ
    article (rev. 2023-12-18) [S16]; Noridian JZ [S17].
    """
    hits: list[Hit] = []
    profile = ctx.profile
    t = ctx.tables
    start = profile.jz_required_from
    warn_unknown = profile.unknown_container_warning
    for when, lines in ctx.by_date.items():
        if when is None or when < start:
            continue
        wasted = set()  # codes with a JW line on the date (a loop, not a comprehension)
        for ln in lines:
            if "JW" in ln.modifiers:
                wasted.add(ln.code)
        for line in lines:
            mods = line.modifiers
            code = line.code
            if "JZ" in mods or "JW" in mods or code in wasted or not t.is_drug(code):
                continue
            single = _single_dose(ctx, code, line)
            if single is True:
                hits.append(at_code(line, f"{code} (single-dose container) on {day(when)} has "
                              "neither JZ nor a JW line for the discarded amount",
                              f"Append JZ to {code} when nothing was discarded, or add a "
                              f"{code}-JW line for the discarded units."))
            elif (single is None and warn_unknown and code[:1].isalpha()
                  and code not in t.noc):
                hits.append(at_code(line, f"{code} on {day(when)} has no JZ/JW and its container "
                              "type is unknown to the drug table",
                              f"If {code} came from a single-dose container, append JZ (or add "
                              "a JW waste line); record the container in the profile's "
                              "[single_dose] table to silence this.", severity=Severity.WARNING))
    return hits


@rule("R96372-061", "jw-and-jz-together", category="modifier", severity=Severity.ERROR,
      catalog=("INJ-061",), needs_modifier="waste_modifiers")
def jw_and_jz_together(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """JW and JZ on the same line, or a JZ line and a JW line for the same drug and date.

    Why:
    JZ says nothing was discarded; JW bills the discarded amount. They contradict
    each other on one line, and a JW waste line cannot accompany a JZ line for the
    same drug and date. Payers return the line (CO-4 with N519).

    Bad:
        SV1*HC:J1885:JW:JZ*25.01*UN*2***1~

    Good:
        SV1*HC:J1885:JZ*25.01*UN*2***1~

    References:
    Catalog INJ-061. Noridian JD DME, Modifier JZ (2024-03-20) [S17]; CMS [S7];
    RARC N519.
    """
    hits: list[Hit] = []
    for when, lines in ctx.by_date.items():
        jz_codes = set()
        for line in lines:
            mods = line.modifiers
            if "JW" in mods and "JZ" in mods:
                hits.append(at_modifier(line, "JZ", f"{line.code} carries both JW and JZ",
                                  "Use JZ on the administered line when nothing was discarded, "
                                  "or JW on a separate line for the discarded amount - never "
                                  "both on one line."))
            elif "JZ" in mods:
                jz_codes.add(line.code)
        for line in lines:
            mods = line.modifiers
            if "JW" in mods and "JZ" not in mods and line.code in jz_codes:
                hits.append(at_modifier(line, "JW", f"{line.code}-JW waste line on {day(when)} "
                                  f"contradicts the {line.code}-JZ line (JZ: nothing "
                                  "discarded)",
                                  "Remove the JW line, or change JZ on the administered line "
                                  "if drug was discarded."))
    return hits


@rule("R96372-062", "jw-jz-on-administration", category="modifier", severity=Severity.ERROR,
      catalog=("INJ-063",), needs="administration",
      needs_modifier="waste_modifiers")
def jw_jz_on_administration(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """JW or JZ appended to an administration code (96372 ...) instead of the drug line.

    Why:
    JW and JZ describe what happened to the drug in a single-dose container, so
    they go on the drug's HCPCS line. On 96372 or another administration code they
    are invalid, and the drug line still lacks the modifier Medicare requires.

    Bad:
        SV1*HC:J1885*25.01*UN*2***1~
        SV1*HC:96372:JZ*40*UN*1***1~

    Good:
        SV1*HC:J1885:JZ*25.01*UN*2***1~
        SV1*HC:96372*40*UN*1***1~

    References:
    Catalog INJ-063. CMS [S7]; reference §A.6.
    """
    hits: list[Hit] = []
    admin = ctx.tables.administration
    for line in claim.lines:
        if line.code in admin:
            for modifier in ("JW", "JZ"):
                if modifier in line.modifiers:
                    hits.append(at_modifier(line, modifier, f"{modifier} is on administration code "
                                      f"{line.code}; it belongs on the drug line",
                                      f"Remove {modifier} from {line.code} and put it on the "
                                      "drug's HCPCS line."))
    return hits
