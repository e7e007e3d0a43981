"""The patient: birth date, age and sex against the codes billed (DMG02/DMG03)."""

from __future__ import annotations

from datetime import date

from edi837.builders import parse_date
from edi837.edit_tables import diagnosis_sex, sex_prefixes, sex_procedures
from edi837.engine import ClaimContext, Hit, rule
from edi837.model import Claim
from edi837.rules.common import at_code, day
from x12core.findings import Severity

_SEX_WORD = {"F": "female", "M": "male"}
_SEX_TABLES: list = []  # [prefix set, procedure -> sex], filled on first use
_DX_SEX: dict[str, str] = {}  # diagnosis -> the sex it is for ("" any): a batch repeats them


def _sex_tables() -> list:
    _SEX_TABLES[:] = [sex_prefixes(), sex_procedures()]
    return _SEX_TABLES
PEDIATRIC_MAX_AGE = 18  # 90460/90461: "through 18 years of age"


def age_on(born: date, when: date) -> int:
    return when.year - born.year - ((when.month, when.day) < (born.month, born.day))


@rule("R837-070", "birth-date-after-service", category="missing-information",
      severity=Severity.ERROR, catalog=("INJ-075",))
def birth_date_after_service(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """The patient's birth date (DMG02) is after a date of service.

    Why:
    A service cannot be given before the patient was born. A birth date after
    the date of service is a registration error (often the year, or the
    subscriber's and patient's birth dates swapped) and the payer rejects the
    claim or denies it for patient age (CO-6 / CO-16 with MA39).

    Bad:
        DMG*D8*20260101*F~
        DTP*472*D8*20250115~

    Good:
        DMG*D8*19800101*F~
        DTP*472*D8*20250115~

    References:
    Catalog INJ-075. 005010X222A1 2010BA/2010CA DMG02 [S25]; CARC 6 [S4].
    """
    out: list[Hit] = []
    patient = claim.patient
    first_day = ctx.first_day
    if first_day is None:
        return out
    born = parse_date(patient.birth_date)  # cached: a batch repeats its birth dates
    if born is None or born <= first_day or patient.dmg is None:
        return out
    first = None
    for ln in claim.lines:
        when = ln.service_date
        if when is not None and when < born and (first is None or when < first):
            first = when
    if first is not None:
        out.append(Hit(patient.dmg, "DMG02", f"birth date {born.isoformat()} is after the date of "
                  f"service {first.isoformat()}", "Correct the patient's birth date (DMG02) "
                  "from registration; check that the subscriber's and patient's were not "
                  "swapped.", value=patient.birth_date))
    return out


@rule("R837-071", "pediatric-code-on-adult", category="coding", severity=Severity.ERROR,
      catalog=("INJ-075",), needs="pediatric_administration")
def pediatric_code_on_adult(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """Immunization administration with counseling (90460/90461) for a patient 19 or older.

    Why:
    90460/90461 are defined for patients through 18 years of age (with
    physician counseling of the patient or family). For an adult the vaccine
    administration is 90471/90472 (or G0008-G0010 for Medicare), and 90460 on
    an adult is denied for patient age (CO-6).

    Bad:
        DMG*D8*19700101*M~
        SV1*HC:90460*25*UN*1***1~

    Good:
        DMG*D8*19700101*M~
        SV1*HC:90471*25*UN*1***1~

    References:
    Catalog INJ-075. CPT immunization administration (90460/90461 through age
    18; codes only) ◐; AAP Red Book App. II [S23]; CARC 6 [S4].
    """
    hits: list[Hit] = []
    born = parse_date(claim.patient.birth_date)
    if born is None:
        return hits
    pediatric = ctx.tables.sets["pediatric_administration"]
    for line in claim.lines:
        when = line.service_date
        if line.code in pediatric and when is not None and born <= when:
            age = age_on(born, when)
            if age > PEDIATRIC_MAX_AGE:
                hits.append(at_code(line, f"{line.code} on {day(when)} is for patients through 18; "
                              f"this patient is {age}",
                              "Use 90471 (+90472 per additional vaccine) for patients 19 and "
                              "older (G0008-G0010 for Medicare preventive vaccines)."))
    return hits


@rule("R837-072", "sex-conflict", category="coding", severity=Severity.WARNING,
      catalog=("INJ-075",))
def sex_conflict(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """A diagnosis or procedure for one sex on a patient of the other (DMG03).

    Why:
    Pregnancy (O00-O9A, Z33-Z3A), female genital (C51-C58, N70-N98) and male
    genital (C60-C63, N40-N53) diagnoses, and procedures such as G0101/Q0091
    (female) or G0102/G0103 (male), fit one sex only. A conflict with the
    patient's sex in DMG03 is denied (CO-7 / CO-10) until the sex or the code is
    corrected. The lists are prefixes modeled on the CMS Medicare Code Editor
    (edi837/data/sex_edits.csv); DMG03 U (unknown) is never judged. A warning:
    the MCE's own lists are longer and some payers accept gender-identity
    exceptions (condition code 45).

    Bad:
        DMG*D8*19700101*M~
        HI*ABK:O360930~

    Good:
        DMG*D8*19900101*F~
        HI*ABK:O360930~

    References:
    Catalog INJ-075. CMS Medicare Code Editor sex edits (model) ◐; ICD-10-CM
    chapters 14/15; CARC 7 and 10 [S4].
    """
    out: list[Hit] = []
    sex = claim.patient.sex
    if sex not in _SEX_WORD:
        return out
    prefixes, procedures = _SEX_TABLES or _sex_tables()
    known = _DX_SEX
    for dx in claim.diagnoses:
        code = dx.code
        other = known.get(code)
        if other is None:
            other = diagnosis_sex(code) if code[:3] in prefixes or code[:1] in prefixes \
                else ""
            if len(known) < 50_000:
                known[code] = other
        if other and other != sex:
            out.append(Hit(dx.segment, dx.element, f"diagnosis {dx.code} is for {_SEX_WORD[other]} "
                      f"patients; DMG03 says {_SEX_WORD[sex]}", "Correct the patient's sex "
                      "(DMG03) or the diagnosis code.", value=dx.code))
    if procedures.keys().isdisjoint(ctx.codes):
        return out
    for line in claim.lines:
        other = procedures.get(line.code)
        if other and other != sex:
            out.append(at_code(line, f"{line.code} is for {_SEX_WORD[other]} patients; DMG03 says "
                          f"{_SEX_WORD[sex]}", "Correct the patient's sex (DMG03) or the "
                          "procedure code."))
    return out
