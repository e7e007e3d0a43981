"""Build one claim (2100 loop with its 2110 loops) from its segments.

The 2100 loop starts at CLP; CAS, NM1, MIA/MOA, DTM, REF, AMT and QTY before the
first SVC belong to the claim, and each SVC starts a 2110 loop whose DTM, CAS, REF,
AMT and LQ follow it (005010X221A1; reference §B.4-§B.5). Unknown segments are
skipped. Amounts become ``Decimal``; an element that is not a number is read as 0
and reported as a ``structure`` finding, never guessed at.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from remit835.model import (
    ZERO,
    Adjustment,
    Claim,
    Party,
    PaymentHeader,
    ServiceLine,
    new_adjustment,
    new_claim,
    new_party,
    new_service_line,
)
from x12core.findings import Finding, Location, Severity
from x12core.segment import Segment
from x12core.values import parse_r

RULE = "R835-PARSE"
# Segments that end a 2100 loop: the next claim, the next LX group, the provider summary,
# or the PLB after the last claim (005010X221A1).
CLAIM_END = frozenset({"CLP", "LX", "TS3", "TS2", "PLB"})
GROUP_CODES = frozenset({"CO", "PR", "OA", "PI"})
# CAS: six reason/amount/quantity triples per segment: (reason index, amount designator).
_CAS_TRIPLES = tuple((k, f"CAS{k + 1:02d}") for k in (2, 5, 8, 11, 14, 17))
_OTHER_NAMES = frozenset({"82", "TT", "PR", "GB"})
# Amount texts repeat a lot (fee schedules, zero); a small bounded cache skips Decimal().
_AMOUNTS: dict[str, Decimal] = {"": ZERO}
_AMOUNTS_MAX = 16_384


class Problems:
    """Collects structure findings with the context of the transaction being read."""

    def __init__(self, where: dict[str, str]) -> None:
        self.where = where
        self.findings: list[Finding] = []

    def add(self, seg: Segment | None, element: str, message: str, fix: str,
            severity: Severity = Severity.ERROR, claim_id: str = "") -> None:
        loc = Location.at(seg, element, claim_id=claim_id, **self.where)
        self.findings.append(Finding(RULE, "structure", severity, message, fix, loc,
                                     name="remit-data"))

    def money(self, text: str, seg: Segment | None, element: str, claim_id: str = "") -> Decimal:
        """An amount element as Decimal; empty is zero, anything unreadable is reported."""
        value = _AMOUNTS.get(text)
        if value is not None:
            return value
        value = parse_r(text)  # X12 type R only: no exponent, NaN or Infinity
        if value is None:
            self.add(seg, element, f"{element} {text[:20]!r} is not an amount; read as 0",
                     "Ask the payer for a corrected 835.", claim_id=claim_id)
            return ZERO
        if len(_AMOUNTS) >= _AMOUNTS_MAX:
            _AMOUNTS.clear()
            _AMOUNTS[""] = ZERO
        _AMOUNTS[text] = value
        return value


def pad(elements: list[str], size: int) -> list[str]:
    return elements if len(elements) >= size else elements + [""] * (size - len(elements))


_PROCEDURES: dict[tuple[str, str], tuple[str, str, tuple[str, ...], str]] = {}


def _procedure(value: str, sep: str) -> tuple[str, str, tuple[str, ...], str]:
    """SVC01/SVC06 composite: qualifier, code, modifiers (-3..-6), description (-7)."""
    key = (value, sep)
    found = _PROCEDURES.get(key)
    if found is not None:  # a file repeats the same few procedure composites
        return found
    parts = value.split(sep)
    n = len(parts)
    code = parts[1] if n > 1 else ""
    modifiers = tuple(m for m in parts[2:6] if m) if n > 2 else ()
    found = parts[0], code, modifiers, parts[6] if n > 6 else ""
    if len(_PROCEDURES) >= _AMOUNTS_MAX:
        _PROCEDURES.clear()
    _PROCEDURES[key] = found
    return found


def _adjustments(seg: Segment, problems: Problems, claim_id: str, out: list[Adjustment]) -> None:
    """All triples of one CAS segment (2100 or 2110), appended to ``out``."""
    els = seg.elements
    n = len(els)
    group = els[1] if n > 1 else ""
    if group not in GROUP_CODES:
        if group == "CR":
            problems.add(seg, "CAS01", "group code CR was removed in 5010; read as a "
                         "correction/reversal adjustment", "Nothing to fix on your side.",
                         Severity.WARNING, claim_id)
        else:
            problems.add(seg, "CAS01", f"CAS01 {group!r} is not a group code (CO, PR, OA, PI)",
                         "Ask the payer for a corrected 835.", claim_id=claim_id)
    known = _AMOUNTS.get
    for k, element in _CAS_TRIPLES:
        if k >= n:
            break
        reason = els[k]
        if not reason:
            continue
        text = els[k + 1] if k + 1 < n else ""
        amount = known(text)
        if amount is None:
            amount = problems.money(text, seg, element, claim_id)
        out.append(new_adjustment(group, reason, amount, els[k + 2] if k + 2 < n else "", seg,
                              element))


def _party(els: list[str]) -> Party:
    e = pad(els, 10)
    return new_party(entity=e[1], name=e[3], id_qualifier=e[8], id=e[9], first_name=e[4])


def _service_line(seg: Segment, ordinal: int, problems: Problems, claim_id: str,
                  control: str, dates: list[tuple[str, str]], adjustments: list[Adjustment],
                  remarks: list[str], references: list[tuple[str, str]],
                  amounts: list[tuple[str, Decimal]]) -> ServiceLine:
    """The 2110 loop of ``seg`` (an SVC) with what followed it."""
    e = seg.elements
    if len(e) < 8:
        e = pad(e, 8)
    sep = seg.delimiters.component
    qualifier, code, modifiers, description = _procedure(e[1], sep)
    oq, ocode, omods, _ = _procedure(e[6], sep) if e[6] else _NO_PROCEDURE
    known = _AMOUNTS.get
    charge = known(e[2])
    if charge is None:
        charge = problems.money(e[2], seg, "SVC02", claim_id)
    paid = known(e[3])
    if paid is None:
        paid = problems.money(e[3], seg, "SVC03", claim_id)
    # Positional, in field order (hot path: one call per service line).
    return new_service_line(
        ordinal, qualifier, code, modifiers, charge, paid, e[5], oq, ocode, omods, e[7],
        description, e[4], control, tuple(dates), tuple(adjustments), tuple(remarks),
        tuple(references), tuple(amounts), seg)


_NO_PROCEDURE: tuple[str, str, tuple[str, ...], str] = ("", "", (), "")


def build_claim(segs: list[Segment], header: PaymentHeader, header_number: str,
                problems: Problems) -> Claim:
    """One 2100 loop (CLP first) with its 2110 loops, from a list of its segments."""
    claim, _ = read_claim(segs[0], iter(segs[1:]), header, header_number, problems)
    return claim


def read_claim(clp: Segment, segments: Iterator[Segment], header: PaymentHeader,
               header_number: str, problems: Problems) -> tuple[Claim, Segment | None]:
    """One 2100 loop with its 2110 loops: ``clp``, then ``segments`` up to the end of the loop.

    Returns the claim and the segment that ended it (CLP, LX, TS3, TS2 or PLB; ``None``
    at the end of ``segments``), which the caller handles next.

    Hot path (one call per claim, every segment of the file): the segments are read
    straight from the transaction, the 2110 loop being read is kept in local variables,
    and amounts already seen skip ``Decimal``. Structure findings are added in the order
    of the segments (SVC02/SVC03 when the 2110 loop closes), as they always were.
    """
    e = clp.elements
    if len(e) < 10:
        e = pad(e, 10)
    claim_id = e[1]
    money = problems.money
    known = _AMOUNTS.get
    adjustments: list[Adjustment] = []
    remarks: list[str] = []
    dates: list[tuple[str, str]] = []
    refs: list[tuple[str, str]] = []
    amounts: list[tuple[str, Decimal]] = []
    quantities: list[tuple[str, str]] = []
    others: list[Party] = []
    patient = insured = corrected = None
    lines: list[ServiceLine] = []
    # The 2110 loop being read (svc is None before the first SVC).
    svc: Segment | None = None
    l_control = ""
    l_adjustments: list[Adjustment] = adjustments
    l_dates: list[tuple[str, str]] = []
    l_remarks: list[str] = []
    l_refs: list[tuple[str, str]] = []
    l_amounts: list[tuple[str, Decimal]] = []
    end = CLAIM_END
    stop: Segment | None = None
    for seg in segments:
        tag = seg.tag
        if tag == "CAS":
            # 2110 CAS inside a service line, 2100 CAS before the first SVC.
            els = seg.elements
            if len(els) == 4 and els[1] in GROUP_CODES and els[2]:
                # One triple without a quantity: the common case, inline.
                amount = known(els[3])
                if amount is None:
                    amount = money(els[3], seg, "CAS03", claim_id)
                l_adjustments.append(new_adjustment(els[1], els[2], amount, "", seg, "CAS03"))
            else:
                _adjustments(seg, problems, claim_id, l_adjustments)
            continue
        if svc is not None:
            if tag == "DTM":
                els = seg.elements
                if len(els) > 2:
                    l_dates.append((els[1], els[2]))
                continue
            if tag == "REF":
                els = seg.elements
                if len(els) > 2:
                    if els[1] == "6R":
                        l_control = els[2]  # 2110 REF*6R line item control number
                    else:
                        l_refs.append((els[1], els[2]))
                continue
            if tag == "AMT":
                els = seg.elements
                if len(els) > 2:
                    amount = known(els[2])
                    if amount is None:
                        amount = money(els[2], seg, "AMT02", claim_id)
                    l_amounts.append((els[1], amount))
                continue
            if tag == "LQ":
                els = seg.elements
                if len(els) > 2 and els[1] == "HE":
                    # LQ01 HE: remark code list (RARC); RX is NCPDP
                    l_remarks.append(els[2])
                continue
            if tag != "SVC":
                if tag in end:
                    stop = seg
                    break
                continue  # anything else inside a 2110 loop is skipped
            lines.append(_service_line(svc, len(lines) + 1, problems, claim_id, l_control,
                                       l_dates, l_adjustments, l_remarks, l_refs,
                                       l_amounts))
        if tag == "SVC":
            svc = seg
            l_control = ""
            l_adjustments = []
            l_dates = []
            l_remarks = []
            l_refs = []
            l_amounts = []
            continue
        if tag in end:
            stop = seg
            break
        els = seg.elements
        if len(els) < 3:
            continue
        if tag == "NM1":
            entity = els[1]
            if entity == "QC":
                patient = _party(els)
            elif entity == "IL":
                insured = _party(els)
            elif entity == "74":
                corrected = _party(els)
            elif entity in _OTHER_NAMES:
                others.append(_party(els))
        elif tag == "DTM":
            dates.append((els[1], els[2]))
        elif tag == "MOA":
            # MOA03-MOA07: claim-level remark codes (outpatient adjudication).
            remarks.extend(r for r in els[3:8] if r)
        elif tag == "MIA":
            # MIA05 and MIA20-MIA23: claim-level remark codes (inpatient adjudication).
            remarks.extend(r for r in (els[5:6] + els[20:24]) if r)
        elif tag == "REF":
            refs.append((els[1], els[2]))
        elif tag == "AMT":
            amounts.append((els[1], money(els[2], seg, "AMT02", claim_id)))
        elif tag == "QTY":
            quantities.append((els[1], els[2]))
    if svc is not None:
        lines.append(_service_line(svc, len(lines) + 1, problems, claim_id, l_control, l_dates,
                                   l_adjustments, l_remarks, l_refs, l_amounts))
    charge = known(e[3])
    if charge is None:
        charge = money(e[3], clp, "CLP03", claim_id)
    paid = known(e[4])
    if paid is None:
        paid = money(e[4], clp, "CLP04", claim_id)
    # Positional, in field order (hot path: one call per claim).
    return new_claim(
        claim_id, e[2], charge, paid, money(e[5], clp, "CLP05", claim_id) if e[5] else None,
        e[6], e[7], e[8], e[9], header, header_number, tuple(adjustments), tuple(lines),
        tuple(remarks), patient, insured, corrected, tuple(others), tuple(dates), tuple(refs),
        tuple(amounts), tuple(quantities), clp), stop
