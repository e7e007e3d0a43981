"""Routes: the administration code must fit the route the drug is given by."""

from __future__ import annotations

from edi837.edit_tables import drug_routes
from edi837.engine import ClaimContext, Hit, rule
from edi837.model import Claim
from edi837.rules.common import at_code, day
from x12core.findings import Severity

_SC_IM = frozenset({"IM", "SC"})


@rule("R96372-110", "iv-only-drug-as-injection", category="coding", severity=Severity.WARNING,
      catalog=("INJ-082",), needs=("injection", "iv_only_drugs"))
def iv_only_drug_as_injection(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """96372 (SC/IM) whose only drug that day is given intravenously only (e.g. iron sucrose J1756).

    Why:
    96372 is a subcutaneous or intramuscular injection. A drug whose only route
    is intravenous (iron sucrose, ferric carboxymaltose, vancomycin, infliximab)
    cannot have been given that way: the administration is IV push (96374) or
    an infusion (96365), and payers deny the mismatch as inconsistent coding.
    Fires when every drug on the date is IV-only; routes are data
    (drugs.csv, routes.csv; the FDA route per NDC once installed).

    Bad:
        SV1*HC:J1756*80*UN*2***1~
        SV1*HC:96372*40*UN*1***1~

    Good:
        SV1*HC:J1756*80*UN*2***1~
        SV1*HC:96374*75*UN*1***1~

    References:
    Catalog INJ-082 ◐ (needs a route table). Reference §A.1 (96372 SC/IM; 96374
    IV push), §A.10 routes ◐.
    """
    hits: list[Hit] = []
    t = ctx.tables
    for when, lines in ctx.by_date.items():
        injections = [ln for ln in lines if ln.code in t.injection]
        if not injections:
            continue
        drugs = [ln for ln in lines if t.is_injectable_drug(ln.code)]
        if not drugs:
            continue
        routes = [drug_routes(t, ln.code) for ln in drugs]
        if not all(r == {"IV"} for r in routes):
            continue
        names = ", ".join(dict.fromkeys(ln.code for ln in drugs))
        for line in injections:
            hits.append(at_code(line, f"96372 (SC/IM) on {day(when)} administers {names}, which is "
                          "given intravenously only",
                          "Bill the IV administration (96374 push or 96365 infusion) instead "
                          "of 96372, or correct the drug code."))
    return hits


@rule("R96372-111", "non-iv-drug-with-iv-code", category="coding", severity=Severity.WARNING,
      catalog=("INJ-082",), needs=("iv_administration", "non_iv_drugs"))
def non_iv_drug_with_iv_code(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """An IV push or infusion code whose only drugs that day are never given IV.

    Why:
    Depot and suspension products (penicillin G benzathine J0561, paliperidone
    J2426, aripiprazole J0401, naltrexone J2315, haloperidol decanoate J1631,
    triamcinolone J3301, methylprednisolone acetate J1010) are given
    intramuscularly or into a joint, never intravenously. An IV push (96374) or
    infusion (96365) billed for them is the wrong administration code (96372, or
    the joint injection code); payers deny it as inconsistent. Fires when every
    drug on the date has a known route and none is IV.

    Bad:
        SV1*HC:J2426*900*UN*156***1~
        SV1*HC:96374*75*UN*1***1~

    Good:
        SV1*HC:J2426*900*UN*156***1~
        SV1*HC:96372*40*UN*1***1~

    References:
    Catalog INJ-082 ◐. Reference §A.10 (IM-only and suspension products),
    §A.1.
    """
    hits: list[Hit] = []
    t = ctx.tables
    iv_codes = t.sets["iv_administration"]
    for when, lines in ctx.by_date.items():
        iv_lines = [ln for ln in lines if ln.code in iv_codes]
        if not iv_lines:
            continue
        drugs = [ln for ln in lines if t.is_injectable_drug(ln.code)]
        if not drugs:
            continue
        routes = [drug_routes(t, ln.code) for ln in drugs]
        if not all(r and "IV" not in r for r in routes):
            continue
        names = ", ".join(dict.fromkeys(ln.code for ln in drugs))
        sc_im = any(r & _SC_IM for r in routes)
        for line in iv_lines:
            hits.append(at_code(line, f"IV administration {line.code} on {day(when)} for {names}, "
                          "which is not given intravenously",
                          "Bill the administration that fits the route: 96372 for SC/IM"
                          + ("" if sc_im else ", or the joint/lesion injection code")
                          + "; or correct the drug code."))
    return hits
