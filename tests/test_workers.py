"""Issue 14: ``--workers`` and ``--scheduler`` give byte-for-byte the one-process reports.

The generated batches are cut into many small chunks (``CLAIMKIT_CHUNK_BYTES``) so
that every kind of cut happens: at ST, inside one giant transaction set at 2000A and
2000B loops, across interchanges with other delimiters; and so that cross-chunk
checks are exercised: the same claims again in a second interchange of the same
file (duplicates, MUE units and ISA13 repeats that span chunks) and in a second file.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest

from edi837.scan import ScanOptions
from edi837.scan_parallel import ParallelScanner
from fixtures import generate
from remit835.causes import CauseMap
from remit835.parallel import remit_chunk
from remit835.report import remit_report
from x12core.chunks import plan
from x12core.parallel import Pool

ROOT = Path(__file__).resolve().parent.parent
SMALL = "20000"  # bytes per chunk: a few dozen claims
CLAIMS = 300


@pytest.fixture(scope="module")
def batches(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("workers")
    giant = root / "giant.837"  # one transaction set: cut at 2000A/2000B loops
    generate.write_837(giant, claims=CLAIMS, seed=5, transactions=1)
    other = root / "pipes.837"  # other delimiters, two transaction sets
    generate.write_837(other, claims=100, seed=9, transactions=2, element="|",
                       component=">", repetition="{", segment="!")
    mixed = root / "mixed.837"  # interchanges with different delimiters in one file
    mixed.write_bytes(giant.read_bytes() + other.read_bytes())
    twice = root / "twice.837"  # the same claims again: duplicates across chunks
    twice.write_bytes(giant.read_bytes() * 2)
    copy = root / "copy.837"
    shutil.copy(giant, copy)
    remit = root / "remit.835"
    generate.write_835(remit, claims=CLAIMS, seed=5)
    remits = root / "remits.835"
    remits.write_bytes(remit.read_bytes() * 2)  # reversals/corrections decided in order
    return {"giant": giant, "pipes": other, "mixed": mixed, "twice": twice, "copy": copy,
            "remit": remit, "remits": remits}


def _same(cli, monkeypatch: pytest.MonkeyPatch, *args: object) -> str:
    one = cli(*args)
    monkeypatch.setenv("CLAIMKIT_CHUNK_BYTES", SMALL)
    two = cli(*args, "--workers", "2")
    monkeypatch.delenv("CLAIMKIT_CHUNK_BYTES")
    assert one.code in (0, 1), one.err
    assert (two.code, two.out, two.err) == (one.code, one.out, one.err)
    return one.out


def test_the_batches_are_really_cut(batches: dict[str, Path]) -> None:
    chunks = plan(batches["mixed"], int(SMALL))
    assert len(chunks) > 10
    inner = [c for c in chunks if c.where.st >= 0]  # cut inside a transaction set
    assert inner and any(c.where.loop >= 0 for c in inner)
    assert len({c.body.state.delimiters for c in chunks[1:]}) == 2  # type: ignore[union-attr]


def test_inner_cuts_open_loops_where_a_segment_walk_finds_them(batches: dict[str, Path]
                                                               ) -> None:
    """Cuts inside the giant transaction set sit on HL*..*20/22 segments, and the open
    2000A loop each carries is the last HL03 = 20 before it (checked by a plain walk over
    every segment, not the pre-scan's shortcuts)."""
    data = batches["giant"].read_bytes()
    hl20_before: dict[int, int] = {}
    levels: dict[int, bytes] = {}
    last20 = -1
    at = 0
    for raw in data.split(b"~"):
        start = at + len(raw) - len(raw.lstrip())
        fields = raw.strip().split(b"*")
        if fields[0] == b"HL":
            levels[start] = fields[3]
            hl20_before[start] = last20
            if fields[3] == b"20":
                last20 = start
        at += len(raw) + 1
    chunks = plan(batches["giant"], int(SMALL))
    inner = [c for c in chunks if c.where.st >= 0]
    assert len(inner) > 5 and len({c.where.loop for c in inner}) > 2  # several 2000A loops
    assert any(levels[c.body.start] == b"20" for c in inner)  # cut at a 2000A loop too
    for chunk in inner:
        assert levels[chunk.body.start] in (b"20", b"22")
        assert chunk.where.loop == hl20_before[chunk.body.start]
        assert chunk.body.start - chunks[chunk.number - 1].body.start >= int(SMALL)


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl", "csv"])
def test_scan_is_identical(cli, monkeypatch: pytest.MonkeyPatch, batches: dict[str, Path],
                           fmt: str) -> None:
    files = ((batches["mixed"], batches["twice"], batches["copy"]) if fmt in ("text", "json")
             else (batches["mixed"],))
    out = _same(cli, monkeypatch, "scan", *files, "-f", fmt)
    if fmt == "json":  # the cross-chunk and cross-file checks did fire
        assert "R96372-040" in out and "interchange control number" in out


def test_cross_chunk_entries_rescan_the_chunk(batches: dict[str, Path]) -> None:
    """The second copy's chunks meet the first copy's patients in the run index."""
    with Pool(1) as one:
        expected = [(r.claim.id, r.findings) for r in ParallelScanner(ScanOptions(), one)
                    .scan(batches["twice"])]
    with Pool(2) as pool:
        scanner = ParallelScanner(ScanOptions(), pool, chunk_bytes=int(SMALL))
        got = [(r.claim.id, r.findings) for r in scanner.scan(batches["twice"])]
    assert len(got) == 2 * CLAIMS and got == expected
    assert scanner.reruns > 0
    # MUE units over the limit are reported once, on the first copy: the second copy's
    # chunks saw the first copy's units through the run index
    def over_mue(half: list[tuple[str, tuple]]) -> int:
        return sum(f.rule == "R96372-040" for _, findings in half for f in findings)

    assert over_mue(got[:CLAIMS]) > 0 and over_mue(got[CLAIMS:]) == 0


def test_a_misprediction_is_rescanned(tmp_path: Path, batches: dict[str, Path]) -> None:
    """An empty segment (``~~``) early on: the pre-scan's counts are one off."""
    data = batches["giant"].read_bytes()
    at = data.index(b"\nHL*") + 1
    odd = tmp_path / "odd.837"
    odd.write_bytes(data[:at] + b"~" + data[at:])
    with Pool(1) as one:
        expected = [(r.claim.id, r.findings) for r in ParallelScanner(ScanOptions(), one)
                    .scan(odd)]
    with Pool(2) as pool:
        scanner = ParallelScanner(ScanOptions(), pool, chunk_bytes=int(SMALL))
        got = [(r.claim.id, r.findings) for r in scanner.scan(odd)]
    assert got == expected and scanner.reruns > 0


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl", "csv"])
def test_remit_is_identical(cli, monkeypatch: pytest.MonkeyPatch, batches: dict[str, Path],
                            fmt: str) -> None:
    out = _same(cli, monkeypatch, "remit", batches["remits"], batches["remit"], "-f", fmt)
    if fmt == "json":  # corrections (decided in order, across chunks) are marked
        assert '"correction": true' in out and '"correction": false' in out


def test_a_chunk_marks_the_corrections_it_can_see(cli, monkeypatch: pytest.MonkeyPatch,
                                                  batches: dict[str, Path]) -> None:
    """A correction whose reversal is in the same chunk is marked by the chunk's task; one
    whose reversal is in an earlier chunk is marked by the submitting process, in order:
    together they are every correction a one-process run marks, at the same places."""
    path, tiny = batches["remits"], 2000  # a few claims a chunk: some pairs are cut apart
    causes = CauseMap.load(None)
    one, _ = remit_report([path], causes)
    expected = sum(item["correction"] for item in one.items)
    by_tasks = 0
    with tempfile.TemporaryDirectory() as spool:
        for chunk in plan(path, tiny):
            part = remit_chunk(causes, chunk, "json", spool)
            if part.block_file:
                by_tasks += Path(part.block_file).read_bytes().count(b'"correction": true')
    assert 0 < by_tasks < expected  # both ways are taken at this chunk size
    monkeypatch.setenv("CLAIMKIT_CHUNK_BYTES", str(tiny))
    two = cli("remit", path, "-f", "json", "--workers", "2")
    monkeypatch.delenv("CLAIMKIT_CHUNK_BYTES")
    assert two.out == cli("remit", path, "-f", "json").out
    assert two.out.count('"correction": true') == expected


def test_split_is_identical(cli, monkeypatch: pytest.MonkeyPatch, batches: dict[str, Path],
                            tmp_path: Path) -> None:
    outputs = {}
    for name, extra in (("one", ()), ("two", ("--workers", "2"))):
        d = tmp_path / name
        d.mkdir()
        if extra:
            monkeypatch.setenv("CLAIMKIT_CHUNK_BYTES", SMALL)
        r = cli("split", batches["mixed"], "--clean", d / "c.837", "--held", d / "h.837",
                "--report", d / "r.json", "--claim-ack", d / "a.277", *extra)
        assert r.code in (0, 1), r.err
        outputs[name] = [_timeless((d / f).read_text("latin-1"))
                         for f in ("c.837", "h.837", "r.json", "a.277")]
    assert outputs["one"] == outputs["two"]


def _timeless(text: str) -> str:
    """The 277CA is stamped with the time it was made (ISA09/10, GS04/05, BHT04/05)."""
    return re.sub(r"\d{6}\*\d{4}\*|\d{8}\*\d{4,6}", "T", text)


@pytest.mark.parametrize("command", ["reconcile", "audit"])
def test_reconcile_and_audit_are_identical(cli, monkeypatch: pytest.MonkeyPatch,
                                           batches: dict[str, Path], command: str) -> None:
    _same(cli, monkeypatch, command, "--claims", batches["giant"], "--remits",
          batches["remit"], "-f", "json")


def test_validate_is_identical(cli, monkeypatch: pytest.MonkeyPatch,
                               batches: dict[str, Path]) -> None:
    _same(cli, monkeypatch, "validate", batches["pipes"], ROOT / "fixtures/837p/clean.837",
          "-f", "json")


@pytest.mark.parametrize("value", ["x", "-1", "1.5"])
def test_a_bad_worker_count_is_one_line(cli, batches: dict[str, Path], value: str) -> None:
    r = cli("scan", batches["copy"], "--workers", value)
    assert r.code == 2 and r.err.count("\n") == 1 and "--workers" in r.err


def test_auto_uses_every_core(cli, batches: dict[str, Path]) -> None:
    one, auto = cli("scan", batches["copy"]), cli("scan", batches["copy"], "--workers", "auto")
    assert (auto.code, auto.out) == (one.code, one.out)


def test_an_unreachable_scheduler_is_one_line(cli, batches: dict[str, Path]) -> None:
    r = cli("scan", batches["copy"], "--scheduler", "tcp://127.0.0.1:9")
    assert r.code == 2 and r.err.count("\n") == 1 and "scheduler" in r.err


# -- Dask: the same chunks as tasks on a dask.distributed cluster ----------------

@pytest.fixture(scope="module")
def cluster():  # type: ignore[no-untyped-def]
    import logging

    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR) as running:
        yield running


