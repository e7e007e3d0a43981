"""Drug link: the administration code and the drug it gave belong on the same claim and date."""

from __future__ import annotations

from datetime import date

from edi837.engine import ClaimContext, Hit, rule
from edi837.model import Claim, ServiceLine
from edi837.rules.common import at_code, codes, day
from x12core.findings import Severity


def _unpaired(ctx: ClaimContext) -> tuple[dict[date | None, list[ServiceLine]],
                                          dict[date | None, list[ServiceLine]]]:
    """Dates with an administration that needs a drug but no drug (or vaccine) line,
    and dates with a drug line but no administration code at all."""
    memo = ctx.memo.get("unpaired")
    if memo is not None:
        return memo  # type: ignore[return-value]
    t = ctx.tables
    needs_drug, administration, vaccines = t.needs_drug, t.administration, t.vaccines
    injectable = t.is_injectable_drug
    # Allergen extract/immunotherapy: R96372-101 reports 96372 there (not a missing drug).
    allergy = t.sets["allergy_shot_codes"]
    admin_only: dict[date | None, list[ServiceLine]] = {}
    drug_only: dict[date | None, list[ServiceLine]] = {}
    for when, lines in ctx.by_date.items():
        needing: list[ServiceLine] = []
        drugs: list[ServiceLine] = []
        substance = admin = False
        for ln in lines:
            code = ln.code
            if code in administration:
                admin = True
                if code in needs_drug:
                    needing.append(ln)
            elif code in vaccines or code in allergy:
                substance = True
            elif injectable(code):
                substance = True
                drugs.append(ln)
        if needing and not substance:
            admin_only[when] = needing
        elif substance and not admin:
            drug_only[when] = drugs
    ctx.memo["unpaired"] = result = (admin_only, drug_only)
    return result


@rule("R96372-001", "injection-without-drug", category="drug-link", severity=Severity.WARNING,
      catalog=("INJ-001",), needs="administration_needing_drug")
def injection_without_drug(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """An injection (96372, or 96373/96374/96401/96402) with no drug line on the claim.

    Why:
    96372 pays for giving the injection, not for the substance. The substance is
    billed on its own service line - a J-code, a drug Q-code, an NOC code such as
    J3490 with its description, or an immune-globulin product - on the same claim
    and date of service. Medicare MACs (NGS, CGS) require that drug line even for a
    free or patient-supplied drug, at a nominal $0.01. Without it the
    administration is denied (CO-16 with N349, or CARC 107). Default severity is
    warning; the medicare and medicaid profiles make it an error.

    Bad:
        LX*1~
        SV1*HC:96372*40*UN*1***1~
        DTP*472*D8*20250115~

    Good:
        LX*1~
        SV1*HC:J1885:JZ*25.01*UN*2***1~
        DTP*472*D8*20250115~
        LIN**N4*00409379501~
        CTP****1*ML~
        LX*2~
        SV1*HC:96372*40*UN*1***1~
        DTP*472*D8*20250115~

    References:
    Catalog INJ-001. NGS Medicare, Proper Billing for Patient Supplied Drugs (rev.
    2023-04-10) [S5]; CGS J15 Drug Administration Reminder [S5b]; IOM 100-02 ch. 15
    §50.4.1 / §60.1.A [S9]; RARC N349.
    """
    hits: list[Hit] = []
    admin_only, drug_only = _unpaired(ctx)
    if not admin_only or drug_only:
        return hits  # nothing missing, or the drug is there on another date (R96372-002)
    for when, lines in admin_only.items():
        for line in lines:
            hits.append(at_code(
                line, f"{line.code} on {day(when)} has no drug line on the claim; the "
                "administration is paid only with the drug it gave",
                "Add the drug's HCPCS line (J-code, drug Q-code, or NOC code with its "
                "description) with the same date of service; bill $0.01 for a free or "
                "patient-supplied drug (Medicare)."))
    return hits


@rule("R96372-002", "drug-date-mismatch", category="drug-link", severity=Severity.WARNING,
      catalog=("INJ-002",), needs="administration_needing_drug")
def drug_date_mismatch(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """The injection and its drug line carry different dates of service.

    Why:
    Payers pair the administration with the drug by date of service (and
    provider). When 96372 is dated one day and the only drug line another, the
    payer sees an administration without a drug and a drug without an
    administration, and denies one or both (CO-16/N349, CARC 107). Usually one
    DTP*472 was keyed wrong.

    Bad:
        SV1*HC:J1885*25.01*UN*2***1~
        DTP*472*D8*20250114~
        ...
        SV1*HC:96372*40*UN*1***1~
        DTP*472*D8*20250115~

    Good:
        SV1*HC:J1885*25.01*UN*2***1~
        DTP*472*D8*20250115~
        ...
        SV1*HC:96372*40*UN*1***1~
        DTP*472*D8*20250115~

    References:
    Catalog INJ-002. NGS [S5] (drug and administration on the same claim and DOS);
    005010X222A1 loop 2400 DTP*472.
    """
    hits: list[Hit] = []
    admin_only, drug_only = _unpaired(ctx)
    if not admin_only or not drug_only:
        return hits
    drug_dates = ", ".join(f"{codes(lines)} on {day(when)}" for when, lines in drug_only.items())
    for when, lines in admin_only.items():
        for line in lines:
            hits.append(Hit(line.dtp or line.sv1 or line.lx, "DTP03" if line.dtp else "SV101-2",
                      f"{line.code} is dated {day(when)} but the drug line is not "
                      f"({drug_dates})",
                      "Give the administration and its drug the same DTP*472 date of "
                      "service (the date the injection was given).", line=line))
    return hits
