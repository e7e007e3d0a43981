"""Render the audit scorecard: JSON records, flat rows (JSONL/CSV) and the text view.

JSON: ``{"summary": {...}, "rows": [...]}``; one row per dimension and key
(``overall``/``all``, each ``provider`` NPI, each ``payer`` id, each ``batch``
date), with the claim counts, clean rate, findings per audit group and, when
remittances were given, the denial rate, denied dollars and top root causes.
Rates are fractions (0.8125) rounded to four places; money is a decimal string.
JSONL and CSV write one flat row per scorecard row (the groups as
``findings_<group>`` columns, top causes as ``category amount`` text).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TextIO

from reconcile.audit import Scorecard
from x12core.html import money as dollars
from x12core.render import Report, table

BASE_COLUMNS = ("dimension", "key", "name", "claims", "clean", "held", "clean_rate",
                "claims_with_findings", "findings_total", "findings_per_100")
REMIT_COLUMNS = ("remitted", "claims_with_denial", "denial_rate", "denied_claims",
                 "partial_claims", "paid", "denied", "top_causes")
DIMENSION_TITLES = {"provider": "By billing provider (2010AA NPI)",
                    "payer": "By payer (2010BB payer id)",
                    "batch": "Trend by batch date (BHT04)"}


def columns(card: Scorecard) -> tuple[str, ...]:
    groups = tuple(f"findings_{g}" for g in card.groups.order)
    return BASE_COLUMNS + groups + (REMIT_COLUMNS if card.remits is not None else ())


def flat(record: dict[str, Any]) -> dict[str, Any]:
    """One CSV/JSONL row: nested counts spread into columns."""
    row = {k: v for k, v in record.items()
           if not isinstance(v, dict | list) or k == "batch_ids"}
    row["batch_ids"] = " ".join(record.get("batch_ids", []))
    for group, n in record["findings"].items():
        row[f"findings_{group}"] = n
    if "top_causes" in record:
        row["top_causes"] = "; ".join(f"{c['category']} {c['amount']}"
                                      for c in record["top_causes"])
    return row


def percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def audit_report(card: Scorecard) -> Report:
    """The report ``render`` writes in text, json, jsonl or csv."""
    records = card.records()

    def text(items: Iterable[dict[str, Any]], out: TextIO) -> None:
        write_text(card, list(items), out)

    return Report("rows", iter(records), card.summary, lambda item: [flat(item)],
                  (*columns(card), "batch_ids"), text,
                  extra=lambda: {"reference_data": card.reference_data})


def _row_cells(card: Scorecard, r: dict[str, Any], label: str) -> list[Any]:
    cells: list[Any] = [label, r["claims"], percent(r["clean_rate"]), r["findings_per_100"]]
    cells += [r["findings"][g] for g in card.shown_groups()]
    if card.remits is not None:
        top = r["top_causes"][0] if r["top_causes"] else None
        cells += [r["remitted"], percent(r["denial_rate"]), dollars(r["denied"]),
                  f"{top['category']} {dollars(top['amount'])}" if top else "-"]
    return cells


def write_text(card: Scorecard, records: list[dict[str, Any]], out: TextIO) -> None:
    s = card.summary()
    groups = card.groups
    out.write(f"Audit scorecard: {s['claim_files']} claim file(s), {s['batches']} batch "
              f"date(s)" + (f", {s['remit_files']} remit file(s)" if s["remit_files"] else "")
              + "\n")
    overall = records[0]
    out.write(f"{s['claims']} claim(s): {s['clean']} clean ({percent(s['clean_rate'])}), "
              f"{s['held']} held; {overall['findings_per_100']} findings per 100 claims\n")
    out.write("findings: " + ", ".join(
        f"{groups.titles[g].lower()} {overall['findings'][g]} "
        f"({_claims(overall['claims_with'][g])})" for g in card.shown_groups()) + "\n")
    if "remits" in s:
        r = s["remits"]
        causes = ", ".join(f"{c['category']} {dollars(c['amount'])} ({c['lines']} line"
                           f"{'s' if c['lines'] != 1 else ''})"
                           for c in r["denied_by_category"][:card.top]) or "none"
        out.write(f"remits: {r['remitted']} claim(s) remitted, {r['claims_with_denial']} with "
                  f"a denial ({percent(r['denial_rate'])}), {dollars(r['denied'])} denied; "
                  f"top root causes: {causes}; {r['unmatched_remits']} unmatched remit(s)\n")
    head = ["", "CLAIMS", "CLEAN", "PER 100"] + [g.upper() for g in card.shown_groups()]
    if card.remits is not None:
        head += ["REMITTED", "DENIAL", "DENIED", "TOP CAUSE"]
    for dimension in ("provider", "payer", "batch"):
        rows = [r for r in records if r["dimension"] == dimension]
        out.write(f"\n{DIMENSION_TITLES[dimension]}\n")
        labels = [_label(r) for r in rows]
        table([dimension.upper(), *head[1:]],
              (_row_cells(card, r, label) for r, label in zip(rows, labels, strict=True)),
              out)
    out.write("\ngroups: " + "; ".join(
        f"{g} = {', '.join(groups.spec[g].get('categories', []))}" for g in groups.spec)
        + " (reconcile/audit.toml)\n")


def _claims(n: int) -> str:
    return f"{n} claim" if n == 1 else f"{n} claims"


def _label(r: dict[str, Any]) -> str:
    if r["dimension"] == "batch":
        ids = r.get("batch_ids") or []
        return f"{r['key']} ({', '.join(ids)})" if ids else r["key"]
    return f"{r['key']} {r['name']}".strip()
