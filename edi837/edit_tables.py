"""Lookups of the clearinghouse edit families (issue 12), each behind one small function.

The shipped tables are curated subsets in ``edi837/data`` (``edits.toml`` code
sets; ``addon.csv``, ``vaccines.csv``, ``antineoplastic.csv``, ``routes.csv``,
``containers.csv``, ``sex_edits.csv``), each with its provenance header. Rules
ask these functions, never the files, so an installed official table (the CMS
add-on code file, the HCPCS file, the FDA route per NDC, the ASP NDC-HCPCS
crosswalk's package sizes) can answer later without touching a rule: the
HCPCS descriptors of ``--hcpcs-file`` already feed :func:`specific_codes`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from edi837.data.loaders import DATA_DIR, TableInfo, read_table
from edi837.tables import Tables, expand

EDITS_FILE = "edits.toml"


@dataclass(frozen=True)
class EditData:
    addon: dict[str, tuple[frozenset[str], str]]  # add-on -> (primaries, type I/II/III)
    medicare_vaccine_admin: dict[str, tuple[str, str]]  # product -> (kind, G-code)
    antineoplastic: dict[str, tuple[str, bool]]  # code -> (class, cancer dx required)
    routes: dict[str, frozenset[str]]
    containers: dict[str, int]
    sex_dx: dict[str, str]  # ICD-10-CM prefix -> sex
    sex_proc: dict[str, str]  # code -> sex
    info: tuple[TableInfo, ...]


@cache
def edit_data() -> EditData:
    """The shipped edit tables, read once per process."""
    info: list[TableInfo] = []

    def rows(name: str) -> list[dict[str, str]]:
        t, found = read_table(name, DATA_DIR)
        info.append(t)
        return found

    addon: dict[str, tuple[set[str], str]] = {}
    for r in rows("addon.csv"):
        entry = addon.setdefault(r["addon"], (set(), r["type"].strip()))
        entry[0].add(r["primary"])
    vaccines = {r["code"]: (r["kind"], r["medicare_admin"]) for r in rows("vaccines.csv")}
    antineo = {r["code"]: (r["class"], r["cancer_dx_required"].strip().lower() == "y")
               for r in rows("antineoplastic.csv")}
    routes = {r["code"]: frozenset(r["route"].upper().split()) for r in rows("routes.csv")}
    containers = {r["code"]: int(r["units"]) for r in rows("containers.csv")}
    sex_dx: dict[str, str] = {}
    sex_proc: dict[str, str] = {}
    for r in rows("sex_edits.csv"):
        if r["kind"] == "dx":
            sex_dx[r["code"]] = r["sex"]
        else:
            for code in expand(r["code"]):
                sex_proc[code] = r["sex"]
    return EditData({k: (frozenset(v[0]), v[1]) for k, v in addon.items()}, vaccines, antineo,
                    routes, containers, sex_dx, sex_proc, tuple(info))


# -- add-on codes ---------------------------------------------------------------

def addon_primaries(code: str) -> tuple[frozenset[str], str] | None:
    """(primary codes, CMS type I/II/III) of an add-on code; ``None``: not an add-on."""
    return edit_data().addon.get(code)


# -- vaccines -----------------------------------------------------------------

def medicare_vaccine_admin(code: str) -> tuple[str, str] | None:
    """(kind, G-code) for an influenza, pneumococcal or hepatitis B vaccine product."""
    return edit_data().medicare_vaccine_admin.get(code)


# -- antineoplastics ----------------------------------------------------------

def antineoplastic(tables: Tables, code: str) -> tuple[str, bool] | None:
    """(``hormonal``/``non-hormonal``, cancer diagnosis required) or ``None``.

    drugs.csv first, then the exceptions of antineoplastic.csv, then the code set
    (J9000-J9999 and the biosimilar Q-codes): non-hormonal, any diagnosis.
    """
    drug = tables.drugs.get(code)
    if drug is not None and drug.antineoplastic:
        return drug.antineoplastic, drug.cancer_dx_required
    entry = edit_data().antineoplastic.get(code)
    if entry is not None:
        return None if entry[0] == "none" else entry
    if code in tables.sets.get("antineoplastic_codes", ()) and code not in tables.noc:
        return "non-hormonal", False
    if code == "J9999":
        return "non-hormonal", False
    return None


# -- routes ---------------------------------------------------------------------

def drug_routes(tables: Tables, code: str) -> frozenset[str]:
    """Routes a drug HCPCS is given by (empty: unknown). drugs.csv, then routes.csv."""
    drug = tables.drugs.get(code)
    if drug is not None and drug.route:
        return frozenset(drug.route.upper().split())
    return edit_data().routes.get(code, frozenset())


def derived_sets(tables: Tables) -> dict[str, frozenset[str]]:
    """Pre-filter sets for the route rules: IV-only drugs, drugs never given IV."""
    routes = {code: frozenset(d.route.upper().split()) for code, d in tables.drugs.items()
              if d.route}
    for code, known in edit_data().routes.items():
        routes.setdefault(code, known)
    return {"iv_only_drugs": frozenset(c for c, r in routes.items() if r == {"IV"}),
            "non_iv_drugs": frozenset(c for c, r in routes.items()
                                      if r and "IV" not in r and "ORAL" not in r)}


# -- containers -----------------------------------------------------------------

def container_units(code: str) -> int | None:
    """HCPCS billing units in the drug's largest single-dose container, if known."""
    return edit_data().containers.get(code)


