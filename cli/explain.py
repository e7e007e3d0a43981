"""``claimkit explain``: what a group/CARC/RARC combination means and what to do."""

from __future__ import annotations

import csv
import json
import sys
from typing import Annotated

import typer

from cli.common import EXIT_FINDINGS, EXIT_OK, FormatOpt
from cli.remit import CausesOpt
from remit835.causes import CauseMap
from remit835.explain import explain as explain_codes
from remit835.explain import write_explanation
from x12core import schemas
from x12core.errors import InputError


def explain(
    codes: Annotated[list[str], typer.Argument(
        help="Codes as on the remit: CO-16 M119, 16, PR-1, N290.", show_default=False)],
    fmt: FormatOpt = "text",  # type: ignore[assignment]
    causes: CausesOpt = None,
) -> None:
    """Explain adjustment codes: meaning, category, denial or not, CORE scenario, action.

    Exit 1 when a code is not in the cause map.
    """
    try:
        record = explain_codes(codes, CauseMap.load(causes))
    except ValueError as err:
        raise InputError(f"explain: {err}") from None
    if fmt.value == "text":
        write_explanation(record, sys.stdout)
    elif fmt.value == "csv":
        row = {k: v for k, v in record.items() if k != "codes"}
        row["codes"] = " ".join(c["code"] for c in record["codes"])
        writer = csv.DictWriter(sys.stdout, fieldnames=list(row), lineterminator="\n")
        writer.writeheader()
        writer.writerow(row)
    else:
        record = {**schemas.stamp("explain"), **record}
        sys.stdout.write(json.dumps(record, indent=2 if fmt.value == "json" else None) + "\n")
    raise typer.Exit(EXIT_OK if record["mapped"] else EXIT_FINDINGS)
