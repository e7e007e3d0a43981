"""NOC drug codes used for a drug that has its own HCPCS code."""

from __future__ import annotations

from edi837.edit_tables import specific_codes
from edi837.engine import ClaimContext, Hit, rule
from edi837.model import Claim
from x12core.findings import Severity


@rule("R96372-140", "noc-drug-has-specific-code", category="coding", severity=Severity.ERROR,
      catalog=("INJ-056",), needs="noc_drugs")
def noc_drug_has_specific_code(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """An NOC drug code (J3490, J9999 ...) for a drug that has its own HCPCS code.

    Why:
    Unclassified codes are only for drugs without a code of their own. When the
    SV101-7 description names, say, ketorolac (J1885) or ceftriaxone (J0696),
    the payer denies the NOC line with CARC 189 ("not otherwise classified code
    billed when a specific code exists") and the claim has to be rebilled. The
    drug names come from the HCPCS descriptors the tables hold: the shipped
    subset (edi837/data/hcpcs.csv), or the whole quarterly HCPCS file laid over it
    with ``--hcpcs-file``; only codes valid on the date of service count.

    Bad:
        SV1*HC:J3490:::::KETOROLAC 30MG IM*25*UN*1***1~

    Good:
        SV1*HC:J1885*25.01*UN*2***1~

    References:
    Catalog INJ-056 (reference §A.9: "if a specific code exists for the drug,
    expect CO-189" ✔ [S4]). CMS HCPCS Level II descriptors [S3].
    """
    hits: list[Hit] = []
    t = ctx.tables
    for line in claim.lines:
        if line.code not in t.noc or not line.description:
            continue
        name, found = specific_codes(t, line.description, line.service_date)
        if found:
            codes = ", ".join(found)
            hits.append(Hit(line.sv1 or line.lx, "SV101-2", f"NOC code {line.code} is billed for "
                      f"{name.lower()}, which has its own HCPCS code ({codes})",
                      f"Bill {codes if len(found) == 1 else 'the specific code (' + codes + ')'}"
                      f" in the drug's billing units instead of {line.code}.", line=line))
    return hits
