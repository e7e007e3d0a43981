"""The `claimkit reconcile` report: rows for json/jsonl/csv, a digest for text and HTML.

JSON follows ``shared/contract.md``: ``summary`` then ``rows``, one row per claim
(``row_type = "claim"``) followed by one row per line (``row_type = "line"``),
each with ``claim_id``, ``line_control``, ``status``, ``charge``, ``paid``,
``categories`` and ``predicted_by``. JSONL writes the same rows one per line;
CSV writes them flat (lists joined with spaces, adjustments as ``CO-16 [M119]
25.01 drug-data`` items joined with ``; ``). Money is a decimal string with two
places; dates are ISO.

``--redact`` replaces patient names and member ids with ``***`` in the rows, so
every format (text and HTML are drawn from the rows) is masked alike.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from reconcile.engine import ClaimResult, LineResult, Reconciler
from reconcile.match import Adj, Remit
from reconcile.text import write_text
from remit835.model import money
from x12core.render import Report

REDACTED = "***"
COLUMNS = (
    "row_type", "claim_id", "line_number", "line_control", "status", "charge", "paid",
    "net_paid", "categories", "denial_categories", "predicted_by", "prediction", "procedure",
    "modifiers", "adjudicated_procedure", "dos", "match", "codes", "action", "adjustments",
    "remarks", "patient", "member_id", "payer_claim_id", "remit_claim_id", "remit_status",
    "held", "remits", "file",
)
_LISTS = ("categories", "denial_categories", "predicted_by", "modifiers", "remarks", "codes")


def _iso(d: str) -> str:
    return f"{d[:4]}-{d[4:6]}-{d[6:8]}" if len(d) == 8 and d.isdigit() else d


def _adj(a: Adj) -> dict[str, Any]:
    w = a.why
    return {"group": w.group, "reason": w.reason, "code": w.code, "remarks": list(w.remarks),
            "amount": money(a.amount), "category": w.category, "denial": w.denial,
            "action": w.action}


def _remit(r: Remit, role: str) -> dict[str, Any]:
    return {"file": r.file, "trace": r.trace, "payer_id": r.payer_id, "clp01": r.claim_id,
            "status_code": r.status_code, "payer_claim_id": r.payer_claim_id,
            "charge": money(r.charge), "paid": money(r.paid), "role": role,
            "payment_date": _iso(r.payment_date)}


def _codes(adjustments: Iterable[Adj]) -> list[str]:
    """``CO-16 M119`` for each denial adjustment, else for every adjustment."""
    adjs = list(adjustments)
    chosen = [a for a in adjs if a.why.denial] or adjs
    out = [" ".join((a.why.code, *a.why.remarks)) for a in chosen]
    return list(dict.fromkeys(out))


def _action(adjustments: Iterable[Adj], status: str) -> str:
    """The action of the largest denial adjustment (what to do first); a reversal's note."""
    adjs = list(adjustments)
    denials = [a for a in adjs if a.why.denial]
    if denials:
        return max(denials, key=lambda a: a.amount).why.action
    return adjs[0].why.action if status == "reversed" and adjs else ""


def claim_row(r: ClaimResult, redact: bool = False) -> dict[str, Any]:
    return {
        "row_type": "claim", "claim_id": r.claim_id, "line_number": None, "line_control": "",
        "status": r.status, "charge": money(r.charge), "paid": money(r.paid),
        "net_paid": money(r.net_paid), "categories": list(r.categories),
        "denial_categories": list(r.denial_categories), "predicted_by": list(r.predicted_by),
        "prediction": "", "procedure": "", "modifiers": [], "adjudicated_procedure": "",
        "dos": _iso(r.dos), "match": r.match, "codes": _codes(r.adjustments),
        "action": _action(r.adjustments, r.status), "adjustments": [_adj(a) for a in r.adjustments],
        "remarks": list(r.remarks), "patient": REDACTED if redact and r.patient else r.patient,
        "member_id": REDACTED if redact and r.member_id else r.member_id,
        "payer_claim_id": r.payer_claim_id, "remit_claim_id": r.remit_claim_id,
        "remit_status": r.remit_status, "held": r.held,
        "remits": [_remit(x, role) for x, role in r.remits], "file": r.file,
    }


