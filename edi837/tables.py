"""Reference tables the rules read, loaded once per run as frozensets and dicts.

The shipped tables are curated subsets with their source and effective date
(``edi837/data``). :meth:`Tables.load` adds the tables installed with ``claimkit
data install`` (looked up per date of service, :mod:`refdata.lookup`) and one-off
official files (``--ptp-file``, ``--mue-file``, ``--hcpcs-file``, repeatable).
Rules read MUE, PTP and code dates through :meth:`Tables.mue_for`,
:meth:`Tables.ptp_edits` and :meth:`Tables.code_dates`; drug lookups other rules
can use: :meth:`Tables.descriptor`, :meth:`Tables.billing_unit`,
:meth:`Tables.is_chemotherapy`.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from edi837.data.loaders import (
    DATA_DIR,
    CodeDates,
    Mue,
    PtpEdit,
    TableInfo,
    parse_any_date,
    read_table,
)
from edi837.data.overrides import Overrides, load_overrides
from edi837.icd10 import CodeSet, load_code_file, package_set
from edi837.table_lookups import InstalledLookups
from refdata.kinds import PTP as PTP_KIND
from refdata.kinds import as_date as _as_date
from refdata.lookup import RefData
from x12core.errors import InputError

REFDATA_DIR = DATA_DIR / "refdata"
SHIPPED_AS_OF = date(2026, 12, 1)  # when the shipped subsets were curated


def shipped_refdata() -> tuple[Path, ...]:
    """Curated subsets in the distributed layouts (ASP crosswalk rows, a SAD list; FDA
    ``ndctext/product.txt`` + ``package.txt`` rows when there are sourced ones), compiled
    by the installer's own readers; sources in ``edi837/data/refdata/SOURCES.md``."""
    if not REFDATA_DIR.is_dir():
        return ()
    return (*sorted(REFDATA_DIR.glob("*.csv")), *sorted((REFDATA_DIR / "ndctext").glob("*.txt")))


