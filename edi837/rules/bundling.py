"""Bundling: NCCI procedure-to-procedure (PTP) pairs with 96372 on the same date.

Driven by the PTP table (CMS layout: column 1, column 2, modifier indicator,
effective/deletion dates): the shipped curated subset, or the official quarterly
file given with ``--ptp-file``. Pairs are checked within a claim, per date of
service. E/M codes that are column 2 to 96372 (modifier indicator 1) are the
modifier family's business (R96372-030: modifier 25 on the E/M).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from edi837.data.loaders import PtpEdit
from edi837.engine import ClaimContext, Hit, rule
from edi837.model import Claim, ServiceLine
from edi837.rules.common import at_code, day
from edi837.tables import Tables
from x12core.findings import Severity

INJECTION = "96372"


def _edit(t: Tables, column1: str, column2: str, when: date | None,
          modifier: int) -> PtpEdit | None:
    for edit in t.ptp_edits(column1, column2):
        if edit.modifier == modifier and edit.active(when):
            return edit
    return None


def _pairs(ctx: ClaimContext) -> Iterator[tuple[date | None, list[ServiceLine],
                                                 list[ServiceLine]]]:
    """(date, injection lines, other lines) for every date with 96372 and something else."""
    t = ctx.tables
    for when, lines in ctx.by_date.items():
        if len(lines) < 2:
            continue
        injections = [ln for ln in lines if ln.code in t.injection]
        if injections:
            others = [ln for ln in lines if ln.code not in t.injection]
            if others:
                yield when, injections, others


@rule("R96372-020", "never-payable-pair", category="bundling", severity=Severity.ERROR,
      catalog=("INJ-022",), needs=("injection", "ptp_modifier0_partners"))
def never_payable_pair(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """96372 billed with a code it is never payable with (NCCI modifier indicator 0), e.g. 99211.

    Why:
    CMS does not pay 99211 with a drug administration: the PTP edit 96372/99211
    has modifier indicator 0, so no modifier (not even 25) bypasses it, and the
    99211 line is denied (CO-97 with M14). Other modifier-0 pairs: 96372 with
    36591/36592/96523, and 96372 as column 2 to subsequent hospital/nursing facility
    care (99231-99233, 99307-99310), moderate sedation and neonatal care codes. The
    finding sits on the column-2 line, the one that is denied.

    Bad:
        SV1*HC:99211*25*UN*1***1~
        SV1*HC:96372*40*UN*1***1~

    Good:
        SV1*HC:96372*40*UN*1***1~
        (no 99211 when the visit was only for the injection)

    References:
    Catalog INJ-022. CMS NCCI PTP practitioner edits eff. 2024-07-01 [S1]; CMS
    transmittal of 2005-10-28 / CR 3631 [S6]; RARC M14.
    """
    hits: list[Hit] = []
    t = ctx.tables
    for when, injections, others in _pairs(ctx):
        for other in others:
            edit = _edit(t, INJECTION, other.code, when, 0)
            if edit is not None:
                extra = " (CMS pays no 99211 with a drug administration)" \
                    if other.code == "99211" else ""
                hits.append(at_code(other, f"{other.code} is not payable with 96372 on {day(when)}"
                              f"{extra}: NCCI pair 96372/{other.code} has modifier indicator "
                              "0, which no modifier bypasses",
                              f"Remove the {other.code} line; a modifier (25, 59 or X) cannot "
                              "make this pair payable."))
                continue
            edit = _edit(t, other.code, INJECTION, when, 0)
            if edit is not None:
                for line in injections:
                    hits.append(at_code(line, f"96372 is not payable with {other.code} on "
                                  f"{day(when)}: "
                                  f"NCCI pair {other.code}/96372 has modifier indicator 0",
                                  "Remove the 96372 line; a modifier cannot make this pair "
                                  "payable."))
    return hits


def _distinct_pairs(ctx: ClaimContext, administration: bool) -> Iterator[Hit]:
    t = ctx.tables
    for when, injections, others in _pairs(ctx):
        bare = [ln for ln in injections if not ln.has_modifier(t.distinct)]
        if not bare:
            continue
        for other in others:
            is_admin = other.code in t.drug_admin_primary or other.code in t.administration
            if is_admin != administration:
                continue
            edit = _edit(t, other.code, INJECTION, when, 1)
            if edit is None:
                continue
            kind = "drug administration" if administration else "procedure"
            for line in bare:
                yield at_code(
                    line, f"96372 is bundled into {kind} {other.code} on {day(when)} (NCCI "
                    f"column 1 {other.code} / column 2 96372, modifier indicator 1) and has no "
                    "59/XE/XS/XP/XU",
                    "If the injection was a distinct service (separate site, separate "
                    "encounter), append XS/XE/XU (or 59) to 96372 and document it; otherwise "
                    "remove the 96372 line.")
            break


@rule("R96372-021", "injection-with-drug-administration", category="bundling",
      severity=Severity.WARNING, catalog=("INJ-020",),
      needs=("injection", "ptp_column1_partners"))
def injection_with_drug_administration(claim: Claim, ctx: ClaimContext) -> Iterator[Hit]:
    """96372 with an initial IV/infusion/push/chemo administration code, without 59/X on 96372.

    Why:
    Only one "initial" drug administration is reported per encounter, and 96372 is
    column 2 (modifier indicator 1) to every initial IV hydration, infusion, push
    and chemotherapy code (96360, 96365, 96369, 96374, 96401, 96402, 96409, 96413
    ...). The injection is paid only when it is truly distinct - e.g. an IM
    ceftriaxone at a separate site during an IV hydration - and then 96372 carries
    59 or, preferably, XE/XS/XP/XU. Without it the 96372 line is denied (CO-97/CO-234).

    Bad:
        SV1*HC:96365*180*UN*1***1~
        SV1*HC:96372*40*UN*1***1~

    Good:
        SV1*HC:96365*180*UN*1***1~
        SV1*HC:96372:XS*40*UN*1***1~

    References:
    Catalog INJ-020. CMS NCCI PTP practitioner edits eff. 2024-07-01 [S1]; CMS
    MLN1783722 (59 and X{EPSU}) [S8]; reference §A.4.
    """
    return _distinct_pairs(ctx, administration=True)


@rule("R96372-022", "injection-with-procedure", category="bundling", severity=Severity.WARNING,
      catalog=("INJ-021",), needs=("injection", "ptp_column1_partners"))
def injection_with_procedure(claim: Claim, ctx: ClaimContext) -> Iterator[Hit]:
    """96372 with a procedure it is bundled into (joint, trigger point, nerve block ...), no 59/X.

    Why:
    NCCI makes 96372 column 2 (modifier indicator 1) to thousands of procedures
    under standards of medical practice: arthrocentesis/joint injections
    20600-20611, tendon/trigger point injections 20550-20553, intralesional
    11900/11901, nerve blocks 64405/64450, ED and hospital E/M 99281-99285 and
    99221-99223, allergen immunotherapy 95115/95117, 90460. The injection is part
    of the procedure unless it was separate (different site or encounter) and 96372
    carries 59/XE/XS/XP/XU.

    Bad:
        SV1*HC:20610*120*UN*1***1~
        SV1*HC:96372*40*UN*1***1~

    Good:
        SV1*HC:20610*120*UN*1***1~
        SV1*HC:96372:XS*40*UN*1***1~

    References:
    Catalog INJ-021. CMS NCCI PTP practitioner edits eff. 2024-07-01 [S1]; CMS
    MLN1783722 [S8].
    """
    return _distinct_pairs(ctx, administration=False)
