"""Seeded mutation fuzzing of every command (issue 10), with the guarantees as invariants.

Each example takes a bundled sample, mutates its bytes (flips, deletions, duplicated
ranges, junk such as ``1E+999999999``, Latin-1 letters, other delimiters, truncation)
and runs a command on it in process. Whatever the input:

* the exit code is 0, 1 or 2, with no traceback and no "internal error";
* exit 2 prints exactly one line on stderr;
* the input is never modified;
* ``--out`` is either complete (parses as JSON) or absent, and no temporary file stays;
* ``split`` puts every CLM of the input into exactly one output, or writes nothing.

The run is derandomized (the same examples every time). ``CLAIMKIT_FUZZ_EXAMPLES`` sets
the examples per command (default 40, a few hundred in all, about a minute);
``python bench/fuzz.py`` runs a longer campaign.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURES
from x12core.census import count_claims

EXAMPLES = int(os.environ.get("CLAIMKIT_FUZZ_EXAMPLES", "40"))
SEEDS_837 = [FIXTURES / "837p" / n for n in ("clean.837", "mixed.837", "multi-interchange.837",
                                             "pipe-crlf.837", "one-line.837")]
SEEDS_835 = [FIXTURES / "835" / n for n in ("era.835", "unbalanced.835")]
JUNK = [b"1E+999999999", b"sNaN", b"-inf", "²³".encode("latin-1"), "ÉÑ".encode("latin-1"),
        b"~", b"*", b":", b"^", b"|", b"\n", b"\r\n", b"  ", b"\t", b"\x00", b"\xff\xfe",
        b"ISA*", b"IEA*1*000000001~", b"CLM|X1*", b"CLM*", b"CLP*", b"SE*", b"HL*9*9*22*0~",
        b"X~", b"00010101", b"99999999", b"GS*HC*A*B*20250101*1200*1*X*004010X098A1~"]
PROFILE = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture,
                                          HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def mutated(draw: st.DrawFn, seeds: list[Path]) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds)).read_bytes())
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "delete", "duplicate", "insert", "truncate",
                                     "delimiter"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 200))]
        elif kind == "duplicate":
            data[at:at] = data[at:at + draw(st.integers(1, 400))]
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from(JUNK))
        elif kind == "truncate":
            del data[at:]
        elif kind == "delimiter" and data:
            old = data[at:at + 1]
            data = bytearray(bytes(data).replace(old, draw(st.sampled_from(JUNK[5:13]))))
    return bytes(data)


def _check(result, inputs: dict[Path, bytes], out: Path | None) -> None:
    assert result.code in (0, 1, 2), (result.code, result.err)
    assert "Traceback" not in result.err and "internal error" not in result.err, result.err
    if result.code == 2:
        assert result.err.count("\n") == 1, result.err
    for path, data in inputs.items():
        assert path.read_bytes() == data, f"{path} was modified"
    if out is not None:
        if out.exists():
            json.loads(out.read_text(encoding="utf-8"))
        leftovers = [p for p in out.parent.iterdir() if p.name.endswith(".tmp")]
        assert not leftovers, leftovers


def _workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="ckfuzz-"))


def _run(cli, command: str, data: bytes, suffix: str, *extra: str) -> None:
    work = _workdir()
    try:
        path = work / f"input{suffix}"
        path.write_bytes(data)
        out = work / "report.json"
        result = cli(command, path, "-f", "json", "--out", out, *extra)
        _check(result, {path: data}, out)
        if result.code != 2:
            assert out.exists()
    finally:
        shutil.rmtree(work, ignore_errors=True)


@PROFILE
@given(data=mutated(SEEDS_837))
def test_fuzz_scan(cli, data: bytes) -> None:
    _run(cli, "scan", data, ".837")


@PROFILE
@given(data=mutated(SEEDS_835))
def test_fuzz_remit(cli, data: bytes) -> None:
    _run(cli, "remit", data, ".835")


@settings(PROFILE, max_examples=max(4, EXAMPLES // 4))  # pyx12 is ~30x slower than a scan
@given(data=mutated(SEEDS_837 + SEEDS_835))
def test_fuzz_validate(cli, data: bytes) -> None:
    _run(cli, "validate", data, ".x12")


@PROFILE
@given(claims=mutated(SEEDS_837), remits=mutated(SEEDS_835))
def test_fuzz_reconcile(cli, claims: bytes, remits: bytes) -> None:
    work = _workdir()
    try:
        c, r, out = work / "a.837", work / "b.835", work / "rec.json"
        c.write_bytes(claims)
        r.write_bytes(remits)
        result = cli("reconcile", "--claims", c, "--remits", r, "-f", "json", "--out", out)
        _check(result, {c: claims, r: remits}, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)


@settings(PROFILE, max_examples=max(4, EXAMPLES // 2))
@given(data=mutated(SEEDS_837), acks=st.booleans())
def test_fuzz_split_keeps_every_claim(cli, data: bytes, acks: bool) -> None:
    work = _workdir()
    try:
        path = work / "batch.837"
        path.write_bytes(data)
        clean, held = work / "clean.837", work / "held.837"
        extra = ["--ack", work / "b.999", "--claim-ack", work / "b.277"] if acks else []
        result = cli("split", path, "--clean", clean, "--held", held, *extra)
        _check(result, {path: data}, None)
        outputs = [p for p in (clean, held) if p.exists()]
        if result.code == 2:
            assert not outputs and not (work / "b.999").exists()
        else:
            assert sum(count_claims(p).clm for p in outputs) == count_claims(path).clm
        assert not [p for p in work.iterdir() if p.name.endswith(".tmp")]
    finally:
        shutil.rmtree(work, ignore_errors=True)
