"""Settling a claim's remits: netting, statuses and the prediction check (pure functions).

Settling (reference §B.7 reversal pattern, §B.8 steps 4-5, §C.3):

* remits are ordered by payment date (BPR16), then as read, so the command-line
  order of the files does not matter;
* a CLP that repeats one already read from the same payment (same TRN02, ICN,
  CLP02 and amounts) is a ``copy`` of a re-sent file and counts once;
* a reversal (CLP02 = 22) cancels the earlier remit whose amounts it negates
  (same ICN preferred); the remits left standing are ``counted``; one that follows
  a reversal is a ``correction``. A claim with nothing left standing after a
  reversal is ``reversed``; with a correction, the correction's outcome counts;
* every counted remit adds its payment, so a secondary payer's CLP adds to the
  primary's (``paid``); ``net_paid`` is the cash the files moved for the claim
  (reversals of payments made before these files included);
* a counted remit whose only denials are duplicate-claim denials (CARC 18) does
  not decide the status while another remit adjudicated the claim;
* a line is ``denied`` when nothing was paid and a denial adjustment applies,
  ``partial`` when something was paid and a denial adjustment took part of it,
  ``paid`` otherwise -- patient responsibility and contractual write-downs are not
  denials, so a line paid $0 because of the deductible is ``paid`` (§C.3 rule 1);
  a line that is only pending (OA-133) is ``unpaid``, like a line with no remit.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from decimal import Decimal
from importlib import resources

from reconcile.match import Adj, Remit

PAID, PARTIAL, DENIED, REVERSED, UNPAID = "paid", "partial", "denied", "reversed", "unpaid"
UNMATCHED = "unmatched-remit"
STATUSES = (PAID, PARTIAL, DENIED, REVERSED, UNPAID, UNMATCHED)
COUNTED, CORRECTION, REVERSAL, CANCELLED, COPY, DUPLICATE = (
    "counted", "correction", "reversal", "reversed", "copy", "duplicate-denial")


def split_categories(adjustments: Sequence[Adj]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    every = tuple(sorted({a.why.category for a in adjustments}))
    return every, tuple(c for c in every if any(a.why.denial and a.why.category == c
                                                for a in adjustments))


def settle(remits: list[Remit]) -> tuple[list[Remit], list[tuple[Remit, str]]]:
    """The remits that count and every remit with its role (see the module notes)."""
    roles: dict[int, str] = {}
    counted: list[Remit] = []
    seen: set[tuple[str, str, str, Decimal, Decimal]] = set()
    reversal_seen = False
    ordered = sorted(remits, key=lambda r: (r.payment_date, r.seq))
    for r in ordered:
        key = (r.trace, r.payer_claim_id, r.status_code, r.charge, r.paid)
        if r.trace and key in seen:
            roles[r.seq] = COPY
            continue
        seen.add(key)
        if not r.is_reversal:
            roles[r.seq] = CORRECTION if reversal_seen else COUNTED
            counted.append(r)
            continue
        roles[r.seq] = REVERSAL
        reversal_seen = True
        negates = [c for c in counted if c.charge == -r.charge and c.paid == -r.paid]
        same_icn = [c for c in negates if c.payer_claim_id == r.payer_claim_id]
        target = (same_icn or negates or [None])[-1]
        if target is not None:
            counted.remove(target)
            roles[target.seq] = CANCELLED
    dups = [r for r in counted if _duplicate_denial(r)]
    if dups and len(dups) < len(counted):
        for r in dups:
            counted.remove(r)
            roles[r.seq] = DUPLICATE
    return counted, [(r, roles[r.seq]) for r in ordered]


def _duplicate_denial(r: Remit) -> bool:
    denials = [a for a in (*r.adjustments, *(a for ln in r.lines for a in ln.adjustments))
               if a.why.denial]
    return r.paid == 0 and bool(denials) and all(a.why.category == "duplicate" for a in denials)


def line_status(paid: Decimal, adjustments: Sequence[Adj]) -> str:
    if any(a.why.denial for a in adjustments):
        return PARTIAL if paid > 0 else DENIED  # §C.3 rules 3-4
    if any(a.why.category == "pending" for a in adjustments):
        return UNPAID  # OA-133: not adjudicated yet
    return PAID


def _load_predicts() -> dict[str, frozenset[str]]:
    """Scan category -> the denial categories it predicts (itself plus prediction.toml)."""
    with resources.files("reconcile").joinpath("prediction.toml").open("rb") as handle:
        table = tomllib.load(handle)["predicts"]
    return {category: frozenset([category, *related]) for category, related in table.items()}


PREDICTS = _load_predicts()


def predicted_categories(scan_category: str) -> frozenset[str]:
    """Denial categories a finding of ``scan_category`` predicts (reference §C.6)."""
    return PREDICTS.get(scan_category, frozenset((scan_category,)))


def prediction_of(status: str, denial: tuple[str, ...], rules: tuple[str, ...],
                  flags: tuple[str, ...], rule_category: dict[str, str]) -> str:
    if status in (DENIED, PARTIAL):
        predicted: set[str] = set()
        for r in rules:
            predicted |= predicted_categories(rule_category.get(r, ""))
        return "predicted" if predicted.intersection(denial) else "missed"
    return "flagged-paid" if status == PAID and flags else ""


def claim_status(counted: list[Remit], history: list[tuple[Remit, str]],
                  adjustments: tuple[Adj, ...], paid: Decimal, lines: list[str]) -> str:
    if not counted:
        return REVERSED if any(role == REVERSAL for _, role in history) else UNPAID
    claim_denial = any(a.why.denial for a in adjustments)
    answered = [s for s in lines if s != UNPAID]
    if paid <= 0 and all(r.status_code == "4" for r in counted):
        return DENIED  # CLP02 4: the payer denied the whole claim
    if answered and len(answered) == len(lines) and all(s == DENIED for s in answered):
        return DENIED
    if not answered:
        if claim_denial:
            return DENIED if paid <= 0 else PARTIAL
        return UNPAID if lines else PAID
    if claim_denial or len(answered) < len(lines) or any(s != PAID for s in answered):
        return PARTIAL
    return PAID
