"""`claimkit reconcile --format html`: one self-contained page for people.

Built with :class:`x12core.html.HtmlReport` (lxml), so every value -- claim ids,
names, payer text -- is escaped by construction; no external assets, no script.
Sections (their ``id`` is stable for tests and links): ``totals``, ``chart``
(denied dollars by root cause, inline SVG), ``denied`` (denied and partly denied
lines with the action to take), ``unpaid``, ``unmatched``, ``unmatched-lines``,
``reversed``, ``prediction`` (scan versus remit), ``missed``, ``predicted``,
``flagged-paid``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, TextIO

from lxml.builder import E

from reconcile.report import Digest
from reconcile.totals import Totals
from x12core.html import HtmlReport, money
from x12core.render import Report


def _split_code(code: str) -> tuple[str, str]:
    """``CO-16 M119 MA130`` -> (``CO-16``, ``M119 MA130``)."""
    head, _, rest = code.partition(" ")
    return head, rest


def _more(report: HtmlReport, shown: int, total: int) -> None:
    if total > shown:
        report.body[-1].append(E.p(f"{total - shown} more not shown; use --format csv for "
                                   "every row.", {"class": "empty"}))


def _denied_rows(rows: Iterable[dict[str, Any]]) -> Iterable[list[str]]:
    for r in rows:
        codes = [_split_code(c) for c in r["codes"]]
        rarcs = dict.fromkeys([*(x for _, x in codes if x), *r["remarks"]])
        yield [r["claim_id"], str(r["line_number"] or ""),
               " ".join((r["procedure"], *r["modifiers"])), r["charge"], r["paid"],
               r["denied_amount"], " ".join(c for c, _ in codes),
               " ".join(rarcs), " ".join(r["denial_categories"]),
               r["action"], " ".join(r["predicted_by"]) or "-", r["prediction"]]


def build_html(totals: Totals, digest: Digest, *, claims: Sequence[str], remits: Sequence[str],
               redacted: bool = False) -> HtmlReport:
    """The report page from the totals and digest of a consumed reconciliation."""
    s = totals.summary()
    names = ", ".join(os.path.basename(p) for p in claims)
    remit_names = ", ".join(os.path.basename(p) for p in remits)
    report = HtmlReport("Claim reconciliation",
                        f"Claims: {names}. Remittances: {remit_names}."
                        + (" Patient names and member ids are redacted." if redacted else ""))
    status = totals.claim_status
    report.cards([
        ("Claims sent", s["claims"]), ("Remitted", s["remitted"]),
        ("Charged", money(totals.charge_sent)), ("Paid", money(totals.paid)),
        ("Denied", money(totals.denied)), ("Paid claims", status.get("paid", 0)),
        ("Partly paid", status.get("partial", 0)), ("Denied claims", status.get("denied", 0)),
        ("Reversed", status.get("reversed", 0)), ("Unpaid claims", status.get("unpaid", 0)),
        ("Unmatched remits", totals.unmatched_claims),
        ("Net cash in remits", money(totals.net_paid)),
    ], heading="Totals")
    report.bar_chart("Denied dollars by root cause",
                     [(c["category"], Decimal(c["amount"])) for c in s["denied_by_category"]],
                     section_id="chart")
    denied = digest.ranked(digest.denied)
    report.table("Denied and partly denied lines",
                 ["claim", "line", "procedure", "billed", "paid", "denied", "group-CARC",
                  "RARCs", "category", "action", "predicted_by", "scan"],
                 _denied_rows(denied), section_id="denied",
                 numeric=["billed", "paid", "denied"], empty="No denied lines.")
    _more(report, len(denied), totals.denial_lines)
    unpaid = digest.ranked(digest.unpaid)
    report.table("Unpaid claims (sent, no remit yet)",
                 ["claim", "date of service", "charge", "patient", "member id", "file"],
                 ([r["claim_id"], r["dos"], r["charge"], r["patient"], r["member_id"],
                   os.path.basename(r["file"])] for r in unpaid),
                 section_id="unpaid", numeric=["charge"], empty="Every sent claim has a remit.")
    _more(report, len(unpaid), status.get("unpaid", 0))
    unmatched = digest.ranked(digest.unmatched)
    report.table("Unmatched remits (no claim was sent)",
                 ["CLP01", "payer ICN", "charge", "paid", "remit outcome", "patient",
                  "member id", "trace"],
                 ([r["claim_id"], r["payer_claim_id"], r["charge"], r["paid"],
                   r["remit_status"], r["patient"], r["member_id"],
                   " ".join(x["trace"] for x in r["remits"])] for r in unmatched),
                 section_id="unmatched", numeric=["charge", "paid"],
                 empty="Every remit matched a sent claim.")
    _more(report, len(unmatched), totals.unmatched_claims)
    stray = digest.ranked(digest.stray)
    report.table("Remit lines with no sent line (in claims that were sent)",
                 ["claim", "REF*6R", "procedure", "charge", "paid", "remit outcome"],
                 ([r["claim_id"], r["line_control"], r["procedure"], r["charge"], r["paid"],
                   r["remit_status"]] for r in stray), section_id="unmatched-lines",
                 numeric=["charge", "paid"], empty="Every remit line matched a sent line.")
    _more(report, len(stray), totals.unmatched_lines)
    reversed_ = digest.ranked(digest.reversed)
    report.table("Reversed claims (no correction yet)",
                 ["claim", "charge", "net cash", "payer ICN"],
                 ([r["claim_id"], r["charge"], r["net_paid"], r["payer_claim_id"]]
                  for r in reversed_), section_id="reversed", numeric=["charge", "net cash"],
                 empty="No reversals left standing.")
    _prediction(report, s)
    report.table("Code tables that judged the claims", ["kind", "version", "effective",
                                                        "source", "sha256"],
                 ([r["kind"], r["version"],
                   f"{r['effective']['start'] or ''} .. {r['effective']['end'] or ''}",
                   r["source"], " ".join(h[:16] for h in r["sha256"])]
                  for r in digest.reference_data), section_id="reference-data")
    return report


def _prediction(report: HtmlReport, s: dict[str, Any]) -> None:
    p = s["prediction"]
    n = p["denial_lines"]
    share = f"{100 * p['predicted'] / n:.0f}%" if n else "-"
    report.cards([("Denied lines", n), ("Predicted by the scan", f"{p['predicted']} ({share})"),
                  ("Missed", p["missed"]),
                  ("Missed, flagged under another category", p["missed_but_flagged"]),
                  ("Flagged but paid", p["flagged_paid"])],
                 heading="Scan versus remit", section_id="prediction")
    report.table("Missed denials by category (candidates for new rules)",
                 ["category", "lines", "denied"],
                 ([m["category"], m["lines"], money(m["amount"])]
                  for m in p["missed_by_category"]),
                 section_id="missed", numeric=["lines", "denied"], empty="None missed.")
    report.table("Predicted denials by category", ["category", "lines", "denied"],
                 ([m["category"], m["lines"], money(m["amount"])]
                  for m in p["predicted_by_category"]),
                 section_id="predicted", numeric=["lines", "denied"], empty="None predicted.")
    report.table("Flagged by the scan but paid (candidates for rule tuning)", ["rule", "lines"],
                 ([f["rule"], f["lines"]] for f in p["flagged_paid_by_rule"]),
                 section_id="flagged-paid", numeric=["lines"], empty="None.")


def write_html(report: Report, digest: Digest, totals: Totals, out: TextIO, *,
               claims: Sequence[str], remits: Sequence[str], redacted: bool = False) -> None:
    """Consume the report's rows (they feed the totals and digest), then write the page."""
    for _ in report.items:
        pass
    build_html(totals, digest, claims=claims, remits=remits, redacted=redacted).write(out)
