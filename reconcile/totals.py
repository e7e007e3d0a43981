"""Running totals of a reconciliation: money, statuses, root causes, the prediction check.

Filled while the remits are read (:meth:`Totals.add_remit`, :meth:`Totals.add_payment`)
and while the results stream out (:meth:`Totals.add_result`); :meth:`Totals.summary`
is complete once the results have been consumed.

The prediction check compares the scan's categories with the payer's, using the
one vocabulary of ``shared/contract.md``: a denied or partly denied line was
*predicted* when one of the rules that flagged it (``predicted_by``) has a
category among the line's denial categories, *missed* otherwise (candidates for
new rules, by category; ``missed_but_flagged`` counts those the scan did flag,
under another category -- a vocabulary question, not a missing rule); a paid
line the scan flagged at or above its ``--fail-on`` severity is *flagged-paid*
(candidates for rule tuning, by rule).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from remit835.model import ZERO, Payment, money
from x12core.findings import Finding

if TYPE_CHECKING:
    from reconcile.engine import ClaimResult
    from reconcile.match import Remit

_DENIAL_STATUSES = frozenset({"denied", "partial"})


def _add(table: dict[str, list[Any]], key: str, amount: Decimal) -> None:
    entry = table.setdefault(key, [0, ZERO])
    entry[0] += 1
    entry[1] += amount


def _ranked(table: dict[str, list[Any]], label: str) -> list[dict[str, Any]]:
    rows = sorted(table.items(), key=lambda kv: (-kv[1][1], -kv[1][0], kv[0]))
    return [{label: k, "lines": n, "amount": money(d)} for k, (n, d) in rows]


@dataclass
class Totals:
    """Counters for the summary, the text view and the HTML report."""

    # remit side
    payments: int = 0
    payment_amount: Decimal = ZERO
    unbalanced_payments: int = 0
    remit_claims: int = 0
    reversals: int = 0
    unbalanced_remit_claims: int = 0
    remit_findings: int = 0  # structure problems in the 835s (bad amounts, envelopes)
    scan_file_findings: int = 0  # envelope problems the scan found in the 837s
    # result side
    claims_sent: int = 0
    lines_sent: int = 0
    claims_remitted: int = 0
    charge_sent: Decimal = ZERO
    paid: Decimal = ZERO
    net_paid: Decimal = ZERO
    denied: Decimal = ZERO
    unpaid_charge: Decimal = ZERO
    claim_status: Counter[str] = field(default_factory=Counter)
    line_status: Counter[str] = field(default_factory=Counter)
    claim_match: Counter[str] = field(default_factory=Counter)
    line_match: Counter[str] = field(default_factory=Counter)
    remit_roles: Counter[str] = field(default_factory=Counter)
    denied_by_category: dict[str, list[Any]] = field(default_factory=dict)  # [lines, $]
    unmatched_claims: int = 0
    unmatched_lines: int = 0  # remit lines with no sent line in a matched claim
    unmatched_paid: Decimal = ZERO
    # prediction check
    denial_lines: int = 0
    predicted: int = 0
    missed_flagged: int = 0  # missed, though the scan flagged the line under another category
    predicted_by_category: dict[str, list[Any]] = field(default_factory=dict)
    missed_by_category: dict[str, list[Any]] = field(default_factory=dict)
    flagged_paid: int = 0
    flagged_paid_by_rule: Counter[str] = field(default_factory=Counter)
    flagged_lines: int = 0

    def add_remit(self, remit: Remit) -> None:
        self.remit_claims += 1
        self.reversals += remit.is_reversal
        self.unbalanced_remit_claims += not remit.balanced

    def add_payment(self, payment: Payment, findings: list[Finding]) -> None:
        self.payments += 1
        self.payment_amount += payment.header.amount
        self.unbalanced_payments += not payment.balanced
        self.remit_findings += len(findings)

    def add_result(self, result: ClaimResult) -> None:
        self.claim_status[result.status] += 1
        for _, role in result.remits:
            self.remit_roles[role] += 1
        if not result.sent:
            self.unmatched_claims += 1
            self.line_status["unmatched-remit"] += len(result.lines)
            self.unmatched_paid += result.paid
            return
        self.claims_sent += 1
        self.claims_remitted += bool(result.remits)
        self.charge_sent += result.charge
        self.paid += result.paid
        self.net_paid += result.net_paid
        if result.status == "unpaid":
            self.unpaid_charge += result.charge
        if result.match:
            self.claim_match[result.match] += 1
        for a in result.adjustments:  # claim-level denials: money once, on the claim
            if a.why.denial:
                self.denied += a.amount
                self.denied_by_category.setdefault(a.why.category, [0, ZERO])[1] += a.amount
        for line in result.lines:
            self._add_line(line)

    def _add_line(self, line: Any) -> None:
        self.line_status[line.status] += 1
        if line.status == "unmatched-remit":
            self.unmatched_lines += 1
            return
        self.lines_sent += 1
        if line.match:
            self.line_match[line.match] += 1
        self.flagged_lines += bool(line.flags)
        if not line.via_claim:
            for a in line.adjustments:
                if a.why.denial and line.status != "reversed":
                    self.denied += a.amount
                    self.denied_by_category.setdefault(a.why.category, [0, ZERO])[1] += \
                        a.amount
        if line.status in _DENIAL_STATUSES:
            self.denial_lines += 1
            amount = line.denied_amount
            for category in line.denial_categories:
                self.denied_by_category.setdefault(category, [0, ZERO])[0] += 1
            table = self.missed_by_category
            if line.prediction == "predicted":
                self.predicted += 1
                table = self.predicted_by_category
            elif line.predicted_by:
                self.missed_flagged += 1
            for category in line.denial_categories:
                _add(table, category, amount)
        elif line.prediction == "flagged-paid":
            self.flagged_paid += 1
            for rule in line.flags:
                self.flagged_paid_by_rule[rule] += 1

    @property
    def has_unmatched(self) -> bool:
        return bool(self.unmatched_claims or self.unmatched_lines)

    def summary(self) -> dict[str, Any]:
        status = self.claim_status
        return {
            "claims": self.claims_sent, "lines": self.lines_sent,
            "remitted": self.claims_remitted,
            "paid_claims": status["paid"], "partial_claims": status["partial"],
            "denied_claims": status["denied"], "reversed_claims": status["reversed"],
            "unpaid_claims": status["unpaid"], "unmatched_remits": self.unmatched_claims,
            "unmatched_remit_lines": self.unmatched_lines,
            "charge": money(self.charge_sent), "paid": money(self.paid),
            "net_paid": money(self.net_paid), "denied": money(self.denied),
            "unpaid_charge": money(self.unpaid_charge),
            "unmatched_paid": money(self.unmatched_paid),
            "claim_status": dict(sorted(status.items())),
            "line_status": dict(sorted(self.line_status.items())),
            "match": {"claims": dict(sorted(self.claim_match.items())),
                      "lines": dict(sorted(self.line_match.items()))},
            "denied_by_category": _ranked(self.denied_by_category, "category"),
            "prediction": {
                "denial_lines": self.denial_lines, "predicted": self.predicted,
                "missed": self.denial_lines - self.predicted,
                "missed_but_flagged": self.missed_flagged,
                "predicted_by_category": _ranked(self.predicted_by_category, "category"),
                "missed_by_category": _ranked(self.missed_by_category, "category"),
                "flagged_lines": self.flagged_lines, "flagged_paid": self.flagged_paid,
                "flagged_paid_by_rule": [{"rule": r, "lines": n} for r, n in sorted(
                    self.flagged_paid_by_rule.items(), key=lambda kv: (-kv[1], kv[0]))],
            },
            "remits": {"payments": self.payments, "payment_amount": money(self.payment_amount),
                       "claims": self.remit_claims, "reversals": self.reversals,
                       "roles": dict(sorted(self.remit_roles.items())),
                       "unbalanced_claims": self.unbalanced_remit_claims,
                       "unbalanced_payments": self.unbalanced_payments,
                       "structure_findings": self.remit_findings},
            "scan_file_findings": self.scan_file_findings,
        }
