"""Billing units of HCPCS drug codes, parsed from their long descriptors."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_AMOUNT = r"(\d[\d,]*(?:\.\d+)?)\s*(mg|mcg|g|gm|ml|cc|units?|iu|meq|mci|ml)\b"
_TAIL = re.compile(rf"(?:(per|up to)\s+)?{_AMOUNT}\s*$", re.I)
_ANY = re.compile(rf"(?:(per|up to)\s+)?{_AMOUNT}", re.I)


def billing_unit_of(descriptor: str) -> str:
    """"Injection, ketorolac tromethamine, per 15 mg" -> "15 mg"; "…, up to 1000 mcg"
    -> "up to 1000 mcg"; "…, 1 mg" -> "1 mg"; "" when the descriptor names no dose."""
    text = descriptor.strip().rstrip(".")
    found = _TAIL.search(text)
    if found is None:
        matches = list(_ANY.finditer(text))
        found = matches[-1] if matches else None
    if found is None:
        return ""
    qualifier = (found[1] or "").lower()
    unit = found[3].lower()
    unit = {"gm": "g", "cc": "ml", "unit": "units", "iu": "units"}.get(unit, unit)
    amount = found[2].replace(",", "")
    return f"{'up to ' if qualifier == 'up to' else ''}{amount} {unit}"


def unit_amount(unit: str) -> tuple[Decimal, str] | None:
    """("15 mg") -> (15, "mg"); ``None`` when not a plain amount."""
    m = re.match(r"(?:up to\s+)?([\d.]+)\s+(\w+)$", unit.strip())
    if not m:
        return None
    try:
        return Decimal(m[1]), m[2]
    except InvalidOperation:
        return None
