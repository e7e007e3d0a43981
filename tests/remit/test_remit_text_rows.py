"""The text view skips claims paid, pending or reversed without building their rows:
such a claim never has a denied or partially paid row (remit835.report_text.text_rows)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures import generate
from remit835.causes import default_map
from remit835.outcome import DENIED, PARTIAL
from remit835.report import Totals, iter_outcomes
from remit835.report_text import denied_rows, text_rows
from tests.conftest import FIXTURES


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rows") / "g.835"
    generate.write_835(path, claims=400, seed=11)
    return path


def test_only_denied_or_partial_claims_have_rows(generated: Path) -> None:
    paths = [*sorted((FIXTURES / "835").glob("*.835")), generated]
    statuses: dict[str, int] = {}
    for outcome in iter_outcomes(paths, default_map(), Totals()):
        rows = list(denied_rows(outcome))
        assert list(text_rows(outcome)) == rows
        if outcome.status not in (DENIED, PARTIAL):
            assert rows == [], outcome.claim.claim_id
        statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
    # every status is exercised
    assert {"paid", "partial", "denied", "reversed"} <= set(statuses), statuses