def expand(spec: str) -> list[str]:
    """``"90476-90759"`` -> every code in the range; ``"G0008-G0010"`` keeps the letter."""
    if "-" not in spec:
        return [spec]
    first, last = spec.split("-")
    head = len(first) - len(first.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    tail = len(first) - len(first.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    prefix, suffix = first[:head], first[len(first) - tail:] if tail else ""
    lo = int(first[head : len(first) - tail])
    hi = int(last[head : len(last) - tail])
    width = len(first) - head - tail
    if hi < lo or hi - lo > 10_000:
        raise ValueError(f"bad code range {spec!r}")
    return [f"{prefix}{n:0{width}d}{suffix}" for n in range(lo, hi + 1)]


@dataclass(frozen=True, slots=True)
class Drug:
    code: str
    billing_unit: str
    route: str
    single_dose: bool | None  # None: unknown
    antineoplastic: str  # "hormonal", "non-hormonal" or ""
    cancer_dx_required: bool


@dataclass
class Tables(InstalledLookups):
    """Everything a rule looks up. Build with :meth:`load`; treat as read-only."""

    sets: dict[str, frozenset[str]]
    drugs: dict[str, Drug]
    mue: dict[str, Mue]
    dates: dict[str, CodeDates]
    ptp: dict[tuple[str, str], tuple[PtpEdit, ...]]
    info: list[TableInfo] = field(default_factory=list)
    memo: dict[object, object] = field(default_factory=dict)  # values rules derive once
    icd10_files: tuple[CodeSet, ...] = ()  # --icd10-file code sets, preferred in order
    ref: RefData | None = None  # installed store + shipped refdata subsets
    installed: frozenset[str] = frozenset()  # kinds installed in the store
    overrides: Overrides = field(default_factory=Overrides)  # --ptp-file etc.

    # Hot sets, bound once so rules avoid a dict lookup per call.
    def __post_init__(self) -> None:
        # Derived sets, usable as rule pre-filters (``needs``) like the shipped ones.
        s = self.sets = dict(self.sets)
        injection = s["injection"]
        s["antineoplastic_drugs"] = frozenset(c for c, d in self.drugs.items()
                                              if d.antineoplastic) | s.get(
                                                  "antineoplastic_codes", frozenset())
        # Codes that pair with 96372 in a PTP edit: modifier-0 partners (either column)
        # and column-1 codes that bundle 96372 (modifier 1). E/M codes that are column 2
        # to 96372 with modifier 1 belong to the modifier-25 rule, not here.
        mod0: set[str] = set()
        col1: set[str] = set()
        for (c1, c2), edits in self.ptp.items():
            if c1 in injection and c2 not in injection:
                if any(e.modifier == 0 for e in edits):
                    mod0.add(c2)
            elif c2 in injection and c1 not in injection:
                if any(e.modifier == 0 for e in edits):
                    mod0.add(c1)
                if any(e.modifier == 1 for e in edits):
                    col1.add(c1)
        s["ptp_modifier0_partners"] = frozenset(mod0)
        s["dated_codes"] = frozenset(self.dates)
        s["ptp_column1_partners"] = frozenset(col1)
        s.setdefault("sad_codes", frozenset())
        self.injection = s["injection"]
        self.needs_drug = s["administration_needing_drug"]
        self.administration = s["administration"]
        self.injection_infusion = s["injection_infusion"]
        self.drug_admin_primary = s["drug_administration_primary"]
        self.antineoplastic_admin = s["antineoplastic_administration"]
        self.vaccines = s["vaccine_products"]
        self.vaccine_admin = s["vaccine_administration"]
        self.immune_globulins = s["immune_globulins"]
        self.noc = s["noc_drugs"]
        self.non_injectable = s["non_injectable_drugs"]
        self.drug_q_codes = s["drug_q_codes"]
        self.em_needs_25 = s["em_separately_identifiable"]
        self.em = s["evaluation_management"]
        self.distinct = s["distinct_service_modifiers"]
        self.x_modifiers = s["x_modifiers"]
        self.repeat_modifiers = s["repeat_modifiers"]
        self.immunization_dx = s["immunization_diagnoses"]
        self.ndc_units = s["ndc_units"]
        self._drug_kind: dict[str, int] = {}
        from edi837.edit_tables import derived_sets  # route sets of the edit families

        s.update(derived_sets(self))

    # -- drug classification ----------------------------------------------
    # 0 not a drug, 1 drug that is not injected (oral/inhalation), 2 injectable drug
    def _kind(self, code: str) -> int:
        kind = self._drug_kind.get(code)
        if kind is None:
            if code in self.vaccines:
                kind = 0
            elif code in self.non_injectable:
                kind = 1
            elif (code in self.drugs or code in self.noc or code in self.immune_globulins
                  or code in self.drug_q_codes
                  or (len(code) == 5 and code[0] == "J" and code[1:].isdigit())):
                kind = 2
            else:
                kind = 0
            if len(self._drug_kind) < 50_000:
                self._drug_kind[code] = kind
        return kind

    def is_drug(self, code: str) -> bool:
        """A supplied drug or biological (J-code, drug Q-code, NOC drug, immune globulin)."""
        kind = self._drug_kind.get(code)  # hot: called for most lines by several rules
        return (kind if kind is not None else self._kind(code)) > 0

    def is_injectable_drug(self, code: str) -> bool:
        """A drug 96372 can administer: not oral (J8xxx) and not inhalation/DME (J75xx-J77xx)."""
        kind = self._drug_kind.get(code)
        return (kind if kind is not None else self._kind(code)) == 2

    def ptp_edits(self, column1: str, column2: str) -> tuple[PtpEdit, ...]:
        """Edits of the pair: a one-off user file's, else the installed newest quarter's
        (rows carry their effective/deletion dates), else the shipped subset's."""
        over = self.overrides.ptp.get((column1, column2))
        if over is not None:
            return tuple(over)
        if self.ref is not None and PTP_KIND in self.installed:
            key = ("ptp", column1, column2)
            hit = self.memo.get(key)
            if hit is None:
                hit = self.memo[key] = tuple(
                    PtpEdit(column1, column2, _as_date(eff), _as_date(dele), mod, why)
                    for eff, dele, mod, why in self.ref.ptp(column1, column2))
            return hit  # type: ignore[return-value]
        return self.ptp.get((column1, column2), ())

    @property
    def icd10(self) -> tuple[CodeSet, ...]:
        """ICD-10-CM code sets: the user's files, then the packaged release (read lazily)."""
        sets = self.memo.get("icd10")
        if sets is None:
            shipped = package_set()
            installed = self.ref.icd10_sets() if self.ref is not None and \
                "icd10cm" in self.installed else []
            sets = self.memo["icd10"] = (
                *self.icd10_files,
                *(CodeSet(f"ICD-10-CM {v} (installed)", "claimkit data install", start, end,
                          codes) for v, start, end, codes in installed),
                *((shipped,) if shipped else ()))
        return sets  # type: ignore[return-value]

    # -- loading -----------------------------------------------------------
    @classmethod
    def load(cls, *, ptp_file: str | os.PathLike[str] | None = None,
             mue_file: str | os.PathLike[str] | None = None,
             hcpcs_file: str | os.PathLike[str] | None = None,
             icd10_files: tuple[str | os.PathLike[str], ...] = (),
             ptp_files: tuple[str | os.PathLike[str], ...] = (),
             mue_files: tuple[str | os.PathLike[str], ...] = (),
             hcpcs_files: tuple[str | os.PathLike[str], ...] = (),
             data_dir: str | os.PathLike[str] | None = None,
             installed: bool = True) -> Tables:
        """The shipped tables, the installed store (``claimkit data install``) and any
        one-off official files (added to coverage, never replacing it)."""
        base = _shipped()
        ptp_all = (*ptp_files, *((ptp_file,) if ptp_file is not None else ()))
        mue_all = (*mue_files, *((mue_file,) if mue_file is not None else ()))
        hcpcs_all = (*hcpcs_files, *((hcpcs_file,) if hcpcs_file is not None else ()))
        ref = RefData(data_dir, installed=installed, shipped=shipped_refdata(),
                      shipped_as_of=SHIPPED_AS_OF)
        kinds = ref.installed_kinds()
        overrides = load_overrides(ptp_all, mue_all, hcpcs_all, base.sets["injection"])
        ptp = dict(base.ptp)
        for pair, edits in overrides.ptp.items():
            ptp[pair] = tuple(edits)
        info = list(base.info)
        user_icd10 = tuple(load_code_file(p) for p in icd10_files)
        for code_set in user_icd10:
            info.append(TableInfo("icd10-file", code_set.label, code_set.source, code_set.period,
                                  len(code_set.billable), code_set.source))
        tables = cls(base.sets, base.drugs, base.mue, base.dates, ptp, info,
                     icd10_files=user_icd10, ref=ref, installed=frozenset(kinds),
                     overrides=overrides)
        tables._add_installed_sets()
        return tables


def _index_ptp(edits: list[PtpEdit]) -> dict[tuple[str, str], tuple[PtpEdit, ...]]:
    index: dict[tuple[str, str], list[PtpEdit]] = {}
    for edit in edits:
        index.setdefault((edit.column1, edit.column2), []).append(edit)
    return {k: tuple(v) for k, v in index.items()}


def _flag(text: str) -> bool | None:
    text = text.strip().lower()
    return True if text == "y" else False if text == "n" else None


@cache
def _shipped(directory: Path = DATA_DIR) -> Tables:
    info: list[TableInfo] = []
    sets: dict[str, frozenset[str]] = {}
    # codesets.toml: the 96372 families; edits.toml: the clearinghouse edit families.
    for path in (directory / "codesets.toml", directory / "edits.toml"):
        with open(path, "rb") as handle:
            doc = tomllib.load(handle)
        for name, spec in doc["sets"].items():
            if "source" not in spec or "effective" not in spec:
                raise InputError(f"{path}: set {name} needs source and effective")
            if name in sets:
                raise InputError(f"{path}: set {name} is defined twice")
            sets[name] = frozenset(c for s in spec["codes"] for c in expand(s))
            info.append(TableInfo(f"{path.stem}.{name}", spec["description"], spec["source"],
                                  spec["effective"], len(sets[name]), str(path)))

    t, rows = read_table("drugs.csv", directory)
    info.append(t)
    drugs = {r["code"]: Drug(r["code"], r["billing_unit"], r["route"], _flag(r["single_dose"]),
                             r["antineoplastic"], _flag(r["cancer_dx_required"]) is True)
             for r in rows}
    t, rows = read_table("mue.csv", directory)
    info.append(t)
    mue = {r["code"]: Mue(r["code"], int(r["mue"]), int(r["mai"]) if r["mai"] else None,
                          r["rationale"]) for r in rows}
    t, rows = read_table("hcpcs.csv", directory)
    info.append(t)
    dates = {r["code"]: CodeDates(r["code"], parse_any_date(r["start"]),
                                  parse_any_date(r["end"]), r["replacement"], r["descriptor"])
             for r in rows}
    t, rows = read_table("ptp.csv", directory)
    info.append(t)
    edits = [PtpEdit(r["Column 1"], r["Column 2"], parse_any_date(r["Effective Date"]),
                     parse_any_date(r["Deletion Date *=no data"]),
                     int(r["Modifier 0=not allowed 1=allowed 9=not applicable"]),
                     r["PTP Edit Rationale"]) for r in rows]
    from edi837.edit_tables import table_info  # the edit families' CSV tables

    info.extend(table_info())
    return Tables(sets, drugs, mue, dates, _index_ptp(edits), info)
