"""Text, JSON, JSONL, CSV and HTML views of the ledger's answers (via x12core.render/html)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from x12core.html import HtmlReport, money
from x12core.render import Report, render, table

VIEWS = ("text", "json", "jsonl", "csv", "html")
NUMERIC = frozenset({"claims", "balance", "0-30", "31-60", "61-90", "91-120", "120+", "lines",
                     "denied", "predicted", "expected", "allowed", "paid", "short", "age_days",
                     "units", "days_left"})


def _cell(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return " ".join(str(v) for v in value)
    return value


def write_table(title: str, rows: list[dict[str, Any]], summary: dict[str, Any],
                columns: Sequence[str], fmt: str, out: TextIO, items_key: str = "rows",
                schema: str | None = None) -> None:
    """One table of records with a summary, in any of :data:`VIEWS`."""
    if fmt == "html":
        page = HtmlReport(title, summary_line(summary))
        page.cards((k, money(v) if _is_money(k) else v) for k, v in summary.items()
                   if not isinstance(v, dict | list))
        page.table(title, list(columns), ([_cell(r.get(c)) for c in columns] for r in rows),
                   "rows", numeric=[c for c in columns if c in NUMERIC])
        page.write(out)
        return

    def text(items: Iterable[dict[str, Any]], handle: TextIO) -> None:
        handle.write(f"{title}\n{summary_line(summary)}\n\n")
        table(list(columns), ([_cell(r.get(c)) for c in columns] for r in items), handle)

    render(Report(items_key, rows, lambda: summary,
                  lambda r: [{c: _cell(r.get(c)) for c in columns}], columns, text), fmt, out,
           schema)


def _is_money(key: str) -> bool:
    return key in ("open_balance", "denied", "short", "balance")


def summary_line(summary: dict[str, Any]) -> str:
    parts = []
    for key, value in summary.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {_brief(v)}" for k, v in value.items())
        parts.append(f"{key.replace('_', ' ')}: {value}")
    return "; ".join(parts)


def _brief(value: Any) -> str:
    if isinstance(value, dict):
        return "/".join(str(v) for v in value.values())
    return str(value)


def write_story(stories: list[dict[str, Any]], fmt: str, out: TextIO) -> None:
    """``claimkit ledger claim ID``: the whole story of a claim."""
    if fmt in ("json", "jsonl", "csv"):
        rows = [{"claim_id": s["claim_id"], "event": h["status"], "date": h["date"],
                 "file": h["file"], "note": h["note"]} for s in stories for h in s["history"]]
        render(Report("claims", stories, lambda: {"claims": len(stories)},
                      lambda s: [r for r in rows if r["claim_id"] == s["claim_id"]],
                      ("claim_id", "event", "date", "file", "note"), _story_text), fmt, out,
               "ledger-claim")
        return
    if fmt == "html":
        for s in stories:
            page = HtmlReport(f"Claim {s['claim_id']}", f"{s['status']} - {s['file']}")
            _story_html(page, s)
            page.write(out)
        return
    _story_text(stories, out)


def _story_text(stories: Iterable[dict[str, Any]], out: TextIO) -> None:
    for s in stories:
        out.write(f"Claim {s['claim_id']}  status {s['status']}  charge {s['charge']}  "
                  f"paid {s['paid']}  payer {s['payer_id']}  provider {s['provider_npi']}\n")
        out.write(f"  sent in {s['file']} (batch date {s['batch_date']}, profile "
                  f"{s['profile']}{', held by the scan' if s['held'] else ''})\n")
        if s["predicted_by"]:
            out.write(f"  scan rules: {' '.join(s['predicted_by'])}\n")
        out.write("\nHistory\n")
        table(["status", "date", "note", "file"],
              ([h["status"], h["date"], h["note"], h["file"]] for h in s["history"]), out)
        out.write("\nLines\n")
        table(["line", "procedure", "modifiers", "dos", "charge", "status", "paid", "denied",
               "denial categories", "predicted by", "prediction"],
              ([x["line"], x["procedure"], " ".join(x["modifiers"]), x["dos"], x["charge"],
                x["status"], x["paid"], x["denied"], " ".join(x["denial_categories"]),
                " ".join(x["predicted_by"]), x["prediction"]] for x in s["lines"]), out)
        for r in s["remits"]:
            out.write(f"\nRemit {r['icn'] or r['clp01']} ({r['role']}): CLP02 {r['clp02']}, "
                      f"paid {r['paid']} on {r['payment_date']}, trace {r['trace']}, "
                      f"{r['file']}\n")
            if r["adjustments"]:
                table(["line", "code", "amount", "category", "denial", "action"],
                      ([a["line"] or "claim", a["code"], a["amount"], a["category"],
                        "yes" if a["denial"] else "", a["action"]] for a in r["adjustments"]),
                      out, max_width=70)
        if s["findings"]:
            out.write("\nScan findings\n")
            table(["rule", "severity", "line", "message"],
                  ([f["rule"], f["severity"], f["line"], f["message"]] for f in s["findings"]),
                  out, max_width=90)
        out.write("\n")


def _story_html(page: HtmlReport, s: dict[str, Any]) -> None:
    page.cards([("charge", money(s["charge"])), ("paid", money(s["paid"])),
                ("status", s["status"]), ("payer", s["payer_id"])])
    page.table("History", ["status", "date", "note", "file"],
               ([h["status"], h["date"], h["note"], h["file"]] for h in s["history"]), "history")
    page.table("Lines", ["line", "procedure", "status", "paid", "denied", "predicted by"],
               ([x["line"], x["procedure"], x["status"], money(x["paid"]), money(x["denied"]),
                 " ".join(x["predicted_by"])] for x in s["lines"]), "lines")
    page.table("Adjustments", ["remit", "line", "code", "amount", "category", "action"],
               ([r["icn"], a["line"] or "claim", a["code"], money(a["amount"]), a["category"],
                 a["action"]] for r in s["remits"] for a in r["adjustments"]), "adjustments")
