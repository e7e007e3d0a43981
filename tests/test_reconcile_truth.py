"""Reconcile generated batches against the generator's ground truth, claim by claim.

``fixtures.generate`` writes an 837P, the payers' 835 and a truth file from one
seed. The batch seeds reversals with and without a correction, claims never
remitted, remits for claims never sent, truncated CLP01s, lines without REF*6R,
duplicate REF*6R, recoded lines (SVC06), claim-level CAS and claim-level
denials without service lines. Two conventions differ on purpose from the
truth file (reported to the lead): a reversal is not a denial category
(contract §C.2: it is netted), and a remit line for a claim never sent has the
status ``unmatched-remit`` with the remit's own verdict in ``remit_status``.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from fixtures.generate import write_835, write_837, write_truth
from reconcile.engine import ClaimResult, Reconciler

BATCHES = [dict(claims=400, seed=2, defect_rate=0.6), dict(claims=250, seed=11, defect_rate=0.3)]


def _money(value: Any) -> str:
    return f"{value:.2f}"


@pytest.fixture(scope="module", params=BATCHES, ids=lambda b: f"seed{b['seed']}")
def batch(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> tuple[list[dict[str, Any]], dict[str, ClaimResult], Reconciler]:
    kw = request.param
    d = tmp_path_factory.mktemp(f"seed{kw['seed']}")
    write_837(d / "batch.837", **kw)
    write_835(d / "era.835", **kw)
    write_truth(d / "truth.jsonl", **kw)
    truth = [json.loads(line) for line in (d / "truth.jsonl").read_text().splitlines()]
    rec = Reconciler([d / "batch.837"], [d / "era.835"])
    return truth, {r.claim_id: r for r in rec.results()}, rec


def test_every_claim_matches_the_truth(batch) -> None:
    truth, results, _ = batch
    claims = [t for t in truth if t["record"] == "claim"]
    assert len(results) == len(claims)
    for t in claims:
        r = results[t["claim_id"]]
        where = f"{t['claim_id']} ({t['remit_role']}, {t['defects']})"
        assert r.status == t["status"], where
        assert _money(r.paid) == t["paid"], where
        assert _money(r.net_paid) == t["net_paid"], where
        assert _money(r.charge) == t["charge"], where
        if t["status"] != "unpaid":
            assert r.payer_claim_id == t["payer_claim_id"], where
        if t["remit_claim_id"] and t["remit_claim_id"] != t["claim_id"]:
            assert r.match == "truncated", where
        assert list(r.denial_categories) == t["denial_categories"], where
        assert len(r.lines) == len(t["lines"]), where
        for tl, ln in zip(t["lines"], r.lines, strict=True):
            at = f"{where} line {tl['line_number']}"
            if t["status"] == "unmatched-remit":
                assert (ln.status, ln.remit_status) == ("unmatched-remit", tl["status"]), at
            else:
                assert ln.status == tl["status"], at
                assert ln.line_control == (tl["line_control"] or ""), at
            assert _money(ln.paid) == tl["paid"], at
            assert list(ln.categories) == tl["categories"], at
            assert list(ln.denial_categories) == tl["denial_categories"], at


def test_the_batch_exercises_every_situation(batch) -> None:
    """The comparison above is only as good as the cases the batch holds."""
    truth, results, rec = batch
    roles = Counter(t["remit_role"] for t in truth if t["record"] == "claim")
    assert roles["reversal-corrected"] and roles["reversal-only"] and roles["unpaid"]
    assert roles["unmatched-remit"] and roles["eligibility-denial"]
    s = rec.totals.summary()
    assert s["match"]["lines"].get("fallback", 0) >= 1  # lines without REF*6R
    assert s["remits"]["roles"]["correction"] == roles["reversal-corrected"]
    statuses = {r.status for r in results.values()}
    assert statuses == {"paid", "partial", "denied", "reversed", "unpaid", "unmatched-remit"}
    if s["match"]["claims"].get("truncated"):
        long_ids = [t for t in truth if t["remit_claim_id"] and
                    t["remit_claim_id"] != t["claim_id"]]
        assert len(long_ids) == s["match"]["claims"]["truncated"]


def test_totals_agree_with_the_truth(batch) -> None:
    truth, _, rec = batch
    claims = [t for t in truth if t["record"] == "claim" and t["status"] != "unmatched-remit"]
    s = rec.totals.summary()
    assert s["claims"] == len(claims)
    assert s["paid"] == _money(sum(float(t["paid"]) for t in claims))
    assert s["unpaid_claims"] == sum(t["status"] == "unpaid" for t in claims)
    assert s["unmatched_remits"] == sum(t["status"] == "unmatched-remit" for t in truth
                                        if t["record"] == "claim")
    denial_lines = sum(tl["status"] in ("denied", "partial") for t in claims for tl in t["lines"])
    assert s["prediction"]["denial_lines"] == denial_lines


def test_seeded_defects_that_were_denied_are_mostly_predicted(batch) -> None:
    """The scan and the payer use one vocabulary: a seeded defect the payer denied on
    the defect line should be predicted there (eligibility masks it; some defects have
    no rule yet and show up as missed -- the candidates for new rules)."""
    truth, results, _ = batch
    predicted = missed = 0
    for t in truth:
        if t["record"] != "claim" or t["defect_outcome"] != "denied":
            continue
        r = results[t["claim_id"]]
        for tl, ln in zip(t["lines"], r.lines, strict=True):
            if tl["defect"] and ln.status in ("denied", "partial"):
                predicted += ln.prediction == "predicted"
                missed += ln.prediction == "missed"
    assert predicted > 0
    assert predicted >= 2 * missed
