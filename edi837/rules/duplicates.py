"""Duplicates: the same service billed twice for one patient in a run (CARC 18)."""

from __future__ import annotations

from collections.abc import Sequence

from edi837.engine import Hit, PatientContext, rule
from edi837.model import Claim
from edi837.run_index import encounter, line_signature
from x12core.findings import Severity


@rule("R837-090", "duplicate-line-across-claims", category="duplicate",
      severity=Severity.WARNING, catalog=("INJ-041",), scope="patient")
def duplicate_line_across_claims(claims: Sequence[Claim], ctx: PatientContext
                                 ) -> list[Hit]:
    """The same patient, provider, date, code, modifiers and charge on two claims of a run.

    Why:
    A service line identical to one on another claim of the same batch (or of
    another file scanned in the same run) is what a payer's duplicate edit
    denies: CARC 18 (exact duplicate claim/service), usually after the first
    claim was paid. It happens when a claim is keyed twice, or resubmitted as
    an original (CLM05-3 = 1) instead of a replacement (7) with REF*F8. The
    patient is keyed by payer id + member id + birth date + name, so it is
    found in any subscriber loop or file, and the provider is the rendering NPI
    (2420A, else 2310B, else the billing NPI); the index is bounded (20,000 entries
    in memory, the rest in a temporary SQLite file). A line with 76/77 or a
    different modifier is a different line. Administration codes that need a
    drug (96372 ...) are judged through their drug line: a repeated injection
    repeats its drug line (reported here), and a bare second 96372 is
    R96372-042's. Replacement and void claims (frequency 7/8) are not
    duplicates.

    Bad:
        CLM*PCN1*65.01***11:B:1*Y*A*Y*Y~   SV1*HC:96372*40*UN*1***1~  DTP*472*D8*20250115~
        CLM*PCN2*65.01***11:B:1*Y*A*Y*Y~   SV1*HC:96372*40*UN*1***1~  DTP*472*D8*20250115~

    Good:
        CLM*PCN1*65.01***11:B:1*Y*A*Y*Y~   SV1*HC:96372*40*UN*1***1~  DTP*472*D8*20250115~
        CLM*PCN2*65.01***11:B:7*Y*A*Y*Y~   REF*F8*ICN0001~  (a replacement, not a copy)

    References:
    Catalog INJ-041. CARC 18 (exact duplicate) [S4]; X12 RFI 1684/2224
    (replacement with REF*F8) [S26].
    """
    hits: list[Hit] = []
    administration = ctx.tables.needs_drug
    for claim in claims:
        if claim.frequency in ("7", "8"):
            continue
        fallback = claim.rendering_npi or claim.billing_provider.npi
        known: dict[object, object] = {}
        last_when = None
        for line in claim.lines:
            sv1, dtp = line.sv1, line.dtp
            if sv1 is None or dtp is None or line.code in administration:
                continue
            # A short segment reads "" past its last element (as Segment[] does): no crash.
            els = sv1.elements
            n = len(els)
            signature = line_signature(els[1] if n > 1 else "", els[2] if n > 2 else "",
                                       els[4] if n > 4 else "", line.rendering_npi or fallback)
            dates = dtp.elements
            when = dates[3] if len(dates) > 3 else ""
            if when != last_when:  # the run's record of this date (lines share one mostly)
                known = encounter(ctx, claim, when)
                last_when = when
            first = known.get(signature)
            if first is None:
                known[signature] = claim.id
            elif first != claim.id:
                hits.append(Hit(sv1, "SV101-2", f"{line.code} on {when} for {sv1[2]} is "
                                f"already on claim {first} for the same patient",
                                "Remove the duplicate line or claim; to correct the earlier "
                                "claim, send a replacement (CLM05-3 = 7) with REF*F8.",
                                line=line, claim=claim))
    return hits
