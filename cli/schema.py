"""``claimkit schema``: print the JSON Schema of a command's JSON output (docs/output.md)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from x12core import schemas


def schema(
    name: Annotated[list[str] | None, typer.Argument(
        help="The output: scan, remit, reconcile, audit, validate, split, split-report, "
        "explain, rules, data-status (`data status` too). Without one, list them.",
        show_default=False)] = None,
    rows: Annotated[bool, typer.Option(
        "--rows", help="The schema of one JSONL/CSV row instead of the JSON document.")
    ] = False,
) -> None:
    """Print the JSON Schema (draft 2020-12) of a command's JSON output, or list them."""
    if not name:
        width = max(map(len, schemas.names()))
        for key in schemas.names():
            doc = schemas.load(key)
            sys.stdout.write(f"{key:<{width}}  v{doc['x-version']}  {doc['title']}\n")
        return
    key = " ".join(name)
    if rows:
        sys.stdout.write(json.dumps(schemas.row_schema(key), indent=2, ensure_ascii=False)
                         + "\n")
    else:
        sys.stdout.write(schemas.text(key))
