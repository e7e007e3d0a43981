"""Issue 14: an 835 cut inside a payment (at CLP) gives the one-process report.

A payment's equation (BPR02 = sum of CLP04 - sum of PLB, 005010X221A1 section
1.10.2.1) spans every claim of its transaction set, so the chunks of one payment hand
back their parts and the submitting process balances and reports the payment where a
one-process run does. The files here are cut every few claims
(``CLAIMKIT_CHUNK_BYTES``) and carry what could be counted twice or lost at a cut:
payments that do not balance, a PLB, a header finding (a BPR02 that is not an amount)
and a TS3 finding in the replayed context, a file truncated inside its last payment,
a transaction set without SE, one payment alone in its file; and what a fuzz run
found: a stray SE inside a payment, an ST without BPR or LX inside another, an LX
without elements.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from fixtures import generate
from tests.test_remote_outdir import _parts
from x12core.chunks import plan

CUT = 3000  # bytes per chunk: a handful of claims


def _variants(root: Path) -> dict[str, Path]:
    base = root / "unbalanced.835"
    generate.write_835(base, claims=300, seed=5, imbalance=True)
    data = base.read_bytes()
    sts = [m.start() for m in re.finditer(rb"ST\*835\*", data)]
    # The second payment's BPR02 is not an amount (a header finding, replayed in every
    # chunk of that payment); the third payment's LX gets a TS3 whose TS305 is not one.
    bpr = data.index(b"BPR*C*", sts[1]) + len(b"BPR*C*")
    bad = data[:bpr] + b"12X.3" + data[data.index(b"*", bpr):]
    lx = bad.index(b"LX*1~", bad.index(b"ST*835*", bpr))
    bad = bad[:lx] + b"LX*1~\nTS3*1999900016*11*20251231*5*abc~" + bad[lx + 5:]
    se = data.index(b"SE*", sts[3])
    after_se = data.index(b"~", se) + 2
    trn = data.index(b"~", data.index(b"TRN*", sts[5])) + 2
    middle = data.index(b"\nCLP*", (sts[6] + sts[7]) // 2) + 1
    lx = data.index(b"LX*1~", sts[8])
    files = {
        "unbalanced": data,
        "bad-header": bad,
        "truncated": data[:sts[-1] + (len(data) - sts[-1]) // 2],
        "no-se": data[:se] + data[after_se:],
        "stray-se": data[:trn] + b"SE*3*0001~\n" + data[trn:],
        "st-inside": data[:middle] + b"ST*835*9~\n" + data[middle:],
        "empty-lx": data[:lx] + b"LX~1~" + data[lx + 5:],
        # the first interchange's envelope around its first payment alone
        "one-payment": data[:data.index(b"SE*", sts[0])] + data[data.index(b"SE*", sts[0]):]
        .split(b"\n", 1)[0] + b"\nGE*1*1~\nIEA*1*000000001~\n",
    }
    out = {}
    for name, content in files.items():
        path = root / f"{name}.835"
        path.write_bytes(content)
        out[name] = path
    return out


@pytest.fixture(scope="module")
def remits(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _variants(tmp_path_factory.mktemp("remit-cuts"))


def test_cuts_sit_on_claims_and_carry_the_open_lx(remits: dict[str, Path]) -> None:
    """Checked by a plain walk over every segment, not the pre-scan's shortcuts."""
    data = remits["bad-header"].read_bytes()
    tags: dict[int, bytes] = {}
    lx_before: dict[int, int] = {}
    st_before: dict[int, int] = {}
    last_lx = last_st = -1
    at = 0
    for raw in data.split(b"~"):
        start = at + len(raw) - len(raw.lstrip())
        tag = raw.strip().split(b"*")[0]
        tags[start] = tag
        if tag == b"ST":
            last_st, last_lx = start, -1
        lx_before[start], st_before[start] = last_lx, last_st
        if tag == b"LX":
            last_lx = start
        at += len(raw) + 1
    chunks = plan(remits["bad-header"], CUT)
    inner = [c for c in chunks if c.where.st >= 0]
    assert len(inner) > 20 and len({c.where.st for c in inner}) > 10  # most payments cut
    for chunk in inner:
        start = chunk.body.start
        assert tags[start] == b"CLP"
        assert chunk.where.st == st_before[start] and chunk.where.loop == lx_before[start]
        assert start - chunks[chunk.number - 1].body.start >= CUT
        # the context: ISA, GS, ST to the first LX, then the open LX up to the next CLP
        header, loop = chunk.context[2], chunk.context[3]
        assert (header.start, tags[header.end]) == (chunk.where.st, b"LX")
        assert loop.start == chunk.where.loop and tags[loop.end] == b"CLP"
        assert b"CLP*" not in data[header.start:header.end] + data[loop.start:loop.end]


