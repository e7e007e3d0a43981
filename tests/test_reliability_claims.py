"""Issue 10, data loss: no claim vanishes — split invariant, junk between interchanges,
indented segments, the byte census of CLM/CLP segments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.x12text import isa
from x12core.census import count_claims, iter_claim_segments
from x12core.reader import SegmentReader

CLEAN = FIXTURES / "837p" / "clean.837"
MULTI = FIXTURES / "837p" / "multi-interchange.837"
ERA = FIXTURES / "835" / "era.835"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _after_first_iea(data: bytes, junk: bytes) -> bytes:
    end = data.index(b"~", data.index(b"IEA*")) + 1
    return data[:end] + junk + data[end:]


def _split(cli, path: Path, tmp_path: Path):
    clean, held = tmp_path / "clean.out", tmp_path / "held.out"
    result = cli("split", path, "--clean", clean, "--held", held, "-f", "json")
    return result, clean, held


def _clm_count(*paths: Path) -> int:
    return sum(count_claims(p).clm for p in paths if p.exists())


def test_a_mangled_clm_fails_the_split_and_writes_nothing(cli, tmp_path: Path) -> None:
    data = CLEAN.read_bytes().replace(b"CLM*S101C0000005*", b"CLM|S101C0000005*")
    path = _write(tmp_path, "mangled.837", data)
    result, clean, held = _split(cli, path, tmp_path)
    assert result.code == 2, result.err
    assert "holds 10 CLM segment(s) but 9 could be placed" in result.err
    assert not clean.exists() and not held.exists()
    assert not list(tmp_path.glob(".*.tmp"))


def test_scan_reports_the_claim_it_could_not_read(cli, tmp_path: Path) -> None:
    data = CLEAN.read_bytes().replace(b"CLM*S101C0000005*", b"CLM|S101C0000005*")
    path = _write(tmp_path, "mangled.837", data)
    result = cli("scan", path, "-f", "json")
    assert result.code == 1
    report = json.loads(result.out)
    assert report["summary"]["claims"] == 9
    assert report["summary"]["claim_segments"] == 10
    assert report["summary"]["unread_claims"] == 1
    unread = [f for f in report["file_findings"] if f["rule"] == "X12-CLAIMS"]
    assert unread and unread[0]["severity"] == "error"
    line = data[: data.index(b"CLM|")].count(b"\n") + 1
    assert unread[0]["file_line"] == line


def test_junk_after_an_iea_does_not_swallow_the_next_interchange(cli, tmp_path: Path) -> None:
    path = _write(tmp_path, "junk.837", _after_first_iea(MULTI.read_bytes(), b"X~"))
    total = count_claims(MULTI).clm
    assert count_claims(path).clm == total
    result, clean, held = _split(cli, path, tmp_path)
    assert result.code in (0, 1), result.err
    assert json.loads(result.out)["claims"] == total
    assert _clm_count(clean, held) == total
    scan = json.loads(cli("scan", path, "-f", "json").out)
    assert scan["summary"]["claims"] == total
    assert any("stands after the last IEA" in f["message"] for f in scan["file_findings"])


def _other_delimiters(data: bytes) -> bytes:
    """The same interchange written with | > ! and CRLF after each terminator."""
    text = data.decode("latin-1").replace("\n", "")
    head, rest = text[:106], text[106:]
    head = head.replace("*", "|")[:-2] + ">!"
    rest = rest.replace("*", "|").replace(":", ">").replace("~", "!\r\n")
    return (head + "\r\n" + rest).encode("latin-1")


def test_a_second_isa_with_other_delimiters_after_junk_is_read(cli, tmp_path: Path) -> None:
    first = CLEAN.read_bytes()
    second = _other_delimiters(CLEAN.read_bytes().replace(b"000000001", b"000000002"))
    path = _write(tmp_path, "two.837", first + b"GARBAGE LINE\n" + second)
    segments = list(SegmentReader(path))
    assert sum(1 for s in segments if s.tag == "ISA") == 2
    assert sum(1 for s in segments if s.tag == "CLM") == 20
    result, clean, held = _split(cli, path, tmp_path)
    assert result.code in (0, 1), result.err
    assert _clm_count(clean, held) == 20


def test_large_junk_between_interchanges_spans_chunks(tmp_path: Path) -> None:
    junk = b"NOISE*1~" * 40_000  # 320 KB: several reader chunks of 64 KiB
    path = _write(tmp_path, "noisy.837", _after_first_iea(MULTI.read_bytes(), junk))
    segments = list(SegmentReader(path, chunk_size=1 << 16))
    assert sum(1 for s in segments if s.tag == "CLM") == count_claims(MULTI).clm
    assert sum(1 for s in segments if s.tag == "NOISE") == 40_000
    isas = [s for s in segments if s.tag == "ISA"]
    data = path.read_bytes()
    assert data[isas[1].offset:isas[1].offset + 3] == b"ISA"


def _indent(data: bytes, pad: bytes) -> bytes:
    return data.replace(b"~\n", b"~\n" + pad)


@pytest.mark.parametrize("pad", [b"  ", b"\t", b" \t "])
def test_indented_837_reads_every_claim(cli, tmp_path: Path, pad: bytes) -> None:
    path = _write(tmp_path, "indented.837", pad + _indent(MULTI.read_bytes(), pad))
    plain = json.loads(cli("scan", MULTI, "-f", "json").out)["summary"]
    indented = cli("scan", path, "-f", "json")
    assert indented.code in (0, 1), indented.err
    summary = json.loads(indented.out)["summary"]
    assert summary["claims"] == plain["claims"] == count_claims(MULTI).clm
    assert summary["errors"] == plain["errors"]


def test_indented_835_reads_every_claim_and_payment(cli, tmp_path: Path) -> None:
    path = _write(tmp_path, "indented.835", b"   " + ERA.read_bytes().replace(b"~", b"~\n   "))
    plain = json.loads(cli("remit", ERA, "-f", "json").out)["summary"]
    result = cli("remit", path, "-f", "json")
    summary = json.loads(result.out)["summary"]
    assert (summary["claims"], summary["payments"]) == (plain["claims"], plain["payments"])
    assert summary["claim_segments"] == plain["claims"]


def test_remit_counts_a_clp_it_could_not_read(cli, tmp_path: Path) -> None:
    path = _write(tmp_path, "mangled.835", ERA.read_bytes().replace(b"CLP*", b"CLP|", 1))
    result = cli("remit", path, "-f", "json")
    assert result.code == 1
    report = json.loads(result.out)
    assert report["summary"]["unread_claims"] == 1
    assert any(f["rule"] == "X12-CLAIMS" for f in report["findings"])


def test_census_is_independent_of_chunk_boundaries(tmp_path: Path) -> None:
    data = MULTI.read_bytes() * 3
    path = _write(tmp_path, "many.837", data)
    import x12core.census as census

    expected = [(tag, off) for tag, off, _ in iter_claim_segments(path)]
    assert len(expected) == 3 * count_claims(MULTI).clm
    for size in (300, 777, 4096):
        old = census._CHUNK
        census._CHUNK = size
        try:
            got = [(tag, off) for tag, off, _ in iter_claim_segments(path)]
        finally:
            census._CHUNK = old
        assert got == expected, size
    for tag, off in expected:
        assert data[off:off + 3] == tag.encode()


def test_census_ignores_clm_inside_element_data(tmp_path: Path) -> None:
    text = isa() + "~NTE*ADD*CLM*NOT A SEGMENT~CLM*A1*10~\nXCLM*B~  CLM*A2*5~"
    path = _write(tmp_path, "t.837", text.encode())
    assert count_claims(path).clm == 2


def test_split_refuses_a_malformed_isa_rather_than_write_unreadable_outputs(cli,
                                                                         tmp_path: Path) -> None:
    # Found by the fuzz test: "ISA*~00*..." split into a 1-element ISA, and the outputs
    # copied it, so neither output could be read again (their claims were lost downstream).
    path = _write(tmp_path, "isa.837", b"ISA*~" + CLEAN.read_bytes()[4:])
    result, clean, held = _split(cli, path, tmp_path)
    assert result.code == 2 and "ISA header is malformed" in result.err
    assert not clean.exists() and not held.exists()
