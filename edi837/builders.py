"""Building blocks of the 837P parser: value parsing and the 2400 service-line builder.

Kept apart from :mod:`edi837.parse` (the loop state machine) so each stays short.
Both caches are bounded: a batch reuses a few hundred dates and amounts.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from edi837.model import Diagnosis, DrugDetail, Party, ServiceLine
from x12core.segment import Segment
from x12core.values import is_digits, parse_dt, parse_r

# HI qualifiers that carry diagnoses (ICD-10-CM ABK/ABF; ICD-9 BK/BF); SV107 points at them.
DIAGNOSIS_QUALIFIERS = frozenset({"ABK", "ABF", "BK", "BF"})
EMPTY = Party("", "", "", "", "", None)
_DATES: dict[str, date | None] = {}
_MISSING = object()  # not in a cache yet (None is a cached answer: not a value)
# Building a NamedTuple with tuple.__new__ and all its fields skips the Python frame
# of its generated __new__; the value is the same.
_new = tuple.__new__


def parse_date(text: str) -> date | None:
    """CCYYMMDD -> date; ``None`` when it is not a real date. Cached: batches reuse dates."""
    try:
        return _DATES[text]
    except KeyError:
        pass
    value = parse_dt(text)
    if len(_DATES) < 20_000:
        _DATES[text] = value
    return value


_DECIMALS: dict[str, Decimal | None] = {}


def parse_decimal(text: str) -> Decimal | None:
    """X12 type R/N2 -> Decimal; ``None`` for blanks and text that is not of type R.

    Cached: fees and units repeat across a batch, and Decimal() is the costliest
    step of reading a service line.
    """
    try:
        return _DECIMALS[text]
    except KeyError:
        pass
    value = parse_r(text)
    if len(_DECIMALS) < 50_000:
        _DECIMALS[text] = value
    return value


def party(seg: Segment) -> Party:
    els = seg.elements
    if len(els) < 10:
        els = els + [""] * (10 - len(els))
    return _new(Party, (els[1], els[3], els[4], els[8], els[9], seg))


class LineBuilder:
    """A 2400 loop being read. One builder reads every line of a transaction set:
    :meth:`start` begins the next line (cheaper than a new object per line);
    :meth:`freeze` copies what it read into a :class:`ServiceLine`."""

    __slots__ = ("ctp", "dtp", "g1", "in_2420", "lin", "lx", "notes", "providers", "refs",
                 "rendering", "rx", "sv1", "vy")

    def __init__(self, lx: Segment | None = None) -> None:
        self.refs: list[Segment] = []
        self.notes: list[str] = []
        self.providers: list[Segment] = []
        if lx is not None:
            self.start(lx)

    def start(self, lx: Segment) -> LineBuilder:
        self.lx = lx
        self.sv1: Segment | None = None
        self.dtp: Segment | None = None
        self.lin: Segment | None = None
        self.ctp: Segment | None = None
        self.vy = ""
        self.rx = ""
        self.rendering = ""
        self.g1 = ""
        self.in_2420 = False
        if self.refs:
            self.refs.clear()
        if self.notes:
            self.notes.clear()
        if self.providers:
            self.providers.clear()
        return self

    def freeze(self, last_index: int) -> ServiceLine:
        decimals = _DECIMALS
        dates = _DATES
        sv1 = self.sv1
        if sv1 is not None:
            els = sv1.elements
            if len(els) < 8:
                els = els + [""] * (8 - len(els))
            comp = sv1.delimiters.component
            parts = els[1].split(comp)
            n = len(parts)
            qualifier = parts[0]
            code = parts[1] if n > 1 else ""
            if n > 2:
                modifiers = tuple(filter(None, parts[2:6]))
                description = parts[6] if n > 6 else ""
            else:
                modifiers = ()
                description = ""
            text = els[2]
            charge = decimals.get(text, _MISSING)
            if charge is _MISSING:
                charge = parse_decimal(text)
            unit_basis = els[3]
            text = els[4]
            units = decimals.get(text, _MISSING)
            if units is _MISSING:
                units = parse_decimal(text)
            pos = els[5]
            raw = els[7]
            if not raw:
                pointers = ()
            elif comp in raw:
                pointers = tuple(filter(None, raw.split(comp)))
            else:
                pointers = (raw,)
        else:
            qualifier = code = description = unit_basis = pos = ""
            modifiers = pointers = ()
            charge = units = None
        start = end = None
        dtp = self.dtp
        if dtp is not None:
            d = dtp.elements  # direct reads: Segment[] is a call per element
            n = len(d)
            value = d[3] if n > 3 else ""
            if n > 2 and d[2] == "RD8":
                first, _, second = value.partition("-")
                start, end = parse_date(first), parse_date(second)
            else:
                start = dates.get(value, _MISSING)
                if start is _MISSING:
                    start = parse_date(value)
                end = start
        drug = None
        lin = self.lin
        if lin is not None:
            le = lin.elements
            n = len(le)
            ctp = self.ctp
            if ctp is not None:
                ce = ctp.elements
                n_ctp = len(ce)
                qty_text = ce[4] if n_ctp > 4 else ""
                unit = ce[5].split(ctp.delimiters.component)[0] if n_ctp > 5 else ""
            else:
                qty_text = unit = ""
            quantity = decimals.get(qty_text, _MISSING)
            if quantity is _MISSING:
                quantity = parse_decimal(qty_text)
            drug = _new(DrugDetail, (lin, le[2] if n > 2 else "", le[3] if n > 3 else "", ctp,
                                     quantity, qty_text, unit, self.vy, self.rx))
        lx_els = self.lx.elements
        lx_number = lx_els[1] if len(lx_els) > 1 else ""
        number = _LX_NUMBERS.get(lx_number, -1)
        if number == -1:
            number = int(lx_number) if is_digits(lx_number) else None
            if len(_LX_NUMBERS) < 10_000:
                _LX_NUMBERS[lx_number] = number
        refs = self.refs
        if refs:
            first_ref = refs[0].elements
            control = first_ref[2] if len(first_ref) > 2 else ""
        else:
            control = ""
        # tuple.__new__ with every field in ServiceLine's order: what the NamedTuple's
        # own __new__ does, without its Python frame (this runs once per service line).
        return _new(ServiceLine, (
            number, qualifier, code, modifiers,
            description, charge, unit_basis, units, pos, pointers, start, end,
            control, self.g1, tuple(self.notes), drug, self.rendering,
            self.lx, sv1, dtp, tuple(refs), last_index, tuple(self.providers)))


_LX_NUMBERS: dict[str, int | None] = {}  # LX01 text -> number (a batch repeats 1, 2, 3 ...)


class ClaimBuilder:
    """A 2300 loop being read; reused like :class:`LineBuilder` (the claim takes copies)."""

    __slots__ = ("clm", "dates", "f8", "g1", "hi", "in_2320", "lines", "providers", "rendering")

    def __init__(self, clm: Segment | None = None) -> None:
        self.hi: list[Segment] = []
        self.lines: list[ServiceLine] = []
        self.providers: list[Segment] = []  # 2310x NM1/PRV
        self.dates: list[Segment] = []  # 2300 DTP
        if clm is not None:
            self.start(clm)

    def start(self, clm: Segment) -> ClaimBuilder:
        self.clm = clm
        self.f8: Segment | None = None
        self.g1 = ""
        self.rendering = ""
        self.in_2320 = False
        self.hi.clear()
        self.lines.clear()
        if self.providers:
            self.providers.clear()
        if self.dates:
            self.dates.clear()
        return self


_HI_ELEMENTS = tuple(f"HI{i:02d}-2" for i in range(100))


def diagnoses(hi_segments: list[Segment]) -> tuple[Diagnosis, ...]:
    out = []
    qualifiers = DIAGNOSIS_QUALIFIERS
    for seg in hi_segments:
        comp = seg.delimiters.component
        els = seg.elements
        for i in range(1, len(els)):
            value = els[i]
            if not value:
                continue
            qualifier, _, rest = value.partition(comp)
            if qualifier in qualifiers:
                out.append(_new(Diagnosis, (qualifier, rest.partition(comp)[0], seg,
                                            _HI_ELEMENTS[i] if i < 100 else f"HI{i:02d}-2")))
    return tuple(out)


def dmg(seg: Segment | None) -> tuple[str, str, Segment | None]:
    if seg is None:
        return "", "", None
    els = seg.elements
    n = len(els)
    return els[2] if n > 2 else "", els[3] if n > 3 else "", seg