@pytest.mark.parametrize("fmt", ["json", "text", "csv"])
@pytest.mark.parametrize("name", ["unbalanced", "bad-header", "truncated", "no-se",
                                  "one-payment", "stray-se", "st-inside", "empty-lx"])
def test_a_payment_cut_in_pieces_is_reported_as_one(cli, monkeypatch: pytest.MonkeyPatch,
                                                    remits: dict[str, Path], name: str,
                                                    fmt: str) -> None:
    one = cli("remit", remits[name], "-f", fmt)
    monkeypatch.setenv("CLAIMKIT_CHUNK_BYTES", str(CUT))
    assert len(plan(remits[name], CUT)) > 3
    two = cli("remit", remits[name], "-f", fmt, "--workers", "2")
    assert one.code == 1, one.err  # every variant has something that does not balance
    assert (two.code, two.out, two.err) == (one.code, one.out, one.err)
    if fmt != "json":
        return
    report = json.loads(one.out)
    messages = [f["message"] for f in report["findings"]]
    if name == "bad-header":  # found once, not once per chunk of its payment
        assert sum("BPR02 '12X.3'" in m for m in messages) == 1
        assert sum("TS305 'abc'" in m for m in messages) == 1
    payments = report["payments"]
    assert len(payments) == len({p["transaction"] for p in payments})  # each once
    assert sum(p["claims"] for p in payments) == report["summary"]["claims"]
    unbalanced = [f for f in report["findings"] if f.get("level") == "payment"]
    assert unbalanced and len(unbalanced) == len({f["transaction"] for f in unbalanced})
    assert all(not p["balanced"] for p in payments
               if p["transaction"] in {f["transaction"] for f in unbalanced})


def test_out_dir_parts_of_cut_payments_are_the_jsonl_report(
        cli, monkeypatch: pytest.MonkeyPatch, remits: dict[str, Path], tmp_path: Path) -> None:
    jsonl = cli("remit", remits["bad-header"], "-f", "jsonl")
    monkeypatch.setenv("CLAIMKIT_CHUNK_BYTES", str(CUT))
    r = cli("remit", remits["bad-header"], "--out-dir", tmp_path / "out", "--workers", "2")
    assert r.code == jsonl.code == 1 and r.err == ""
    _, text = _parts(tmp_path / "out")
    assert text == jsonl.out


def test_workers_json_blocks_go_by_file_and_leave_nothing(
        cli, monkeypatch: pytest.MonkeyPatch, remits: dict[str, Path], tmp_path: Path) -> None:
    """Local workers write their JSON items to files here; each is gone once copied."""
    import tempfile

    import remit835.parallel

    one = cli("remit", remits["unbalanced"], "-f", "json")
    spool_items = remit835.parallel._spool_items
    marks, temp = tmp_path / "marks", tmp_path / "temp"
    marks.mkdir()
    temp.mkdir()

    def spied(spool: str, items: list[str]) -> str:  # runs in a worker: leaves a mark
        path = spool_items(spool, items)
        (marks / Path(path).name).touch()
        return path

    monkeypatch.setattr(remit835.parallel, "_spool_items", spied)
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setenv("CLAIMKIT_CHUNK_BYTES", str(CUT))
    two = cli("remit", remits["unbalanced"], "-f", "json", "--workers", "2")
    assert (two.code, two.out) == (one.code, one.out)
    assert len(list(marks.iterdir())) > 3  # the chunks' items went by file
    assert not list(temp.iterdir())  # the spool directory and its files are gone
