"""Root causes: group code + CARC + RARC -> category, denial, CORE scenario, action.

The knowledge lives in ``causes.toml`` (our own wording; categories from
``docs/output.md``); this module loads it, merges a user overlay on top and
resolves an adjustment to a :class:`Cause` by the most specific match
(reference §C.3, contract "most specific mapping"):

1. ``[[combo]]`` group + CARC + RARC
2. ``[[combo]]`` CARC + RARC (any group)
3. ``[[combo]]`` group + CARC (e.g. PR-45, the limiting charge a patient owes)
4. a CARC marked ``refine`` (16, 96, 4, A1 ...) takes its category from the first
   remark that is not an alert (CO-16 + M119 -> drug-data)
5. the CARC alone
6. nothing: ``unmapped`` -- shown with its code, never dropped.

Then three rules of §C.3 that depend on the group or the remarks: a PR-group
denial is a denial the patient is liable for ("bill patient"); a QMB/Medicaid
protected remark forbids billing the patient; CARC 16 with MA130 (or the N211 /
N704 alerts) is a Medicare "return as unprocessable": a new claim, no appeal.
On a reversal claim (CLP02 = 22) the codes keep their categories, so totals by category
net the reversal against the original; the action says to pair and net it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from x12core.errors import InputError
from x12core.fileio import read_toml
from x12core.findings import CATEGORY_SET

DEFAULT_MAP = Path(__file__).with_name("causes.toml")
GROUPS = ("CO", "PR", "OA", "PI")
_UNPROCESSABLE_CARCS = frozenset({"16", "125"})  # CARC 125 is 16's retired predecessor
_NO_CATEGORY = {"structure", "balancing"}  # 837/835 checks, never a root cause


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """One CARC or RARC entry of the map."""

    code: str
    kind: str  # "CARC" or "RARC"
    meaning: str
    category: str = ""  # empty for pure alerts
    denial: bool | None = None  # None: the category's default
    core: int | None = None  # None: the category's default; 0: no scenario
    action: str = ""
    refine: bool = False  # CARC: a remark may set the category
    alert: bool = False  # RARC: informational only
    unprocessable: bool = False  # RARC: with CARC 16, Medicare "return as unprocessable"
    protected: bool = False  # RARC: the patient may not be billed (QMB)
    end: str = ""  # deactivation date (kept so old reversals still explain)


@dataclass(frozen=True, slots=True)
class Cause:
    """What one adjustment means and what to do about it."""

    category: str
    denial: bool
    core: int | None  # CAQH CORE business scenario 1-4, None when not applicable
    action: str
    meaning: str
    matched: str  # which entry decided, e.g. "CO-16 refined by M119"
    remark: str = ""  # the RARC that decided, if any
    unprocessable: bool = False
    mapped: bool = True
    reversal: bool = False  # on a reversal claim (CLP02 = 22): net it, do not act on it


class CauseMap:
    """The loaded map. ``classify`` is cached: a file repeats the same few code pairs."""

    def __init__(self, data: dict[str, Any], origin: str = "causes.toml") -> None:
        _check(data, origin)
        self.source = str(data.get("source", ""))
        self.effective = str(data.get("effective", ""))
        self.origin = origin
        self.core_names = {int(k): str(v) for k, v in data.get("core", {}).items()}
        self.groups = {str(k): str(v) for k, v in data.get("group", {}).items()}
        self.categories: dict[str, dict[str, Any]] = dict(data.get("category", {}))
        self.special = {str(k): str(v) for k, v in data.get("special", {}).items()}
        self.carcs = {code: _info(code, "CARC", e) for code, e in data.get("carc", {}).items()}
        self.rarcs = {code: _info(code, "RARC", e) for code, e in data.get("rarc", {}).items()}
        self.combos: dict[tuple[str, str, str], dict[str, Any]] = {}
        for combo in data.get("combo", []):
            self.combos[_combo_key(combo)] = combo
        self._cache: dict[tuple[str, str, tuple[str, ...], bool], Cause] = {}
        # ``cached((group, reason, remarks, reversal))``: a Cause already classified, or None.
        self.cached = self._cache.get

    # -- loading --------------------------------------------------------
    @classmethod
    def load(cls, overlay: str | os.PathLike[str] | None = None) -> CauseMap:
        """The bundled map, with ``overlay`` (a user TOML file) merged on top."""
        if overlay is None:
            return default_map()
        data = merge(_read_shipped(), _read(Path(overlay)))
        return cls(data, origin=f"{DEFAULT_MAP.name} + {os.fspath(overlay)}")

    # -- lookups --------------------------------------------------------
    def category_default(self, category: str, key: str) -> Any:
        return self.categories.get(category, {}).get(key)

    def core_name(self, core: int | None) -> str:
        return self.core_names.get(core, "") if core else ""

    def classify(self, group: str, reason: str, remarks: tuple[str, ...] = (),
                 reversal: bool = False) -> Cause:
        """The :class:`Cause` of one CAS triple, given the remarks that apply to it."""
        key = (group, reason, remarks, reversal)
        cause = self._cache.get(key)
        if cause is None:
            cause = self._classify(group, reason, remarks)
            if reversal:
                # The codes keep their own category (so summing by category nets the
                # reversal against the original, §B.7); what to do is pair and net.
                cause = replace(cause, action=self.default_action("reversal"),
                                unprocessable=False, reversal=True)
            self._cache[key] = cause
        return cause

    def _classify(self, group: str, reason: str, remarks: tuple[str, ...]) -> Cause:
        carc = self.carcs.get(reason)
        if carc is None:
            known = [r for r in remarks if r in self.rarcs]
            extra = f" (remarks: {', '.join(known)})" if known else ""
            return Cause("unmapped", True, None, self.default_action("unmapped"),
                         f"reason code {reason} is not in the cause map{extra}",
                         f"{group}-{reason}" if group else reason, mapped=False)
        combo, matched, remark = self._combo(group, reason, remarks)
        rarc = self.rarcs.get(remark) if remark else None
        group_specific = bool(combo and combo.get("group"))
        if combo is not None:
            category = str(combo.get("category") or carc.category)
            sources: list[Any] = [combo, rarc, carc]
        else:
            remark = self._refining_remark(remarks) if carc.refine else ""
            rarc = self.rarcs.get(remark) if remark else None
            if rarc is not None:
                category = rarc.category
                matched = f"{_code(group, reason)} refined by {remark}"
            else:
                category = carc.category
                matched = _code(group, reason)
            sources = [rarc, carc]
        denial, core, action = self.resolve_fields(category, sources)
        meaning = carc.meaning
        if combo is not None and combo.get("meaning"):
            meaning = str(combo["meaning"])
        if rarc is not None:
            meaning += f"; {rarc.code}: {rarc.meaning}"
        unprocessable = reason in _UNPROCESSABLE_CARCS and any(
            r in self.rarcs and self.rarcs[r].unprocessable for r in remarks)
        if unprocessable:
            what = (f"what {rarc.code} names ({rarc.meaning})" if rarc and not rarc.unprocessable
                    else "the missing or invalid data (no other remark says which: compare the "
                    "claim with the payer's front-end edits)")
            action = self.special.get("unprocessable", "{what}").replace("{what}", what)
        if group == "PR":
            if any(r in self.rarcs and self.rarcs[r].protected for r in remarks):
                action = self.special.get("protected_patient", action)
            elif denial and not group_specific:
                # §C.3 rule 5: a payer denial assigned to the patient (e.g. PR-50 after
                # an ABN). Still a denial for the metrics, but the money is the patient's.
                action = self.special.get("patient_liability", action)
        return Cause(category, denial, core or None, action, meaning, matched, remark,
                     unprocessable)

    def _combo(self, group: str, reason: str, remarks: tuple[str, ...]
               ) -> tuple[dict[str, Any] | None, str, str]:
        combos = self.combos
        for remark in remarks:
            combo = combos.get((group, reason, remark))
            if combo is not None:
                return combo, f"{group}-{reason} + {remark}", remark
        for remark in remarks:
            combo = combos.get(("", reason, remark))
            if combo is not None:
                return combo, f"{reason} + {remark}", remark
        combo = combos.get((group, reason, ""))
        if combo is not None:
            return combo, f"{group}-{reason}", ""
        return None, "", ""

    def _refining_remark(self, remarks: tuple[str, ...]) -> str:
        """First non-alert remark with a category; one that is only the RUC flag comes last."""
        fallback = ""
        for remark in remarks:
            info = self.rarcs.get(remark)
            if info is None or info.alert or not info.category:
                continue
            if not info.unprocessable:
                return remark
            fallback = fallback or remark
        return fallback

    def resolve_fields(self, category: str, sources: list[Any]) -> tuple[bool, int, str]:
        """denial, core, action: the most specific source of the same category that sets it."""
        denial: bool | None = None
        core: int | None = None
        action = ""
        for source in sources:
            if source is None:
                continue
            get = source.get if isinstance(source, dict) else source.__getattribute__
            src_category = get("category") or category
            if src_category != category:
                continue
            if denial is None and get("denial") is not None:
                denial = bool(get("denial"))
            if core is None and get("core") is not None:
                core = int(get("core"))
            if not action and get("action"):
                action = str(get("action"))
        if denial is None:
            denial = bool(self.category_default(category, "denial"))
        if core is None:
            core = int(self.category_default(category, "core") or 0)
        return denial, core, action or self.default_action(category)

    def default_action(self, category: str) -> str:
        return str(self.category_default(category, "action") or "")


def _code(group: str, reason: str) -> str:
    return f"{group}-{reason}" if group else reason


def _combo_key(combo: dict[str, Any]) -> tuple[str, str, str]:
    return (str(combo.get("group", "")), str(combo.get("carc", "")), str(combo.get("rarc", "")))


def _info(code: str, kind: str, entry: dict[str, Any]) -> CodeInfo:
    return CodeInfo(code=code, kind=kind, meaning=str(entry.get("meaning", "")),
                    category=str(entry.get("category", "")), denial=entry.get("denial"),
                    core=entry.get("core"), action=str(entry.get("action", "")),
                    refine=bool(entry.get("refine", False)), alert=bool(entry.get("alert", False)),
                    unprocessable=bool(entry.get("unprocessable", False)),
                    protected=bool(entry.get("protected", False)), end=str(entry.get("end", "")))


def _read(path: Path) -> dict[str, Any]:
    return read_toml(path, "cause map", SCHEMA)


def _read_shipped() -> dict[str, Any]:
    # Without the schema check: jsonschema's import and the check cost every remit,
    # reconcile and audit start; tests/remit/test_causes_map.py holds the shipped map
    # to the schema. A user's overlay is still checked (``_read``).
    return read_toml(DEFAULT_MAP, "cause map")


SCHEMA = Path(__file__).resolve().parent / "causes.schema.json"


def merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """Overlay on top of base: tables merge entry by entry and field by field;
    ``[[combo]]`` entries merge by their (group, carc, rarc) key."""
    out = dict(base)
    for key, value in overlay.items():
        if key == "combo":
            combos = {_combo_key(c): dict(c) for c in base.get("combo", [])}
            for combo in value:
                combos[_combo_key(combo)] = {**combos.get(_combo_key(combo), {}), **combo}
            out["combo"] = list(combos.values())
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            table = dict(base[key])
            for code, entry in value.items():
                old = table.get(code)
                table[code] = {**old, **entry} if isinstance(old, dict) and \
                    isinstance(entry, dict) else entry
            out[key] = table
        else:
            out[key] = value
    return out


def _check(data: dict[str, Any], origin: str) -> None:
    """Reject maps that would produce words outside the contract's vocabulary."""
    def bad(message: str) -> InputError:
        return InputError(f"{origin}: not a valid cause map: {message}")

    entries: list[tuple[str, Any]] = [(f"carc {k}", v) for k, v in data.get("carc", {}).items()]
    entries += [(f"rarc {k}", v) for k, v in data.get("rarc", {}).items()]
    combos = data.get("combo", [])
    if not isinstance(combos, list):
        raise bad("combo must be an array of tables ([[combo]])")
    entries += [(f"combo {_combo_key(c)}", c) for c in combos]
    for name, entry in entries:
        if not isinstance(entry, dict):
            raise bad(f"{name} must be a table")
        category = entry.get("category", "")
        if category and (category not in CATEGORY_SET or category in _NO_CATEGORY):
            raise bad(f"{name}: unknown category {category!r}")
        core = entry.get("core")
        if core is not None and (not isinstance(core, int) or not 0 <= core <= 4):
            raise bad(f"{name}: core must be 0-4")
        if "denial" in entry and not isinstance(entry["denial"], bool):
            raise bad(f"{name}: denial must be true or false")
    for combo in combos:
        if not combo.get("carc"):
            raise bad("every [[combo]] needs a carc")
    for category in data.get("category", {}):
        if category not in CATEGORY_SET:
            raise bad(f"unknown category table [category.{category}]")


@cache
def default_map() -> CauseMap:
    """The bundled map, loaded once per process."""
    return CauseMap(_read_shipped(), origin=DEFAULT_MAP.name)