def line_row(r: ClaimResult, ln: LineResult) -> dict[str, Any]:
    # A line decided by a claim-level answer shows the claim's codes and action.
    source = r.adjustments if ln.via_claim else ln.adjustments
    return {
        "row_type": "line", "claim_id": r.claim_id, "line_number": ln.line_number,
        "line_control": ln.line_control, "status": ln.status, "charge": money(ln.charge),
        "paid": money(ln.paid), "net_paid": money(ln.net_paid),
        "categories": list(ln.categories), "denial_categories": list(ln.denial_categories),
        "predicted_by": list(ln.predicted_by), "prediction": ln.prediction,
        "procedure": ln.procedure, "modifiers": list(ln.modifiers),
        "adjudicated_procedure": ln.adjudicated, "dos": _iso(ln.dos), "match": ln.match,
        "codes": _codes(source), "action": _action(source, ln.status),
        "adjustments": [_adj(a) for a in ln.adjustments], "remarks": list(ln.remarks),
        "remit_status": ln.remit_status, "via_claim": ln.via_claim,
        "denied_amount": money(ln.denied_amount),
    }


def result_rows(r: ClaimResult, redact: bool = False) -> list[dict[str, Any]]:
    """The claim row, then its line rows."""
    return [claim_row(r, redact), *(line_row(r, ln) for ln in r.lines)]


def flat(row: dict[str, Any]) -> dict[str, Any]:
    """A row for CSV: lists joined, adjustments and remits as short text."""
    out = dict(row)
    for key in _LISTS:
        out[key] = " ".join(row.get(key) or ())
    out["adjustments"] = "; ".join(
        f"{a['code']}{' [' + ' '.join(a['remarks']) + ']' if a['remarks'] else ''} "
        f"{a['amount']} {a['category']}" for a in row.get("adjustments") or ())
    out["remits"] = "; ".join(f"{x['file']}#{x['trace']} CLP02={x['status_code']} "
                              f"{x['paid']} {x['role']}" for x in row.get("remits") or ())
    return out


@dataclass
class Digest:
    """The worst items, kept while the rows stream: bounded heaps, not every row."""

    limit: int = 20
    denied: list[tuple[Decimal, int, dict[str, Any]]] = field(default_factory=list)
    unpaid: list[tuple[Decimal, int, dict[str, Any]]] = field(default_factory=list)
    unmatched: list[tuple[Decimal, int, dict[str, Any]]] = field(default_factory=list)
    reversed: list[tuple[Decimal, int, dict[str, Any]]] = field(default_factory=list)
    stray: list[tuple[Decimal, int, dict[str, Any]]] = field(default_factory=list)  # lines
    seq: int = 0
    reference_data: list[dict[str, Any]] = field(default_factory=list)  # tables that judged

    def _keep(self, heap: list[tuple[Decimal, int, dict[str, Any]]], key: Decimal,
              row: dict[str, Any]) -> None:
        self.seq += 1
        item = (key, -self.seq, row)  # ties: the earlier row wins
        if len(heap) < self.limit:
            heapq.heappush(heap, item)
        elif item > heap[0]:
            heapq.heapreplace(heap, item)

    def add(self, result: ClaimResult, rows: list[dict[str, Any]]) -> None:
        claim = rows[0]
        if result.status == "unpaid":
            self._keep(self.unpaid, result.charge, claim)
        elif result.status == "unmatched-remit":
            self._keep(self.unmatched, abs(result.paid) or result.charge, claim)
        elif result.status == "reversed":
            self._keep(self.reversed, abs(result.net_paid), claim)
        for ln, row in zip(result.lines, rows[1:], strict=True):
            if ln.status in ("denied", "partial"):
                self._keep(self.denied, ln.denied_amount, row)
            elif ln.status == "unmatched-remit" and result.sent:
                self._keep(self.stray, abs(ln.paid), row)

    @staticmethod
    def ranked(heap: list[tuple[Decimal, int, dict[str, Any]]]) -> list[dict[str, Any]]:
        return [row for _, _, row in sorted(heap, reverse=True)]


def reconcile_report(rec: Reconciler, *, redact: bool = False, csv: bool = False,
                     limit: int = 20) -> tuple[Report, Digest]:
    """The report (text/json/jsonl/csv) and the digest the text and HTML views read.

    Call ``rec.load()`` first so input errors surface before any output.
    """
    digest = Digest(limit=limit)

    def items() -> Iterator[dict[str, Any]]:
        for result in rec.results():
            rows = result_rows(result, redact)
            digest.add(result, rows)
            yield from rows
        digest.reference_data = rec.index.reference_data if rec.index is not None else []

    def rows(row: dict[str, Any]) -> list[dict[str, Any]]:
        return [flat(row) if csv else row]

    report = Report("rows", items(), rec.totals.summary, rows, COLUMNS,
                    lambda records, out: write_text(records, out, rec.totals, digest),
                    extra=lambda: {"reference_data": digest.reference_data})
    return report, digest
