"""Small pieces of the ledger: buckets, where the ledger lives, fee schedules, bad input."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ledger.db import ENV_VAR, resolve_url
from ledger.queries import bucket
from ledger.underpaid import FeeSchedule
from x12core.errors import InputError

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("days", "name"), [(0, "0-30"), (30, "0-30"), (31, "31-60"),
                                            (60, "31-60"), (61, "61-90"), (90, "61-90"),
                                            (91, "91-120"), (120, "91-120"), (121, "120+")])
def test_bucket_edges(days: int, name: str) -> None:
    assert bucket(days) == name


def test_db_spec(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert resolve_url("postgresql://u@h:5/d") == "postgresql+psycopg://u@h:5/d"
    assert resolve_url(tmp_path / "x.sqlite") == f"sqlite:///{tmp_path / 'x.sqlite'}"
    monkeypatch.setenv(ENV_VAR, "postgres://u@h/d")
    assert resolve_url(None) == "postgresql+psycopg://u@h/d"
    monkeypatch.delenv(ENV_VAR)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert resolve_url(None) == f"sqlite:///{tmp_path / 'data' / 'claimkit' / 'ledger.sqlite'}"


def test_fee_schedule_lookup(tmp_path: Path) -> None:
    path = tmp_path / "fees.csv"
    path.write_text("payer_id,code,modifier,allowed,effective_from,effective_to\n"
                    "P1,96372,,25.00,2025-01-01,2025-06-30\n"
                    "P1,96372,,26.00,2025-07-01,\n"
                    "P1,J1885,JW,0.85,2025-01-01,\n"
                    "P1,J1885,,0.90,2025-01-01,\n")
    fees = FeeSchedule(path)
    assert fees("P1", "96372", (), date(2025, 3, 1))[0] == Decimal("25.00")  # type: ignore[index]
    assert fees("P1", "96372", (), date(2025, 8, 1))[0] == Decimal("26.00")  # type: ignore[index]
    assert fees("P1", "96372", (), date(2024, 8, 1)) is None
    assert fees("P1", "J1885", ("JW",), date(2025, 3, 1))[0] == Decimal("0.85")  # type: ignore[index]
    assert fees("P1", "J1885", (), date(2025, 3, 1))[0] == Decimal("0.90")  # type: ignore[index]
    assert fees("P2", "96372", (), date(2025, 3, 1)) is None


def test_fee_schedule_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("payer,code,allowed\nP1,96372,25\n")
    with pytest.raises(InputError, match="lacks column"):
        FeeSchedule(bad)
    bad.write_text("payer_id,code,modifier,allowed,effective_from,effective_to\n"
                   "P1,96372,,twenty,2025-01-01,\n")
    with pytest.raises(InputError, match="line 2: allowed"):
        FeeSchedule(bad)


def test_bad_input_is_one_line_exit_2(cli: Callable[..., Any], tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"
    not_x12 = cli("ingest", "--db", db, ROOT / "fixtures/bad/not-x12.txt")
    assert not_x12.code == 2 and not_x12.err.count("\n") == 1 and "not-x12.txt" in not_x12.err
    nowhere = cli("ingest", "--db", tmp_path / "missing" / "l.sqlite",
                  ROOT / "fixtures/837p/clean.837")
    assert nowhere.code == 2 and "does not exist" in nowhere.err
    bad_date = cli("ledger", "aging", "--db", db, "--as-of", "03/15/2025")
    assert bad_date.code == 2 and "YYYY-MM-DD" in bad_date.err
    other = cli("ingest", "--db", "mysql://x/y", ROOT / "fixtures/837p/clean.837")
    assert other.code == 2 and "SQLite or PostgreSQL" in other.err


def test_html_views(cli: Callable[..., Any], tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"
    assert cli("ingest", "--db", db, ROOT / "fixtures/837p/mixed.837",
               ROOT / "fixtures/835/era.835").code == 0
    page = tmp_path / "aging.html"
    result = cli("ledger", "aging", "--db", db, "--as-of", "2025-06-01", "-f", "html",
                 "-o", page)
    assert result.code == 0 and "<table" in page.read_text()
    denials = cli("ledger", "denials", "--db", db, "-f", "csv")
    assert denials.out.startswith("category,lines,denied,predicted")
    story = cli("ledger", "claim", "S2156C0000001", "--db", db, "-f", "html")
    assert story.code == 0 and "History" in story.out and "<table" in story.out


def test_every_ledger_command_is_documented() -> None:
    from cli.ledger import ledger_app

    page = (ROOT / "docs" / "ledger.md").read_text()
    readme = (ROOT / "README.md").read_text()
    names = [c.name for c in ledger_app.registered_commands]
    assert sorted(names) == ["aging", "claim", "denials", "underpaid", "upgrade"]
    for name in names:
        assert f"claimkit ledger {name}" in page
    assert "claimkit ingest" in page and "claimkit ingest" in readme
