"""Generated 835s read back exactly as the generator's ground truth says.

For every claim the truth file lists: each CLP the 835 carries for it (status code,
charge, paid, patient responsibility, payer claim number, trace), the final claim
status, and per service line the status, paid amount, remarks and every adjustment
(group, reason, amount, category). Then the payments (BPR02, PLB, balanced) and the
seeded imbalances (level and size). The category of every adjustment comes from our
cause map, so this is also where the map and the generator must agree.
"""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fixtures.generate import write_835, write_truth
from remit835.causes import default_map
from remit835.model import Claim, Payment, money
from remit835.outcome import REVERSED, ClaimOutcome, assess
from remit835.parse import read_remits

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "835"
LEVELS = {"transaction": "payment"}  # the truth's word -> ours


def read(path: Path) -> tuple[dict[str, list[ClaimOutcome]], list[Payment]]:
    claims: dict[str, list[ClaimOutcome]] = defaultdict(list)
    payments = []
    causes = default_map()
    for stream in read_remits(path):
        for claim in stream:
            claims[claim.claim_id].append(assess(claim, causes))
        payments.append(stream.finish())
    return claims, payments


def remit_summary(c: Claim) -> dict[str, str]:
    return {"clp01": c.claim_id, "clp02": c.status_code, "charge": money(c.charge),
            "paid": money(c.paid), "patient_responsibility": money(c.patient_responsibility
                                                                   or Decimal(0)),
            "payer_claim_id": c.payer_claim_id, "trace": c.payment.trace}


def adjustments(outcome: Any) -> list[tuple[str, str, str, str]]:
    return [(c.adjustment.group, c.adjustment.reason, money(c.adjustment.amount),
             c.cause.category) for c in outcome.adjustments]


def truth_adjustments(items: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    return [(a["group"], a["reason"], a["amount"], a["category"]) for a in items]


def compare(path: Path, truth_path: Path) -> int:
    """Assert the 835 matches its truth file; returns how many claims were compared."""
    claims, payments = read(path)
    truth = [json.loads(line) for line in truth_path.read_text().splitlines()]
    compared = 0
    for t in (t for t in truth if t["record"] == "claim"):
        ours = claims.pop(t["remit_claim_id"], []) if t["remit_claim_id"] else []
        assert [remit_summary(o.claim) for o in ours] == [
            {k: r[k] for k in ("clp01", "clp02", "charge", "paid", "patient_responsibility",
                               "payer_claim_id", "trace")} for r in t["remits"]], t["claim_id"]
        if not ours:
            assert t["status"] == "unpaid", t["claim_id"]
            continue
        final = ours[-1]
        if t["status"] != "unmatched-remit":  # a reconciliation word: no 837 claim behind it
            assert final.status == t["status"], t["claim_id"]
        assert adjustments(final) == truth_adjustments(t["claim_adjustments"]), t["claim_id"]
        assert list(final.claim.remarks) == t["remarks"], t["claim_id"]
        lines = [ln for ln in t["lines"] if ln["in_remit"]]
        assert len(final.lines) == len(lines), t["claim_id"]
        for lo, tl in zip(final.lines, lines, strict=True):
            where = f"{t['claim_id']} line {tl['line_number']}"
            assert lo.status == tl["status"], where
            if lo.status != REVERSED:  # the truth's paid is net of the reversal (0.00)
                assert money(lo.line.paid) == tl["paid"], where
            assert adjustments(lo) == truth_adjustments(tl["adjustments"]), where
            assert list(lo.line.remarks) == tl["remarks"], where
            # A reversal is a category but never a denial (reference §C.2).
            assert [c for c in lo.categories if c != "reversal"] == tl["denial_categories"], where
        expected = sorted((LEVELS.get(i["level"], i["level"]), i["amount"])
                          for i in t["imbalances"])
        found = sorted((i.level, money(abs(i.difference))) for o in ours
                       for i in o.claim.imbalances if i.level != "line-charges")
        assert found == expected, t["claim_id"]
        compared += 1
    assert claims == {}, f"claims the truth does not know: {sorted(claims)}"
    truth_payments = [t for t in truth if t["record"] == "payment"]
    if truth_payments:
        assert [(p.header.trace, money(p.header.amount), p.header.payer_id,
                 [(a.reason, money(a.amount)) for a in p.provider_adjustments],
                 not p.imbalances) for p in payments] == [
            (t["trace"], t["amount"], t["payer_id"],
             [(a["reason"], a["amount"]) for a in t["provider_adjustments"]], t["balanced"])
            for t in truth_payments]
        for p, t in zip(payments, truth_payments, strict=True):
            if t["imbalance"]:
                [imb] = p.imbalances
                assert (imb.level, money(abs(imb.difference))) == (
                    LEVELS[t["imbalance"]["level"]], t["imbalance"]["amount"])
    return compared


def test_bundled_era_matches_its_truth() -> None:
    assert compare(FIXTURES / "era.835", FIXTURES / "era.truth.jsonl") >= 25


def test_bundled_unbalanced_matches_its_truth() -> None:
    assert compare(FIXTURES / "unbalanced.835", FIXTURES / "unbalanced.truth.jsonl") >= 10


@pytest.mark.parametrize("seed,imbalance", [(11, False), (29, True), (4242, False)])
def test_generated_835_matches_truth(tmp_path: Path, seed: int, imbalance: bool) -> None:
    remit, truth = tmp_path / "gen.835", tmp_path / "gen.truth.jsonl"
    write_835(remit, claims=400, seed=seed, imbalance=imbalance)
    write_truth(truth, claims=400, seed=seed, imbalance=imbalance, payments=True)
    assert compare(remit, truth) >= 300
