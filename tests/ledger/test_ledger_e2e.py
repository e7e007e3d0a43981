"""End to end from the CLI: a batch, its 999/277CA and three weekly remits -> ground truth.

Runs on SQLite and on a real PostgreSQL server (see conftest.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from ledger import schema as t
from ledger.db import open_engine
from tests.ledger.data import (
    AS_OF,
    Batch,
    expected_aging,
    expected_denials,
    expected_statuses,
    fee_schedule,
    make_batch,
)

FRONT_END = ("sent", "accepted", "rejected")


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    return make_batch(tmp_path_factory.mktemp("batch"))


def statuses(db: str) -> dict[str, tuple[str, Decimal]]:
    c = t.claims.c
    with open_engine(db).connect() as conn:
        return {r.claim_id: ("unpaid" if r.status in FRONT_END else r.status, r.paid)
                for r in conn.execute(select(c.claim_id, c.status, c.paid))}


def counts(db: str) -> dict[str, int]:
    with open_engine(db).connect() as conn:
        return {table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for table in t.metadata.sorted_tables}


def as_json(cli: Callable[..., Any], *args: Any) -> dict[str, Any]:
    result = cli(*args, "-f", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0)],
                         ids=["in-order", "reversed", "reversal-first"])
def test_weekly_remits_settle_to_the_truth(db: str, batch: Batch, cli: Callable[..., Any],
                                           order: tuple[int, int, int], tmp_path: Path) -> None:
    head = cli("ingest", "--db", db, batch.claims_file, batch.ack999, batch.ack277)
    assert head.code == 0, head.err
    assert "40 claim(s)" in head.out
    assert set(statuses(db).values()) <= {("unpaid", Decimal("0.00"))}
    for week in order:
        assert cli("ingest", "--db", db, batch.weeks[week]).code == 0
    assert statuses(db) == expected_statuses(batch.truth)

    aging = as_json(cli, "ledger", "aging", "--db", db, "--as-of", AS_OF.isoformat())
    n_open, balance = expected_aging(batch.truth)
    assert aging["summary"]["open_claims"] == n_open
    assert Decimal(aging["summary"]["buckets"]["61-90"]["balance"]) == balance
    assert Decimal(aging["summary"]["open_balance"]) == balance
    assert all(row["resubmit_by"] for row in aging["rows"])
    by_payer = as_json(cli, "ledger", "aging", "--db", db, "--as-of", AS_OF.isoformat(),
                       "--by", "payer")
    assert sum(Decimal(r["balance"]) for r in by_payer["rows"]) == balance

    denials = as_json(cli, "ledger", "denials", "--db", db)
    categories, dollars = expected_denials(batch.truth)
    assert {r["category"]: r["lines"] for r in denials["rows"]} == dict(categories)
    assert Decimal(denials["summary"]["denied"]) == dollars
    months = as_json(cli, "ledger", "denials", "--db", db, "--by", "month")
    assert [r["month"] for r in months["rows"]] == ["2025-04"]
    payers = as_json(cli, "ledger", "denials", "--db", db, "--by", "payer")
    assert sum(Decimal(r["denied"]) for r in payers["rows"]) == dollars
    rules = as_json(cli, "ledger", "denials", "--db", db, "--by", "rule")
    predicted = sum(r["predicted"] for r in rules["rows"] if r["rule"] != "(none)")
    assert denials["summary"]["predicted_lines"] <= predicted
    later = as_json(cli, "ledger", "denials", "--db", db, "--since", "2025-05-01")
    assert later["summary"]["denied_lines"] == 0 and later["rows"] == []

    expected = fee_schedule(batch.truth, tmp_path / "fees.csv")
    assert expected, "the fee schedule should make some lines underpaid"
    under = as_json(cli, "ledger", "underpaid", "--db", db, "--fee-schedule",
                    tmp_path / "fees.csv", "--tolerance", "0.50")
    assert {(r["claim_id"], r["line"]): Decimal(r["short"]) for r in under["rows"]} == expected


def test_history_and_claim_story(db: str, batch: Batch, cli: Callable[..., Any]) -> None:
    assert cli("ingest", "--db", db, *batch.files).code == 0
    corrected = next(r["claim_id"] for r in batch.truth if r["remit_role"] == "reversal-corrected")
    story = as_json(cli, "ledger", "claim", corrected, "--db", db)["claims"][0]
    events = [h["status"] for h in story["history"]]
    assert events[0] == "sent" and events[-1] == "corrected"
    assert [r["role"] for r in story["remits"]] == ["reversed", "reversal", "correction"]
    assert all(a["category"] and a["action"] for r in story["remits"] for a in r["adjustments"])
    text = cli("ledger", "claim", corrected, "--db", db)
    assert "History" in text.out and "correction" in text.out
    missing = cli("ledger", "claim", "NO-SUCH-CLAIM", "--db", db)
    assert missing.code == 2 and "not in the ledger" in missing.err


def test_reingest_changes_nothing(db: str, batch: Batch, cli: Callable[..., Any],
                                  tmp_path: Path) -> None:
    assert cli("ingest", "--db", db, *batch.files).code == 0
    before, story = counts(db), statuses(db)
    again = cli("ingest", "--db", db, *batch.files)
    assert again.code == 0
    assert again.out.count("already in the ledger") == len(batch.files)
    # Same control numbers from the same sender, different bytes: still the same file.
    copy = tmp_path / "copy.835"
    copy.write_bytes(batch.weeks[0].read_bytes().replace(b"~\n", b"~\r\n"))
    assert "already in the ledger" in cli("ingest", "--db", db, copy).out
    assert counts(db) == before and statuses(db) == story


def test_remits_before_their_batch_settle_when_it_arrives(db: str, batch: Batch,
                                                          cli: Callable[..., Any]) -> None:
    assert cli("ingest", "--db", db, *batch.weeks).code == 0
    assert cli("ingest", "--db", db, batch.claims_file).code == 0
    assert statuses(db) == expected_statuses(batch.truth)


def test_payer_truncated_claim_ids_settle(db: str, tmp_path: Path,
                                          cli: Callable[..., Any]) -> None:
    from fixtures.generate import write_835, write_837, write_truth

    kw: dict[str, Any] = dict(claims=12, seed=3, defect_rate=1.0, defects=["long-claim-id"])
    write_837(tmp_path / "long.837", **kw)
    write_835(tmp_path / "long.835", **kw)
    write_truth(tmp_path / "long.jsonl", **kw)
    truth = [r for r in map(json.loads, (tmp_path / "long.jsonl").read_text().splitlines())
             if r["status"] != "unmatched-remit"]
    assert any(r["remit_claim_id"] and r["remit_claim_id"] != r["claim_id"] for r in truth)
    assert cli("ingest", "--db", db, tmp_path / "long.837", tmp_path / "long.835").code == 0
    assert statuses(db) == expected_statuses(truth)
