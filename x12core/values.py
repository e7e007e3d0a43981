"""The one place X12 numbers and dates are parsed from element text.

X12.6 data element types (005010 TR3s, appendix A.1.3.1):

* ``R`` (decimal): an optional leading minus, ASCII digits 0-9 and at most one
  decimal point; no exponent, no sign other than the minus, no ``NaN``/``Infinity``.
  The TR3s cap R at 18 characters (CLM02 and SV102 are R 1/18).
* ``N0`` (integer): an optional minus and ASCII digits only.
* ``DT`` (date): CCYYMMDD, eight ASCII digits naming a real day.

``Decimal("1E+999999999")`` or ``int("²")`` (Latin-1 superscripts pass
``str.isdigit``) must never reach arithmetic: a 52-byte 835 with the first in CLP05
took 9 s and 1.9 GB before failing. Anything that is not of its type parses to
``None`` here, and the caller reports it as a ``structure`` finding at its element.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

ZERO = Decimal(0)  # one shared zero: Decimal values are immutable; a sum starts here

R_MAX_LENGTH = 18  # the longest R element in 005010 (e.g. CLM02, SV102, CLP03)
N0_MAX_LENGTH = 15
# Dates outside this span are not plausible in a claim and would overflow date arithmetic
# (a filing limit of "service date + 365 days" on year 9999, or BHT04 00010101).
DATE_MIN_YEAR, DATE_MAX_YEAR = 1800, 2999

_R = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\Z")
_N0 = re.compile(r"-?[0-9]+\Z")
_DT = re.compile(r"[0-9]{8}\Z")


def parse_r(text: str) -> Decimal | None:
    """An X12 R element as ``Decimal``; ``None`` when blank or not of type R."""
    if not text or len(text) > R_MAX_LENGTH + 1 or _R.match(text) is None:
        return None
    return Decimal(text)


def parse_n0(text: str) -> int | None:
    """An X12 N0 element as ``int``; ``None`` when blank or not ASCII digits."""
    if not text or len(text) > N0_MAX_LENGTH or _N0.match(text) is None:
        return None
    return int(text)


def parse_dt(text: str) -> date | None:
    """An X12 DT (CCYYMMDD) element as ``date``; ``None`` unless a real, plausible day."""
    if len(text) != 8 or _DT.match(text) is None:
        return None
    year = int(text[:4])
    if not DATE_MIN_YEAR <= year <= DATE_MAX_YEAR:
        return None
    try:
        return date(year, int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def is_r(text: str) -> bool:
    return parse_r(text) is not None


def is_digits(text: str) -> bool:
    """ASCII digits only (``str.isdigit`` also accepts ``²``, which ``int`` refuses)."""
    return text.isascii() and text.isdigit()
