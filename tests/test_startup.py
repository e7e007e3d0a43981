"""What a command pays for at every start: only what it uses.

The scan and the remit import none of the heavy libraries other commands need (the
ledger's SQLAlchemy/Alembic, Dask, HTML, schema checking, URL readers, pyx12) and no
pydantic: typer 0.29 builds a pydantic adapter for every option, which cost ~0.13-0.24 s
of every run here, so pyproject.toml keeps typer below 0.29.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

HEAVY = ("pydantic", "sqlalchemy", "alembic", "dask", "distributed", "lxml", "jsonschema",
         "pyx12", "httpx", "fsspec", "pyarrow", "watchfiles", "psycopg")


@pytest.mark.parametrize("argv", [
    ["scan", "fixtures/837p/mixed.837", "--exit-zero"],
    ["remit", "fixtures/835/era.835", "--workers", "2", "-f", "json"],
])
def test_a_scan_or_remit_imports_nothing_heavy(argv: list[str]) -> None:
    code = ("import sys\nfrom cli.app import main\n"
            f"sys.argv = ['claimkit', *{argv!r}]\n"
            "try:\n    main()\nexcept SystemExit as done:\n    code = done.code\n"
            f"heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)\n"
            "print(code, heavy, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.stderr.strip().splitlines()[-1] in ("0 []", "1 []"), done.stderr[-2000:]
    assert done.stdout  # the report was written
