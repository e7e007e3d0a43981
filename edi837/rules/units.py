"""Units: medically unlikely edits (MUE) and whole, positive HCPCS units."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from edi837.engine import ClaimContext, Hit, PatientContext, rule
from edi837.model import Claim, ServiceLine
from edi837.rules.common import at_units, day, rendering_npi, units_text
from edi837.run_index import encounter
from x12core.findings import Severity
from x12core.values import ZERO

_MAI_WORDS = {1: "line edit", 2: "date-of-service policy limit, not appealable",
              3: "date-of-service clinical limit, appealable with documentation"}


def _severity(mai: int | None) -> Severity | None:
    return Severity.ERROR if mai == 2 else None


@rule("R96372-040", "injection-units-over-mue", category="units", severity=Severity.WARNING,
      catalog=("INJ-040",), scope="patient", needs="injection")
def injection_units_over_mue(claims: Sequence[Claim], ctx: PatientContext) -> list[Hit]:
    """96372 units for one patient, date and provider add up to more than its MUE (4).

    Why:
    The practitioner MUE for 96372 is 4 per date of service with adjudication
    indicator 3: payers add up every 96372 unit for the patient, date and provider
    across lines and claims and deny the excess (CO-151 with N362). MAI 3 can be
    appealed with documentation (warning); an MAI 2 limit cannot (error). Units are
    counted across every claim of the patient in the run: other subscriber loops
    and other files too (patient = payer + member id + birth date + name, in the
    run's bounded index). A line with a date range counts on its first day.

    Bad:
        SV1*HC:96372*200*UN*5***1~

    Good:
        SV1*HC:96372*160*UN*4***1~

    References:
    Catalog INJ-040. CMS NCCI MUE practitioner table eff. 2024-07-01 (96372 = 4,
    MAI 3; test-fixture value, use --mue-file for the current one) [S2].
    """
    hits: list[Hit] = []
    t = ctx.tables
    injection = t.injection
    track = ctx.index.chunked  # a chunk of a parallel run: also the peak and lowest MUE
    # (date, provider) -> [run entry, units earlier loops billed, total, peak, lowest MUE,
    # flagged]: one list per key, so a line costs one dict probe.
    state: dict[tuple[date | None, str], list] = {}
    for claim in claims:
        for line in claim.lines:
            if line.code not in injection or line.units is None:
                continue
            mue = t.mue_for(line.code, line.service_date)
            if mue is None:
                continue
            key = (line.service_date, rendering_npi(claim, line))
            s = state.get(key)
            if s is None:
                # the run's record of the patient's date, and the units earlier loops billed
                entry = encounter(ctx, claim, line.dtp[3] if line.dtp else "")
                before = entry.get(("mue", key[1]))
                if not isinstance(before, Decimal):
                    before = ZERO
                s = state[key] = [entry, before, before, None, mue.value, False]
            total = s[2] = s[2] + line.units
            if track:
                if s[3] is None or total > s[3]:
                    s[3] = total
                if mue.value < s[4]:
                    s[4] = mue.value
            if total > mue.value and not s[5]:
                s[5] = True
                before = s[1]
                if before > mue.value:
                    continue  # reported on the earlier claim already
                where = "on this line" if total == line.units else "across the patient's lines"
                if before:
                    where = "across the patient's claims in this run"
                hits.append(at_units(
                    line, f"{total} units of {line.code} on {day(line.service_date)} {where} "
                    f"exceed its MUE of {mue.value} ({_MAI_WORDS.get(mue.mai or 0, 'MUE')})",
                    f"Bill at most {mue.value} units per date of service; keep documentation "
                    "for an appeal if more injections were medically necessary.",
                    severity=_severity(mue.mai), claim=claim))
    for (_, provider), (entry, _, total, peak, limit, _) in state.items():
        entry[("mue", provider)] = total
        if not track:
            continue
        # For a parallel run (edi837.scan_parallel): the highest running total and the
        # lowest MUE met, so units an earlier chunk billed can be judged without rescanning.
        old = entry.get(("mue-peak", provider))
        entry[("mue-peak", provider)] = peak if not isinstance(old, Decimal) else max(old, peak)
        old = entry.get(("mue-limit", provider))
        entry[("mue-limit", provider)] = limit if not isinstance(old, int) else min(old, limit)
    return hits




def _drug_limit(ctx: ClaimContext, code: str,
                when: date | None) -> tuple[Decimal, int | None] | None:
    """The drug's unit limit for the claim's profile on ``when``: its own, else the MUE
    in force on that date (drugs only)."""
    profile = ctx.profile
    own = profile.drug_unit_limits.get(code)
    if own is not None:
        return own, None
    t = ctx.tables
    if not profile.use_mue_for_drug_units or not t.is_drug(code):
        return None
    key = ("drug-mue", code, when)  # a batch repeats its codes and dates
    found = t.memo.get(key, _MISSING)
    if found is _MISSING:
        mue = t.mue_for(code, when)
        found = (Decimal(mue.value), mue.mai) if mue is not None else None
        if len(t.memo) < _MEMO_LIMIT:
            t.memo[key] = found
    return found  # type: ignore[return-value]


_MISSING = object()
_MEMO_LIMIT = 200_000


@rule("R96372-041", "drug-units-over-limit", category="units", severity=Severity.WARNING,
      catalog=("INJ-042",))
def drug_units_over_limit(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """Drug HCPCS units on a date exceed the drug's limit (profile limit, else its MUE).

    Why:
    SV104 on a drug line is in HCPCS billing units (J1885 per 15 mg, J0696 per
    250 mg), not milligrams or NDC units; a dose keyed in milligrams is the usual
    cause of units far over the drug's MUE. Limits come from the profile's
    ``[drug_unit_limits]`` and otherwise from the MUE table (test-fixture values
    from the 2024-07-01 file; ``--mue-file`` for current ones). Units of the same
    drug on the same date are added up within the claim; a line with a date range
    (DTP*472*RD8) is judged per day, against the limit times the days of the range.

    Bad:
        SV1*HC:J1885*25.01*UN*30***1~   (30 mg keyed as 30 units of 15 mg)

    Good:
        SV1*HC:J1885*25.01*UN*2***1~

    References:
    Catalog INJ-042. CMS NCCI MUE practitioner table eff. 2024-07-01 [S2]; CMS
    HCPCS billing units [S3]; reference §A.8/§A.10.
    """
    hits: list[Hit] = []
    t = ctx.tables
    totals: dict[tuple[str, date | None, date | None], Decimal] = {}
    for line in claim.lines:
        code = line.code
        if line.units is None:
            continue
        entry = _drug_limit(ctx, code, line.service_date)
        if entry is None:
            continue
        limit, mai = entry
        end = line.service_date_end
        days = 1 if end is None or end == line.service_date else span_days(line)
        if days > 1:
            limit = limit * days  # a DTP*472 RD8 range: the limit holds per day
        key = (code, line.service_date, line.service_date_end if days > 1 else None)
        before = totals.get(key, ZERO)  # (a shared zero: no Decimal built per line)
        total = totals[key] = before + line.units
        if total > limit >= before:
            billing = t.billing_unit(code, line.service_date)
            unit = f" (one unit = {billing})" if billing else ""
            when = (f"{day(line.service_date)} to {day(line.service_date_end)} ({days} days, "
                    f"{limit / days} per day)" if days > 1 else day(line.service_date))
            hits.append(at_units(line, f"{total} units of {code}{unit} on {when} "
                           f"exceed its limit of {limit}",
                           "Convert the dose to HCPCS billing units (dose / unit size, rounded "
                           "up); bill more only with documentation.", severity=_severity(mai)))
    return hits


def span_days(line: ServiceLine) -> int:
    """Days a line covers: 1, or the length of its DTP*472 RD8 range (inclusive)."""
    start, end = line.service_date, line.service_date_end
    if start is None or end is None or end <= start:
        return 1
    return (end - start).days + 1


@rule("R96372-042", "duplicate-injection-line", category="duplicate", severity=Severity.WARNING,
      catalog=("INJ-041",), scope="patient", needs="injection")
def duplicate_injection_line(claims: Sequence[Claim], ctx: PatientContext) -> list[Hit]:
    """A second 96372 line for the same patient, date and provider with no repeat modifier.

    Why:
    Two injections on one date are billed either as one 96372 line with 2 units or
    as separate lines marked 76/59/XS (per payer). A second bare 96372 line with no
    second drug to explain it looks like a duplicate submission and is denied
    (OA-18/CO-18). Checked across the claims of one patient loop.

    Bad:
        SV1*HC:J1885*25.01*UN*2***1~
        SV1*HC:96372*40*UN*1***1~
        SV1*HC:96372*40*UN*1***1~

    Good:
        SV1*HC:J1885*25.01*UN*2***1~
        SV1*HC:96372*40*UN*1***1~

    References:
    Catalog INJ-041. CARC 18 [S4]; Cahaba (76 or anatomic modifiers for repeat
    injections) [S22].
    """
    hits: list[Hit] = []
    t = ctx.tables
    injection = t.injection
    if not _two_or_more(claims, injection):
        return hits
    groups: dict[tuple[date | None, str], list[tuple[Claim, ServiceLine]]] = {}
    drugs: dict[tuple[date | None, str], set[str]] = {}
    for claim in claims:
        for line in claim.lines:
            key = (line.service_date, rendering_npi(claim, line))
            if line.code in t.injection:
                groups.setdefault(key, []).append((claim, line))
            elif t.is_injectable_drug(line.code) or line.code in t.vaccines:
                drugs.setdefault(key, set()).add(line.code)
    for key, entries in groups.items():
        if len(entries) < 2 or len(drugs.get(key, ())) >= len(entries):
            continue
        for claim, line in entries[1:]:
            if not line.has_modifier(t.repeat_modifiers):
                hits.append(Hit(line.sv1 or line.lx, "SV101-2",
                          f"second 96372 line on {day(key[0])} for the same patient and "
                          "provider, with no 76/59/X modifier and no second drug",
                          "Bill repeat injections as units on one 96372 line (or mark the "
                          "extra line 76/XS per payer); remove it if it is a duplicate.",
                          line=line, claim=claim))
    return hits


def _two_or_more(claims: Sequence[Claim], codes: frozenset[str]) -> bool:
    """Do the claims hold two lines or more with one of ``codes``? Stops at the second
    (most patient loops hold one 96372 line: then this is the whole rule)."""
    seen = False
    for claim in claims:
        for line in claim.lines:
            if line.code in codes:
                if seen:
                    return True
                seen = True
    return False


@rule("R837-031", "units-not-whole", category="units", severity=Severity.ERROR,
      catalog=("INJ-043",))
def units_not_whole(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """SV104 units missing, zero or negative (error), or fractional (warning).

    Why:
    Service units are whole HCPCS billing units: a dose below one unit is billed as
    1 unit, and fractional units are rejected by most payers. Zero or missing units
    cannot be priced. (NDC quantities in CTP04 may be decimal; this checks SV104.)

    Bad:
        SV1*HC:J1885*25.01*UN*0***1~
        SV1*HC:96372*40*UN*1.5***1~

    Good:
        SV1*HC:J1885*25.01*UN*1***1~
        SV1*HC:96372*40*UN*1***1~

    References:
    Catalog INJ-043. 005010X222A1 SV104; reference §A.8.
    """
    hits: list[Hit] = []
    for line in claim.lines:
        sv1 = line.sv1
        if sv1 is not None and len(sv1.elements) > 4:
            raw = sv1.elements[4]
            if raw.isdigit() and raw.strip("0"):
                continue  # whole and positive: the common case, without Decimal arithmetic
        units = line.units
        if units is None or units <= 0:
            hits.append(at_units(line, f"{line.code} has {units_text(line)} units", "Bill at "
                           "least 1 "
                           "unit; a dose smaller than one billing unit is billed as 1."))
        elif units != units.to_integral_value():
            hits.append(at_units(line, f"{line.code} has fractional units ({units_text(line)})",
                           "Round the dose up to whole HCPCS billing units.",
                           severity=Severity.WARNING))
    return hits
