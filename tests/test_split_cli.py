"""`claimkit split` end to end: scan -> split -> acknowledge, exit codes, bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, CliResult
from tests.test_split_batches import read_claims
from x12core.reader import SegmentReader
from x12core.validate import validate_file

MIXED = FIXTURES / "837p" / "mixed.837"
CLEAN = FIXTURES / "837p" / "clean.837"
Cli = Callable[..., CliResult]


def ig_errors(path: Path) -> list[str]:
    return sorted(f.message for f in validate_file(path).findings)


def statuses(ack_277: Path) -> dict[str, str]:
    """CLM01 -> first STC01 of its 2000D loop."""
    out: dict[str, str] = {}
    level = current = ""
    for seg in SegmentReader(ack_277):
        if seg.tag == "HL":
            level, current = seg[3], ""
        elif seg.tag == "TRN" and level == "PT":
            current = seg[2]
        elif seg.tag == "STC" and current and current not in out:
            out[current] = seg[1]
    return out


def test_scan_split_acknowledge(cli: Cli, tmp_path: Path) -> None:
    clean, held = tmp_path / "clean.837", tmp_path / "held.837"
    report, ack277 = tmp_path / "held.json", tmp_path / "batch.277"
    result = cli("split", MIXED, "--clean", clean, "--held", held, "--report", report,
                 "--claim-ack", ack277, "--validate")
    assert result.code == 1, result.err  # some claims are held
    assert "held" in result.out and result.err == ""
    sent, kept = read_claims(clean), read_claims(held)
    source = {c.id: c.raw for c in read_claims(MIXED)}
    assert sorted(c.id for c in sent + kept) == sorted(source) and sent and kept
    assert all(c.raw == source[c.id] for c in sent + kept)
    # No new implementation-guide errors: the input's one error travels with its claim.
    assert ig_errors(clean) == []
    assert ig_errors(held) == ig_errors(MIXED)
    doc = json.loads(report.read_text())
    assert set(doc) == {"schema_version", "summary", "claims", "file_findings"}
    assert doc["summary"]["held"] == len(kept) and doc["summary"]["claims"] == len(source)
    assert sorted(c["claim_id"] for c in doc["claims"]) == sorted(c.id for c in kept)
    first = doc["claims"][0]
    assert {"claim_id", "file", "interchange", "group", "transaction", "payer_id", "charge",
            "status", "findings"} <= set(first) and first["status"] == "held"
    assert {"rule", "category", "severity", "message", "segment_index"} <= set(
        first["findings"][0])
    assert validate_file(ack277).findings == []
    status = statuses(ack277)
    assert {c.id for c in sent} == {cid for cid, s in status.items() if s == "A2:20"}
    assert {c.id for c in kept} == {cid for cid, s in status.items() if s[:2] in ("A3", "A7")}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["batch.277", "clean.837", "held.837",
                                                          "held.json"]


def test_999_rejection_holds_the_whole_set(cli: Cli, tmp_path: Path) -> None:
    clean, held, ack = tmp_path / "c.837", tmp_path / "h.837", tmp_path / "b.999"
    result = cli("split", MIXED, "--clean", clean, "--held", held, "--ack", ack,
                 "--claim-ack", tmp_path / "b.277", "-f", "json")
    assert result.code == 1
    summary = json.loads(result.out)
    # pyx12 rejects the set (one CTP05 error): a receiver would not forward any of it.
    assert "IK5*R" in ack.read_text() and summary["clean"]["file"] is None
    total = len(read_claims(MIXED))
    assert not clean.exists() and summary["held"]["claims"] == total
    # ... and the 277CA rejects each of them (one status per claim, none accepted).
    status = statuses(tmp_path / "b.277")
    assert len(status) == total and all(s[:2] in ("A3", "A7") for s in status.values())


def test_clean_batch_exits_0_and_writes_no_held_file(cli: Cli, tmp_path: Path) -> None:
    clean, held = tmp_path / "c.837", tmp_path / "h.837"
    result = cli("split", CLEAN, "--clean", clean, "--held", held, "--ack", tmp_path / "a.999")
    assert result.code == 0, result.out + result.err
    assert clean.exists() and not held.exists()
    assert "IK5*A" in (tmp_path / "a.999").read_text()
    assert read_claims(clean) and ig_errors(clean) == []


@pytest.mark.parametrize("source,reason", [
    (FIXTURES / "bad" / "empty.837", "file is empty"),
    (FIXTURES / "bad" / "not-x12.txt", "does not start with an ISA"),
    (FIXTURES / "bad" / "truncated-isa.837", "truncated ISA"),
    (FIXTURES / "bad" / "binary.bin", "binary data"),
    (FIXTURES / "835" / "era.835", "not an 837"),
    (FIXTURES / "missing.837", "no such file"),
])
def test_bad_input_is_one_line_and_exit_2(cli: Cli, tmp_path: Path, source: Path,
                                          reason: str) -> None:
    result = cli("split", source, "--clean", tmp_path / "c.837", "--held", tmp_path / "h.837",
                 "--claim-ack", tmp_path / "a.277", "--report", tmp_path / "r.json")
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and str(source) in lines[0] and reason in lines[0]
    assert "Traceback" not in result.err and list(tmp_path.iterdir()) == []


def test_outputs_are_protected(cli: Cli, tmp_path: Path) -> None:
    copy = tmp_path / "batch.837"
    copy.write_bytes(MIXED.read_bytes())
    held = tmp_path / "h.837"
    result = cli("split", copy, "--clean", copy, "--held", held)
    assert result.code == 2 and "never overwrites its input" in result.err
    held.write_text("yesterday's held batch")
    result = cli("split", copy, "--clean", tmp_path / "c.837", "--held", held)
    assert result.code == 2 and "already exists (use --force" in result.err
    assert held.read_text() == "yesterday's held batch" and not (tmp_path / "c.837").exists()
    result = cli("split", copy, "--clean", tmp_path / "c.837", "--held", held, "--force")
    assert result.code == 1 and held.read_text().startswith("ISA")
    assert copy.read_bytes() == MIXED.read_bytes()


def test_control_number_options(cli: Cli, tmp_path: Path) -> None:
    clean, held = tmp_path / "c.837", tmp_path / "h.837"
    result = cli("split", MIXED, "--clean", clean, "--held", held, "--isa-control", "500",
                 "--gs-control", "20", "--st-control", "7", "-f", "json")
    assert result.code == 1
    summary = json.loads(result.out)
    assert summary["clean"]["interchanges"] == ["000000500"]
    assert summary["held"]["interchanges"] == ["000000501"]
    assert [s[6] for s in SegmentReader(held) if s.tag == "GS"] == ["21"]
    assert [s[2] for s in SegmentReader(clean) if s.tag in ("ST", "SE")] == ["0007", "0007"]
