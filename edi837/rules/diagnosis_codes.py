"""Diagnosis codes: ICD-10-CM shape (no decimal point) and validity on the date of service."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from edi837.engine import ClaimContext, Hit, rule
from edi837.icd10 import choose, shape_problem
from edi837.model import Claim
from x12core.findings import Severity

ICD10_QUALIFIERS = frozenset({"ABK", "ABF"})  # HI01-1: principal / other ICD-10-CM diagnosis
# Shape verdicts repeat across a batch: one per distinct code (bounded).
_SHAPES: dict[str, str] = {}


def _shape(code: str) -> str:
    found = _SHAPES.get(code)
    if found is None:
        found = shape_problem(code)
        if len(_SHAPES) < 50_000:
            _SHAPES[code] = found
    return found


def first_service_date(claim: Claim) -> date | None:
    """The claim's earliest DTP*472 date: the day its diagnoses must be valid on."""
    dates = [line.service_date for line in claim.lines if line.service_date is not None]
    return min(dates) if dates else None


@rule("R837-023", "diagnosis-code-format", category="diagnosis", severity=Severity.ERROR,
      catalog=("INJ-074",))
def diagnosis_code_format(claim: Claim, ctx: ClaimContext) -> Iterable[Hit]:
    """An ICD-10-CM code written with a decimal point, in lower case, or not shaped like one.

    Why:
    The 837P carries ICD-10-CM codes in 2300 HI without the decimal point: a letter,
    a digit, a digit or letter, then up to four letters or digits (3-7 characters,
    upper case). A dotted code (M54.50) is rejected at the front end or the lines
    that point at it deny as an invalid diagnosis (CO-146 + M76).

    Bad:
        HI*ABK:M54.50~

    Good:
        HI*ABK:M5450~

    References:
    Catalog INJ-074. 005010X222A1 loop 2300 HI [S25]; reference §A.9 and §A.11
    (ICD-10-CM codes go without the decimal); RARC M76, CARC 146.
    """
    shapes = _SHAPES
    for dx in claim.diagnoses:
        if shapes.get(dx.code) != "":
            return _malformed(claim)
    return ()


def _malformed(claim: Claim) -> Iterator[Hit]:
    for dx in claim.diagnoses:
        if dx.qualifier not in ICD10_QUALIFIERS:
            continue
        problem = _shape(dx.code)
        if problem:
            fix = (f"Send {dx.code.replace('.', '').upper()} (no dot, upper case)."
                   if "." in dx.code or dx.code != dx.code.upper() else
                   "Send the ICD-10-CM code as written in the code set, without the dot.")
            yield Hit(dx.segment, dx.element, f"diagnosis {dx.code!r} {problem}", fix,
                      value=dx.code)


@rule("R837-024", "diagnosis-code-not-valid", category="diagnosis", severity=Severity.ERROR,
      catalog=("INJ-074",))
def diagnosis_code_not_valid(claim: Claim, ctx: ClaimContext) -> Iterable[Hit]:
    """An ICD-10-CM code that is not billable on the date of service (unknown or a header).

    Why:
    Payers accept only billable ICD-10-CM codes valid on the date of service: the
    code set changes every October 1 (and some Aprils), codes are added, deleted
    and expanded, and a category header that has subcodes (M5450 since 2021-10-01:
    use M5450, M5451 or M5459) is not billable. Such a diagnosis denies the lines
    that point at it (CO-146, CO-16 + M76). The check uses the code set whose
    fiscal year holds the claim's first date of service (``--icd10-file`` adds the
    CMS icd10cm_codes_YYYY.txt of other years); when no set covers that date, the
    nearest set is used and the finding is a warning that names it.

    Bad:
        HI*ABK:M5450~
        DTP*472*D8*20251015~

    Good:
        HI*ABK:M5450~
        DTP*472*D8*20251015~

    References:
    Catalog INJ-074. CDC/NCHS ICD-10-CM (public domain; the simple-icd-10-cm
    package ships the release; reference §D.1, §D.2); 005010X222A1 2300 HI [S25];
    CARC 146, RARC M76.
    """
    tables = ctx.tables
    everywhere = tables.memo.get("icd10-everywhere")
    if everywhere is None:
        sets = tables.icd10
        everywhere = tables.memo["icd10-everywhere"] = (
            None if not sets else sets[0].billable if len(sets) == 1
            else frozenset.intersection(*(s.billable for s in sets)))
    if everywhere is None:
        return ()
    for dx in claim.diagnoses:  # fast path: codes billable in every known release
        if dx.code not in everywhere:
            return _not_billable(claim, ctx)
    return ()


def _not_billable(claim: Claim, ctx: ClaimContext) -> Iterator[Hit]:
    day = first_service_date(claim) or claim.batch_day
    if day is None:
        return
    code_set, covered = choose(ctx.tables.icd10, day)
    if code_set is None:
        return
    billable = code_set.billable
    for dx in claim.diagnoses:
        code = dx.code
        if dx.qualifier not in ICD10_QUALIFIERS or code in billable or _shape(code):
            continue
        longer = code_set.more_specific(code)
        what = (f"is a category header, not billable (e.g. {longer})" if longer else
                "is not a billable ICD-10-CM code")
        if covered:
            message = f"diagnosis {code} {what} on {day.isoformat()} ({code_set.label})"
            severity = None
        else:
            message = (f"diagnosis {code} {what} in the {code_set.label}, valid "
                       f"{code_set.period}; the date of service {day.isoformat()} is outside "
                       "it")
            severity = Severity.WARNING
        fix = (f"Code to the highest specificity ({longer}...)." if longer else
               "Use a billable code valid on the date of service; for other years pass "
               "that year's CMS icd10cm_codes file with --icd10-file.")
        yield Hit(dx.segment, dx.element, message, fix, value=code, severity=severity)
