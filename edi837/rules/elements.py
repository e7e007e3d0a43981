"""Element types: numbers and dates that are not of their X12 type."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from edi837.builders import parse_date
from edi837.engine import ClaimContext, Hit, rule
from edi837.model import Claim
from x12core.findings import Severity
from x12core.segment import Segment
from x12core.values import is_digits, parse_dt, parse_r


def _bad_number(seg: Segment | None, position: int, designator: str) -> Iterator[Hit]:
    if seg is None:
        return
    text = seg[position]
    if text and parse_r(text) is None:
        yield Hit(seg, designator, f"{designator} {text[:20]!r} is not an X12 number (digits, "
                  "one decimal point, an optional leading minus; no exponent)",
                  f"Send {designator} as a plain decimal, e.g. 25.01.")


def _bad_date(seg: Segment | None, position: int, designator: str) -> Iterator[Hit]:
    if seg is None:
        return
    text = seg[position]
    if not text:
        return
    days = text.split("-") if "-" in text else [text]
    if any(parse_dt(day) is None for day in days):
        yield Hit(seg, designator, f"{designator} {text[:20]!r} is not a CCYYMMDD date "
                  "(eight digits naming a real day)",
                  f"Send {designator} as CCYYMMDD (a range as CCYYMMDD-CCYYMMDD).")


@rule("R837-008", "element-not-of-its-type", category="structure", severity=Severity.ERROR,
      catalog=("INJ-090", "INJ-094"))
def element_not_of_its_type(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """A number or date element that is not of its X12 data element type.

    Why:
    X12.6 defines R (decimal) as digits with an optional leading minus and one
    decimal point, N0 as digits, and DT as CCYYMMDD. An exponent (``1E+5``),
    ``NaN``, superscript digits or an impossible date make the claim unreadable to
    the payer: it is rejected at the front door (999 IK4 code 6 "invalid character"
    or 8 "invalid date"), and the amounts cannot be checked by any other rule.

    Bad:
        CLM*PCN1*4E+1***11:B:1*Y*A*Y*Y~
        LX*²~
        DTP*472*D8*20251345~

    Good:
        CLM*PCN1*40***11:B:1*Y*A*Y*Y~
        LX*1~
        DTP*472*D8*20250115~

    References:
    ASC X12 005010X222A1 appendix A.1.3.1.2 data element types (R, N0, DT);
    loop 2300 CLM02, loop 2400 LX01, SV102, SV104, DTP03, loop 2410 CTP04, loops
    2010BA/2010CA DMG02.
    """
    # The builders already parsed every value with x12core.values: a non-blank element
    # that came out as None is the only case to look at again (the fast path is a few
    # attribute reads per line, no parsing).
    hits: list[Hit] = []
    if claim.charge is None:
        hits.extend(_bad_number(claim.clm, 2, "CLM02"))
    patient, subscriber = claim.patient, claim.subscriber.person
    # One check per DMG segment (the subscriber's when both share it, or both have none).
    for person in (subscriber,) if patient.dmg is subscriber.dmg else (patient, subscriber):
        if person.birth_date and parse_date(person.birth_date) is None:
            hits.extend(_bad_date(person.dmg, 2, "DMG02"))
    for line in claim.lines:
        if line.number is not None and line.charge is not None and line.units is not None \
                and line.service_date_end is not None and line.service_date is not None:
            drug = line.drug
            if drug is None or drug.quantity is not None:
                continue  # every value parsed: the common case
        lx = line.lx
        if line.number is None and lx[1] and not is_digits(lx[1]):
            hits.append(Hit(lx, "LX01", f"LX01 {lx[1][:20]!r} is not a line number (digits only)",
                      "Number the service lines 1, 2, 3 ... in LX01.", line=line))
        drug = line.drug
        suspects = []
        if line.charge is None:
            suspects += _bad_number(line.sv1, 2, "SV102")
        if line.units is None:
            suspects += _bad_number(line.sv1, 4, "SV104")
        if line.service_date is None or (line.dtp is not None and "-" in line.dtp[3]
                                         and line.service_date_end is None):
            suspects += _bad_date(line.dtp, 3, "DTP03")
        if drug is not None and drug.quantity is None:
            suspects += _bad_number(drug.ctp, 4, "CTP04")
        for hit in suspects:
            hits.append(replace(hit, line=line))
    return hits
