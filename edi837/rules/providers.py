"""Provider identifiers: NPI check digits, rendering loops without an NPI, taxonomy codes."""

from __future__ import annotations

from edi837.engine import ClaimContext, Hit, rule
from edi837.model import Claim, ServiceLine
from x12core.findings import Severity
from x12core.segment import Segment

# NM101 entity codes whose NM109 (qualifier XX) is an NPI, and what the loop is.
ROLES = {"85": "billing (2010AA)", "82": "rendering", "DN": "referring (2310A)",
         "DQ": "supervising", "DK": "ordering (2420E)", "77": "service facility",
         "P3": "primary care (2310A)"}
_VALID: dict[str, bool] = {}


def npi_valid(npi: str) -> bool:
    """10 digits whose last is the Luhn check digit of ``80840`` + the first nine."""
    known = _VALID.get(npi)
    if known is not None:
        return known
    ok = len(npi) == 10 and npi.isdigit()
    if ok:
        total = 0
        for i, ch in enumerate(reversed("80840" + npi[:9])):
            n = int(ch)
            if i % 2 == 0:
                n *= 2
                if n > 9:
                    n -= 9
            total += n
        ok = str((10 - total % 10) % 10) == npi[9]
    if len(_VALID) < 20_000:
        _VALID[npi] = ok
    return ok


def _npi_hit(seg: Segment, line: ServiceLine | None) -> Hit:
    npi = seg[9]
    role = ROLES.get(seg[1], f"NM1*{seg[1]}")
    why = "is not 10 digits" if not (len(npi) == 10 and npi.isdigit()) else \
        "fails the NPI check digit"
    return Hit(seg, "NM109", f"{role} NPI {npi or '(empty)'} {why}",
               "Correct the NPI from the provider's NPPES record (a typo or transposed digit "
               "is the usual cause).", line=line)


@rule("R837-060", "npi-check-digit", category="provider-enrollment", severity=Severity.ERROR,
      catalog=("INJ-032",))
