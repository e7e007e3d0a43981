"""The JSON document is the same text whichever stream it goes to: a file or stdout (its
spooled items copied as bytes) or a text-only stream (decoded on the way)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

import x12core.render
from x12core.render import EncodedBlock, Report, encode_item, write_json


def _report() -> Report:
    items = [{"claim_id": f"C{n}", "paid": Decimal(f"{n}.50"), "note": "caf\u00e9 \u2713"}
             for n in range(200)]
    block = EncodedBlock(",\n    ".join(encode_item(i) for i in items[:3]).encode())
    return Report("claims", [*items[3:50], block, *items[50:]],  # type: ignore[list-item]
                  lambda: {"claims": 200}, lambda i: [i], ["claim_id"],
                  lambda _i, _o: None, lambda: {"files": ["a.835"]})


@pytest.mark.parametrize("spool", [32, 8 << 20])  # spilled to disk, held in memory
def test_json_is_the_same_text_on_every_kind_of_stream(tmp_path: Path, spool: int,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(x12core.render, "JSON_SPOOL_MEMORY", spool)
    text = io.StringIO()  # no bytes under it: decoded
    write_json(_report(), text, schema="remit")
    raw = io.BytesIO()
    wrapped = io.TextIOWrapper(raw, encoding="utf-8", newline="")  # bytes under it: copied
    wrapped.write("lead ")  # written before: the copy must come after it
    write_json(_report(), wrapped, schema="remit")
    wrapped.write("tail")
    wrapped.flush()
    assert raw.getvalue().decode() == "lead " + text.getvalue() + "tail"
    path = tmp_path / "out.json"
    with path.open("w", encoding="utf-8", newline="") as handle:
        write_json(_report(), handle, schema="remit")
    assert path.read_text(encoding="utf-8") == text.getvalue()
    assert "\\u00e9" in text.getvalue() and '"paid": "7.50"' in text.getvalue()


@pytest.mark.parametrize("spool", [32, 8 << 20])
def test_a_block_in_a_workers_file_is_the_same_text(tmp_path: Path, spool: int,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """``FileRange`` pieces (a local worker's file, copied file to file) and literal
    pieces between them give the document the same pieces as bytes give."""
    from x12core.render import FileRange

    monkeypatch.setattr(x12core.render, "JSON_SPOOL_MEMORY", spool)
    items = [encode_item({"claim_id": f"C{n}", "correction": False}) for n in range(40)]
    data = ",\n    ".join(items).encode()
    worker = tmp_path / "chunk.json"
    worker.write_bytes(data)
    cut = data.index(b"C7") + 40  # a piece boundary inside an item, with bytes put between

    def report(*pieces: bytes | memoryview | FileRange) -> Report:
        return Report("claims", [{"claim_id": "first"}, EncodedBlock(*pieces),
                                 {"claim_id": "last"}],  # type: ignore[list-item]
                      lambda: {}, lambda i: [i], ["claim_id"], lambda _i, _o: None)

    expected, got = io.StringIO(), tmp_path / "out.json"
    write_json(report(data[:cut], b"", data[cut:]), expected)
    with got.open("w", encoding="utf-8", newline="") as handle:
        write_json(report(FileRange(str(worker), 0, cut), b"",
                          FileRange(str(worker), cut, len(data))), handle)
    assert got.read_text("utf-8") == expected.getvalue()
    assert '"claim_id": "C39"' in expected.getvalue()


@pytest.mark.parametrize("held", [64, 1])  # every file held open; past the limit: copied now
def test_workers_files_are_copied_once_in_order_even_when_removed(
        tmp_path: Path, held: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker's file is held open and copied to the output at the end, so it may be
    removed as soon as its block is consumed (the remit's spool directory is). Over
    ``MAX_HELD_FILES`` open files, a range is copied into the spool at once instead.
    Either way the document is the one the same bytes give."""
    from x12core.render import FileRange

    monkeypatch.setattr(x12core.render, "MAX_HELD_FILES", held)
    monkeypatch.setattr(x12core.render, "JSON_SPOOL_MEMORY", 64)
    blocks = [",\n    ".join(encode_item({"claim_id": f"F{f}C{n}"}) for n in range(30)).encode()
              for f in range(3)]

    def items(by_file: bool) -> Iterator[object]:
        for f, data in enumerate(blocks):
            yield {"claim_id": f"lead{f}"}
            if not by_file:
                yield EncodedBlock(data)
                continue
            worker = tmp_path / f"chunk{f}.json"
            worker.write_bytes(data)
            half = len(data) // 2
            yield EncodedBlock(FileRange(str(worker), 0, half), FileRange(str(worker), half,
                                                                          len(data)))
            worker.unlink()  # as parallel.py does once the block is consumed
        yield {"claim_id": "last"}

    def report(by_file: bool) -> Report:
        return Report("claims", items(by_file), lambda: {"n": 1}, lambda i: [i],  # type: ignore[arg-type]
                      ["claim_id"], lambda _i, _o: None)

    expected = io.StringIO()
    write_json(report(False), expected)
    text, path = io.StringIO(), tmp_path / "out.json"
    write_json(report(True), text)
    with path.open("w", encoding="utf-8", newline="") as handle:
        write_json(report(True), handle)
    assert text.getvalue() == expected.getvalue()
    assert path.read_text("utf-8") == expected.getvalue()
    assert '"claim_id": "F2C29"' in expected.getvalue() and not list(tmp_path.glob("chunk*"))
