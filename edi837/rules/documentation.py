"""Documentation: an NOC drug's description must say what the payer cannot read from a code."""

from __future__ import annotations

import re
from collections.abc import Iterator

from edi837.engine import ClaimContext, Hit, rule
from edi837.model import Claim
from edi837.policy import vocabulary
from x12core.findings import Severity

# "0.25MG", "40MG/ML", "2.5", "1,000": a number, optionally glued to its unit.
_AMOUNT = re.compile(r"^(\d+(?:[.,]\d+)*|\.\d+)(.*)$")
_SPLIT = re.compile(r"[\s,;()]+")
_WORD = re.compile(r"^[A-Z]{3,}")  # a word of three letters or more (KENALOG-40)


def missing_parts(text: str) -> list[str]:
    """What an NOC description lacks of: drug name, strength or dose with unit, route."""
    routes, units, generic = vocabulary()
    tokens = [t for t in _SPLIT.split(text.upper()) if t]
    name = dose = route = False
    for i, token in enumerate(tokens):
        if token in routes:
            route = True
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
    if not name:
        missing.append("the drug name")
    if not dose:
        missing.append("a strength or dose with its unit")
    if not route:
        missing.append("the route")
    return missing


@rule("R96372-054", "noc-description-incomplete", category="documentation",
      severity=Severity.ERROR, catalog=("INJ-056",), needs="noc_drugs")
def noc_description_incomplete(claim: Claim, ctx: ClaimContext) -> Iterator[Hit]:
    """An NOC drug's SV101-7 description without a drug name, a dose with unit, or a route.

    Why:
    For an unclassified drug (J3490, J3590, J7999, J9999 ...) the description is all
    the payer reads instead of a code: it must name the drug, its strength or dose
    with a unit, and the route (MACs: name, strength, dosage, route; some add the
    NDC or invoice price). "DRUG", "SEMAGLUTIDE" or "INJECTION SC" leave the payer
    to guess, and the line pends or denies (CO-16 + M123, CO-252 + N706). An empty
    description is R96372-053's; this rule reads what is there, with the words of
    ``[documentation]`` in edi837/data/policy.toml.

    Bad:
        SV1*HC:J3490:::::SEMAGLUTIDE*150*UN*1***1~

    Good:
        SV1*HC:J3490:::::SEMAGLUTIDE 0.25MG SC*150*UN*1***1~

    References:
    Catalog INJ-056. Billing guide: keep documentation complete (drug name, dosage,
    route). NGS [S5]; Palmetto/WPS NOC instructions [S21]; reference §A.9 NOC drug
    codes; RARC M123, N350, N706; CARC 252.
    """
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
        missing = missing_parts(text)
        if missing:
            yield Hit(line.sv1 or line.lx, "SV101-7", f"NOC code {line.code} description "
                      f"{text!r} lacks {_join(missing)}", "Write the drug name, strength or "
                      "dose with its unit, and the route in SV101-7 (e.g. "
                      "HC:J3490:::::SEMAGLUTIDE 0.25MG SC).", line=line, value=text)


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