def test_dask_scan_and_remit_are_identical(cli, monkeypatch: pytest.MonkeyPatch, cluster,
                                           batches: dict[str, Path]) -> None:
    monkeypatch.setenv("CLAIMKIT_CHUNK_BYTES", SMALL)
    for args in (("scan", batches["mixed"], batches["twice"], "-f", "json"),
                 ("remit", batches["remits"], "-f", "json")):
        one = cli(*args, "--workers", "1")
        monkeypatch.setenv("CLAIMKIT_SCHEDULER", cluster.scheduler_address)
        dask = cli(*args)
        monkeypatch.delenv("CLAIMKIT_SCHEDULER")
        assert (dask.code, dask.out) == (one.code, one.out) and one.code in (0, 1)


def test_a_killed_dask_worker_is_retried(cluster, batches: dict[str, Path],
                                         tmp_path: Path) -> None:
    """The first task to run kills its worker process; Dask runs it again elsewhere."""
    import os

    from edi837.scan_parallel import scan_chunk

    marker = tmp_path / "killed"

    def dies_once(options: ScanOptions, chunk):  # type: ignore[no-untyped-def]
        if chunk.number == 3 and not marker.exists():
            marker.touch()
            os._exit(1)  # the worker process dies mid-run
        return scan_chunk(options, chunk)

    with Pool(1) as one:
        expected = [(r.claim.id, r.findings) for r in ParallelScanner(ScanOptions(), one)
                    .scan(batches["mixed"])]
    with Pool(scheduler=cluster.scheduler_address) as pool:
        scanner = ParallelScanner(ScanOptions(), pool, chunk_bytes=int(SMALL), task=dies_once)
        got = [(r.claim.id, r.findings) for r in scanner.scan(batches["mixed"])]
    assert marker.exists()  # a worker really died
    assert got == expected  # complete, in order, nothing twice


