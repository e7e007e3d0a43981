"""Documentation: an NOC drug's description must say what the payer cannot read from a code."""

from __future__ import annotations

import re

from edi837.engine import ClaimContext, Hit, rule
from edi837.model import Claim
from edi837.policy import vocabulary
from x12core.findings import Severity

# "0.25MG", "40MG/ML", "2.5", "1,000": a number, optionally glued to its unit.
_AMOUNT = re.compile(r"^(\d+(?:[.,]\d+)*|\.\d+)(.*)$")
_SPLIT = re.compile(r"[\s,;:#()]+")
_WORD = re.compile(r"^[A-Z]{3,}")  # a word of three letters or more (KENALOG-40)
# The NUCC/MAC NDC form "N4" + 11-digit NDC (+ unit qualifier + quantity), e.g.
# N400409379501ML1; a bare 11-digit NDC or a hyphenated 5-4-2 / 4-4-2 / 5-3-2 label NDC.
_N4 = re.compile(r"^N4(\d{11})(?:(F2|GR|ME|ML|UN)(\d+(?:\.\d+)?|\.\d+))?$")
_NDC = re.compile(r"^(?:NDC)?(?:\d{11}|\d{4,5}-\d{3,4}-\d{1,2})$")
_NDC_QUANTITY = re.compile(r"^(F2|GR|ME|ML|UN)(\d+(?:\.\d+)?|\.\d+)$")  # ML1, UN2


def missing_parts(text: str) -> list[str]:
    """What an NOC description lacks of: drug name, strength or dose with unit, route."""
    return read_description(text)[0]


def read_description(text: str) -> tuple[list[str], bool]:
    """(what the description lacks, whether it carries an NDC that identifies the drug).

    An NDC in the text names the drug for the payer (so no name is asked for), and an
    NDC quantity with its unit (``N400409379501ML1``, ``ML1``) is an amount.
    """
    routes, units, generic = vocabulary()
    tokens = [t for t in _SPLIT.split(text.upper()) if t]
    name = dose = route = ndc = False
    for i, token in enumerate(tokens):
        if token in routes:
            route = True
            continue
        n4 = _N4.match(token)
        if n4 is not None or _NDC.match(token):
            ndc = True
            if n4 is not None and n4.group(2):
                dose = True
            continue
        if _NDC_QUANTITY.match(token):
            dose = True
            continue
        amount = _AMOUNT.match(token)
        if amount is not None:
            unit = amount.group(2)
            if unit in units or (not unit and i + 1 < len(tokens) and tokens[i + 1] in units):
                dose = True
            continue
        if token in units or token in generic:
            continue
        if _WORD.match(token):
            name = True
    missing = []
    if not name and not ndc:
        missing.append("the drug name")
    if not dose:
        missing.append("a strength or dose with its unit")
    if not route:
        missing.append("the route")
    return missing, ndc


@rule("R96372-054", "noc-description-incomplete", category="documentation",
      severity=Severity.ERROR, catalog=("INJ-056",), needs="noc_drugs")
def noc_description_incomplete(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """An NOC drug's SV101-7 description without a drug name, a dose with unit, or a route.

    Why:
    For an unclassified drug (J3490, J3590, J7999, J9999 ...) the description is all
    the payer reads instead of a code: it must name the drug, its strength or dose
    with a unit, and the route (MACs: name, strength, dosage, route; some add the
    NDC or invoice price). "DRUG", "SEMAGLUTIDE" or "INJECTION SC" leave the payer
    to guess, and the line pends or denies (CO-16 + M123, CO-252 + N706). An empty
    description is R96372-053's; this rule reads what is there, with the words of
    ``[documentation]`` in edi837/data/policy.toml. An NDC in the description
    (``N400409379501ML1``, ``NDC 00409-3795-01``) identifies the drug, and its
    quantity with unit (``ML1``) is the amount; when only the route is then
    missing the finding is a warning. Commercial payers rarely reject on the
    wording, so the commercial profile reports this rule as a warning.

    Bad:
        SV1*HC:J3490:::::SEMAGLUTIDE*150*UN*1***1~

    Good:
        SV1*HC:J3490:::::SEMAGLUTIDE 0.25MG SC*150*UN*1***1~
        SV1*HC:J3490:::::N400409379501ML1 CEFTRIAXONE 500MG IM*35*UN*1***1~

    References:
    Catalog INJ-056. Billing guide: keep documentation complete (drug name, dosage,
    route). NGS [S5]; Palmetto/WPS NOC instructions [S21]; reference §A.9 NOC drug
    codes; RARC M123, N350, N706; CARC 252.
    """
    hits: list[Hit] = []
    t = ctx.tables
    in_nte = ctx.profile.noc_description_in_nte
    for line in claim.lines:
        if line.code not in t.noc:
            continue
        text = line.description.strip()
        if in_nte:
            text = " ".join([text, *line.notes]).strip()
        if not text:
            continue  # R96372-053 reports a missing description
        missing, ndc = read_description(text)
        if missing:
            # With an NDC (and its quantity) the payer knows what was given and how much;
            # a missing route alone is then a request for more, not a rejection.
            light = ndc and missing == ["the route"]
            hits.append(Hit(line.sv1 or line.lx, "SV101-7", f"NOC code {line.code} description "
                      f"{text!r} lacks {_join(missing)}", "Write the drug name, strength or "
                      "dose with its unit, and the route in SV101-7 (e.g. "
                      "HC:J3490:::::SEMAGLUTIDE 0.25MG SC).", line=line, value=text,
                      severity=Severity.WARNING if light else None))
    return hits


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
