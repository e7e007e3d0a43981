"""Check every JSON, JSONL and CSV output a test gets from the CLI against its schema.

:func:`check_outputs` is called by the ``cli`` fixture (tests/conftest.py) after each
run that exits 0 or 1: it finds the format (``-f``/``--format``) and where the report
went (stdout, ``--out``/``-o`` when it names a regular file; ``split --report``), and
validates

* ``json``: the document against the command's schema (``x12core/schemas``);
* ``jsonl``: every line against the row schema (``$defs.row``, else the document's);
* ``csv``: every header column is a field the row schema declares.

A command that writes JSON and has no schema fails the test: ship one.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from x12core import schemas

NO_REPORT = frozenset({"schema"})  # prints schemas, not a report


def _option(args: list[str], *names: str) -> str | None:
    """The value of the last ``--name VALUE`` / ``--name=VALUE`` / ``-fVALUE`` in ``args``."""
    value = None
    for i, arg in enumerate(args):
        for name in names:
            if arg == name and i + 1 < len(args):
                value = args[i + 1]
            elif arg.startswith(name + "="):
                value = arg[len(name) + 1:]
            elif len(name) == 2 and arg.startswith(name) and len(arg) > 2 and arg[2] != "-":
                value = arg[2:]
    return value


def schema_name(args: list[str]) -> str:
    """``scan`` for ``scan ...``; ``data-status`` for ``data status ...``."""
    if args[0] in ("data", "ledger") and len(args) > 1 and not args[1].startswith("-"):
        return f"{args[0]}-{args[1]}"
    return args[0]


def check_outputs(args: list[str], stdout: str) -> None:
    """Validate what a successful run wrote (see the module notes); AssertionError if not."""
    if not args or args[0] in NO_REPORT or "--help" in args or "--markdown" in args:
        return
    name = schema_name(args)
    fmt = _option(args, "-f", "--format") or "text"
    out = _option(args, "-o", "--out")
    text = stdout
    if out is not None and out != "-":  # `--out -` is stdout
        path = Path(out)
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if name == "split":
        report = _option(args, "--report")
        if report is not None and Path(report).is_file():
            check_document("split-report", Path(report).read_text(encoding="utf-8"),
                           f"split --report {report}")
    if fmt == "json":
        check_document(name, text, " ".join(args))
    elif fmt == "jsonl":
        check_rows(name, text, " ".join(args))
    elif fmt == "csv":
        check_csv(name, text, " ".join(args))


def _known(name: str, what: str) -> str:
    key = schemas.normalise(name)
    assert key in schemas.names(), (
        f"`claimkit {what}` wrote JSON but no schema {key!r} is shipped in x12core/schemas/ "
        "(add one and describe it in docs/output.md)")
    return key


def check_document(name: str, text: str, what: str) -> None:
    if not text.strip():
        return
    key = _known(name, what)
    doc = json.loads(text)
    problems = schemas.errors(key, doc)
    assert not problems, f"`claimkit {what}` breaks schema {key}: " + "; ".join(problems)
    assert next(iter(doc)) == "schema_version", f"`claimkit {what}`: schema_version first"


def check_rows(name: str, text: str, what: str) -> None:
    key = _known(name, what) if text.strip() else None
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        assert key is not None
        problems = schemas.errors(key, json.loads(line), row=True)
        assert not problems, (f"`claimkit {what}` line {n} breaks the {key} row schema: "
                              + "; ".join(problems))


def row_fields(name: str) -> tuple[set[str], list[re.Pattern[str]]]:
    """Column names a row of ``name`` may have: declared properties and property patterns."""
    key = schemas.normalise(name)
    prefix = "#row." if "row" in schemas.load(key).get("$defs", {}) else ""
    paths = schemas.fields(key)
    names = ({p[len(prefix):] for p in paths if p.startswith(prefix)} if prefix
             else {p for p in paths if not p.startswith("#")})
    declared = {n for n in names if "." not in n and "[" not in n}
    row = schemas.row_schema(key)
    node = row["$defs"]["row"] if prefix else row
    patterns = [re.compile(p) for p in node.get("patternProperties", {})]
    return declared, patterns


def check_csv(name: str, text: str, what: str) -> None:
    if not text.strip():
        return
    key = _known(name, what)
    header = next(csv.reader(io.StringIO(text)))
    declared, patterns = row_fields(key)
    unknown = [c for c in header if c not in declared and not any(p.match(c) for p in patterns)]
    assert not unknown, (f"`claimkit {what}`: CSV column(s) {unknown} are not fields of the "
                         f"{key} row schema")
