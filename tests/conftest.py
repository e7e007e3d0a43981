"""Shared test fixtures: run the real CLI entry point in-process."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.schema_check import check_outputs

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture(autouse=True)
def _no_installed_tables(tmp_path_factory: pytest.TempPathFactory,
                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see no code tables installed on the machine running them (an empty store
    directory), unless a test points CLAIMKIT_DATA elsewhere."""
    monkeypatch.setenv("CLAIMKIT_DATA", str(tmp_path_factory.getbasetemp() / "no-store"))


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
        ) -> Callable[..., CliResult]:
    """``cli("scan", "file.837", "-f", "json")`` -> exit code, stdout, stderr."""
    from cli.app import main

    def run(*args: str) -> CliResult:
        monkeypatch.setattr(sys, "argv", ["claimkit", *map(str, args)])
        capsys.readouterr()
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        captured = capsys.readouterr()
        if code in (0, 1):  # every JSON/JSONL/CSV report follows its schema (docs/output.md)
            check_outputs([str(a) for a in args], captured.out)
        return CliResult(code, captured.out, captured.err)

    return run
