"""Drug data: the NDC, quantity and description a drug line needs (loop 2410, SV101-7)."""

from __future__ import annotations

from edi837.engine import ClaimContext, Hit, rule
from edi837.model import Claim
from edi837.rules.common import at_code
from x12core.findings import Severity


@rule("R96372-050", "ndc-missing", category="drug-data", severity=Severity.ERROR,
      catalog=("INJ-050",))
def ndc_missing(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """A drug line without its NDC (loop 2410 LIN) where the payer requires one.

    Why:
    Medicaid requires the 11-digit NDC, its quantity and unit on every
    physician-administered drug line (DRA 2005 §6002) and denies the line without
    it (M119/N848); many commercial payers do too, and every payer needs it for an
    NOC code (J3490, J3590, J9999 ...), which does not say which drug was given.
    The profile's ``ndc_required`` decides for specific codes; NOC codes always
    need it. The NDC goes in loop 2410 after the service line, not in SV101-7.

    Bad:
        SV1*HC:J1885*25.01*UN*2***1~
        DTP*472*D8*20250115~
        REF*6R*PCN0001-1~

    Good:
        SV1*HC:J1885*25.01*UN*2***1~
        DTP*472*D8*20250115~
        REF*6R*PCN0001-1~
        LIN**N4*00409379501~
        CTP****1*ML~

    References:
    Catalog INJ-050. SMDL #06-016, DRA 2005 §6002 [S13]; Regence/UHC NDC policies
    [S20][S32]; Palmetto NOC instructions [S21]; 005010X222A1 loop 2410.
    """
    hits: list[Hit] = []
    t = ctx.tables
    required = ctx.profile.ndc_required
    for line in claim.lines:
        if line.drug is not None or not t.is_drug(line.code):
            continue
        noc = line.code in t.noc
        if required or noc:
            why = "an NOC code" if noc else f"required by the {ctx.profile.name} profile"
            hits.append(at_code(line, f"drug line {line.code} has no NDC (loop 2410 LIN/CTP; "
                          f"{why})",
                          "Add LIN**N4*<11-digit NDC> and CTP****<quantity>*<unit> after the "
                          "service line's REF/NTE segments."))
    return hits


@rule("R96372-051", "ndc-malformed", category="drug-data", severity=Severity.ERROR,
      catalog=("INJ-051",))
def ndc_malformed(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """LIN02 is not N4, or LIN03 is not an 11-digit NDC (no hyphens, no spaces).

    Why:
    The 837P carries the NDC in the 11-digit 5-4-2 billing format, digits only.
    A 10-digit label NDC without hyphens is ambiguous (4-4-2, 5-3-2 or 5-4-1) and
    cannot be converted safely; hyphens and letters are rejected (M119). The length
    is the profile's ``ndc_length`` so the FDA's 12-digit format (effective
    2033-03-07) is a setting, not a code change.

    Bad:
        LIN**N4*0409-3795-01~

    Good:
        LIN**N4*00409379501~

    References:
    Catalog INJ-051. 005010X222A1 loop 2410 LIN02/LIN03 [S25]; FDA NDC directory
    [S12]; FDA final rule 91 FR 10749 (12-digit NDC, 2033-03-07) [S11].
    """
    hits: list[Hit] = []
    length = ctx.profile.ndc_length
    for line in claim.lines:
        drug = line.drug
        if drug is None:
            continue
        if drug.qualifier != "N4":
            hits.append(Hit(drug.lin, "LIN02", f"LIN02 is {drug.qualifier or 'empty'}; an NDC is "
                      "qualified N4", "Set LIN02 to N4 and put the NDC in LIN03.", line=line))
            continue
        ndc = drug.ndc
        if len(ndc) != length or not ndc.isdigit():
            if "-" in ndc or " " in ndc:
                why = "contains hyphens or spaces"
            elif ndc.isdigit() and len(ndc) == 10:
                why = "has 10 digits (an unconverted label NDC)"
            elif not ndc:
                why = "is empty"
            else:
                why = f"is not {length} digits"
            hits.append(Hit(drug.lin, "LIN03", f"NDC {ndc!r} {why}",
                      f"Send the {length}-digit 5-4-2 NDC with no hyphens: pad the short "
                      "segment of the label NDC with a leading zero.", line=line))
    return hits


@rule("R96372-052", "ndc-quantity-invalid", category="drug-data", severity=Severity.ERROR,
      catalog=("INJ-054",))
def ndc_quantity_invalid(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """NDC without CTP, CTP04 quantity missing or <= 0, or CTP05-1 unit not F2/GR/ME/ML/UN.

    Why:
    An NDC is priced by the quantity administered in the NDC's own unit: CTP04
    (decimals allowed) and CTP05-1, one of F2 (international units), GR (grams), ME
    (milligrams), ML (milliliters), UN (units). A missing or invalid quantity or
    unit denies the line (N815/N816).

    Bad:
        LIN**N4*00409379501~
        CTP****0*MG~

    Good:
        LIN**N4*00409379501~
        CTP****1*ML~

    References:
    Catalog INJ-054. 005010X222A1 loop 2410 CTP04/CTP05 [S25]; X12 RFI 591/2151
    [S26]; RARC N815/N816.
    """
    hits: list[Hit] = []
    units = ctx.tables.ndc_units
    for line in claim.lines:
        drug = line.drug
        if drug is None:
            continue
        ctp = drug.ctp
        if ctp is None:
            hits.append(Hit(drug.lin, "LIN03", f"NDC {drug.ndc} has no CTP quantity and unit",
                      "Add CTP****<quantity>*<unit> right after the LIN segment.", line=line))
            continue
        if drug.quantity is None or drug.quantity <= 0:
            hits.append(Hit(ctp, "CTP04", f"NDC quantity {drug.quantity_text or '(empty)'} is "
                      f"not a "
                      "positive number", "Send the quantity administered in the NDC unit, "
                      "e.g. CTP****1*ML.", line=line))
        if drug.unit not in units:
            hits.append(Hit(ctp, "CTP05-1", f"NDC unit {drug.unit or '(empty)'} is not one of "
                      "F2, GR, ME, ML, UN", "Use ML for liquids, GR/ME for solids by weight, "
                      "UN for vials or countable items, F2 for international units.", line=line,
                      value=drug.unit))
    return hits


@rule("R96372-053", "noc-without-description", category="drug-data", severity=Severity.ERROR,
      catalog=("INJ-056",), needs="noc_drugs")
def noc_without_description(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """An NOC drug code (J3490, J3590, J7999, J9999 ...) without an SV101-7 description.

    Why:
    "Unclassified drug" says nothing about what was given. The payer needs the
    drug name, strength, dose and route (and per MAC the invoice price or NDC) in
    SV101-7, up to 80 characters; without it the line is rejected (CO-16 with
    M123/N350/MA95). Profiles that accept the description in the line NTE set
    ``noc_description_in_nte``.

    Bad:
        SV1*HC:J3490*35*UN*1***1~

    Good:
        SV1*HC:J3490:::::CEFTRIAXONE 500MG IM*35*UN*1***1~

    References:
    Catalog INJ-056. NGS [S5]; Palmetto/WPS NOC instructions [S21]; 005010X222A1
    SV101-7; RARC M123, N350, MA95.
    """
    hits: list[Hit] = []
    t = ctx.tables
    in_nte = ctx.profile.noc_description_in_nte
    for line in claim.lines:
        if line.code in t.noc and not line.description.strip():
            if in_nte and any(n.strip() for n in line.notes):
                continue
            hits.append(Hit(line.sv1 or line.lx, "SV101-7", f"NOC code {line.code} has no drug "
                      "description in SV101-7", "Put the drug name, strength, dose and route "
                      "in SV101-7 (e.g. HC:J3490:::::CEFTRIAXONE 500MG IM).", line=line,
                      value=""))
    return hits
