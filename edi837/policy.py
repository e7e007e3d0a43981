"""Payer-policy data of a profile: filing limit, prior-authorization and covered-diagnosis lists.

The lists live in ``edi837/data/policy.toml`` (each with its source and effective
date). A profile's ``[policy]`` table names the lists it applies; the profile may
define more lists, or replace a shipped one, in tables of the same layout
(``[prior_authorization.NAME]``, ``[covered_diagnoses.NAME]``). The filing limit is
a profile setting (``filing_limit_months`` or ``filing_limit_days``, with
``filing_warning_days`` and ``filing_limit_source``).
"""

from __future__ import annotations

import calendar
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

from edi837.data.loaders import DATA_DIR
from edi837.icd10 import normal, shape_problem
from x12core.errors import InputError

POLICY_FILE = DATA_DIR / "policy.toml"
_FOREVER = date(9999, 12, 31)


@dataclass(frozen=True, eq=False)  # identity hash: a cache key on the hot path
class FilingLimit:
    """Claims must reach the payer within ``months`` (or ``days``) of the date of service."""

    months: int | None
    days: int | None
    warning_days: int
    source: str

    @property
    def text(self) -> str:
        if self.months is not None:
            return f"{self.months} month{'s' if self.months != 1 else ''}"
        return f"{self.days} days"

    def deadline(self, service: date) -> date:
        """The last day a claim for ``service`` is on time (day ``days``, or the same
        day ``months`` later; the 29th-31st fall back to the month's last day)."""
        if self.months is None:
            return service + timedelta(days=self.days or 0)
        month = service.month - 1 + self.months
        year, month = service.year + month // 12, month % 12 + 1
        return date(year, month, min(service.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class PolicyList:
    """One named prior-authorization or covered-diagnosis list."""

    kind: str  # "prior_authorization" | "covered_diagnoses"
    name: str
    description: str
    codes: tuple[str, ...]  # HCPCS codes (prior auth) or ICD-10-CM prefixes (covered dx)
    drugs: tuple[str, ...]  # covered dx: the HCPCS codes the list is for
    source: str
    effective: date
    ends: date

    def in_force(self, day: date | None) -> bool:
        return day is None or self.effective <= day <= self.ends

    def covers(self, diagnosis: str) -> bool:
        return diagnosis.startswith(self.codes)


@dataclass(frozen=True)
class Policy:
    """What the policy rules read from a profile."""

    filing_limit: FilingLimit | None
    prior_auth: dict[str, tuple[PolicyList, ...]]  # HCPCS -> lists requiring authorization
    covered: dict[str, tuple[PolicyList, ...]]  # HCPCS -> covered-diagnosis lists
    lists: tuple[PolicyList, ...]  # every list applied, for the docs

    @property
    def sets(self) -> dict[str, frozenset[str]]:
        """Code sets rules may name in ``needs`` (the engine's pre-filter)."""
        return {"policy:prior_authorization": frozenset(self.prior_auth),
                "policy:covered_diagnoses": frozenset(self.covered)}


@cache
def shipped_doc() -> dict[str, Any]:
    with open(POLICY_FILE, "rb") as handle:
        return tomllib.load(handle)


@cache
def vocabulary() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(routes, units, generic words) for NOC descriptions, from ``[documentation]``."""
    doc = shipped_doc()["documentation"]
    return (frozenset(doc["routes"]), frozenset(doc["units"]), frozenset(doc["generic_words"]))


def _day(value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def _list(kind: str, name: str, spec: Any, path: str) -> PolicyList:
    where = f"{path}: [{kind}.{name}]"
    if not isinstance(spec, dict):
        raise InputError(f"{where} must be a table")
    for key in ("codes", "source", "effective"):
        if key not in spec:
            raise InputError(f"{where} needs {key}")
    codes = tuple(normal(str(c)) for c in spec["codes"])
    drugs = tuple(str(c).strip().upper() for c in spec.get("drugs", ()))
    hcpcs = codes if kind == "prior_authorization" else drugs
    if kind == "covered_diagnoses":
        if not drugs:
            raise InputError(f"{where} needs drugs (the HCPCS codes it is for)")
        bad = [c for c in codes if shape_problem(c)]
        if bad:
            raise InputError(f"{where}: {bad[0]!r} is not an ICD-10-CM code or prefix")
    odd = [c for c in hcpcs if len(c) != 5 or not c.isalnum()]
    if odd:
        raise InputError(f"{where}: {odd[0]!r} is not a 5-character HCPCS/CPT code")
    ends = _day(spec["ends"], where) if "ends" in spec else _FOREVER
    return PolicyList(kind, name, str(spec.get("description", "")), codes, drugs,
                      str(spec["source"]), _day(spec["effective"], where), ends)


def _filing(settings: dict[str, Any], path: str) -> FilingLimit | None:
    months, days = settings.get("filing_limit_months"), settings.get("filing_limit_days")
    if months is None and days is None:
        return None
    if months is not None and days is not None:
        raise InputError(f"{path}: set filing_limit_months or filing_limit_days, not both")
    value = months if months is not None else days
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise InputError(f"{path}: the filing limit must be a positive whole number")
    warning = settings.get("filing_warning_days", 30)
    if not isinstance(warning, int) or warning < 0:
        raise InputError(f"{path}: filing_warning_days must be a whole number >= 0")
    return FilingLimit(months, days, warning, str(settings.get("filing_limit_source", "")))


def build_policy(doc: dict[str, Any], path: str) -> Policy:
    """The policy of a (merged) profile document; unknown list names are input errors."""
    shipped = shipped_doc()
    chosen = doc.get("policy", {})
    applied: list[PolicyList] = []
    index: dict[str, dict[str, list[PolicyList]]] = {"prior_authorization": {},
                                                     "covered_diagnoses": {}}
    for kind in ("prior_authorization", "covered_diagnoses"):
        available = {**shipped.get(kind, {}), **doc.get(kind, {})}
        for name in chosen.get(kind, []):
            if name not in available:
                raise InputError(f"{path}: [policy] {kind} names unknown list {name!r} (known: "
                                 f"{', '.join(sorted(available))})")
            item = _list(kind, name, available[name], path)  # a profile's table replaces
            applied.append(item)
            for code in (item.codes if kind == "prior_authorization" else item.drugs):
                index[kind].setdefault(code, []).append(item)
    return Policy(_filing(doc.get("settings", {}), path),
                  {k: tuple(v) for k, v in index["prior_authorization"].items()},
                  {k: tuple(v) for k, v in index["covered_diagnoses"].items()},
                  tuple(applied))
