"""Findings: plain values that every check produces and every renderer reads.

A check says *what* is wrong and *how to fix it*; the engine that ran it fills in
*where* (file, control numbers, claim, line, segment, file line). Field names
follow ``docs/output.md``; renaming one is a breaking change for scripts.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import IntEnum
from typing import Any

from x12core.pickling import fast_pickle
from x12core.segment import Segment

# Contract vocabulary: one word for a scan finding and the denial it predicts.
CATEGORIES: tuple[str, ...] = (
    "structure", "balancing", "drug-link", "drug-data", "modifier", "bundling", "coding",
    "units", "place-of-service", "diagnosis", "missing-information", "eligibility",
    "authorization", "medical-necessity", "documentation", "duplicate", "timely-filing",
    "coordination-of-benefits", "provider-enrollment", "non-covered", "contractual",
    "patient-responsibility", "pricing", "pending", "reversal", "unmapped",
)
CATEGORY_SET = frozenset(CATEGORIES)


class Severity(IntEnum):
    """Ordered so that ``severity >= threshold`` selects what holds a claim."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, word: str) -> Severity:
        try:
            return {"info": cls.INFO, "warning": cls.WARNING, "warn": cls.WARNING,
                    "error": cls.ERROR}[word.strip().lower()]
        except KeyError:
            raise ValueError(f"unknown severity {word!r} (use error, warning or info)") from None

    def __str__(self) -> str:
        return self.name.lower()


@fast_pickle
@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding points. Everything is optional; the more, the better."""

    file: str = ""
    interchange: str = ""  # ISA13
    group: str = ""  # GS06
    transaction: str = ""  # ST02
    claim_id: str = ""  # CLM01 / CLP01
    line_number: int | None = None  # 2400 LX01 (837) or service-line ordinal (835)
    segment: str = ""  # segment tag, e.g. "SV1"
    segment_index: int | None = None  # 1-based ordinal in the file (ISA = 1)
    segment_position: int | None = None  # 1-based position inside ST..SE
    file_line: int | None = None  # 1-based physical line
    element: str = ""  # guide designator, e.g. "SV101-2"
    value: str = ""

    @classmethod
    def at(cls, seg: Segment | None, element: str = "", value: str | None = None,
           **context: Any) -> Location:
        """A location at ``seg`` (and optionally one of its elements)."""
        if seg is None:
            return cls(element=element, value=value or "", **context)
        if value is None and element:
            try:
                value = seg.get(element)
            except (ValueError, IndexError):
                value = ""
        return cls(segment=seg.tag, segment_index=seg.index,
                   segment_position=seg.position or None, file_line=seg.line,
                   element=element, value=value or "", **context)


@fast_pickle
@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in a file."""

    rule: str
    category: str
    severity: Severity
    message: str
    fix: str = ""
    location: Location = field(default_factory=Location)
    name: str = ""  # readable rule name, e.g. "injection-without-drug"

    def with_location(self, **changes: Any) -> Finding:
        return replace(self, location=replace(self.location, **changes))

    def to_dict(self) -> dict[str, Any]:
        """The finding as the contract's JSON object (claim fields excluded)."""
        loc = self.location
        return {
            "rule": self.rule,
            "name": self.name,
            "category": self.category,
            "severity": str(self.severity),
            "message": self.message,
            "fix": self.fix,
            "line_number": loc.line_number,
            "segment": loc.segment,
            "segment_index": loc.segment_index,
            "segment_position": loc.segment_position,
            "file_line": loc.file_line,
            "element": loc.element,
            "value": loc.value,
        }

    def envelope_dict(self) -> dict[str, Any]:
        """File and control numbers, for findings that belong to no claim."""
        loc = self.location
        return {"file": loc.file, "interchange": loc.interchange, "group": loc.group,
                "transaction": loc.transaction, **self.to_dict()}


def count_by_severity(findings: list[Finding]) -> dict[str, int]:
    """``{"errors": n, "warnings": n, "info": n}`` as the contract's summaries use."""
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    warnings = sum(1 for f in findings if f.severity is Severity.WARNING)
    return {"errors": errors, "warnings": warnings, "info": len(findings) - errors - warnings}
