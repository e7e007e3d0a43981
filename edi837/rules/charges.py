"""Charges: a drug line must carry a charge, even when the drug was free."""

from __future__ import annotations

from edi837.engine import ClaimContext, Hit, rule
from edi837.model import Claim
from x12core.findings import Severity


@rule("R96372-100", "drug-line-zero-charge", category="drug-data", severity=Severity.ERROR,
      catalog=("INJ-003",))
def drug_line_zero_charge(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """A drug line billed at $0.00 (a free, sample or patient-supplied drug).

    Why:
    SV102 is a required monetary amount, and a $0.00 drug line is rejected as
    invalid data before adjudication. A drug the practice did not pay for
    (sample, patient-supplied) is still reported on the claim with its
    administration, at a nominal charge: Medicare MACs (NGS, CGS) say $0.01
    and the drug name in SV101-7. The nominal amount is the profile's
    ``nominal_drug_charge`` (0.01 in every shipped profile).

    Bad:
        SV1*HC:J3420*0*UN*1***1~

    Good:
        SV1*HC:J3420*0.01*UN*1***1~

    References:
    Catalog INJ-003. NGS "Proper Billing for Patient Supplied Drugs" (rev.
    2023-04-10) [S5]; CGS J15 drug administration reminder (2021, rev. 2022)
    [S5b]; 005010X222A1 SV102.
    """
    out: list[Hit] = []
    if not ctx.zero_charge:
        return out
    t = ctx.tables
    for line in claim.lines:
        charge = line.charge
        if charge is None or charge or not t.is_drug(line.code):
            continue
        nominal = ctx.profile.nominal_drug_charge
        sv1 = line.sv1
        out.append(Hit(sv1 or line.lx, "SV102", f"drug line {line.code} is billed at "
                  f"{sv1[2] if sv1 is not None else '0'}; a $0.00 line is rejected",
                  f"Bill a drug given free (sample, patient-supplied) at the nominal "
                  f"{nominal} with its name in SV101-7, and keep the administration line.",
                  line=line))
    return out
