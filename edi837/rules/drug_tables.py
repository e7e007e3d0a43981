"""Drug checks the official tables make possible: NDC-HCPCS crosswalk, FDA directory,
self-administered drug lists, and HCPCS validity of every code (ids R96372-08x).

Tables come from ``claimkit data install`` (looked up for the line's date of
service) and otherwise from the shipped curated subsets in the same layouts
(``edi837/data/refdata``); a check whose table is absent stays silent.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

from edi837.engine import ClaimContext, Hit, rule
from edi837.model import Claim, ServiceLine
from edi837.rules.common import at_code, at_units, day
from edi837.tables import Tables
from refdata.kinds import HCPCS as HCPCS_KIND
from refdata.lookup import XwalkRow
from x12core.findings import Severity

UNITS_TOLERANCE = Decimal("0.10")  # measuring and rounding slack around the expected units


def _ndc(line: ServiceLine) -> str:
    drug = line.drug
    if drug is None or drug.qualifier != "N4" or len(drug.ndc) != 11 or not drug.ndc.isdigit():
        return ""  # missing or malformed NDCs are R96372-050/051's business
    return drug.ndc


def _ndc_lines(claim: Claim, ctx: ClaimContext) -> list[tuple[ServiceLine, str]]:
    """The claim's lines with a well-formed N4 NDC, in order (shared by this family)."""
    found = ctx.memo.get("ndc_lines")
    if found is None:
        found = ctx.memo["ndc_lines"] = []
        for line in claim.lines:  # (a loop, not a comprehension: this runs for every claim)
            if line.drug is not None:
                ndc = _ndc(line)
                if ndc:
                    found.append((line, ndc))
    return found  # type: ignore[return-value]


@rule("R96372-080", "ndc-not-for-hcpcs", category="drug-data", severity=Severity.ERROR,
      catalog=("INJ-053",))
