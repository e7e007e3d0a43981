"""``claimkit rules``: list the scan rules, or show one rule's documentation."""

from __future__ import annotations

from typing import Annotated, Any, TextIO

import typer

from cli.common import FormatOpt, OutOpt, output
from edi837.docs import rule_record, rule_text, rules_markdown
from edi837.engine import all_rules, find_rule, select_rules
from x12core.errors import InputError
from x12core.render import Report, render, table


def rules(
    rule: Annotated[str | None, typer.Argument(
        help="A rule id or name: show its documentation.", show_default=False)] = None,
    fmt: FormatOpt = "text",  # type: ignore[assignment]
    out: OutOpt = None,
    select: Annotated[list[str] | None, typer.Option(
        "--select", show_default=False, help="List only these: id, prefix, name, category.")
    ] = None,
    markdown: Annotated[bool, typer.Option(
        "--markdown", help="Write the whole rule reference as Markdown (docs/rules.md).")
    ] = False,
) -> None:
    """List the scan rules (id, name, category, severity), or document one rule."""
    if markdown:
        with output(out) as stream:
            stream.write(rules_markdown())
        return
    if rule is not None:
        found = find_rule(rule)
        if found is None:
            raise InputError(f"{rule}: no such rule (see `claimkit rules`)")
        chosen = [found]
    else:
        chosen = select_rules(select or ()) if select else all_rules()
    records = [rule_record(r) for r in chosen]

    def text(items: Any, stream: TextIO) -> None:
        if rule is not None:
            stream.write(rule_text(chosen[0]))
            return
        table(("RULE", "NAME", "CATEGORY", "SEVERITY", "CATALOG", "CHECKS"),
              ((r["rule"], r["name"], r["category"], r["severity"], " ".join(r["catalog"]),
                r["summary"]) for r in items), stream, max_width=80)
        stream.write(f"\n{len(records)} rule(s). `claimkit rules ID` shows one; "
                     "--select/--ignore on `claimkit scan` take ids, prefixes, names or "
                     "categories.\n")

    report = Report("rules", iter(records), lambda: {"rules": len(records)},
                    lambda item: [item], ("rule", "name", "category", "severity", "summary"),
                    text)
    with output(out) as stream:
        render(report, fmt.value, stream, schema="rules")
