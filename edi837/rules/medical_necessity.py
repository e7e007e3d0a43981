"""Medical necessity: a drug line must point at a diagnosis its coverage list accepts."""

from __future__ import annotations

from edi837.engine import ClaimContext, Hit, rule
from edi837.icd10 import normal
from edi837.model import Claim
from x12core.findings import Severity
from x12core.values import is_digits


@rule("R837-043", "diagnosis-not-covered", category="medical-necessity",
      severity=Severity.WARNING, catalog=("INJ-073",), needs="policy:covered_diagnoses")
def diagnosis_not_covered(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """A drug whose pointed diagnoses include none on the profile's covered list for it.

    Why:
    Payers cover many drugs only for certain diagnoses: Medicare LCDs allow vitamin
    B-12 injections (J3420) for deficiency and malabsorption states, not for fatigue
    or hypertension; denosumab, leuprolide and infliximab have labelled indications.
    A drug line whose SV107 pointers lead to no covered diagnosis is denied as not
    medically necessary (CO-50 + N115, CO-167, CO-11). The lists are payer data with
    sources and effective dates (``[policy] covered_diagnoses``; codes or prefixes
    without the dot). A warning: the diagnosis may simply be missing from the claim.

    Bad:
        HI*ABK:R5383~
        SV1*HC:J3420*18*UN*1***1~

    Good:
        HI*ABK:D510~
        SV1*HC:J3420*18*UN*1***1~

    References:
    Catalog INJ-073. Billing guide: document medical necessity. Reference §A.11
    (B-12 LCDs Noridian L33502, WPS L30145, FCSO L29309 [S36]), §C.6 row 10; CARC
    50, 167, 11; RARC N115.
    """
    hits: list[Hit] = []
    covered = ctx.profile.policy.covered  # the engine runs it only for listed drugs
    codes = [d.code if d.code.isalnum() and d.code.isupper() else normal(d.code)
             for d in claim.diagnoses]
    for line in claim.lines:
        lists = covered.get(line.code)
        if lists is None:
            continue
        in_force = [p for p in lists if p.in_force(line.service_date)]
        pointed = [codes[int(p) - 1] for p in line.pointers
                   if is_digits(p) and 1 <= int(p) <= len(codes)]
        if not in_force or not pointed:
            continue  # no pointer: the diagnosis-pointer rules report it
        if any(p.covers(code) for p in in_force for code in pointed):
            continue
        names = ", ".join(p.name for p in in_force)
        hits.append(Hit(line.sv1 or line.lx, "SV107-1", f"{line.code} points at "
                  f"{', '.join(pointed)}, none of which the {ctx.profile.name} profile's "
                  f"covered-diagnosis list ({names}) accepts", "Point the drug line at the "
                  "diagnosis that supports it (add it to HI if missing); if the drug was "
                  "given for another reason, expect a denial (Medicare: ABN + modifier GA).",
                  line=line, value=line.pointers[0] if line.pointers else ""))
    return hits
