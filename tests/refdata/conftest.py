"""Shared fixtures: a fresh data directory and small floors for the synthetic tables."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty store directory; floors scaled so the small fixture tables pass them
    (canaries still apply: they must be present and right)."""
    target = tmp_path / "store"
    monkeypatch.setenv("CLAIMKIT_DATA", str(target))
    monkeypatch.setenv("CLAIMKIT_DATA_FLOOR_SCALE", "0.000001")
    return target


@pytest.fixture
def files(tmp_path: Path) -> Path:
    d = tmp_path / "downloads"
    d.mkdir()
    return d
