"""The census Tally (offsets found per buffer, lines only for a miss) against a
straightforward count over :func:`iter_claim_segments`: same totals, misses and first miss."""

from __future__ import annotations

from pathlib import Path

import pytest

import x12core.census as census
from fixtures import generate
from x12core.census import Tally, iter_claim_segments


def _expected(path: Path, tag: str, read: list[int], **within: object
              ) -> tuple[int, int, tuple[int, int] | None]:
    """What a Tally must report when the pipeline read the claim segments at ``read``."""
    found = [(off, line) for t, off, line in iter_claim_segments(path, **within)  # type: ignore[arg-type]
             if t == tag]
    offsets = {off for off, _ in found}
    missed = [(off, line) for off, line in found if off not in read]
    extra = [off for off in read if off not in offsets]  # read, though the bytes hide it
    return len(found) + len(extra), len(missed), missed[0] if missed else None


def _tally(path: Path, tag: str, read: list[int], **within: object
           ) -> tuple[int, int, tuple[int, int] | None]:
    tally = Tally(path, tag, **within)
    for off in read:
        tally.read(off)
    tally.finish()
    return tally.counts()


@pytest.fixture(scope="module")
def remit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("census") / "r.835"
    generate.write_835(path, claims=120, seed=3)
    return path


@pytest.mark.parametrize("chunk", [300, 4096, 1 << 20])
def test_tally_matches_the_census(remit: Path, monkeypatch: pytest.MonkeyPatch,
                                  chunk: int) -> None:
    monkeypatch.setattr(census, "_CHUNK", chunk)
    offsets = [off for _, off, _ in iter_claim_segments(remit)]
    assert len(offsets) > 100
    data = remit.read_bytes()
    elsewhere = [data.index(b"SVC*", offsets[5])]  # a claim the census cannot see there
    for read in (offsets, offsets[::2], offsets[7:], offsets[:-9], [],
                 sorted(offsets[3:] + elsewhere)):
        assert _tally(remit, "CLP", read) == _expected(remit, "CLP", read)
    # One chunk of the file (a parallel task): its own byte range, line and terminators.
    start, end = offsets[40], offsets[80]
    line = data.count(b"\n", 0, start) + 1
    within = {"start": start, "end": end, "line": line, "terminators": {ord("~")}}
    for read in (offsets[40:80], offsets[41:80:3]):
        got = _tally(remit, "CLP", read, **within)
        assert got == _expected(remit, "CLP", read, **within)
    first = _tally(remit, "CLP", offsets[41:80], **within)[2]
    assert first == (start, line)


@pytest.mark.parametrize("chunk", [500, 1 << 20])
def test_tally_follows_each_interchanges_terminator(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    chunk: int) -> None:
    """Interchanges with other terminators (no newline after them) and junk between."""
    monkeypatch.setattr(census, "_CHUNK", chunk)
    one, two = tmp_path / "a.835", tmp_path / "b.835"
    generate.write_835(one, claims=30, seed=4)
    generate.write_835(two, claims=30, seed=5, element="|", component=">", repetition="{",
                       segment="!", newline=False, isa_control=2)
    path = tmp_path / "mixed.835"
    path.write_bytes(one.read_bytes() + b"\nJUNK CLP*X~\n" + two.read_bytes() + b"CLP|Y!")
    offsets = [off for t, off, _ in iter_claim_segments(path) if t == "CLP"]
    assert len(offsets) > 60
    for read in (offsets, offsets[1::2], offsets[:-5]):
        assert _tally(path, "CLP", read) == _expected(path, "CLP", read)
