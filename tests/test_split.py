"""Splitting a batch: claim bytes, HL hierarchy, envelopes, control numbers, safe outputs."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from edi837.split import ClaimRef, ControlNumbers, SplitError, split_file
from tests.test_split_batches import (
    BatchSpec,
    ClaimSpec,
    PatientSpec,
    ProviderSpec,
    Style,
    SubscriberSpec,
    claims_of,
    hierarchy_problems,
    read_claims,
    render,
)
from x12core.envelope import Envelope
from x12core.errors import InputError
from x12core.reader import SegmentReader
from x12core.validate import validate_file

MIXED: BatchSpec = [
    [[[ProviderSpec([SubscriberSpec([ClaimSpec("A1", 2)], [PatientSpec([ClaimSpec("A2", held=True)])]),
                     SubscriberSpec([], [PatientSpec([ClaimSpec("A3"), ClaimSpec("A4", 3, True)]),
                                         PatientSpec([ClaimSpec("A5", held=True)])])]),
       ProviderSpec([SubscriberSpec([ClaimSpec("A6", held=True)])])],
      [ProviderSpec([SubscriberSpec([ClaimSpec("A7")])])]]],
    [[[ProviderSpec([SubscriberSpec([ClaimSpec("B1", held=True), ClaimSpec("B2")])])]]],
]


def held_ids(batch: BatchSpec) -> set[str]:
    return {c.id for c in claims_of(batch) if c.held}


def by_id(ids: set[str]) -> Callable[[ClaimRef], bool]:
    return lambda ref: ref.claim_id in ids


def envelope_problems(path: Path) -> list[str]:
    env = Envelope(SegmentReader(path), str(path))
    for body in env:
        body.drain()
    return [f.message for f in env.findings]


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    path = tmp_path / "mixed.837"
    path.write_text(render(MIXED))
    return path


def test_every_claim_lands_once_with_its_bytes_and_loops(mixed: Path, tmp_path: Path) -> None:
    clean, held = tmp_path / "clean.837", tmp_path / "held.837"
    result = split_file(mixed, clean, held, by_id(held_ids(MIXED)))
    source = {c.id: c for c in read_claims(mixed)}
    out_clean, out_held = read_claims(clean), read_claims(held)
    assert sorted(c.id for c in out_held) == sorted(held_ids(MIXED))
    assert sorted(c.id for c in out_clean + out_held) == sorted(source)
    for c in out_clean + out_held:
        assert c.raw == source[c.id].raw  # byte for byte
        assert c.context == source[c.id].context  # same provider/subscriber/patient loops
        assert c.levels == source[c.id].levels
    assert (result.clean.claims, result.held.claims) == (4, 5)
    for path in (clean, held):
        assert hierarchy_problems(path) == []
        assert envelope_problems(path) == []


def test_outputs_validate_with_pyx12(mixed: Path, tmp_path: Path) -> None:
    clean, held = tmp_path / "clean.837", tmp_path / "held.837"
    split_file(mixed, clean, held, by_id(held_ids(MIXED)))
    assert validate_file(mixed).findings == []
    for path in (clean, held):
        result = validate_file(path)
        assert result.validated and result.findings == [], path


def test_hl04_follows_what_each_output_holds(tmp_path: Path) -> None:
    # The subscriber keeps its own claim in clean; its dependent's claim goes to held.
    batch: BatchSpec = [[[[ProviderSpec([SubscriberSpec([ClaimSpec("S1")],
                                                        [PatientSpec([ClaimSpec("D1", held=True)])])])]]]]
    src = tmp_path / "in.837"
    src.write_text(render(batch))
    clean, held = tmp_path / "c.837", tmp_path / "h.837"
    split_file(src, clean, held, by_id({"D1"}))
    hl = {p: [s.text() for s in SegmentReader(p) if s.tag == "HL"] for p in (clean, held)}
    assert hl[clean] == ["HL*1**20*1", "HL*2*1*22*0"]  # no dependent here: HL04 0
    assert hl[held] == ["HL*1**20*1", "HL*2*1*22*1", "HL*3*2*23*0"]


def test_control_numbers_default_and_configured(mixed: Path, tmp_path: Path) -> None:
    clean, held = tmp_path / "c.837", tmp_path / "h.837"
    result = split_file(mixed, clean, held, by_id(held_ids(MIXED)))
    # Clean takes the input's first ISA13, held the next; later interchanges alternate.
    assert result.clean.interchanges == ["000000701", "000000703"]
    assert result.held.interchanges == ["000000702", "000000704"]
    split_file(mixed, clean, held, by_id(held_ids(MIXED)), force=True,
               controls=ControlNumbers(isa=41, gs=7, st=90))
    gs = {p: [s[6] for s in SegmentReader(p) if s.tag == "GS"] for p in (clean, held)}
    st = {p: [s[2] for s in SegmentReader(p) if s.tag == "ST"] for p in (clean, held)}
    isa = {p: [s[13] for s in SegmentReader(p) if s.tag == "ISA"] for p in (clean, held)}
    assert isa == {clean: ["000000041", "000000043"], held: ["000000042", "000000044"]}
    assert gs == {clean: ["7", "9"], held: ["8", "10"]}
    assert st == {clean: ["0090", "0091", "0092"], held: ["0090", "0091"]}
    assert all(len(s.text()) + 1 == 106 for p in (clean, held) for s in SegmentReader(p)
               if s.tag == "ISA")


@pytest.mark.parametrize("style", [Style(), Style(newline="\r\n"), Style(newline=""),
                                   Style("|", ">", "~", "\n"), Style("*", ":", "\n", "")])
def test_delimiters_and_line_endings_are_kept(style: Style, tmp_path: Path) -> None:
    src = tmp_path / "in.837"
    src.write_bytes(render(MIXED, style).encode("latin-1"))
    clean, held = tmp_path / "c.837", tmp_path / "h.837"
    split_file(src, clean, held, by_id(held_ids(MIXED)))
    source = {c.id: c.raw for c in read_claims(src)}
    for path in (clean, held):
        text = path.read_bytes().decode("latin-1")
        first = text.index("GS")
        assert text[first - len(style.newline) - 1: first] == style.segment + style.newline
        assert envelope_problems(path) == []
        for c in read_claims(path):
            assert c.raw == source[c.id]


def test_a_side_without_claims_writes_no_file(mixed: Path, tmp_path: Path) -> None:
    clean, held = tmp_path / "c.837", tmp_path / "h.837"
    result = split_file(mixed, clean, held, set())
    assert clean.exists() and not held.exists() and not result.held.written
    # --force: a stale held batch from an earlier run is removed, not left to be sent.
    held.write_text("stale")
    split_file(mixed, clean, held, set(), force=True)
    assert not held.exists()


def test_decision_by_clm_segment_index(mixed: Path, tmp_path: Path) -> None:
    indices = {s.index: s[1] for s in SegmentReader(mixed) if s.tag == "CLM"}
    chosen = {i for i, cid in indices.items() if cid in {"A3", "B2"}}
    seen: list[ClaimRef] = []
    split_file(mixed, tmp_path / "c.837", tmp_path / "h.837", chosen)
    split_file(mixed, tmp_path / "c2.837", tmp_path / "h2.837",
               lambda ref: seen.append(ref) or ref.index in chosen)
    assert sorted(c.id for c in read_claims(tmp_path / "h.837")) == ["A3", "B2"]
    assert [r.claim_id for r in seen] == list(indices.values())
    assert seen[-1].interchange == "000000702" and seen[-1].group == "7020"


def test_outputs_never_overwrite_input_or_existing_files(mixed: Path, tmp_path: Path) -> None:
    before = mixed.read_bytes()
    with pytest.raises(InputError, match="is the input file"):
        split_file(mixed, mixed, tmp_path / "h.837", set(), force=True)
    os.chdir(tmp_path)
    with pytest.raises(InputError, match="is the input file"):
        split_file(mixed, Path("sub/../mixed.837"), tmp_path / "h.837", set(), force=True)
    with pytest.raises(InputError, match="named for both"):
        split_file(mixed, tmp_path / "x.837", tmp_path / "x.837", set())
    existing = tmp_path / "c.837"
    existing.write_text("keep me")
    with pytest.raises(InputError, match="already exists"):
        split_file(mixed, existing, tmp_path / "h.837", set())
    assert existing.read_text() == "keep me" and mixed.read_bytes() == before


def test_failure_midway_leaves_nothing_behind(mixed: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "c.837").write_text("previous clean batch")
    calls = []

    def explode(ref: ClaimRef) -> bool:
        calls.append(ref)
        if len(calls) == 6:
            raise RuntimeError("decision service went away")
        return len(calls) % 2 == 0

    with pytest.raises(RuntimeError):
        split_file(mixed, out / "c.837", out / "h.837", explode, force=True)
    assert sorted(p.name for p in out.iterdir()) == ["c.837"]  # no temp files, no held file
    assert (out / "c.837").read_text() == "previous clean batch"


def test_not_a_claim_file_is_refused(tmp_path: Path) -> None:
    text = render(MIXED).replace("GS*HC*", "GS*HP*")
    src = tmp_path / "remit.835"
    src.write_text(text)
    with pytest.raises(SplitError, match="835 remittances"):
        split_file(src, tmp_path / "c.837", tmp_path / "h.837", set())
    src.write_text(render(MIXED).replace("ST*837*", "ST*835*"))
    with pytest.raises(SplitError, match="not an 837"):
        split_file(src, tmp_path / "c.837", tmp_path / "h.837", set())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["remit.835"]
