"""Duplicates: the same service billed twice for one patient in a run (CARC 18)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from edi837.engine import Hit, PatientContext, rule
from edi837.model import Claim
from edi837.rules.common import rendering_npi
from edi837.run_index import patient_key
from x12core.findings import Severity


@rule("R837-090", "duplicate-line-across-claims", category="duplicate",
      severity=Severity.WARNING, catalog=("INJ-041",), scope="patient")
def duplicate_line_across_claims(claims: Sequence[Claim], ctx: PatientContext
                                 ) -> Iterator[Hit]:
    """The same patient, provider, date, code, modifiers and charge on two claims of a run.

    Why:
    A service line identical to one on another claim of the same batch (or of
    another file scanned in the same run) is what a payer's duplicate edit
    denies: CARC 18 (exact duplicate claim/service), usually after the first
    claim was paid. It happens when a claim is keyed twice, or resubmitted as
    an original (CLM05-3 = 1) instead of a replacement (7) with REF*F8. The
    patient is keyed by payer id + member id + birth date + name, so it is
    found in any subscriber loop or file, and the provider is the rendering NPI
    (2420A, else 2310B, else the billing NPI); the index is bounded (50,000 entries
    in memory, the rest in a temporary SQLite file). A line with 76/77 or a
    different modifier is a different line, and an administration code that
    gives a different drug that day is a different injection. Replacement and
    void claims (frequency 7/8) are not duplicates.

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
    index = ctx.index
    needs_drug = ctx.tables.needs_drug
    seen: dict[int, str] = {}  # within this loop: line key -> first claim id
    for claim in claims:
        if claim.frequency in ("7", "8"):
            continue
        patient = hash(patient_key(claim))
        reported: set[int] = set()
        given: dict[object, tuple[str, ...]] | None = None
        for line in claim.lines:
            sv1, dtp = line.sv1, line.dtp
            if sv1 is None or dtp is None:
                continue
            what: tuple[str, ...] = ()
            if line.code in needs_drug:
                # An injection is the same service only when it gives the same drugs.
                if given is None:
                    given = _substances(claim, ctx)
                what = given.get(line.service_date, ())
            key = hash((patient, rendering_npi(claim, line), sv1[1], sv1[2], sv1[4], dtp[3],
                        what))
            first = seen.get(key)
            if first is None:
                first = index.get(key)
                if first is None:
                    seen[key] = claim.id
                    continue
            if first == claim.id or key in reported:
                continue  # the same claim repeating a line is not a cross-claim duplicate
            reported.add(key)
            yield Hit(sv1, "SV101-2", f"{line.code} on {dtp[3]} for {sv1[2]} is already on "
                      f"claim {first} for the same patient", "Remove the duplicate line or "
                      "claim; to correct the earlier claim, send a replacement (CLM05-3 = 7) "
                      "with REF*F8.", line=line, claim=claim)
    for key, claim_id in seen.items():
        index.put(key, claim_id)


def _substances(claim: Claim, ctx: PatientContext) -> dict[object, tuple[str, ...]]:
    """Drug and vaccine codes per date of service of a claim."""
    t = ctx.tables
    found: dict[object, set[str]] = {}
    for line in claim.lines:
        if t.is_drug(line.code) or line.code in t.vaccines:
            found.setdefault(line.service_date, set()).add(line.code)
    return {k: tuple(sorted(v)) for k, v in found.items()}