def npi_check_digit(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """A billing, rendering, referring, supervising or ordering NPI that fails its check digit.

    Why:
    An NPI is 10 digits whose last digit is a Luhn check digit computed over the
    first nine with the card-issuer prefix 80840 in front (CMS NPI standard). A
    typo or a transposed digit fails it, and the payer cannot find the provider:
    the claim is rejected at the front end or the line is denied (CO-16 / N290,
    CO-B7). Checked wherever NM108 is XX: 2010AA billing, 2310A referring,
    2310B rendering, 2310D supervising, 2310C facility, 2420x line providers.

    Bad:
        NM1*82*1*TESTDOC*ALICE****XX*1999901015~

    Good:
        NM1*82*1*TESTDOC*ALICE****XX*1999901014~

    References:
    CMS "Requirements for NPI check digit" (ISO 7812 Luhn with prefix 80840)
    ◐; 005010X222A1 NM108/NM109; RARC N290, CARC B7 [S4].
    """
    out: list[Hit] = []
    known = _VALID
    party = claim.billing_provider.party
    if party.id_qualifier == "XX" and not known.get(party.id) and not npi_valid(party.id) \
            and party.segment is not None:
        out.append(_npi_hit(party.segment, None))
    for seg in claim.providers:
        els = seg.elements
        if len(els) > 9 and els[8] == "XX" and not known.get(els[9]) and els[0] == "NM1" \
                and not npi_valid(els[9]):
            out.append(_npi_hit(seg, None))
    if not ctx.line_providers:
        return out
    for line in claim.lines:
        if line.providers:
            for seg in line.providers:
                els = seg.elements
                if len(els) > 9 and els[8] == "XX" and els[0] == "NM1" \
                        and not npi_valid(els[9]):
                    out.append(_npi_hit(seg, line))
    return out


@rule("R837-061", "rendering-without-npi", category="provider-enrollment",
      severity=Severity.ERROR, catalog=("INJ-032",))
def rendering_without_npi(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """A rendering provider loop (2310B or 2420A NM1*82) without an NPI (NM108 XX, NM109).

    Why:
    Under HIPAA every rendering provider is identified by an NPI: the guide
    requires NM108 = XX and NM109 in 2310B and 2420A when the loop is sent. A
    rendering loop with only a name, or a legacy qualifier, is rejected at the
    front end or denied for a missing rendering identifier (CO-16 + N290).

    Bad:
        NM1*82*1*TESTDOC*ALICE~

    Good:
        NM1*82*1*TESTDOC*ALICE****XX*1999901014~

    References:
    005010X222A1 loops 2310B/2420A NM108-NM109 (required) [S25]; RARC N290 [S4].
    """
    out: list[Hit] = []
    # The 2310x NM1s, then the 2420x ones, in plain loops: a generator per claim cost
    # as much as the check itself (this runs for every claim).
    for seg in claim.providers:
        if seg.tag == "NM1" and _without_npi(seg):
            out.append(_rendering_hit(seg, None))
    if ctx.line_providers:
        for line in claim.lines:
            for seg in line.providers:
                if seg.tag == "NM1" and _without_npi(seg):
                    out.append(_rendering_hit(seg, line))
    return out


def _without_npi(seg: Segment) -> bool:
    """A rendering provider NM1 (82) without NM108 = XX and an NM109."""
    els = seg.elements
    return els[1] == "82" and (len(els) < 10 or els[8] != "XX" or not els[9])


def _rendering_hit(seg: Segment, line: ServiceLine | None) -> Hit:
    where = "2420A" if line is not None else "2310B"
    return Hit(seg, "NM108", f"rendering provider loop {where} has no NPI (NM108 "
               f"{seg[8] or 'empty'})", "Send NM108 = XX and the rendering provider's "
               "NPI in NM109.", line=line)


@rule("R837-062", "taxonomy-malformed", category="missing-information",
      severity=Severity.ERROR, catalog=("INJ-032",))
def taxonomy_malformed(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """A provider taxonomy code (PRV03) that is not 10 characters ending in X.

    Why:
    PRV03 carries a Health Care Provider Taxonomy code (NUCC): always 10
    characters, the last one X (207Q00000X family medicine, 261QM1300X
    multi-specialty clinic). A shorter code, a description or a specialty
    number is rejected by the payer's front end, and payers that pay by
    taxonomy cannot price the claim.

    Bad:
        PRV*BI*PXC*207Q0000~

    Good:
        PRV*BI*PXC*207Q00000X~

    References:
    NUCC Health Care Provider Taxonomy code set (10 characters ending in X) ◐;
    005010X222A1 2000A/2310B/2420A PRV03 [S25].
    """
    out: list[Hit] = []
    ok = _TAXONOMY_OK
    bp = claim.billing_provider
    if bp.taxonomy not in ok and bp.prv is not None and not _taxonomy_ok(bp.taxonomy):
        out.append(_taxonomy_hit(bp.prv, None))
    for seg in claim.providers:
        els = seg.elements
        if els[0] == "PRV" and len(els) > 3 and els[3] not in ok and not _taxonomy_ok(els[3]):
            out.append(_taxonomy_hit(seg, None))
    if not ctx.line_providers:
        return out
    for line in claim.lines:
        if line.providers:
            for seg in line.providers:
                if seg.tag == "PRV" and not _taxonomy_ok(seg[3]):
                    out.append(_taxonomy_hit(seg, line))
    return out


_TAXONOMY_OK: set[str] = set()  # well-formed codes seen (a batch repeats a few)


def _taxonomy_ok(code: str) -> bool:
    ok = len(code) == 10 and code[-1] == "X" and code.isalnum()
    if ok and len(_TAXONOMY_OK) < 5_000:
        _TAXONOMY_OK.add(code)
    return ok


def _taxonomy_hit(seg: Segment, line: ServiceLine | None) -> Hit:
    code = seg[3]
    return Hit(seg, "PRV03", f"taxonomy code {code or '(empty)'} is not 10 characters ending "
               "in X", "Send the provider's NUCC taxonomy code as registered in NPPES (e.g. "
               "207Q00000X).", line=line)
