"""Small helpers the rule families share (no rules here)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from edi837.engine import Hit
from edi837.model import Claim, ServiceLine
from x12core.findings import Severity


def day(value: date | None) -> str:
    return value.isoformat() if value is not None else "(no service date)"


def at_code(line: ServiceLine, message: str, fix: str,
            severity: Severity | None = None) -> Hit:
    """A hit on the line's procedure code (SV101-2)."""
    return Hit(line.sv1 or line.lx, "SV101-2", message, fix, line=line, severity=severity)


def at_modifier(line: ServiceLine, modifier: str, message: str, fix: str) -> Hit:
    """A hit on the SV101-3..6 component that holds ``modifier``."""
    return Hit(line.sv1 or line.lx, line.modifier_element(modifier), message, fix, line=line,
               value=modifier)


def at_units(line: ServiceLine, message: str, fix: str, severity: Severity | None = None,
             claim: Claim | None = None) -> Hit:
    """A hit on the line's units (SV104)."""
    return Hit(line.sv1 or line.lx, "SV104", message, fix, line=line, severity=severity,
               claim=claim)


def codes(lines: Iterable[ServiceLine]) -> str:
    """``"J1885, J3301"``: distinct codes in order."""
    seen: dict[str, None] = {}
    for line in lines:
        seen.setdefault(line.code, None)
    return ", ".join(seen)


def units_text(line: ServiceLine) -> str:
    return line.sv1[4] if line.sv1 is not None and line.sv1[4] else "(none)"


def has_malignancy(claim: Claim) -> bool:
    """An ICD-10-CM malignant (C00-C96) or in-situ (D00-D09) neoplasm on the claim."""
    return any(d.code[:1] == "C" or d.code[:2] == "D0" for d in claim.diagnoses)


def rendering_npi(claim: Claim, line: ServiceLine) -> str:
    """2420A, else 2310B, else the billing provider (2010AA): the 'same provider' key."""
    return line.rendering_npi or claim.rendering_npi or claim.billing_provider.npi
