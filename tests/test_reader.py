"""The streaming tokenizer: delimiters, line/offset bookkeeping, bad input."""

from __future__ import annotations

import io

import pytest

from tests.x12text import BODY, interchange, isa
from x12core.errors import InputError, NotX12Error
from x12core.reader import SegmentReader, parse_isa_header, read_text


def tags(text: str) -> list[str]:
    return [s.tag for s in read_text(text)]


def test_default_delimiters_and_elements() -> None:
    segs = read_text(interchange(BODY))
    assert [s.tag for s in segs][:4] == ["ISA", "GS", "ST", "BHT"]
    sv1 = next(s for s in segs if s.tag == "SV1")
    assert sv1[1] == "HC:J1885:JZ"
    assert sv1.component(1, 2) == "J1885"
    assert sv1.component(1, 3) == "JZ"
    assert sv1.component(1, 7) == ""
    assert sv1.get("SV101-2") == "J1885"
    assert sv1.get("SV102") == "25.01"
    assert sv1[20] == ""  # missing trailing elements read as empty


@pytest.mark.parametrize(
    ("element", "component", "repetition", "segment", "after"),
    [("*", ":", "^", "~", "\n"), ("|", ">", "^", "!", "\r\n"), ("*", ":", "^", "~", ""),
     ("*", ":", "^", "\n", ""), ("^", "\\", "{", "'", "\r\n"), ("*", ":", "^", "~", "\r\n")],
)
def test_any_delimiters(element: str, component: str, repetition: str, segment: str,
                        after: str) -> None:
    text = interchange(BODY, element=element, component=component, repetition=repetition,
                       segment=segment, after=after)
    segs = read_text(text)
    assert [s.tag for s in segs] == ["ISA", "GS", "ST", *[b.split("*")[0] for b in BODY],
                                     "SE", "GE", "IEA"]
    d = segs[0].delimiters
    assert (d.element, d.component, d.segment) == (element, component, segment)
    assert d.repetition == repetition
    sv1 = next(s for s in segs if s.tag == "SV1")
    assert sv1.component(1, 2) == "J1885"


def test_file_lines_offsets_and_positions() -> None:
    text = interchange(BODY, after="\r\n")
    segs = read_text(text)
    assert [s.line for s in segs] == list(range(1, len(segs) + 1))
    for s in segs:
        assert text[s.offset:].startswith(s.tag)
    st = next(s for s in segs if s.tag == "ST")
    se = next(s for s in segs if s.tag == "SE")
    assert st.position == 1
    assert se.position == len(BODY) + 2
    assert segs[0].position == 0 and segs[-1].position == 0
    assert [s.index for s in segs] == list(range(1, len(segs) + 1))


def test_one_long_line_has_line_one_everywhere() -> None:
    segs = read_text(interchange(BODY, after=""))
    assert {s.line for s in segs} == {1}


def test_newline_terminated_segments_count_lines() -> None:
    segs = read_text(interchange(BODY, segment="\n", after=""))
    assert [s.line for s in segs] == list(range(1, len(segs) + 1))


def test_bom_and_leading_blank_lines() -> None:
    text = interchange(BODY)
    raw = b"\xef\xbb\xbf\r\n\n" + text.encode()
    segs = list(SegmentReader(io.BytesIO(raw), name="bom.837"))
    assert segs[0].tag == "ISA"
    assert segs[0].line == 3
    assert segs[0].offset == 6  # BOM (3 bytes) + CR LF LF
    assert raw[segs[1].offset:].startswith(b"GS*")


def test_multiple_interchanges_with_different_delimiters() -> None:
    first = interchange(BODY, control="000000001")
    second = interchange(BODY, control="000000002", element="|", component=">",
                         segment="!", after="\r\n")
    segs = read_text(first + second)
    isas = [s for s in segs if s.tag == "ISA"]
    assert [s[13] for s in isas] == ["000000001", "000000002"]
    assert isas[1].delimiters.element == "|"
    sv1s = [s for s in segs if s.tag == "SV1"]
    assert [s.component(1, 2) for s in sv1s] == ["J1885", "96372", "J1885", "96372"]
    assert segs[-1].tag == "IEA" and segs[-1][2] == "000000002"


@pytest.mark.parametrize("chunk", [212, 256, 1000, 4096])
def test_small_chunks_give_the_same_segments(chunk: int) -> None:
    text = interchange(BODY * 30, after="\r\n") + interchange(BODY, control="000000002",
                                                              element="|", segment="!")
    whole = read_text(text)
    chunked = list(SegmentReader(io.BytesIO(text.encode()), chunk_size=chunk))
    assert [(s.elements, s.line, s.offset, s.index, s.position) for s in chunked] == [
        (s.elements, s.line, s.offset, s.index, s.position) for s in whole]


def test_final_segment_without_terminator_is_kept() -> None:
    text = interchange(BODY).rstrip("\n").rstrip("~")
    assert tags(text)[-1] == "IEA"


def test_trailing_garbage_after_iea_is_handed_on() -> None:
    text = interchange(BODY) + "THIS IS NOT X12~"
    assert tags(text)[-1] == "THIS IS NOT X12"


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"", "file is empty"), (b"\n\n  \r\n", "file is empty"),
     (b"hello, this is a memo\n", "does not start with an ISA segment"),
     (isa().encode()[:60], "truncated ISA header"),
     (b"\x00\x01\x02ISA" + bytes(range(256)), "binary data"),
     (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "binary data"),
     (b"ISA", "truncated ISA header"),
     (b"ISA0000", "is not a delimiter")],
)
def test_not_x12(data: bytes, reason: str) -> None:
    with pytest.raises(NotX12Error) as err:
        list(SegmentReader(io.BytesIO(data), name="in.837"))
    assert reason in str(err.value)
    assert str(err.value).startswith("in.837: ")
    assert "\n" not in str(err.value)


def test_missing_file_is_an_input_error(tmp_path) -> None:
    with pytest.raises(InputError, match="no such file"):
        list(SegmentReader(tmp_path / "nope.837"))
    with pytest.raises(InputError, match="is a directory"):
        list(SegmentReader(tmp_path))


def test_parse_isa_header_lengths() -> None:
    delims, length = parse_isa_header(isa() + "~\n", "x")
    assert length == 106
    assert (delims.element, delims.repetition, delims.component, delims.segment) == (
        "*", "^", ":", "~")
    # 4010: ISA11 is "U", not a repetition separator.
    delims, _ = parse_isa_header(isa(repetition="U", version="00401") + "~", "x")
    assert delims.repetition == ""
