"""Differential test: our reader yields the same segments as pyx12's X12Reader.

Run over every X12 fixture in the repository and over generated interchanges with
random delimiters. pyx12 needs the ISA at byte 0, so BOMs and leading blank lines
are stripped for it (our reader accepts them).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.x12text import BODY, interchange
from x12core.reader import SegmentReader

ROOT = Path(__file__).resolve().parent.parent
X12_SUFFIXES = {".837", ".835", ".999", ".277", ".x12", ".edi"}


def x12_fixtures() -> list[Path]:
    found = [p for p in sorted((ROOT / "fixtures").rglob("*"))
             if p.suffix in X12_SUFFIXES and p.is_file() and "bad" not in p.parts
             # fixtures/realworld has its own expected results (tests/test_realworld.py):
             # tab indentation, UTF-16 and junk between interchanges are read (or refused)
             # on purpose where pyx12 fails or skips.
             and "realworld" not in p.parts]
    return found


def ours(raw: bytes) -> list[list[str]]:
    return [s.elements for s in SegmentReader(io.BytesIO(raw), name="x")]


def pyx12s(raw: bytes) -> list[list[str]]:
    """pyx12's segments. pyx12 takes the delimiters of the first ISA for the whole file,
    so a file with several interchanges is handed to it one interchange at a time
    (cut at the ISA offsets our reader found)."""
    import pyx12.x12file

    starts = [s.offset for s in SegmentReader(io.BytesIO(raw), name="x") if s.tag == "ISA"]
    out: list[list[str]] = []
    for begin, end in zip(starts, [*starts[1:], len(raw)], strict=True):
        text = raw[begin:end].decode("latin-1")
        reader = pyx12.x12file.X12Reader(io.StringIO(text))
        out.extend([s.get_seg_id(), *(e.format() for e in s.elements)] for s in reader)
    return out


def normalise(segments: list[list[str]]) -> list[list[str]]:
    # pyx12 drops trailing empty elements when it formats; compare without them.
    out = []
    for seg in segments:
        seg = list(seg)
        while len(seg) > 1 and seg[-1] == "":
            seg.pop()
        out.append(seg)
    return out


def test_there_are_fixtures_to_compare() -> None:
    assert len(x12_fixtures()) >= 1


@pytest.mark.parametrize("path", x12_fixtures(), ids=lambda p: str(p.relative_to(ROOT)))
def test_fixture_matches_pyx12(path: Path) -> None:
    raw = path.read_bytes()
    assert normalise(ours(raw)) == normalise(pyx12s(raw))


DELIMS = st.sampled_from([("*", ":", "^", "~"), ("|", ">", "^", "!"), ("^", "\\", "{", "'"),
                          ("*", ">", "^", "~"), ("+", ":", "*", "'"), ("*", ":", "^", "\n")])
VALUE = st.text(alphabet="ABCDEFGHJKLMNOPQRSTUVWXYZ0123456789 .-", min_size=0, max_size=12)


@settings(max_examples=60, deadline=None)
@given(delims=DELIMS, after=st.sampled_from(["", "\n", "\r\n"]),
       values=st.lists(st.lists(VALUE, min_size=1, max_size=6), min_size=1, max_size=8))
def test_random_interchanges_match_pyx12(delims: tuple[str, str, str, str], after: str,
                                         values: list[list[str]]) -> None:
    element, component, repetition, segment = delims
    if segment == "\n":
        after = ""
    body = [*BODY, *("NTE*" + "*".join(v).strip() for v in values)]
    body = [b if b.strip("*") == b or not b.endswith("*") else b.rstrip("*") for b in body]
    text = interchange(body, element=element, component=component, repetition=repetition,
                       segment=segment, after=after)
    raw = text.encode("latin-1")
    assert normalise(ours(raw)) == normalise(pyx12s(raw))