def ndc_not_for_hcpcs(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """The NDC on the line is crosswalked to another HCPCS code than the one billed.

    Why:
    CMS's ASP NDC-HCPCS crosswalk lists, per quarter, the HCPCS code each NDC is
    billed under. An NDC that belongs to a different code means either the code or
    the NDC is wrong (another strength, another drug); payers deny the line (N846
    "incorrect NDC for the code", M119). NOC codes (J3490, J3590 ...) are not judged
    here. The crosswalk in force on the date of service is used (``claimkit data
    install``; a small sourced subset ships); an NDC the crosswalk does not list is
    not judged (the crosswalk is not a complete NDC list).

    Bad:
        SV1*HC:J1885*25*UN*2***1~
        LIN**N4*63323016501~      (crosswalked to J1100, dexamethasone)

    Good:
        SV1*HC:J1100*12*UN*4***1~
        LIN**N4*63323016501~

    References:
    CMS ASP NDC-HCPCS crosswalk (quarterly, ASP pricing files page); RARC N846, M119;
    005010X222A1 loop 2410.
    """
    hits: list[Hit] = []
    t = ctx.tables
    for line, ndc in _ndc_lines(claim, ctx):
        if line.code in t.noc or not t.is_drug(line.code):
            continue
        codes, drug = _crosswalked(t, ndc, line.service_date)
        if codes and line.code not in codes:
            hits.append(Hit(line.drug.lin if line.drug else line.sv1, "LIN03",  # type: ignore[arg-type]
                      f"NDC {ndc} ({drug}) is crosswalked to {', '.join(codes)}, not "
                      f"{line.code} (ASP crosswalk for {day(line.service_date)})",
                      f"Bill {codes[0]} for this NDC, or correct the NDC to the product "
                      f"actually given under {line.code}.", line=line, value=ndc))
    return hits


_MISSING = object()
MEMO_LIMIT = 200_000  # answers kept per (NDC, date, code ...): a batch repeats them


def _crosswalked(t: Tables, ndc: str, when: date | None) -> tuple[list[str], str]:
    """The codes the crosswalk of ``when`` lists for ``ndc`` (sorted) and the drug name."""
    key = ("crosswalked", ndc, when)
    found = t.memo.get(key)
    if found is None:
        rows = t.crosswalk(ndc, when)  # the first lookup records the quarter consulted
        found = (sorted({r.code for r in rows}), rows[0].drug if rows else "")
        if len(t.memo) < MEMO_LIMIT:
            t.memo[key] = found
    return found  # type: ignore[return-value]


def _unit_bounds(t: Tables, ndc: str, line: ServiceLine, quantity: Decimal, unit: str
                 ) -> tuple[Decimal, Decimal, Decimal, XwalkRow] | None:
    """Units that pass for this NDC quantity (low, high), the expected units and the
    crosswalk row; ``None`` when the crosswalk cannot say."""
    rows = [r for r in t.crosswalk(ndc, line.service_date) if r.code == line.code]
    if not rows or quantity <= 0:
        return None
    want = expected_units(quantity, unit, rows[0].pkg_size, rows[0].billunits)
    if want is None or want <= 0:
        return None
    low = Decimal(math.floor(want * (1 - UNITS_TOLERANCE)))
    high = Decimal(math.ceil(want * (1 + UNITS_TOLERANCE)))
    return low, high, want, rows[0]


def expected_units(quantity: Decimal, unit: str, pkg_size: float | None,
                   billunits: float | None) -> Decimal | None:
    """HCPCS units for an NDC quantity: CTP04 in mL × billing units per item ÷ package
    size (the amount in one item), or CTP04 items (UN) × billing units per item."""
    if not billunits or billunits <= 0:
        return None
    per_item = Decimal(str(billunits))
    if unit == "UN":
        return quantity * per_item
    if unit == "ML" and pkg_size and pkg_size > 0:
        return quantity * per_item / Decimal(str(pkg_size))
    return None


@rule("R96372-081", "units-disagree-with-ndc-quantity", category="units",
      severity=Severity.WARNING, catalog=("INJ-055",))
def units_disagree_with_ndc_quantity(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """HCPCS units (SV104) far from what the NDC quantity (CTP04) works out to.

    Why:
    The NDC quantity says how much of the package was given; the crosswalk says how
    many HCPCS billing units one item holds (BILLUNITS) and how much one item is
    (PKG SIZE). 2 mL of a 30 mg/mL ketorolac is 60 mg = 4 units of J1885 (per 15 mg),
    not 1: units keyed as vials or milliliters are the usual error, and payers
    reprice or deny (CO-16 with N362/M119). Expected = CTP04 mL × BILLUNITS ÷ PKG SIZE
    (or CTP04 items × BILLUNITS for UN); a billed figure between the expected units
    rounded down and up, with 10% slack, passes. Other CTP units are not judged.

    Bad:
        SV1*HC:J1100*12*UN*1***1~
        LIN**N4*63323016501~
        CTP****1*ML~             (1 mL = 4 units of J1100, 1 mg each)

    Good:
        SV1*HC:J1100*12*UN*4***1~
        LIN**N4*63323016501~
        CTP****1*ML~

    References:
    CMS ASP NDC-HCPCS crosswalk (PKG SIZE, BILLUNITS definitions, CMS ASP FAQ);
    005010X222A1 loop 2410 CTP04/CTP05.
    """
    hits: list[Hit] = []
    t = ctx.tables
    for line, ndc in _ndc_lines(claim, ctx):
        drug = line.drug
        if drug is None or drug.quantity is None or line.units is None:
            continue
        key = ("units-for-ndc", ndc, line.service_date, line.code, drug.quantity_text,
               drug.unit)
        bounds = t.memo.get(key, _MISSING)
        if bounds is _MISSING:
            bounds = _unit_bounds(t, ndc, line, drug.quantity, drug.unit)
            if len(t.memo) < MEMO_LIMIT:
                t.memo[key] = bounds
        if bounds is None:
            continue
        low, high, want, row = bounds  # type: ignore[misc]
        if low <= line.units <= high:
            continue
        shown = want.quantize(Decimal("0.01")).normalize()
        hits.append(at_units(line, f"{line.units} units of {line.code} but NDC {ndc} quantity "
                       f"{drug.quantity_text} {drug.unit} works out to {shown} units "
                       f"({row.billunits:g} billing units per {row.pkg_size or 1:g} "
                       "of the package)",
                       f"Bill about {shown} units (dose ÷ the HCPCS unit), or correct CTP04 "
                       "to the amount given."))
    return hits


@rule("R96372-082", "ndc-not-marketed", category="drug-data", severity=Severity.ERROR,
      catalog=("INJ-052",))
def ndc_not_marketed(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """The NDC is not a marketed finished product on the date of service (FDA directory).

    Why:
    Payers validate NDCs against the FDA NDC Directory (or compendia built from it):
    an NDC whose package or product marketing ended before the date of service, or
    started after it, an unfinished (bulk) product, or an NDC the directory does not
    list at all, is denied (M119 / N847). The FDA package file is read per NDC
    (11-digit billing form of the 10-digit label code); "not listed" is judged only
    when the directory is installed (``claimkit data install ndctext.zip``), and is a
    warning: excluded and recently delisted products drop out of the file.

    Bad:
        LIN**N4*99901010110~      (package marketing ended 2020-01-01)
        DTP*472*D8*20250115~

    Good:
        LIN**N4*99901010101~      (marketed since 2004, no end date)

    References:
    FDA NDC Directory, package and product files (STARTMARKETINGDATE,
    ENDMARKETINGDATE, NDC_EXCLUDE_FLAG); RARC M119, N847.
    """
    hits: list[Hit] = []
    t = ctx.tables
    installed = "fda-ndc" in t.installed
    if not installed and not t.has_table("fda-ndc"):
        return hits  # no FDA directory at all: nothing to judge by
    for line, ndc in _ndc_lines(claim, ctx):
        when = line.service_date
        if when is None:
            continue
        lin = line.drug.lin if line.drug else None
        package = t.ndc_package(ndc)
        if package is None:
            if installed:
                hits.append(Hit(lin, "LIN03", f"NDC {ndc} is not in the FDA NDC Directory",
                          "Check the NDC on the package actually used (11-digit 5-4-2 form).",
                          line=line, value=ndc, severity=Severity.WARNING))
            continue
        if package.status == "unfinished":
            hits.append(Hit(lin, "LIN03", f"NDC {ndc} is an unfinished (bulk) drug, not a finished "
                      "product", "Bill the NDC of the finished package administered.",
                      line=line, value=ndc))
        elif not package.marketed_on(when):
            ends = [d for d in (package.end, package.product_end) if d is not None]
            if package.start is not None and when < package.start:
                why = f"is marketed from {package.start.isoformat()}"
            else:
                why = f"stopped being marketed on {min(ends).isoformat()}" if ends else \
                    "was not marketed"
            hits.append(Hit(lin, "LIN03", f"NDC {ndc} {why}; not marketed on {day(when)}",
                      "Bill the NDC of the package actually used on the date of service.",
                      line=line, value=ndc))
        elif package.status == "excluded":
            hits.append(Hit(lin, "LIN03", f"NDC {ndc} is excluded from the FDA NDC Directory",
                      "Check the NDC; excluded listings are often rejected by payers.",
                      line=line, value=ndc, severity=Severity.WARNING))
    return hits


@rule("R96372-083", "self-administered-drug", category="non-covered",
      severity=Severity.ERROR, catalog=("POL-011",), needs="sad_codes")
def self_administered_drug(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """A drug on the MAC's self-administered drug (SAD) exclusion list (Medicare).

    Why:
    Medicare Part B covers drugs "incident to" a physician's service only when they
    are not usually self-administered. Each MAC publishes a SAD exclusion list with
    effective dates (e.g. adalimumab J0135, etanercept J1438); on or after the
    exclusion date the line is denied as non-covered (CO-96 with N520), whoever
    injected it. NOC codes (J3490/J3590) are listed by drug name and matched against
    SV101-7. Lists are user data files (``claimkit data install`` a CSV in the MAC
    table layout); a few sourced rows ship. The medicare profile applies it.

    Bad:
        SV1*HC:J0135*1500*UN*2***1~
        DTP*472*D8*20250115~

    Good:
        (the patient self-administers adalimumab under Part D; no Part B line)

    References:
    CMS Medicare Benefit Policy Manual ch. 15 §50.2; MAC SAD exclusion list articles
    (CGS A52527, process article A53020); RARC N520.
    """
    hits: list[Hit] = []
    t = ctx.tables
    for line in claim.lines:
        entries = t.self_administered(line.code, line.service_date)
        if line.code in t.noc:
            text = line.description.lower()
            entries = [e for e in entries if any(
                name and name.lower() in text for name in (e.generic, e.brand))]
        if entries:
            e = entries[0]
            name = e.brand or e.generic
            since = e.start.isoformat() if e.start else "the list's start"
            hits.append(at_code(line, f"{line.code} ({name}) is on the self-administered drug "
                          f"exclusion list {e.source} since {since}: not covered under Part B "
                          f"on {day(line.service_date)}",
                          "Do not bill Medicare Part B for a self-administered drug (Part D "
                          "or the patient); give an ABN-style notice if billed for denial."))
    return hits


@rule("R96372-084", "hcpcs-code-not-in-quarter", category="coding", severity=Severity.ERROR,
      catalog=("INJ-080",))
def hcpcs_code_not_in_quarter(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """A Level II HCPCS code that is not in the CMS HCPCS file in force on the date.

    Why:
    Every Level II code (a letter and four digits: J, Q, G, A ...) billed on a date
    must be in that quarter's HCPCS file; a code that is not (a typo, a code never
    issued, or one dropped long ago) is rejected as invalid (CO-181 with M20/N56).
    Judged only with an installed HCPCS quarter (``claimkit data install``); the
    shipped subset cannot say a code does not exist. Start/end dates of listed codes
    are R837-010's business.

    Bad:
        SV1*HC:J1886*25*UN*2***1~    (no such code)

    Good:
        SV1*HC:J1885*25*UN*2***1~

    References:
    CMS HCPCS Level II quarterly update files; CARC 181, RARC M20/N56.
    """
    hits: list[Hit] = []
    t = ctx.tables
    if t.ref is None or HCPCS_KIND not in t.installed:
        return hits  # judged only with an installed HCPCS quarter (hcpcs_known says None)
    for line in claim.lines:
        code = line.code
        if len(code) != 5 or not code[0].isalpha() or not code[1:].isdigit():
            continue
        known = t.hcpcs_known(code, line.service_date)
        if known is None:
            return hits
        if not known:
            hits.append(at_code(line, f"{code} is not in the CMS HCPCS file in force on "
                          f"{day(line.service_date)}", "Check the code (typo, never issued, "
                          "or long deleted) against the current HCPCS Level II file."))
    return hits
