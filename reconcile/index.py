"""The sent side of reconciliation: a compact index of 837P claims and their scan findings.

Reconciling needs every sent claim at hand while the remits stream past, so this
index is O(claims); it keeps it small: per claim the id, charge, patient and
lines, per line the fields the §B.8 match uses (REF*6R, procedure, modifiers,
date, charge) and the ids of the scan rules that flagged it. No
:class:`~x12core.segment.Segment` and no :class:`~edi837.model.Claim` survives
the scan, so memory is a few hundred bytes per line.

Claim lookup follows reference §B.8 step 1: CLP01 equals CLM01; payers may
truncate a long patient control number (17-20 characters are commonly kept), so
an id that is not found exactly is tried as a unique prefix of a longer sent id.
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from edi837.scan import ClaimResult, ScanOptions
from edi837.scan_parallel import ParallelScanner
from remit835.model import ZERO
from x12core.errors import InputError
from x12core.findings import Severity
from x12core.parallel import Pool
from x12core.reader import SegmentReader

# A remit id shorter than this is never taken for a truncated one: short ids are
# prefixes of each other by accident (PCN1 / PCN10), long ones are not. Payers keep
# at least 17 characters (§B.8), so 15 leaves room without inviting accidents.
MIN_TRUNCATED = 15
EXACT, TRUNCATED, FALLBACK = "exact", "truncated", "fallback"
_NONE: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SentLine:
    """One 2400 service line as reconciliation needs it."""

    number: int | None  # LX01
    control: str  # 2400 REF*6R line item control number ("" when missing)
    procedure: str  # SV101-2
    modifiers: tuple[str, ...]  # SV101-3..6
    dos: str  # DTP*472 as CCYYMMDD ("" when missing)
    charge: Decimal  # SV102 (0 when unreadable; the scan reports that)
    rules: tuple[str, ...]  # predicted_by: scan rules on this line and on its claim
    flags: tuple[str, ...]  # those of ``rules`` at or above the scan's --fail-on severity


@dataclass(frozen=True, slots=True)
class SentClaim:
    """One 2300 claim as reconciliation needs it."""

    claim_id: str  # CLM01
    charge: Decimal  # CLM02
    file: str
    payer_id: str  # 2010BB NM109
    patient: str  # 2010CA (or 2010BA) "LAST, FIRST" -- masked by --redact
    member_id: str  # 2010BA NM109 -- masked by --redact
    dos: str  # earliest line date, CCYYMMDD
    lines: tuple[SentLine, ...]
    rules: tuple[str, ...]  # every scan rule that flagged the claim (claim and lines)
    held: bool  # the scan would have held the claim


# Codes, modifier sets, dates and amounts repeat across a batch: keep one object of each
# (a Decimal is ~100 bytes; equal amounts compare and print alike whatever their exponent).
_SHARED: dict[object, object] = {}
_T = TypeVar("_T")


def shared(value: _T) -> _T:
    """One shared instance per distinct code, date or modifier tuple (bounded cache)."""
    hit = _SHARED.get(value)
    if hit is None:
        if len(_SHARED) >= 200_000:
            return value
        _SHARED[value] = hit = value
    return hit  # type: ignore[return-value]


def _name(last: str, first: str) -> str:
    return f"{last}, {first}" if first else last


def sent_claim(result: ClaimResult, fail_on: Severity) -> SentClaim:
    """Compact a scanned claim.

    A finding belongs to the line whose segments hold the finding's segment, else to
    the LX number it names, else to the claim. Claim-level findings (CLM05-1 place of
    service, CLM02 charge, CLM01 id) count for every line: a payer that rejects for
    them denies each line, so they predict each line's denial.
    """
    claim = result.claim
    per_line: list[list[str]] = [[] for _ in claim.lines]
    per_line_flags: list[list[str]] = [[] for _ in claim.lines]
    claim_rules: list[str] = []
    claim_flags: list[str] = []
    numbers = {line.number: i for i, line in reversed(list(enumerate(claim.lines)))}
    positions = {id(line): i for i, line in enumerate(claim.lines)}
    for f in result.findings:
        loc = f.location
        where = None
        if loc.segment_index:
            line = claim.line_at(loc.segment_index)
            where = positions[id(line)] if line is not None else None
        if where is None and loc.line_number is not None:
            where = numbers.get(loc.line_number)
        rules, flags = (claim_rules, claim_flags) if where is None else (
            per_line[where], per_line_flags[where])
        rules.append(f.rule)
        if f.severity >= fail_on:
            flags.append(f.rule)
    lines = []
    for i, line in enumerate(claim.lines):
        rules = _unique((*per_line[i], *claim_rules))
        flags = _unique((*per_line_flags[i], *claim_flags))
        lines.append(SentLine(
            number=line.number, control=line.control_number, procedure=shared(line.code),
            modifiers=shared(line.modifiers),
            dos=shared(line.service_date.strftime("%Y%m%d")) if line.service_date else "",
            charge=shared(line.charge) if line.charge is not None else ZERO, rules=shared(rules),
            flags=shared(flags)))
    person = claim.patient.party
    dates = [ln.dos for ln in lines if ln.dos]
    return SentClaim(
        claim_id=claim.id, charge=claim.charge if claim.charge is not None else ZERO,
        file=claim.file, payer_id=claim.payer.id, patient=_name(person.name, person.first_name),
        member_id=claim.subscriber.person.member_id, dos=min(dates) if dates else "",
        lines=tuple(lines), rules=_unique(f.rule for f in result.findings), held=result.held)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    out = tuple(dict.fromkeys(items))
    return out or _NONE


class SentIndex:
    """Every sent claim, findable by CLP01. ``rule_category`` names each rule's category."""

    def __init__(self) -> None:
        self.claims: list[SentClaim] = []
        self.by_id: dict[str, list[int]] = {}
        self.rule_category: dict[str, str] = {}
        self.file_findings = 0  # envelope problems the scan found outside any claim
        self.reference_data: list[dict[str, Any]] = []  # code tables that judged the claims
        self._sorted: list[str] | None = None

    def add(self, claim: SentClaim) -> None:
        self.by_id.setdefault(claim.claim_id, []).append(len(self.claims))
        self.claims.append(claim)
        self._sorted = None

    def __len__(self) -> int:
        return len(self.claims)

    def find(self, remit_id: str, charge: Decimal) -> tuple[int, str] | None:
        """(claim index, ``exact`` | ``truncated``) for a CLP01, or ``None``.

        Several sent claims with one id (a reused patient control number) are told
        apart by the charge, CLP03 = CLM02 (§B.8 tie-break); else the last sent wins.
        """
        hits = self.by_id.get(remit_id)
        if hits:
            return self._pick(hits, charge), EXACT
        if len(remit_id) < MIN_TRUNCATED:
            return None
        ids = self._ids()
        start = bisect.bisect_right(ids, remit_id)
        longer = []
        for sent_id in ids[start:]:
            if not sent_id.startswith(remit_id):
                break
            longer.append(sent_id)
        if not longer:
            return None
        candidates = [i for sent_id in longer for i in self.by_id[sent_id]]
        if len(longer) > 1:
            same = [i for i in candidates if self.claims[i].charge == abs(charge)]
            if len(same) != 1:
                return None  # ambiguous truncation: leave it to a person
            return same[0], TRUNCATED
        return self._pick(candidates, charge), TRUNCATED

    def _pick(self, hits: list[int], charge: Decimal) -> int:
        if len(hits) == 1:
            return hits[0]
        same = [i for i in hits if self.claims[i].charge == abs(charge)]
        return (same or hits)[-1]

    def _ids(self) -> list[str]:
        if self._sorted is None:
            self._sorted = sorted(self.by_id)
        return self._sorted


