"""Lookups in the installed tables (``claimkit data install``) and the shipped subsets.

:class:`InstalledLookups` is the part of :class:`edi837.tables.Tables` that answers per
date of service: the MUE, code dates and HCPCS descriptor in force, drug billing units,
antineoplastics by code set, the NDC's FDA package, crosswalk rows and SAD entries, and
which tables judged a run. Rules call these instead of reading the shipped dicts.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from edi837.data.loaders import CodeDates, Mue
from refdata.kinds import HCPCS as HCPCS_KIND
from refdata.kinds import MUE as MUE_KIND
from refdata.kinds import PTP as PTP_KIND
from refdata.kinds import as_date as _as_date
from refdata.lookup import Package, SadEntry, XwalkRow
from refdata.units import billing_unit_of

if TYPE_CHECKING:
    from edi837.data.loaders import TableInfo
    from edi837.data.overrides import Overrides
    from edi837.tables import Drug
    from refdata.lookup import RefData


def _sha(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return ""


class InstalledLookups:
    """Mixin of :class:`~edi837.tables.Tables` (which holds the attributes below)."""

    if TYPE_CHECKING:
        ref: RefData | None
        installed: frozenset[str]
        overrides: Overrides
        mue: dict[str, Mue]
        dates: dict[str, CodeDates]
        drugs: dict[str, Drug]
        info: list[TableInfo]
        sets: dict[str, frozenset[str]]
        injection: frozenset[str]
        memo: dict[object, object]

    def mue_for(self, code: str, when: date | None) -> Mue | None:
        """The MUE of ``code`` in the table in force on ``when``: a one-off user file,
        else the installed quarter of that date, else the shipped subset."""
        over = self.overrides.mue.get(code)
        if over is not None:
            return over
        if self.ref is not None and MUE_KIND in self.installed:
            row = self.ref.mue(code, when)
            return Mue(code, row[0], row[1], row[2]) if row is not None else None
        return self.mue.get(code)

    def code_dates(self, code: str, when: date | None) -> CodeDates | None:
        """Start/end dates of ``code``: a one-off HCPCS file, else the installed HCPCS
        quarter of ``when`` (Level II codes), else the shipped table (CPT deletions)."""
        over = self.overrides.dates.get(code)
        if over is not None:
            return over
        curated = self.dates.get(code)
        if self.ref is not None and HCPCS_KIND in self.installed:
            row = self.ref.hcpcs(code, when)
            if row is not None:
                return CodeDates(code, _as_date(row[2]), _as_date(row[3]),
                                 curated.replacement if curated else "", row[0])
        return curated

    def hcpcs_known(self, code: str, when: date | None) -> bool | None:
        """Is a Level II code in the installed HCPCS quarter of ``when``? ``None`` when no
        HCPCS quarter is installed (the shipped subset cannot say a code is unknown)."""
        if self.ref is None or HCPCS_KIND not in self.installed:
            return None
        return self.ref.hcpcs(code, when) is not None

    def descriptor(self, code: str, when: date | None = None) -> str:
        """The HCPCS long descriptor in force on ``when`` ("" when unknown)."""
        if self.ref is not None and HCPCS_KIND in self.installed:
            row = self.ref.hcpcs(code, when)
            if row is not None:
                return str(row[0])
        info = self.dates.get(code)
        return info.descriptor if info is not None else ""

    def billing_unit(self, code: str, when: date | None = None) -> str:
        """One HCPCS unit of a drug, parsed from its descriptor ("per 15 mg" -> "15 mg",
        "up to 1000 mcg" -> "up to 1000 mcg"); the drug table's value otherwise."""
        unit = billing_unit_of(self.descriptor(code, when))
        if unit:
            return unit
        drug = self.drugs.get(code)
        return drug.billing_unit if drug is not None else ""

    def is_chemotherapy(self, code: str, when: date | None = None) -> bool:
        """Antineoplastic by code set: J9000-J9999, or classed chemotherapy (BETOS O1D)
        in the installed HCPCS quarter, or an antineoplastic in the drug table."""
        if len(code) == 5 and code[0] == "J" and code[1] == "9" and code[2:].isdigit():
            return True
        if self.ref is not None and HCPCS_KIND in self.installed:
            row = self.ref.hcpcs(code, when)
            if row is not None and str(row[4]).upper() == "O1D":
                return True
        drug = self.drugs.get(code)
        return bool(drug and drug.antineoplastic)

    def codes_named(self, name: str, when: date | None = None) -> list[str]:
        """HCPCS drug codes whose descriptor names ``name`` ("ceftriaxone" -> J0696), from
        the installed HCPCS quarter of ``when``, else the shipped descriptors; NOC codes
        are left out. For NOC checks: a drug that has its own code."""
        word = name.strip().lower()
        if len(word) < 4:
            return []
        if self.ref is not None and HCPCS_KIND in self.installed:
            found = self.ref.hcpcs_named(word, when)
        else:
            found = [c for c, d in self.dates.items() if word in d.descriptor.lower()]
        noc = self.sets.get("noc_drugs", frozenset())
        return sorted(c for c in found if c not in noc)

    def has_table(self, kind: str) -> bool:
        """Is a table of ``kind`` available at all (installed or a shipped subset)?"""
        key = ("has-table", kind)
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = self.ref is not None and self.ref.has(kind)
        return found  # type: ignore[return-value]

    def ndc_package(self, ndc: str) -> Package | None:
        """The FDA directory package of an 11-digit NDC (installed, else shipped subset)."""
        return self.ref.package(ndc) if self.ref is not None else None

    def crosswalk(self, ndc: str, when: date | None) -> list[XwalkRow]:
        """ASP NDC-HCPCS crosswalk rows of an NDC in the quarter of ``when``."""
        return self.ref.crosswalk_ndc(ndc, when) if self.ref is not None else []

    def self_administered(self, code: str, when: date | None) -> list[SadEntry]:
        """SAD-list entries excluding ``code`` on ``when`` (installed lists, else shipped)."""
        return self.ref.sad(code, when) if self.ref is not None else []

    def reference_data(self) -> list[dict[str, object]]:
        """Which tables judged this run (JSON ``reference_data``): installed datasets and
        shipped subsets consulted, one-off user files, and the shipped NCCI/HCPCS subsets
        of kinds that are not installed."""
        out: list[dict[str, object]] = []
        for kind, name in ((PTP_KIND, "ptp"), (MUE_KIND, "mue"), (HCPCS_KIND, "hcpcs")):
            if kind in self.installed:
                continue
            info = next((i for i in self.info if i.name == name), None)
            if info is not None:
                out.append({"kind": kind, "title": info.title, "version": "shipped subset",
                            "source": "shipped subset", "effective": {"start": info.effective,
                                                                      "end": None},
                            "sha256": [_sha(info.path)], "files": [Path(info.path).name]})
        if self.ref is not None:
            out.extend(self.ref.reference_data())
        out.extend(self.overrides.provenance)
        return out

    def reference_summary(self) -> str:
        """"ncci-ptp v322r0 installed 1a2b3c4d; ncci-mue 2026Q3,2026Q4 installed …": every
        table in use (not only those consulted so far), for JSONL/CSV rows."""
        parts = []
        for kind, name in ((PTP_KIND, "ptp"), (MUE_KIND, "mue"), (HCPCS_KIND, "hcpcs")):
            if kind not in self.installed:
                info = next((i for i in self.info if i.name == name), None)
                if info is not None:
                    parts.append(f"{kind} shipped subset {info.effective}")
        if self.ref is not None:
            parts.extend(self.ref.summary())
        for p in self.overrides.provenance:
            parts.append(f"{p['kind']} {p['version']} user file {p['files'][0]} "  # type: ignore[index]
                         f"{str(p['sha256'][0])[:12]}")  # type: ignore[index]
        return "; ".join(parts)

    def subsets_judging(self) -> list[str]:
        """Core kinds (PTP, MUE, HCPCS) judged by shipped subsets, not installed tables."""
        names = {PTP_KIND: "NCCI PTP", MUE_KIND: "MUE", HCPCS_KIND: "HCPCS"}
        return [names[k] for k in (PTP_KIND, MUE_KIND, HCPCS_KIND) if k not in self.installed]

    def _add_installed_sets(self) -> None:
        """Pre-filter sets grown with the installed PTP pairs and HCPCS codes."""
        if self.ref is None:
            return
        s = self.sets
        s["sad_codes"] = frozenset(self.ref.sad_codes())
        if PTP_KIND in self.installed:
            mod0, col1 = self.ref.ptp_partners(self.injection)
            s["ptp_modifier0_partners"] = s["ptp_modifier0_partners"] | mod0
            s["ptp_column1_partners"] = s["ptp_column1_partners"] | col1
        if HCPCS_KIND in self.installed or self.overrides.dates:
            s["dated_codes"] = s["dated_codes"] | frozenset(self.overrides.dates) | \
                (frozenset(self.ref.hcpcs_codes()) if HCPCS_KIND in self.installed
                 else frozenset())

