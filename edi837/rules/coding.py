"""Coding: the right code for the service, valid on the date of service."""

from __future__ import annotations

from edi837.edit_tables import antineoplastic
from edi837.engine import ClaimContext, Hit, rule
from edi837.model import Claim
from edi837.rules.common import at_code, codes, day, has_malignancy
from x12core.findings import Severity
from x12core.values import is_digits


@rule("R96372-010", "vaccine-given-as-injection", category="coding", severity=Severity.ERROR,
      catalog=("INJ-010",), needs=("injection", "vaccine_products"))
def vaccine_given_as_injection(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """96372 used to administer a vaccine or toxoid.

    Why:
    Vaccines and toxoids (product codes 90476-90759 and configured vaccine codes)
    are administered with the immunization administration codes: 90460/90461
    (through age 18 with counseling) or 90471-90474, and for Medicare influenza,
    pneumococcal and hepatitis B vaccines G0008/G0009/G0010. There is no NCCI edit
    between 96372 and 90471, so nothing but a scrubber catches it before the payer
    denies it (N657). Fires when the date's only substances are vaccines; an
    immune globulin is not a vaccine and is correctly given with 96372.

    Bad:
        SV1*HC:90686*25*UN*1***1~
        SV1*HC:96372*40*UN*1***1~

    Good:
        SV1*HC:90686*25*UN*1***1~
        SV1*HC:90471*25*UN*1***1~
        (Medicare influenza: SV1*HC:G0008*25*UN*1***1~)

    References:
    Catalog INJ-010. AAP Red Book 2018/2021 App. II [S23]; CMS HCPCS G0008-G0010
    [S3]; CMS NCCI PTP practitioner file 2024-07-01 (no 96372/90471 edit) [S1];
    RARC N657.
    """
    hits: list[Hit] = []
    t = ctx.tables
    for when, lines in ctx.by_date.items():
        vaccines = [ln for ln in lines if ln.code in t.vaccines]
        if not vaccines or any(t.is_injectable_drug(ln.code) for ln in lines):
            continue
        medicare = "; Medicare influenza/pneumococcal/hepatitis B: G0008/G0009/G0010" \
            if ctx.profile.name == "medicare" else ""
        for line in lines:
            if line.code in t.injection:
                hits.append(at_code(
                    line, f"96372 on {day(when)} administers vaccine {codes(vaccines)}; "
                    "vaccines are not administered with 96372",
                    f"Replace 96372 with 90471 (+90472 per additional vaccine), or 90460/90461 "
                    f"for patients through 18 with counseling{medicare}."))
    return hits


@rule("R96372-011", "antineoplastic-given-as-injection", category="coding",
      severity=Severity.WARNING, catalog=("INJ-081", "INJ-027"),
      needs=("injection", "antineoplastic_drugs"))
def antineoplastic_given_as_injection(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """An antineoplastic drug given SC/IM and billed with 96372 instead of 96401/96402.

    Why:
    SC/IM administration of anti-neoplastic drugs has its own codes: 96402 for
    hormonal anti-neoplastics (leuprolide J9217/J1950, goserelin, fulvestrant,
    degarelix) and 96401 for non-hormonal ones. 96372 is column 2 to both in NCCI
    and is denied or down-coded when the drug is an antineoplastic. Drugs that also
    have non-cancer uses (leuprolide J1950 for endometriosis, methotrexate) count
    only when the claim has a malignant or in-situ neoplasm diagnosis (C00-C96,
    D00-D09). Silent when 96401/96402 is already billed that day. Antineoplastics
    are a code set, not a short list: every chemotherapy HCPCS (J9000-J9999, the
    antineoplastic biosimilar Q-codes) counts as non-hormonal unless
    edi837/data/antineoplastic.csv or drugs.csv says otherwise (hormonal,
    dual-use, or not an antineoplastic such as J9216).

    Bad:
        HI*ABK:C61~
        SV1*HC:J9217*900*UN*3***1~
        SV1*HC:96372*40*UN*1***1~

    Good:
        HI*ABK:C61~
        SV1*HC:J9217*900*UN*3***1~
        SV1*HC:96402*60*UN*1***1~

    References:
    Catalog INJ-081 and INJ-027. CMS HCPCS 2024 J9000-J9999 [S3]; CMS NCCI PTP 96401/96402 ->
    96372 (modifier 1) [S1]; reference §A.1.
    """
    hits: list[Hit] = []
    t = ctx.tables
    malignancy: bool | None = None
    for when, lines in ctx.by_date.items():
        injections = [ln for ln in lines if ln.code in t.injection]
        if not injections or any(ln.code in t.antineoplastic_admin for ln in lines):
            continue
        for drug_line in lines:
            found = antineoplastic(t, drug_line.code)
            if found is None:
                continue
            kind, cancer_dx_required = found
            if cancer_dx_required:
                if malignancy is None:
                    malignancy = has_malignancy(claim)
                if not malignancy:
                    continue
            right = "96402" if kind == "hormonal" else "96401"
            for line in injections:
                hits.append(at_code(
                    line, f"{drug_line.code} is a {kind} anti-neoplastic; its "
                    f"SC/IM administration on {day(when)} is {right}, not 96372",
                    f"Bill {right} for the {drug_line.code} injection instead of 96372."))
            break
    return hits


@rule("R96372-012", "injection-for-immunization-diagnosis", category="coding",
      severity=Severity.WARNING, catalog=("INJ-013",), needs="injection")
def injection_for_immunization_diagnosis(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """96372 whose diagnosis pointers reference only Z23 (encounter for immunization).

    Why:
    Z23 says the visit was for a vaccination. A 96372 line that points only at Z23
    is almost always a vaccine administration billed with the wrong code; payers
    deny it (N657) or ask for the immunization administration code.

    Bad:
        HI*ABK:Z23~
        SV1*HC:96372*40*UN*1***1~

    Good:
        HI*ABK:Z23~
        SV1*HC:90471*25*UN*1***1~

    References:
    Catalog INJ-013. AAP Red Book [S23]; reference §A.11.
    """
    hits: list[Hit] = []
    dx = claim.diagnoses
    t = ctx.tables
    immunization = t.immunization_dx
    for d in dx:
        if d.code in immunization:
            break
    else:
        return hits  # no Z23 on the claim (a loop: no generator per claim)
    for line in claim.lines:
        if line.code not in t.injection or not line.pointers:
            continue
        pointed = [dx[int(p) - 1].code for p in line.pointers
                   if is_digits(p) and 0 < int(p) <= len(dx)]
        if pointed and all(code in t.immunization_dx for code in pointed):
            hits.append(Hit(line.sv1 or line.lx, "SV107-1",
                      "96372 points only at Z23 (encounter for immunization): a vaccine "
                      "administration billed as a therapeutic injection",
                      "Use the immunization administration code (90471/90460, or G0008-G0010 "
                      "for Medicare), or point 96372 at the condition the drug treats.",
                      line=line))
    return hits


@rule("R837-010", "code-not-valid-on-date", category="coding", severity=Severity.ERROR,
      catalog=("INJ-080",), needs="dated_codes")
def code_not_valid_on_date(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """A HCPCS/CPT code billed on a date it was not valid (terminated or not yet added).

    Why:
    Codes are added and terminated every quarter. A claim with a code that has been
    terminated on the date of service is rejected (CO-181/CO-182 or CO-16 with M51).
    For example J1020/J1030/J1040 (methylprednisolone acetate 20/40/80 mg) ended
    2024-03-31 and were replaced by J1010 (1 mg units); J2920/J2930 by J2919. The
    check uses the code tables' start and end dates (``--hcpcs-file`` loads the full
    CMS quarterly file).

    Bad:
        SV1*HC:J1030*30*UN*1***1~
        DTP*472*D8*20240502~

    Good:
        SV1*HC:J1010*30*UN*40***1~
        DTP*472*D8*20240502~

    References:
    Catalog INJ-080. CMS HCPCS Level II 2024 file [S3]; J1010/J2919 replacements
    (2024-04-01) [S34]; CARC 181/182, RARC M51/N56.
    """
    hits: list[Hit] = []
    t = ctx.tables
    for line in claim.lines:
        when = line.service_date
        info = t.code_dates(line.code, when)
        if info is None or when is None or info.valid_on(when):
            continue
        if info.end is not None and when > info.end:
            instead = f"bill {info.replacement}" if info.replacement else \
                "bill the code that replaced it"
            hits.append(at_code(line, f"{line.code} was terminated {info.end.isoformat()}; it "
                          f"is not "
                          f"valid on {day(when)}",
                          f"For dates of service after {info.end.isoformat()} {instead} "
                          "(check its billing unit: units usually change too)."))
        else:
            start = info.start.isoformat() if info.start else "later"
            hits.append(at_code(line, f"{line.code} is valid from {start}; it did not exist on "
                          f"{day(when)}",
                          "Bill the code that was valid on the date of service, or correct "
                          "the DTP*472 date."))
    return hits
