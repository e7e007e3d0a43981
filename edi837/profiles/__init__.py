"""Payer profiles: which rules apply, at what severity, with which payer settings.

Built-in profiles are TOML files in this package (``medicare``, ``medicaid``,
``commercial``). A user file may start with ``extends = "medicare"`` and change
only what differs: tables (``severity``, ``settings``, ``drug_unit_limits``,
``single_dose``, ``policy``) merge key by key, everything else replaces.

Payer policy (:mod:`edi837.policy`): the filing limit (``[settings]``
``filing_limit_months`` / ``filing_limit_days``) and the prior-authorization and
covered-diagnosis lists a profile applies (``[policy]``, naming lists of
``edi837/data/policy.toml`` or of the profile itself).

Without ``--payer-profile`` each claim gets the built-in profile whose
``filing_indicators`` hold its SBR09 (MB/MA -> medicare, MC -> medicaid), else
``commercial``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from edi837.policy import Policy, build_policy
from x12core.errors import InputError
from x12core.fileio import read_toml
from x12core.findings import Severity

PROFILE_DIR = Path(__file__).resolve().parent
BUILTIN = ("medicare", "medicaid", "commercial")
DEFAULT = "commercial"


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    source: str
    filing_indicators: frozenset[str]
    ignore: tuple[str, ...]
    severity: dict[str, Severity]  # rule id or name -> severity
    facility_pos: frozenset[str]
    ndc_required: bool
    ndc_length: int
    jz_required_from: date
    unknown_container_warning: bool
    use_mue_for_drug_units: bool
    noc_description_in_nte: bool
    drug_unit_limits: dict[str, Decimal]
    single_dose: dict[str, bool]
    path: str
    policy: Policy
    nominal_drug_charge: Decimal = Decimal("0.01")  # what a free drug line is billed at


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


SCHEMA = PROFILE_DIR / "profile.schema.json"


def _read(path: Path) -> dict[str, Any]:
    return read_toml(path, "payer profile", SCHEMA)


def _build(doc: dict[str, Any], path: str) -> Profile:
    try:
        settings = doc.get("settings", {})
        jz_from = settings.get("jz_required_from", date(2023, 7, 1))
        if isinstance(jz_from, str):
            jz_from = date.fromisoformat(jz_from)
        return Profile(
            name=str(doc.get("name") or Path(path).stem),
            description=str(doc.get("description", "")),
            source=str(doc.get("source", "")),
            filing_indicators=frozenset(doc.get("filing_indicators", [])),
            ignore=tuple(doc.get("rules", {}).get("ignore", [])),
            severity={k: Severity.parse(v) for k, v in doc.get("severity", {}).items()},
            facility_pos=frozenset(str(p) for p in settings.get("facility_pos", [])),
            ndc_required=bool(settings.get("ndc_required", False)),
            ndc_length=int(settings.get("ndc_length", 11)),
            jz_required_from=jz_from,
            unknown_container_warning=bool(settings.get("unknown_container_warning", False)),
            use_mue_for_drug_units=bool(settings.get("use_mue_for_drug_units", True)),
            noc_description_in_nte=bool(settings.get("noc_description_in_nte", False)),
            drug_unit_limits={k: Decimal(str(v))
                              for k, v in doc.get("drug_unit_limits", {}).items()},
            single_dose={k: bool(v) for k, v in doc.get("single_dose", {}).items()},
            path=path, policy=build_policy(doc, path),
            nominal_drug_charge=Decimal(str(settings.get("nominal_drug_charge", "0.01"))))
    except (ValueError, TypeError, InvalidOperation) as err:
        raise InputError(f"{path}: bad payer profile value ({err})") from None


@cache
def _builtin_doc(name: str) -> dict[str, Any]:
    # Shipped profiles are checked against the schema by the test suite
    # (tests/scan/test_profiles.py), not at every start: jsonschema costs ~100 ms to import.
    return read_toml(PROFILE_DIR / f"{name}.toml", "payer profile")


@cache
def builtin(name: str) -> Profile:
    return _build(_builtin_doc(name), str(PROFILE_DIR / f"{name}.toml"))


def load_profile(spec: str | os.PathLike[str]) -> Profile:
    """A built-in profile by name, or a user TOML file (which may ``extends`` a built-in)."""
    text = os.fspath(spec)
    if text in BUILTIN:
        return builtin(text)
    path = Path(text)
    if not path.suffix and not path.exists():
        raise InputError(f"{text}: unknown payer profile (use {', '.join(BUILTIN)} or a "
                         "TOML file)")
    doc = _read(path)
    own_name = str(doc.get("name") or path.stem)
    parent = doc.get("extends")
    if parent is not None:
        if parent not in BUILTIN:
            raise InputError(f"{path}: extends unknown profile {parent!r} (use "
                             f"{', '.join(BUILTIN)})")
        base = _builtin_doc(parent)
        own = doc.get("settings", {})
        if "filing_limit_days" in own or "filing_limit_months" in own:
            # A user's filing limit replaces the parent's, whichever unit either uses.
            base = {**base, "settings": {k: v for k, v in base.get("settings", {}).items()
                                         if k not in ("filing_limit_days",
                                                      "filing_limit_months")}}
        doc = _merge(base, {k: v for k, v in doc.items() if k != "extends"})
    doc["name"] = own_name
    return _build(doc, str(path))


class ProfileChooser:
    """The profile for each claim: the one forced by the user, or one from SBR09."""

    def __init__(self, forced: Profile | None = None) -> None:
        self.forced = forced
        self.by_indicator: dict[str, Profile] = {}
        for name in BUILTIN:
            profile = builtin(name)
            for indicator in profile.filing_indicators:
                self.by_indicator[indicator] = profile
        self.default = builtin(DEFAULT)

    def for_indicator(self, filing_indicator: str) -> Profile:
        if self.forced is not None:
            return self.forced
        return self.by_indicator.get(filing_indicator, self.default)

    def profiles(self) -> list[Profile]:
        if self.forced is not None:
            return [self.forced]
        return [builtin(name) for name in BUILTIN]
