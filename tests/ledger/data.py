"""One generated batch with everything that comes back for it, and its ground truth."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cli.app import app
from fixtures.generate import DEFAULT_BATCH_DATE, write_835, write_837, write_truth
from tests.ledger.weeks import split_weeks

CLAIMS, SEED = 40, 7
AS_OF = date(2025, 5, 24)  # 70 days after the batch date: every open claim is 61-90


@dataclass
class Batch:
    folder: Path
    claims_file: Path
    ack999: Path
    ack277: Path
    weeks: list[Path]
    truth: list[dict[str, Any]]  # sent claims only

    @property
    def files(self) -> list[Path]:
        return [self.claims_file, self.ack999, self.ack277, *self.weeks]


def make_batch(folder: Path, claims: int = CLAIMS, seed: int = SEED) -> Batch:
    claims_file, era, truth_file = folder / "batch.837", folder / "era.835", folder / "t.jsonl"
    write_837(claims_file, claims=claims, seed=seed)
    write_835(era, claims=claims, seed=seed)
    write_truth(truth_file, claims=claims, seed=seed)
    result = CliRunner().invoke(app, ["split", str(claims_file), "--clean",
                                      str(folder / "clean.837"), "--held",
                                      str(folder / "held.837"), "--ack",
                                      str(folder / "batch.999"), "--claim-ack",
                                      str(folder / "batch.277")])
    assert result.exit_code in (0, 1), result.output
    truth = [r for r in map(json.loads, truth_file.read_text().splitlines())
             if r["record"] == "claim" and r["status"] != "unmatched-remit"]
    return Batch(folder, claims_file, folder / "batch.999", folder / "batch.277",
                 split_weeks(era, folder), truth)


# -- expectations from the truth file -----------------------------------------------------

def expected_statuses(truth: list[dict[str, Any]]) -> dict[str, tuple[str, Decimal]]:
    return {r["claim_id"]: (r["status"], Decimal(r["paid"])) for r in truth}


def expected_aging(truth: list[dict[str, Any]]) -> tuple[int, Decimal]:
    open_ = [r for r in truth if r["status"] in ("unpaid", "reversed")]
    assert (AS_OF - DEFAULT_BATCH_DATE).days == 70
    return len(open_), sum((Decimal(r["charge"]) for r in open_), Decimal(0))


def denied_lines(truth: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(r, ln) for r in truth for ln in r["lines"]
            if ln["denial_categories"] and ln["status"] in ("denied", "partial")]


def expected_denials(truth: list[dict[str, Any]]) -> tuple[Counter[str], Decimal]:
    by_category: Counter[str] = Counter()
    dollars = Decimal(0)
    for _claim, line in denied_lines(truth):
        by_category.update(line["denial_categories"])
        denial = [a for a in line["adjustments"] if a["category"] in line["denial_categories"]]
        dollars += (sum((Decimal(a["amount"]) for a in denial), Decimal(0)) if denial
                    else Decimal(line["charge"]) - Decimal(line["paid"]))
    return by_category, dollars


def fee_schedule(truth: list[dict[str, Any]], path: Path) -> dict[tuple[str, int], Decimal]:
    """A contract at the best per-unit price the payer allowed for each code; returns
    the lines (claim, LX) it makes underpaid with their shortfall."""
    best: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    paid = [(r, ln) for r in truth for ln in r["lines"]
            if ln["status"] in ("paid", "partial") and ln["allowed"] is not None]
    for r, ln in paid:
        per_unit = Decimal(ln["allowed"]) / Decimal(ln["units"])
        key = (r["payer_id"], ln["procedure"])
        best[key] = max(best[key], per_unit.quantize(Decimal("0.01")))
    rows = ["payer_id,code,modifier,allowed,effective_from,effective_to"]
    rows += [f"{p},{c},,{v},2025-01-01," for (p, c), v in sorted(best.items())]
    path.write_text("\n".join(rows) + "\n")
    expected = {}
    for r, ln in paid:
        want = (best[(r["payer_id"], ln["procedure"])] * Decimal(ln["units"])).quantize(
            Decimal("0.01"))
        short = want - Decimal(ln["allowed"])
        if short > Decimal("0.50"):
            expected[(r["claim_id"], ln["line_number"])] = short
    return expected
