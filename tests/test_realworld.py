"""Real-world layouts (fixtures/realworld, issue 10): each command reads or refuses them
exactly as fixtures/realworld/expected.toml says."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from fixtures.realworld.build import build
from tests.conftest import FIXTURES
from x12core.census import count_claims

HERE = FIXTURES / "realworld"
EXPECTED = tomllib.loads((HERE / "expected.toml").read_text())
RUNS = [(name, command, want) for name, spec in EXPECTED.items()
        for command, want in spec.items() if command != "layout"]


def test_fixtures_are_what_the_builder_writes() -> None:
    built = build()
    assert set(built) == set(EXPECTED)
    for name, data in built.items():
        assert (HERE / name).read_bytes() == data, f"{name}: run python -m fixtures.realworld.build"


@pytest.mark.parametrize("name,command,want", RUNS, ids=[f"{n}-{c}" for n, c, _ in RUNS])
def test_command_on_real_world_layout(cli, tmp_path: Path, name: str, command: str,
                                      want: dict) -> None:
    path = HERE / name
    args: list[object] = [command, path]
    if command == "split":
        args += ["--clean", tmp_path / "clean", "--held", tmp_path / "held", "-f", "json"]
        if want.get("ack"):
            args += ["--ack", tmp_path / "out.999", "--claim-ack", tmp_path / "out.277"]
    elif command == "validate" and want.get("ack"):
        args += ["--ack", tmp_path / "out.999"]
    if command != "split":
        args += ["-f", "json"]
    result = cli(*args)
    assert result.code == want["exit"], (result.code, result.err)
    assert "Traceback" not in result.err and "internal error" not in result.err
    if want["exit"] == 2:
        assert result.err.count("\n") == 1
        assert want["err"] in result.err
        return
    report = json.loads(result.out)
    if "claims" in want:
        claims = report["claims"] if command == "split" else report["summary"]["claims"]
        assert claims == want["claims"]
        assert want["claims"] == count_claims(path).clm + count_claims(path).clp
    if "payments" in want:
        assert report["summary"]["payments"] == want["payments"]
    if "finding" in want:
        rules = _rules(report)
        assert want["finding"] in rules, rules
    if command == "split":
        written = sum(count_claims(p).clm for p in (tmp_path / "clean", tmp_path / "held")
                      if p.exists())
        assert written == want["claims"]
    if want.get("ack"):
        ack = (tmp_path / "out.999").read_bytes()
        assert ack.startswith(b"ISA") and b"AK1*HC" in ack
        if command == "split":
            ack277 = (tmp_path / "out.277").read_bytes()
            assert "ÉÑÜ".encode("latin-1") in ack277  # the input bytes, copied as bytes


def _rules(report: dict) -> set[str]:
    found: set[str] = set()
    for key in ("file_findings", "findings"):
        found |= {f["rule"] for f in report.get(key, [])}
    for item in report.get("claims", []):
        found |= {f["rule"] for f in item.get("findings", [])}
    for item in report.get("files", []):
        found |= {f["rule"] for f in item.get("findings", [])}
    return found


def test_wrong_component_separator_is_explained(cli) -> None:
    report = json.loads(cli("scan", HERE / "wrong-component.837", "-f", "json").out)
    messages = [f["message"] for c in report["claims"] for f in c["findings"]
                if f["rule"] == "R837-021"]
    assert messages and all("ISA16 declares ':'" in m for m in messages)