def test_results_crossing_processes_pickle_back_equal() -> None:
    # x12core.pickling.fast_pickle: rebuilt through the constructor, field for field.
    import pickle

    from edi837.scan_parallel import ClaimStub, RecordResult
    from x12core.findings import Finding, Location, Severity

    where = Location(file="a.837", interchange="1", claim_id="PCN1", line_number=2,
                     segment="SV1", segment_index=40, file_line=41, element="SV102", value="0")
    finding = Finding("R837-001", "coding", Severity.WARNING, "m", "f", where, name="n")
    result = RecordResult(ClaimStub("PCN1", 10, 90, 30, 50), (finding,), "held", "medicare",
                          {"claim_id": "PCN1"})
    back = pickle.loads(pickle.dumps(result))
    assert back == result and back.findings[0].location == where
    assert type(back.findings[0].severity) is Severity


def test_workers_go_with_a_killed_parent() -> None:
    """SIGKILL of the submitting process takes its workers with it (Linux: they would
    otherwise wait for ever on their task queue)."""
    import signal
    import subprocess
    import sys
    import time

    script = ("import sys, time; sys.path.insert(0, sys.argv[1])\n"
              "from x12core.parallel import Pool\n"
              "pool = Pool(2)\nprint('ready', flush=True)\ntime.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", script, str(ROOT)], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    assert len(children) == 2
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 20
    alive = children
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [c for c in alive if _running(int(c))]
    assert not alive


def _running(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[-1].split()[0] != "Z"
