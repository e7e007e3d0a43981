"""The terminal view of `claimkit reconcile`: the summary first, then the worst items.

Fits 100 columns: money as ``$1,234.50``, long cells cut with an ellipsis.
Everything comes from the totals and the digest (bounded lists), never from a
second pass over the rows.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TextIO

from x12core.html import money as dollars
from x12core.render import table

if TYPE_CHECKING:
    from reconcile.report import Digest
    from reconcile.totals import Totals

WIDTH = 100
STATUS_ORDER = ("paid", "partial", "denied", "reversed", "unpaid", "unmatched-remit")


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def _wrap(text: str, indent: str = "") -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent,
                         subsequent_indent=indent + "    ") + "\n"


def _join(items: Iterable[str]) -> str:
    return " ".join(items) or "-"


def write_text(records: Iterable[dict[str, Any]], out: TextIO, totals: Totals,
               digest: Digest) -> None:
    for _ in records:  # the rows feed the totals and the digest
        pass
    s = totals.summary()
    out.write(f"Reconciliation: {s['claims']} claim(s) sent ({s['lines']} lines), "
              f"{s['remitted']} remitted; {s['remits']['claims']} remit claim(s) in "
              f"{s['remits']['payments']} payment(s)\n\n")
    status = totals.claim_status
    table(("status", "claims"), [(st, status.get(st, 0)) for st in STATUS_ORDER], out)
    out.write(f"\ncharged {dollars(totals.charge_sent)}, paid {dollars(totals.paid)}, "
              f"denied {dollars(totals.denied)}\n"
              f"not yet paid {dollars(totals.unpaid_charge)} ({status.get('unpaid', 0)} "
              f"claims); net cash in these remits {dollars(totals.net_paid)}\n")
    if totals.unmatched_claims:
        out.write(f"UNMATCHED: {totals.unmatched_claims} remit claim(s) for claims never sent "
                  f"({dollars(totals.unmatched_paid)} paid)\n")
    if totals.unmatched_lines:
        out.write(f"UNMATCHED: {totals.unmatched_lines} remit line(s) in sent claims match no "
                  "sent line\n")
    _causes(out, s)
    _prediction(out, s)
    _worst(out, digest, totals)
    rem = s["remits"]
    if rem["unbalanced_claims"] or rem["unbalanced_payments"] or rem["structure_findings"]:
        out.write(f"\nRemit problems: {rem['unbalanced_claims']} unbalanced claim(s), "
                  f"{rem['unbalanced_payments']} unbalanced payment(s), "
                  f"{rem['structure_findings']} structure finding(s); "
                  "`claimkit remit` shows where.\n")


def _causes(out: TextIO, s: dict[str, Any]) -> None:
    causes = s["denied_by_category"]
    if not causes:
        out.write("\nNo denials.\n")
        return
    predicted = {c["category"]: c["lines"] for c in s["prediction"]["predicted_by_category"]}
    out.write(f"\nDenied {dollars(Decimal(s['denied']))} by root cause\n")
    table(("category", "lines", "denied", "predicted"),
          [(c["category"], c["lines"], dollars(Decimal(c["amount"])),
            predicted.get(c["category"], 0)) for c in causes], out)


def _prediction(out: TextIO, s: dict[str, Any]) -> None:
    p = s["prediction"]
    n = p["denial_lines"]
    out.write("\n" + _wrap(f"Scan prediction: {p['predicted']} of {n} denied line(s) "
                           f"predicted ({_pct(p['predicted'], n)}), {p['missed']} missed "
                           f"({p['missed_but_flagged']} flagged under another category)"))
    missed = p["missed_by_category"]
    if missed:
        out.write(_wrap("missed, by category (candidates for new rules): " + ", ".join(
            f"{m['category']} {m['lines']}" for m in missed[:8]), "  "))
    flagged = p["flagged_paid_by_rule"]
    out.write(_wrap(f"flagged by the scan but paid (candidates for rule tuning): "
                    f"{p['flagged_paid']} line(s)" + (": " + ", ".join(
                        f"{f['rule']} x{f['lines']}" for f in flagged[:8]) if flagged else ""),
                    "  "))


def _worst(out: TextIO, digest: Digest, totals: Totals) -> None:
    denied = digest.ranked(digest.denied)
    if denied:
        out.write(f"\nWorst denied lines ({len(denied)} of {totals.denial_lines}, "
                  "by denied amount)\n")
        table(("claim", "line", "proc", "billed", "paid", "codes", "category", "predicted_by"),
              [(r["claim_id"], r["line_number"], r["procedure"], r["charge"], r["paid"],
                "; ".join(r["codes"]), _join(r["denial_categories"]),
                _join(r["predicted_by"])) for r in denied], out, max_width=28)
    unpaid = digest.ranked(digest.unpaid)
    if unpaid:
        out.write(f"\nUnpaid claims ({len(unpaid)} of {totals.claim_status.get('unpaid', 0)}, "
                  "by charge)\n")
        table(("claim", "dos", "charge", "patient", "member_id"),
              [(r["claim_id"], r["dos"], r["charge"], r["patient"], r["member_id"])
               for r in unpaid], out, max_width=30)
    unmatched = digest.ranked(digest.unmatched)
    if unmatched:
        out.write(f"\nUnmatched remits ({len(unmatched)} of {totals.unmatched_claims})\n")
        table(("clp01", "icn", "charge", "paid", "remit_status", "patient", "trace"),
              [(r["claim_id"], r["payer_claim_id"], r["charge"], r["paid"], r["remit_status"],
                r["patient"], _join(x["trace"] for x in r["remits"])) for r in unmatched],
              out, max_width=30)
    stray = digest.ranked(digest.stray)
    if stray:
        out.write(f"\nRemit lines with no sent line ({len(stray)} of {totals.unmatched_lines})\n")
        table(("claim", "line_control", "proc", "charge", "paid", "remit_status"),
              [(r["claim_id"], r["line_control"], r["procedure"], r["charge"], r["paid"],
                r["remit_status"]) for r in stray], out, max_width=30)
    rev = digest.ranked(digest.reversed)
    if rev:
        out.write(f"\nReversed claims ({len(rev)} of {totals.claim_status.get('reversed', 0)})"
                  "\n")
        table(("claim", "charge", "net_paid", "icn"),
              [(r["claim_id"], r["charge"], r["net_paid"], r["payer_claim_id"]) for r in rev],
              out)
