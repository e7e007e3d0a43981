"""The reader's fast path (x12core.blocks) against its general loop, and the envelope's runs.

Every segment -- elements, delimiters, index, position, byte offset, file line -- must be
the same whichever path read it, on files that mix what the fast path takes (clean
blocks) with what it hands back (blank lines, wrapped segments, mixed line endings, junk
between interchanges, empty segments, other delimiters), at any chunk size.
"""

from __future__ import annotations

import io
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import x12core.reader as reader_module
from tests.x12text import BODY, interchange
from x12core.envelope import Envelope
from x12core.errors import ClaimkitError
from x12core.reader import SegmentReader
from x12core.segment import KNOWN_TAGS

LONG_BODY = BODY * 40 + ["NTE*ADD*A NOTE", "REF*6R*LINE1", "DTP*472*D8*20250301"]


def _read(data: bytes, chunk: int | None, fast: bool,
          monkeypatch: pytest.MonkeyPatch) -> list[object]:
    with monkeypatch.context() as m:
        if not fast:
            m.setattr(reader_module, "clean_block", lambda *args: None)
        out: list[object] = []
        try:
            r = SegmentReader(io.BytesIO(data), name="t.837", chunk_size=chunk)
            for s in r:
                d = s.delimiters
                out.append((tuple(s.elements), d.element, d.component, d.repetition, d.segment,
                            s.index, s.position, s.offset, s.line))
            out.append(r.bytes_read)
        except ClaimkitError as err:
            out.append(str(err))
        return out


def _same(text: str, monkeypatch: pytest.MonkeyPatch, chunks: tuple[int | None, ...] = (
        None, 212, 300, 1000)) -> None:
    data = text.encode("latin-1")
    for chunk in chunks:
        for known in (False, True):  # tags not known yet / known from an earlier file
            if not known:
                KNOWN_TAGS.clear()
            general = _read(data, chunk, False, monkeypatch)
            if not known:
                KNOWN_TAGS.clear()
            assert _read(data, chunk, True, monkeypatch) == general, (chunk, known)


SHAPES = [
    dict(after="\n"), dict(after="\r\n"), dict(after=""), dict(segment="\n", after=""),
    dict(element="|", component=">", segment="!", after="\r\n"),
    dict(element="^", component="\\", repetition="{", segment="'", after="\n"),
    dict(segment="\r", after="\n"),
]


@pytest.mark.parametrize("shape", SHAPES)
def test_clean_files_read_the_same(shape: dict[str, str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    text = interchange(LONG_BODY, **shape) + interchange(BODY, control="000000702", **shape)
    _same(text, monkeypatch)


@pytest.mark.parametrize("mess", [
    "\n\n", "\r\n", "  ", "\t", "~", "~\n~", "\n  \n", "\x1a", "NOT*X12\n", "N\nM1*A",
])
def test_messy_spots_are_read_the_same(mess: str, monkeypatch: pytest.MonkeyPatch) -> None:
    base = interchange(LONG_BODY) + interchange(BODY, control="000000702", after="\r\n",
                                                element="|", segment="!")
    rng = random.Random(mess)
    for _ in range(4):
        at = rng.randrange(len(base))
        _same(base[:at] + mess + base[at:], monkeypatch, chunks=(None, 257))
    # after a terminator, and between interchanges
    cut = base.index("ISA", 10)
    _same(base[:cut] + mess + base[cut:], monkeypatch, chunks=(None, 257))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(
    ["\n", "\r\n", " ", "~", "~\n", "\r", "IEA*1*000000701~", "ISA", "JUNK~\n", "ST*837*9~",
     "SE*3*9~", "x", ""])), max_size=6), st.sampled_from([None, 212, 401]))
def test_mangled_files_are_read_the_same(edits: list[tuple[int, str]], chunk: int | None,
                                         ) -> None:
    text = interchange(LONG_BODY) + interchange(BODY, control="000000702", after="")
    for at, insert in edits:
        at %= len(text) + 1
        text = text[:at] + insert + text[at:]
    with pytest.MonkeyPatch.context() as mp:
        _same(text, mp, chunks=(chunk,))


def _walk(segments: object) -> list[object]:
    env = Envelope(segments, "t.837")  # type: ignore[arg-type]
    out: list[object] = []
    for n, body in enumerate(env):
        got = []
        for i, seg in enumerate(body):
            got.append(seg.index)
            if n == 1 and i == 2:
                break  # a consumer that stops early; the walk skips the rest
        out.append((body.transaction.control, got, body.trailer.index if body.trailer else None))
    out.append([(f.message, f.location.segment_index, f.location.file_line)
                for f in env.findings])
    return out


@pytest.mark.parametrize("text", [
    interchange(LONG_BODY, st_controls=("0001", "0002", "0003")),
    interchange(LONG_BODY, se_count=7, ge_count=3) + "JUNK*1~\n" + interchange(BODY),
    interchange(BODY).replace("SE*8*0001~\n", "") + interchange(BODY, control="000000702"),
    interchange([*BODY, "nm1*x", "TOOLONG*1", "", "HL*9"], after="\r\n"),
    interchange(BODY).replace("GS*", "XX*"),
])
def test_envelope_runs_match_segment_by_segment(text: str) -> None:
    data = text.encode()
    KNOWN_TAGS.clear()
    runs = _walk(SegmentReader(io.BytesIO(data)))
    KNOWN_TAGS.clear()
    flat = _walk(list(SegmentReader(io.BytesIO(data))))
    assert runs == flat


def test_a_stopped_read_can_be_closed() -> None:
    stream = io.BytesIO(interchange(LONG_BODY).encode())
    it = iter(SegmentReader(stream))
    assert next(it).tag == "ISA"
    it.close()  # type: ignore[attr-defined]


def test_a_run_must_be_finished_before_the_next() -> None:
    KNOWN_TAGS.update({"BHT", "NM1", "HL", "CLM", "SV1"})
    runs = SegmentReader(io.BytesIO(interchange(LONG_BODY).encode())).runs()
    for run in runs:
        if type(run) is not tuple and next(iter(run), None) is not None:
            # one segment of a run taken, then the next run asked for
            with pytest.raises(RuntimeError):
                next(runs)
            return
    raise AssertionError("no run of known segments")
