"""Claim integrity: balancing, identifiers the 835 echoes back, replacement references."""

from __future__ import annotations

from edi837.engine import ClaimContext, Hit, rule
from edi837.model import Claim
from x12core.findings import Severity
from x12core.values import ZERO

CLAIM_ID_MAX = 20  # CLM01: receivers must support 20 characters (X12 RFI 525/535)
CLAIM_ID_SAFE = 17  # some payers truncate beyond 17, which breaks 835 matching
LINE_CONTROL_MAX = 30  # REF*6R (2400 REF02)
REPLACEMENT_CODES = frozenset({"7", "8"})  # CLM05-3: 7 replacement, 8 void


@rule("R837-001", "charge-mismatch", category="balancing", severity=Severity.ERROR,
      catalog=("INJ-090",))
def charge_mismatch(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """CLM02 total claim charge differs from the sum of the SV102 line charges.

    Why:
    The 837P guide requires CLM02 to equal the sum of the service line charges.
    Clearinghouses and payers reject an unbalanced claim at the front door (999/277CA),
    so it never reaches adjudication.

    Bad:
        CLM*PCN0001*70***11:B:1*Y*A*Y*Y~
        SV1*HC:J1885*25.01*UN*2***1~
        SV1*HC:96372*40*UN*1***1~

    Good:
        CLM*PCN0001*65.01***11:B:1*Y*A*Y*Y~

    References:
    Catalog INJ-090. 005010X222A1 loop 2300 CLM02 situational rule [S25].
    """
    hits: list[Hit] = []
    total = ZERO
    for line in claim.lines:
        charge = line.charge
        if charge is not None:
            total += charge
    if claim.charge is None:
        hits.append(Hit(claim.clm, "CLM02", "CLM02 total charge is missing or not a number",
                  f"Set CLM02 to the sum of the line charges ({total:.2f})."))
    elif claim.charge != total:
        hits.append(Hit(claim.clm, "CLM02", f"CLM02 {claim.charge} does not equal the sum of the "
                  f"line charges {total:.2f}", f"Set CLM02 to {total:.2f}, or correct the "
                  "line charge that is wrong."))
    return hits


@rule("R837-002", "claim-id-too-long", category="missing-information", severity=Severity.ERROR,
      catalog=("INJ-091",))
def claim_id_too_long(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """CLM01 longer than 20 characters (error) or 18-20 characters (warning).

    Why:
    The patient control number comes back on the 835 as CLP01 and is how the
    payment is matched to the claim. Receivers must support 20 characters; longer
    ones are rejected, and some payers truncate beyond 17, which silently breaks
    835 matching.

    Bad:
        CLM*PCN2025011500000012345*65.01***11:B:1*Y*A*Y*Y~

    Good:
        CLM*PCN0001*65.01***11:B:1*Y*A*Y*Y~

    References:
    Catalog INJ-091. X12 RFI 525/535 [S26]; Stedi claim edit (PCN > 20 rejected, 17
    recommended) [S28].
    """
    hits: list[Hit] = []
    n = len(claim.id)
    if n > CLAIM_ID_MAX:
        hits.append(Hit(claim.clm, "CLM01", f"CLM01 is {n} characters; the limit is {CLAIM_ID_MAX}",
                  f"Shorten the patient control number to {CLAIM_ID_SAFE} characters or fewer."))
    elif n > CLAIM_ID_SAFE:
        hits.append(Hit(claim.clm, "CLM01", f"CLM01 is {n} characters; some payers truncate beyond "
                  f"{CLAIM_ID_SAFE}, which breaks 835 matching",
                  f"Keep the patient control number to {CLAIM_ID_SAFE} characters or fewer.",
                  severity=Severity.WARNING))
    return hits


@rule("R837-003", "line-control-missing", category="missing-information",
      severity=Severity.INFO, catalog=("INJ-092",))
def line_control_missing(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """A service line without REF*6R (line item control number); info unless a profile raises it.

    Why:
    The payer returns REF*6R on the 835 service line; it is the only reliable key
    to match a paid or denied line back to the submitted one when codes or units
    were changed in adjudication. The guide makes REF*6R situational and most
    real files leave it out, so this is ``info`` by default: without it,
    ``claimkit reconcile`` matches 835 lines by procedure code and date, which
    fails when the payer recodes a line or two lines share code and date. A
    profile that wants it raises the severity (``[severity]``
    ``"line-control-missing" = "warning"``).

    Bad:
        LX*1~
        SV1*HC:96372*40*UN*1***1~
        DTP*472*D8*20250115~

    Good:
        LX*1~
        SV1*HC:96372*40*UN*1***1~
        DTP*472*D8*20250115~
        REF*6R*PCN0001-1~

    References:
    Catalog INJ-092. 005010X222A1 loop 2400 REF*6R; X12 RFI 1684/2224 [S26].
    """
    hits: list[Hit] = []
    for line in claim.lines:
        if not line.control_refs:
            hits.append(Hit(line.lx, "LX01", f"line {line.lx[1]} ({line.code}) has no REF*6R line "
                      "item control number", "Add REF*6R*<unique id> to the line so the 835 "
                      "can be matched to it.", line=line))
    return hits


@rule("R837-004", "line-control-duplicate", category="missing-information",
      severity=Severity.WARNING, catalog=("INJ-092",))
def line_control_duplicate(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """REF*6R repeated on a line, or the same line item control number on two lines.

    Why:
    The line item control number must identify one line of the claim; when two
    lines share it, the 835 line cannot be matched to the right one.

    Bad:
        REF*6R*PCN0001-1~   (on line 1)
        REF*6R*PCN0001-1~   (on line 2)

    Good:
        REF*6R*PCN0001-1~
        REF*6R*PCN0001-2~

    References:
    Catalog INJ-092. 005010X222A1 loop 2400 REF*6R (one per line) [S25][S26].
    """
    hits: list[Hit] = []
    seen: dict[str, int | None] = {}
    for line in claim.lines:
        refs = line.control_refs
        for extra in refs[1:]:
            hits.append(Hit(extra, "REF02", f"line {line.lx[1]} has more than one REF*6R",
                      "Keep one REF*6R per service line.", line=line))
        if refs:
            value = line.control_number
            if value and value in seen:
                hits.append(Hit(refs[0], "REF02", f"line item control number {value} is also on "
                          f"line {seen[value]}", "Give every service line its own REF*6R "
                          "value (e.g. claim id + line number).", line=line))
            else:
                seen[value] = line.number
    return hits


@rule("R837-005", "line-control-too-long", category="missing-information",
      severity=Severity.WARNING, catalog=("INJ-092",))
def line_control_too_long(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """REF*6R line item control number longer than 30 characters.

    Why:
    Receivers keep 30 characters of the line item control number; longer values
    are rejected or truncated and then do not match on the 835.

    Bad:
        REF*6R*PCN0001-LINE-0001-2025-01-15-INJECTION~

    Good:
        REF*6R*PCN0001-1~

    References:
    Catalog INJ-092. Stedi line item control number edit (30 characters) [S28].
    """
    hits: list[Hit] = []
    for line in claim.lines:
        if len(line.control_number) > LINE_CONTROL_MAX:
            ref = line.control_refs[0]
            hits.append(Hit(ref, "REF02", f"REF*6R is {len(ref[2])} characters; the limit is "
                      f"{LINE_CONTROL_MAX}", f"Shorten the line item control number to "
                      f"{LINE_CONTROL_MAX} characters or fewer.", line=line))
    return hits


@rule("R837-006", "replacement-without-payer-claim-number", category="missing-information",
      severity=Severity.ERROR, catalog=("INJ-093",))
def replacement_without_reference(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """A replacement (CLM05-3 = 7) or void (8) claim without REF*F8.

    Why:
    A replacement or void names the claim it replaces by the payer's claim control
    number (CLP07 from the 835), sent in 2300 REF*F8. Without it the payer cannot
    find the original and rejects the claim, or processes it as a new one (a
    duplicate).

    Bad:
        CLM*PCN0001*65.01***11:B:7*Y*A*Y*Y~

    Good:
        CLM*PCN0001*65.01***11:B:7*Y*A*Y*Y~
        REF*F8*ICN20250115000123~

    References:
    Catalog INJ-093. 005010X222A1 loop 2300 REF*F8; X12 RFI 1684/2224 [S26].
    """
    hits: list[Hit] = []
    if claim.frequency in REPLACEMENT_CODES and not claim.payer_claim_number:
        kind = "replacement" if claim.frequency == "7" else "void"
        hits.append(Hit(claim.clm, "CLM05-3", f"{kind} claim (frequency {claim.frequency}) has no "
                  "REF*F8 payer claim control number", "Add REF*F8 with the payer's claim "
                  "number (CLP07 of the 835) for the claim being replaced or voided."))
    return hits


@rule("R837-007", "service-date-missing", category="missing-information",
      severity=Severity.ERROR, catalog=("INJ-094",))
def service_date_missing(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """A service line without a valid DTP*472 date of service.

    Why:
    The 837P carries the date of service on each line (2400 DTP*472); without it
    the line cannot be priced, and date-based rules (drug pairing, MUE, code
    validity, JZ) cannot run.

    Bad:
        LX*1~
        SV1*HC:96372*40*UN*1***1~

    Good:
        LX*1~
        SV1*HC:96372*40*UN*1***1~
        DTP*472*D8*20250115~

    References:
    Catalog INJ-094. 005010X222A1 loop 2400 DTP*472 [S25].
    """
    hits: list[Hit] = []
    for line in claim.lines:
        if line.dtp is None:
            hits.append(Hit(line.lx, "LX01", f"line {line.lx[1]} ({line.code}) has no DTP*472 date "
                      "of service", "Add DTP*472*D8*CCYYMMDD after the SV1 segment.", line=line))
        elif line.service_date is None:
            hits.append(Hit(line.dtp, "DTP03", f"DTP*472 date {line.dtp[3]!r} is not a valid "
                      "CCYYMMDD date", "Send the date of service as CCYYMMDD (RD8: "
                      "CCYYMMDD-CCYYMMDD).", line=line))
    return hits
