"""`claimkit audit --format html`: the scorecard as one self-contained page.

Built with :class:`x12core.html.HtmlReport`, the reconciliation report's builder:
values are escaped by construction, no external assets, no script. Section ids
(stable for tests and links): ``totals``, ``groups`` (findings by audit group,
inline SVG), ``remits`` and ``causes`` (with remittances), ``provider``, ``payer``,
``trend`` (clean rate per batch date, inline SVG) and ``batch``, ``legend``.
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

from reconcile.audit import Scorecard
from reconcile.audit_report import DIMENSION_TITLES, percent
from x12core.html import HtmlReport, money


def build_html(card: Scorecard) -> HtmlReport:
    records = card.records()
    s = card.summary()
    groups = card.groups
    names = ", ".join(os.path.basename(p) for p in card.claim_files)
    remits = ", ".join(os.path.basename(p) for p in card.remit_files)
    report = HtmlReport("Claim audit scorecard", f"Claims: {names}."
                        + (f" Remittances: {remits}." if remits else " No remittances given."))
    overall = records[0]
    cards: list[tuple[str, Any]] = [
        ("Claims", s["claims"]), ("Clean", f"{s['clean']} ({percent(s['clean_rate'])})"),
        ("Held", s["held"]), ("Findings per 100 claims", overall["findings_per_100"]),
        ("Batch dates", s["batches"])]
    if "remits" in s:
        r = s["remits"]
        cards += [("Remitted", r["remitted"]), ("Denial rate", percent(r["denial_rate"])),
                  ("Denied", money(r["denied"])), ("Unmatched remits", r["unmatched_remits"])]
    report.cards(cards, heading="Totals")
    report.bar_chart("Findings by audit group",
                     [(groups.titles[g], Decimal(overall["findings"][g])) for g in groups.order
                      if overall["findings"][g]], section_id="groups", unit="")
    if "remits" in s:
        causes = s["remits"]["denied_by_category"]
        report.bar_chart("Denied dollars by root cause",
                         [(c["category"], Decimal(c["amount"])) for c in causes[:10]],
                         section_id="remits")
        report.table("Root causes of denials", ["category", "lines", "denied"],
                     ([c["category"], c["lines"], money(c["amount"])] for c in causes),
                     section_id="causes", numeric=["lines", "denied"], empty="No denials.")
    head = ["claims", "clean", "per 100", *(groups.titles[g] for g in card.shown_groups())]
    if card.remits is not None:
        head += ["remitted", "denial rate", "denied", "top causes"]
    for dimension in ("provider", "payer"):
        rows = [r for r in records if r["dimension"] == dimension]
        report.table(DIMENSION_TITLES[dimension], [dimension, "name", *head],
                     ([r["key"], r["name"], *_cells(card, r)] for r in rows),
                     section_id=dimension, numeric=head[:-1] if card.remits else head)
    batches = [r for r in records if r["dimension"] == "batch"]
    report.bar_chart("Clean rate by batch date",
                     [(r["key"], Decimal(str(round(100 * (r["clean_rate"] or 0), 1))))
                      for r in batches], section_id="trend", unit="%")
    report.table(DIMENSION_TITLES["batch"], ["batch date", "batch ids", *head],
                 ([r["key"], " ".join(r.get("batch_ids", [])), *_cells(card, r)]
                  for r in batches), section_id="batch",
                 numeric=head[:-1] if card.remits else head)
    report.table("Audit groups (reconcile/audit.toml)", ["group", "categories", "rules"],
                 ([groups.titles[k], ", ".join(v.get("categories", [])),
                   ", ".join(v.get("rules", []))] for k, v in groups.spec.items()),
                 section_id="legend")
    report.table("Code tables that judged the claims", ["kind", "version", "effective",
                                                        "source", "sha256"],
                 ([r["kind"], r["version"],
                   f"{r['effective']['start'] or ''} .. {r['effective']['end'] or ''}",
                   r["source"], " ".join(h[:16] for h in r["sha256"])]
                  for r in card.reference_data), section_id="reference-data")
    return report


def _cells(card: Scorecard, r: dict[str, Any]) -> list[Any]:
    cells: list[Any] = [r["claims"], percent(r["clean_rate"]), r["findings_per_100"]]
    cells += [r["findings"][g] for g in card.shown_groups()]
    if card.remits is not None:
        cells += [r["remitted"], percent(r["denial_rate"]), money(r["denied"]),
                  ", ".join(f"{c['category']} {money(c['amount'])}" for c in r["top_causes"])
                  or "-"]
    return cells