def index_claims(paths: Sequence[str | os.PathLike[str]],
                 options: ScanOptions | None = None, pool: Pool | None = None) -> SentIndex:
    """Scan every 837P file with the rule engine and index its claims.

    Raises :class:`~x12core.errors.ClaimkitError` (exit 2) for a file that is
    missing, not X12 or not an 837P, before reading the next one.
    """
    options = options or ScanOptions()
    scanner = ParallelScanner(options, pool or Pool())
    index = SentIndex()
    category = index.rule_category
    for path in paths:
        scan = scanner.scan(path, full=True)
        for result in scan:
            for f in result.findings:
                category.setdefault(f.rule, f.category)
            index.add(sent_claim(result, options.fail_on))
        index.file_findings += len(scan.file_findings)
    index.reference_data = scanner.engine.tables.reference_data()
    return index


def transaction_set(path: str | os.PathLike[str]) -> str:
    """ST01 of the first transaction in ``path`` ("837", "835" ...); raises for non-X12."""
    for seg in SegmentReader(path):
        if seg.tag == "ST":
            return seg[1]
    raise InputError(f"{os.fspath(path)}: no transaction set (ST) in this interchange")


def sort_files(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[str], list[str]]:
    """(837 files, 835 files) by each file's first ST01; anything else is an input error."""
    claims: list[str] = []
    remits: list[str] = []
    for path in paths:
        kind = transaction_set(path)
        if kind == "837":
            claims.append(os.fspath(path))
        elif kind == "835":
            remits.append(os.fspath(path))
        else:
            raise InputError(f"{os.fspath(path)}: transaction set {kind or 'blank'} is neither "
                             "an 837 claim file nor an 835 remittance")
    return claims, remits
