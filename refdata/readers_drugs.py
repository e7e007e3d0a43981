"""Part B drug files: ASP payment limits, the ASP NDC-HCPCS crosswalk, the FDA NDC
Directory (product/package, unfinished, excluded) and self-administered drug lists."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date

from refdata.kinds import (
    ASP,
    FDA,
    SAD,
    XWALK,
    Parsed,
    WrongTable,
    check_header,
    effective_line,
    int_date,
    quarter_from_name,
    quarter_of,
)
from refdata.sources import Member, decode, xlsx_rows
from x12core.errors import InputError

ASP_HEADER = {0: ("HCPCS Code",), 1: ("Short Description",), 2: ("HCPCS Code Dosage",),
              3: ("Payment Limit",)}
XWALK_HEADER = {1: ("Short Description",), 2: ("LABELER NAME",), 3: ("NDC", "NDC2"),
                4: ("Drug Name",), 5: ("HCPCS dosage",), 6: ("PKG SIZE",), 7: ("PKG QTY",),
                8: ("BILLUNITS",), 9: ("BILLUNITSPKG",)}
YEAR_CODE = re.compile(r"^_\d{4}_CODE$", re.I)


def ndc11(text: str) -> str:
    """The 11-digit 5-4-2 billing NDC of a dashed label NDC (4-4-2, 5-3-2, 5-4-1);
    digits-only input is returned as is (a non-NDC alternate ID stays recognisable)."""
    text = text.strip()
    parts = text.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        a, b, c = parts
        return a.zfill(5) + b.zfill(4) + c.zfill(2)
    return "".join(ch for ch in text if ch.isalnum())


def _rows(member: Member) -> list[list[str]]:
    if member.suffix in (".xlsx", ".xlsm", ".xls"):
        return list(xlsx_rows(member))
    return list(csv.reader(io.StringIO(decode(member.data), newline="")))


def _period(member: Member, rows: list[list[str]], head: int) -> tuple[str, date, date]:
    found = effective_line(" ".join(r) for r in rows[:head])
    if found is not None:
        return quarter_of(found[0])[0], found[0], found[1]
    named = quarter_from_name(member.name) or quarter_from_name(member.origin)
    if named is None:
        raise InputError(f"{member.where}: no 'Effective … through …' line and no month/year "
                         "in the name: cannot tell the quarter")
    return named


def recognise_asp(member: Member) -> Parsed | None:
    lower = member.name.lower()
    if member.suffix not in (".csv", ".xlsx", ".xls", ".txt"):
        return None
    if "crosswalk" in lower:
        if "asp" not in lower.replace("asp ndc", "asp") or any(
                k in lower for k in ("awp", "opps", "prep")):
            raise WrongTable(f"{member.where}: an AWP/OPPS/PrEP NDC-HCPCS crosswalk; claimkit "
                             "reads the ASP crosswalk only (they must not be mixed)")
        return _crosswalk(member)
    if "not payable" in lower or "notpayable" in lower:
        return None
    if not ("payment limit" in lower or "asp pricing" in lower or "asp_pricing" in lower):
        return None
    rows = _rows(member)
    head = next((i for i, r in enumerate(rows[:20]) if r and r[0].strip() == "HCPCS Code"),
                None)
    if head is None:
        raise InputError(f"{member.where}: no 'HCPCS Code' header row; not the ASP pricing "
                         "layout")
    header = [c.strip() for c in rows[head]]
    check_header(member, header, ASP_HEADER, "ASP pricing")
    coins = 4 if len(header) > 4 and header[4].lower().startswith("co-insurance") else None
    notes = next((i for i, c in enumerate(header) if c.lower() == "notes"), None)
    version, start, end = _period(member, rows, head)
    body = rows[head + 1:]

    def gen() -> Iterator[tuple[object, ...]]:
        for cells in body:
            if not cells or not cells[0].strip():
                continue
            limit = cells[3].strip() if len(cells) > 3 else ""
            yield (cells[0].strip(), cells[1].strip(), cells[2].strip(),
                   float(limit) if _num(limit) else None,
                   float(cells[coins]) if coins and len(cells) > coins and _num(cells[coins])
                   else None,
                   cells[notes].strip() if notes is not None and len(cells) > notes else "")
    return Parsed(ASP, version, start, end, member, gen)


def _num(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _crosswalk(member: Member) -> Parsed:
    rows = _rows(member)
    head = next((i for i, r in enumerate(rows[:20]) if r and YEAR_CODE.match(r[0].strip())),
                None)
    if head is None:
        raise InputError(f"{member.where}: no '_YYYY_CODE' header row; not the ASP NDC-HCPCS "
                         "crosswalk layout")
    check_header(member, [c.strip() for c in rows[head]], XWALK_HEADER, "crosswalk")
    version, start, end = _period(member, rows, head)
    body = rows[head + 1:]

    def gen() -> Iterator[tuple[object, ...]]:
        for n, cells in enumerate(body, head + 2):
            if len(cells) < 10 or not cells[0].strip():
                continue
            try:
                yield (cells[0].strip(), ndc11(cells[3]), cells[2].strip(), cells[4].strip(),
                       cells[5].strip(), _float(cells[6]), _float(cells[7]), _float(cells[8]),
                       _float(cells[9]))
            except ValueError as err:
                raise InputError(f"{member.where}: row {n}: {err}") from None
    return Parsed(XWALK, version, start, end, member, gen)


def _float(text: str) -> float | None:
    text = text.strip().replace(",", "")
    return float(text) if text else None


# -- FDA NDC Directory ---------------------------------------------------------
FDA_PARTS = {"product.txt": ("product", "listed"), "package.txt": ("package", "listed"),
             "unfinished_product.txt": ("product", "unfinished"),
             "unfinished_package.txt": ("package", "unfinished"),
             "products_excluded.txt": ("product", "excluded"),
             "packages_excluded.txt": ("package", "excluded")}
PRODUCT_COLS = ("PRODUCTNDC", "STARTMARKETINGDATE", "ENDMARKETINGDATE", "NDC_EXCLUDE_FLAG")
PACKAGE_COLS = ("PRODUCTNDC", "NDCPACKAGECODE", "PACKAGEDESCRIPTION", "STARTMARKETINGDATE",
                "ENDMARKETINGDATE")


def recognise_fda(member: Member, today: date) -> Parsed | None:
    part = FDA_PARTS.get(member.name.lower())
    if part is None:
        return None
    kind, status = part
    first = member.head(1, "cp1252")
    header = first[0].split("\t") if first else []
    if not header or header[0].strip() != "PRODUCTID":
        raise InputError(f"{member.where}: no PRODUCTID header; not the FDA NDC Directory "
                         "text layout")
    cols = {c.strip().upper(): i for i, c in enumerate(header)}
    need = PRODUCT_COLS if kind == "product" else PACKAGE_COLS
    missing = [c for c in need if c not in cols]
    if missing:
        raise InputError(f"{member.where}: FDA {kind} header changed: no {missing[0]} column; "
                         "not installed")
    version = f"{today.isoformat()} {status}"

    def get(cells: list[str], name: str) -> str:
        i = cols.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    def gen() -> Iterator[tuple[object, ...]]:  # streamed: ~256,000 packages
        for n, line in enumerate(member.lines("cp1252"), 1):
            if n == 1 or not line.strip():
                continue
            c = line.split("\t")
            try:
                if kind == "product":
                    yield (get(c, "PRODUCTNDC"), status, get(c, "PROPRIETARYNAME"),
                           get(c, "NONPROPRIETARYNAME"), get(c, "DOSAGEFORMNAME"),
                           get(c, "ROUTENAME"), int_date(get(c, "STARTMARKETINGDATE")),
                           int_date(get(c, "ENDMARKETINGDATE")), get(c, "MARKETINGCATEGORYNAME"),
                           get(c, "LABELERNAME"), get(c, "ACTIVE_NUMERATOR_STRENGTH"),
                           get(c, "ACTIVE_INGRED_UNIT"), get(c, "NDC_EXCLUDE_FLAG"))
                else:
                    desc = get(c, "PACKAGEDESCRIPTION")
                    yield (ndc11(get(c, "NDCPACKAGECODE")), get(c, "PRODUCTNDC"), status, desc,
                           container(desc), int_date(get(c, "STARTMARKETINGDATE")),
                           int_date(get(c, "ENDMARKETINGDATE")), get(c, "NDC_EXCLUDE_FLAG"),
                           get(c, "SAMPLE_PACKAGE"))
            except ValueError as err:
                raise InputError(f"{member.where}: line {n}: {err}") from None
    return Parsed(FDA, version, today, None, member, gen, part=f"{status}-{kind}")


def container(description: str) -> str:
    """"single" / "multi" / "" from the innermost container of a package description."""
    inner = description.split(">")[-1].upper()
    if "SINGLE-DOSE" in inner or "SINGLE-USE" in inner or "SYRINGE" in inner \
            or "AMPULE" in inner or "CARTRIDGE" in inner:
        return "single"
    if "MULTI-DOSE" in inner:
        return "multi"
    return ""


# -- self-administered drug exclusion lists -------------------------------------
SAD_HEADER = {0: ("Code",), 1: ("Descriptor Generic Name",), 2: ("Descriptor Brand Name",),
              3: ("Exclusion Effective Date",), 4: ("Exclusion End Date",)}


def recognise_sad(member: Member) -> Parsed | None:
    if member.name.lower() in ("article.csv", "article_x_hcpc_code.csv"):
        raise WrongTable(f"{member.where}: the Medicare Coverage Database article export; its "
                         "SAD rows carry no exclusion dates claimkit can read: save the MAC's "
                         "self-administered drug list table as CSV (Code, Descriptor Generic "
                         "Name, Descriptor Brand Name, Exclusion Effective Date, Exclusion End "
                         "Date, Comments) and install that")
    if member.suffix != ".csv":
        return None
    rows = _rows(member)
    head = next((i for i, r in enumerate(rows[:10]) if len(r) > 4
                 and "exclusion effective" in r[3].lower()), None)
    if head is None:
        return None
    check_header(member, [c.strip() for c in rows[head]], SAD_HEADER, "SAD list")
    body = rows[head + 1:]
    version = member.name.rsplit(".", 1)[0]

    def gen() -> Iterator[tuple[object, ...]]:
        for n, cells in enumerate(body, head + 2):
            if len(cells) < 5 or not cells[0].strip():
                continue
            end = cells[4].strip()
            try:
                start_i = int_date(cells[3])
                end_i = None if end.upper() in ("N/A", "NA", "") else int_date(end)
            except ValueError as err:
                raise InputError(f"{member.where}: row {n}: {err}") from None
            for code in re.split(r"[/,;]\s*", cells[0]):
                if code.strip():
                    yield (code.strip().upper(), cells[1].strip(), cells[2].strip(), start_i,
                           end_i, cells[5].strip() if len(cells) > 5 else "")
    return Parsed(SAD, version, None, None, member, gen)
