"""The 837 side of the audit scorecard: scan results tallied per provider, payer and batch.

``claimkit audit`` answers the billing guide's "audit regularly" with numbers: per
billing provider (2010AA NPI), per payer (2010BB payer id) and per batch date
(BHT04), how many claims, how many clean (no finding at or above ``--fail-on``,
the scan's ``clean``), and the findings by audit group. The groups are data
(``reconcile/audit.toml``): documentation completeness, code accuracy, policy
compliance, claim integrity. Claims stream through; only counters are kept.

The remittance side (denial rate, root causes in dollars) is
:mod:`reconcile.audit`, which builds on this.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from edi837.scan import ClaimResult
from x12core.errors import InputError
from x12core.findings import CATEGORY_SET, Finding

GROUPS_FILE = Path(__file__).with_name("audit.toml")
OTHER = "other"
DIMENSIONS = ("overall", "provider", "payer", "batch")
NO_DATE = "(no date)"


@dataclass(frozen=True)
class Groups:
    """Audit groups: which findings count as documentation, code accuracy, policy ..."""

    order: tuple[str, ...]  # group keys in display order, "other" last
    titles: dict[str, str]
    by_category: dict[str, str]
    by_rule: dict[str, str]
    source: str
    spec: dict[str, dict[str, Any]]  # as read, for the report's legend

    def of(self, finding: Finding) -> str:
        return self.by_rule.get(finding.rule) or self.by_category.get(finding.category, OTHER)


@cache
def load_groups(path: Path = GROUPS_FILE) -> Groups:
    with open(path, "rb") as handle:
        doc = tomllib.load(handle)
    by_category: dict[str, str] = {}
    by_rule: dict[str, str] = {}
    spec = doc.get("groups", {})
    for key, group in spec.items():
        for category in group.get("categories", []):
            if category not in CATEGORY_SET or category in by_category:
                raise InputError(f"{path}: category {category!r} is unknown or in two groups")
            by_category[category] = key
        for rule_id in group.get("rules", []):
            by_rule[rule_id] = key
    titles = {k: str(g.get("title", k)) for k, g in spec.items()}
    titles[OTHER] = "Other"
    return Groups((*spec, OTHER), titles, by_category, by_rule,
                  str(doc.get("meta", {}).get("source", "")), spec)


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` rounded to 4 places; ``None`` when there is nothing to divide."""
    return round(part / whole, 4) if whole else None


@dataclass
class Tally:
    """Counters of one row of the scorecard (one provider, payer or batch, or all)."""

    name: str = ""
    claims: int = 0
    clean: int = 0
    with_findings: int = 0  # claims with any finding (any severity)
    findings: Counter[str] = field(default_factory=Counter)  # group -> findings
    claims_with: Counter[str] = field(default_factory=Counter)  # group -> claims
    categories: Counter[str] = field(default_factory=Counter)  # category -> findings
    rules: Counter[str] = field(default_factory=Counter)  # rule id -> findings
    batch_ids: set[str] = field(default_factory=set)  # BHT03 values (batch rows)

    def add(self, result: ClaimResult, groups: Groups) -> None:
        self.claims += 1
        self.clean += not result.held
        if not result.findings:
            return
        self.with_findings += 1
        seen: set[str] = set()
        for f in result.findings:
            group = groups.of(f)
            self.findings[group] += 1
            self.categories[f.category] += 1
            self.rules[f.rule] += 1
            seen.add(group)
        self.claims_with.update(seen)

    def record(self, groups: Groups) -> dict[str, Any]:
        total = sum(self.findings.values())
        return {
            "name": self.name, "claims": self.claims, "clean": self.clean,
            "held": self.claims - self.clean, "clean_rate": rate(self.clean, self.claims),
            "claims_with_findings": self.with_findings, "findings_total": total,
            "findings_per_100": round(100 * total / self.claims, 1) if self.claims else None,
            "findings": {g: self.findings[g] for g in groups.order},
            "claims_with": {g: self.claims_with[g] for g in groups.order},
            "categories": dict(sorted(self.categories.items(), key=lambda kv: (-kv[1], kv[0]))),
            "top_rules": [{"rule": r, "findings": n} for r, n in
                          sorted(self.rules.items(), key=lambda kv: (-kv[1], kv[0]))[:5]],
        }


def claim_keys(result: ClaimResult) -> tuple[str, str, str]:
    """(provider, payer, batch) keys: billing NPI, payer id, BHT04 as YYYY-MM-DD."""
    claim = result.claim
    day = claim.batch_day
    return (claim.billing_provider.npi or claim.billing_provider.party.name or "(none)",
            claim.payer.id or claim.payer.name or "(none)",
            day.isoformat() if day is not None else NO_DATE)


class ClaimAudit:
    """Scan results tallied overall and per provider, payer and batch date."""

    def __init__(self, groups: Groups | None = None) -> None:
        self.groups = groups or load_groups()
        self.overall = Tally("all claims")
        self.rows: dict[str, dict[str, Tally]] = {d: {} for d in DIMENSIONS[1:]}
        self.files = 0
        self.file_findings = 0

    def add(self, result: ClaimResult) -> tuple[str, str, str]:
        """Count one claim; returns its (provider, payer, batch) keys."""
        claim = result.claim
        keys = claim_keys(result)
        names = (claim.billing_provider.party.name, claim.payer.name, "")
        self.overall.add(result, self.groups)
        for dimension, key, name in zip(DIMENSIONS[1:], keys, names, strict=True):
            tally = self.rows[dimension].get(key)
            if tally is None:
                tally = self.rows[dimension][key] = Tally(name)
            tally.add(result, self.groups)
            if dimension == "batch" and claim.batch_id:
                tally.batch_ids.add(claim.batch_id)
        return keys

    def add_all(self, results: Iterable[ClaimResult]) -> list[tuple[str, str, str]]:
        return [self.add(r) for r in results]

    def ordered(self, dimension: str) -> list[tuple[str, Tally]]:
        """Rows of a dimension: batches by date (the trend), others by claims, most first."""
        if dimension == "overall":
            return [("all", self.overall)]
        items = list(self.rows[dimension].items())
        if dimension == "batch":
            return sorted(items)
        return sorted(items, key=lambda kv: (-kv[1].claims, kv[0]))