# -- sex edits ------------------------------------------------------------------

def diagnosis_sex(code: str) -> str:
    """``F``/``M`` when an ICD-10-CM code (no decimal) belongs to one sex, else ``""``."""
    table = edit_data().sex_dx
    for n in (5, 4, 3, 1):
        sex = table.get(code[:n])
        if sex:
            return sex
    return ""


@cache
def sex_prefixes() -> frozenset[str]:
    """First three characters (or the one-letter chapter) of every sex-specific prefix."""
    return frozenset(p[:3] for p in edit_data().sex_dx)


def procedure_sex(code: str) -> str:
    return edit_data().sex_proc.get(code, "")


def sex_procedures() -> dict[str, str]:
    """Code -> ``F``/``M`` for procedures limited to one sex (read-only)."""
    return edit_data().sex_proc


# -- NOC drugs that have their own code -----------------------------------------

# Words a HCPCS drug descriptor starts with that name no single drug.
_NOT_A_NAME = frozenset({
    "INJECTION", "VITAMIN", "SODIUM", "HUMAN", "IMMUNE", "PENICILLIN", "INSULIN", "CALCIUM",
    "POTASSIUM", "MAGNESIUM", "HYDROCHLORIDE", "ACETATE", "SULFATE", "UNCLASSIFIED",
    "COMPOUNDED", "PRESCRIPTION", "DRUG", "DRUGS", "BIOLOGICS", "NOT", "OTHERWISE",
    "TESTOSTERONE", "INTERFERON", "FACTOR", "ALBUMIN", "DEXTROSE", "WATER", "SALINE",
    "ADRENALIN", "GARAMYCIN", "HYALURONAN", "BOTULINUM", "ANTITHYMOCYTE", "HEPATITIS",
})
_NAME = re.compile(r"[A-Z][A-Z-]{5,}")


def _descriptor_name(descriptor: str) -> str:
    """The drug word of a HCPCS descriptor: ``Injection, ketorolac ...`` -> ``KETOROLAC``.

    Long (``Injection, ketorolac tromethamine, per 15 mg``) and short (``Ketorolac
    tromethamine inj``, ``Inj bortezomib 0.1 mg``) descriptors alike.
    """
    for word in re.split(r"[\s,.()]+", descriptor.upper()):
        if not word or word in _LEADING:
            continue
        if word in _NOT_A_NAME or not _NAME.fullmatch(word):
            return ""
        return word
    return ""


_LEADING = frozenset({"INJECTION", "INJ", "INJECT"})


def _name_index(tables: Tables) -> dict[str, tuple[str, ...]]:
    """Drug word -> specific codes, from the HCPCS descriptors the tables hold.

    Built once per Tables (the shipped hcpcs.csv, or the installed HCPCS file laid
    over it with ``--hcpcs-file``) and kept in its memo.
    """
    memo = tables.memo
    found = memo.get("noc-name-index")
    if found is None:
        index: dict[str, list[str]] = {}
        # The shipped descriptors with one-off --hcpcs-file rows laid over them.
        for code, dates in {**tables.dates, **tables.overrides.dates}.items():
            if code in tables.noc or not dates.descriptor:
                continue
            name = _descriptor_name(dates.descriptor)
            if name:
                index.setdefault(name, []).append(code)
        found = memo["noc-name-index"] = {k: tuple(sorted(v)) for k, v in index.items()}
    return found  # type: ignore[return-value]


_WORDS = re.compile(r"[A-Z][A-Z-]+")


def specific_codes(tables: Tables, description: str,
                   on: date | None) -> tuple[str, tuple[str, ...]]:
    """(drug word, its specific HCPCS codes valid on ``on``) named in an NOC description.

    ``("", ())`` when the description names no drug that has its own code.
    """
    index = _name_index(tables)
    for word in _WORDS.findall(description.upper()):
        codes = index.get(word)
        if not codes:
            continue
        valid = tuple(c for c in codes if _valid(tables, c, on))
        if valid:
            return word, valid
    return "", ()


def _valid(tables: Tables, code: str, on: date | None) -> bool:
    dates = tables.code_dates(code, on)
    if dates is None or on is None:
        return True
    return (dates.start is None or dates.start <= on) and (dates.end is None or on <= dates.end)


def table_info() -> tuple[TableInfo, ...]:
    return edit_data().info
