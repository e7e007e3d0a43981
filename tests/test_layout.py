"""The package dependency direction from the design guide, checked by reading imports.

``x12core`` <- ``edi837``, ``remit835`` (never each other) <- ``reconcile`` <- ``ledger``
<- ``cli``. A module may import its own package and the packages below it, never one
beside or above it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# package -> the project packages it may import (besides itself)
ALLOWED: dict[str, set[str]] = {
    "x12core": set(),
    "edi837": {"x12core"},
    "remit835": {"x12core"},
    "reconcile": {"x12core", "edi837", "remit835"},
    "ledger": {"x12core", "edi837", "remit835", "reconcile"},
    "cli": {"x12core", "edi837", "remit835", "reconcile", "ledger"},
}


def imported_packages(path: Path) -> set[str]:
    """Top-level project packages imported anywhere in one module (incl. inside functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
    return found & set(ALLOWED)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_point_down(package: str) -> None:
    wrong = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for imported in sorted(imported_packages(path) - ALLOWED[package] - {package}):
            wrong.append(f"{path.relative_to(ROOT)} imports {imported}")
    assert not wrong, "imports against the layout:\n" + "\n".join(wrong)


def test_checker_sees_a_wrong_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from remit835.model import Claim\n    import edi837.scan\n")
    assert imported_packages(module) == {"remit835", "edi837"}
