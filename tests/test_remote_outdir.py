"""Issue 14, beyond one machine: inputs as URLs (fsspec) and ``--out-dir`` parts.

URLs are served by a local HTTP server with byte ranges (tests/http_fixture.py), so
nothing leaves the machine; the reports must equal the local-path run byte for byte
(the ``file`` field names the URL instead of the path). ``--out-dir`` parts, written
by the chunk tasks, concatenated in manifest order must equal ``-f jsonl`` exactly.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from tests.http_fixture import serve
from tests.test_workers import SMALL, batches, cluster  # noqa: F401 (fixtures)
from x12core import outdir, schemas

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def served(batches: dict[str, Path]):  # type: ignore[no-untyped-def]  # noqa: F811
    """(base URL, served directory): the generated batches over HTTP."""
    root = batches["giant"].parent
    with serve(root) as base:
        yield base, root


def _local(text: str, base: str, root: Path) -> str:
    """A URL run's output as the local-path run names the files."""
    return text.replace(f"{base}/", f"{root}/")


def _parts(directory: Path) -> tuple[dict, str]:
    """The manifest, and the concatenation of its parts in order (checked against it)."""
    manifest = json.loads((directory / outdir.MANIFEST).read_text("utf-8"))
    assert not schemas.errors("manifest", manifest)
    text = ""
    for part in manifest["parts"]:
        data = (directory / part["name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == part["sha256"]
        assert len(data) == part["bytes"] and data.count(b"\n") == part["rows"]
        text += data.decode("utf-8")
    assert manifest["rows"] == text.count("\n")
    assert manifest["parts"][-1]["name"] == "findings.jsonl"
    listed = {p["name"] for p in manifest["parts"]} | {
        p["parquet"]["name"] for p in manifest["parts"] if p["parquet"]}
    assert set(p.name for p in directory.iterdir()) == listed | {outdir.MANIFEST}
    return manifest, text


# -- URLs -------------------------------------------------------------------------

@pytest.mark.parametrize("command,name,fmt,workers", [
    ("scan", "mixed", "json", "1"), ("scan", "twice", "jsonl", "2"),
    ("remit", "remit", "json", "2"), ("remit", "remit", "csv", "1")])
def test_url_inputs_give_the_local_report(cli, monkeypatch: pytest.MonkeyPatch, served,
                                          batches: dict[str, Path], command: str,  # noqa: F811
                                          name: str, fmt: str, workers: str) -> None:
    base, root = served
    monkeypatch.setenv("CLAIMKIT_CHUNK_BYTES", SMALL)
    for rest in (("-f", fmt),):
        local = cli(command, batches[name], *rest)
        url = cli(command, f"{base}/{batches[name].name}", *rest, "--workers", workers)
        assert local.code in (0, 1), local.err
        assert (url.code, _local(url.out, base, root), url.err) == (local.code, local.out,
                                                                   local.err)


def test_file_urls_read_and_are_never_overwritten(cli, batches: dict[str, Path]) -> None:  # noqa: F811
    path = batches["pipes"]
    local, url = cli("scan", path, "-f", "json"), cli("scan", path.as_uri(), "-f", "json")
    assert url.code == local.code and url.out == local.out.replace(
        json.dumps(str(path)), json.dumps(path.as_uri()))
    r = cli("scan", path.as_uri(), "-f", "json", "--out", path)
    assert r.code == 2 and r.err.count("\n") == 1 and "never overwrites its input" in r.err


@pytest.mark.parametrize("url,reason", [
    ("{base}/missing.837", "no such file"),
    ("http://127.0.0.1:9/batch.837", "cannot reach it"),
    ("nosuch://bucket/batch.837", "no reader for nosuch:// URLs"),
])
def test_a_bad_url_is_one_line(cli, served, url: str, reason: str) -> None:
    url = url.format(base=served[0])
    for command in ("scan", "remit"):
        r = cli(command, url, "--workers", "2")
        assert r.code == 2 and r.err.count("\n") == 1, r.err
        assert url in r.err and reason in r.err and r.out == ""


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_url_with_validate_is_the_local_scan(cli, served, workers: str) -> None:
    """pyx12 validates a local copy of the URL; the claims are read from the URL here."""
    base, root = served
    shutil.copy(ROOT / "fixtures" / "837p" / "mixed.837", root / "ig-mixed.837")
    local = cli("scan", root / "ig-mixed.837", "--validate", "-f", "json")
    remote = cli("scan", f"{base}/ig-mixed.837", "--validate", "-f", "json", "--workers", workers)
    assert local.code in (0, 1) and (remote.code, remote.err) == (local.code, local.err)
    assert _local(remote.out, base, root) == local.out
    assert '"rule": "X12-IG"' in local.out  # pyx12 did validate it


# -- --out-dir ----------------------------------------------------------------------

@pytest.mark.parametrize("command,name,workers", [
    ("scan", "mixed", "1"), ("scan", "twice", "2"), ("remit", "remits", "2"),
    ("remit", "remit", "1")])
def test_out_dir_parts_are_the_jsonl_report(cli, monkeypatch: pytest.MonkeyPatch,
                                            batches: dict[str, Path], tmp_path: Path,  # noqa: F811
                                            command: str, name: str, workers: str) -> None:
    monkeypatch.setenv("CLAIMKIT_CHUNK_BYTES", SMALL)
    files = (batches[name], batches["copy"]) if command == "scan" else (batches[name],)
    jsonl = cli(command, *files, "-f", "jsonl")
    summary = json.loads(cli(command, *files, "-f", "json").out)["summary"]
    r = cli(command, *files, "--out-dir", tmp_path / "out", "--workers", workers)
    assert r.code == jsonl.code and r.err == "" and "manifest" in r.out
    manifest, text = _parts(tmp_path / "out")
    assert text == jsonl.out
    assert manifest["summary"] == summary and manifest["command"] == command
    assert manifest["inputs"] == [str(f) for f in files]
    claims = [p for p in manifest["parts"] if p["kind"] == "claims"]
    assert len(claims) >= 5 and manifest["claims"] == summary["claims"]
    assert [p["name"] for p in claims] == sorted(p["name"] for p in claims)  # run order
    assert [p["file"] for p in claims] == sorted(  # file by file, each chunk by chunk
        (p["file"] for p in claims), key=manifest["inputs"].index)


def test_out_dir_parquet_holds_the_same_rows(cli, monkeypatch: pytest.MonkeyPatch,
                                             batches: dict[str, Path], tmp_path: Path) -> None:  # noqa: F811
    pq = pytest.importorskip("pyarrow.parquet")
    monkeypatch.setenv("CLAIMKIT_CHUNK_BYTES", SMALL)
    for command, name in (("scan", "mixed"), ("remit", "remit")):
        target = tmp_path / command
        r = cli(command, batches[name], "--out-dir", target, "--out-format", "parquet",
                "--workers", "2")
        assert r.code in (0, 1), r.err
        manifest, text = _parts(target)
        rows = [json.loads(line) for line in text.splitlines()]
        got = []
        for part in manifest["parts"]:
            blob = (target / part["parquet"]["name"]).read_bytes()
            assert hashlib.sha256(blob).hexdigest() == part["parquet"]["sha256"]
            got.extend(pq.read_table(target / part["parquet"]["name"]).to_pylist())
        assert len(got) == len(rows) > 0
        key = "rule" if command == "scan" else "amount"
        assert [(g["claim_id"], g["file"], g[key]) for g in got] == [
            (r["claim_id"], r["file"], r.get(key)) for r in rows]
        if command == "scan":  # typed columns: integers stay integers
            assert [g["file_line"] for g in got] == [r["file_line"] for r in rows]


def test_out_dir_refusals_are_one_line(cli, monkeypatch: pytest.MonkeyPatch,
                                       batches: dict[str, Path], tmp_path: Path) -> None:  # noqa: F811
    path = batches["copy"]
    used = tmp_path / "used"
    assert cli("scan", path, "--out-dir", used).code in (0, 1)
    before = sorted(p.name for p in used.iterdir())
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    cases = [
        (("scan", path, "--out-dir", used), "earlier run"),
        (("remit", batches["remit"], "--out-dir", other), "not empty"),
        (("scan", path, "--out-dir", tmp_path / "x", "-f", "json"), "-f/--out"),
        (("scan", path, "--out-dir", tmp_path / "x", "--out", tmp_path / "r"), "-f/--out"),
        (("scan", path, path, "--out-dir", tmp_path / "x"), "named twice"),
        (("scan", path, "--out-dir", tmp_path / "x", "--out-format", "xml"), "--out-format"),
        (("scan", path, "--out-dir", path), "is a file"),
        (("scan", path, "--out-dir", tmp_path / "no" / "x"), "does not exist"),
        (("scan", path, "--out-dir", tmp_path / "x", "--validate"), "--validate"),
    ]
    for args, reason in cases:
        r = cli(*args)
        assert r.code == 2 and r.err.count("\n") == 1 and reason in r.err, (args, r.err)
    assert sorted(p.name for p in used.iterdir()) == before  # nothing of the earlier run touched
    assert [p.name for p in other.iterdir()] == ["notes.txt"]
    assert not (tmp_path / "x").exists()
    monkeypatch.setattr(outdir, "parquet_available", lambda: False)
    r = cli("scan", path, "--out-dir", tmp_path / "x", "--out-format", "parquet")
    assert r.code == 2 and r.err.count("\n") == 1 and "pyarrow" in r.err


def test_manifest_schema_is_listed(cli) -> None:
    r = cli("schema", "manifest")
    assert r.code == 0 and json.loads(r.out)["$id"] == "urn:claimkit:schema:manifest:1"


# -- Dask: URLs read by the workers, parts written by the workers -------------------

def test_dask_reads_urls_and_writes_the_parts(cli, monkeypatch: pytest.MonkeyPatch, cluster,  # noqa: F811
                                              served, batches: dict[str, Path],  # noqa: F811
                                              tmp_path: Path) -> None:
    base, root = served
    monkeypatch.setenv("CLAIMKIT_CHUNK_BYTES", SMALL)
    for command, name in (("scan", "mixed"), ("remit", "remits")):
        local = cli(command, batches[name], "-f", "jsonl")
        url = f"{base}/{batches[name].name}"
        r = cli(command, url, "--scheduler", cluster.scheduler_address,
                "--out-dir", tmp_path / command)
        assert r.code == local.code, r.err
        manifest, text = _parts(tmp_path / command)
        assert _local(text, base, root) == local.out
        assert manifest["inputs"] == [url]


def test_a_rescanned_chunk_is_rewritten_by_the_parent(batches: dict[str, Path],  # noqa: F811
                                                      tmp_path: Path) -> None:
    """The second copy's chunks meet the first copy's patients: scanned again here, and
    their parts rewritten here, with the findings of a one-process run."""
    from edi837.scan import ScanOptions
    from edi837.scan_parallel import ParallelScanner
    from x12core.parallel import Pool

    twice = str(batches["twice"])
    sink = outdir.Sink(str(tmp_path), "scan", ("claim_id", "rule"), (twice,))
    with Pool(2) as pool:
        scanner = ParallelScanner(ScanOptions(), pool, chunk_bytes=int(SMALL), sink=sink)
        got = [(r.claim.id, r.findings) for r in scanner.scan(twice)]
    assert scanner.reruns > 0
    written = [json.loads(line) for p in scanner.parts
               for line in (tmp_path / p.name).read_text("utf-8").splitlines()]
    assert [(row["claim_id"], row["rule"]) for row in written] == [
        (claim, f.rule) for claim, findings in got for f in findings]
    shutil.rmtree(tmp_path)


def test_a_killed_dask_worker_leaves_complete_parts(cluster, batches: dict[str, Path],  # noqa: F811
                                                   tmp_path: Path) -> None:
    """A task's worker dies mid-run: Dask runs it again, its part is written once, whole;
    a temporary file a killed writer left is swept before the manifest."""
    import os

    from edi837.scan import ScanOptions
    from edi837.scan_parallel import ParallelScanner, scan_chunk
    from x12core.parallel import Pool

    marker = tmp_path / "killed"
    parts_dir = tmp_path / "parts"
    parts_dir.mkdir()

    def dies_once(options: ScanOptions, chunk):  # type: ignore[no-untyped-def]
        if chunk.number == 2 and not marker.exists():
            marker.touch()
            (parts_dir / ".part-00000-00002.jsonl.x1y2.tmp").write_text("half a part")
            os._exit(1)
        return scan_chunk(options, chunk)

    mixed = str(batches["mixed"])
    sink = outdir.Sink(str(parts_dir), "scan", ("claim_id",), (mixed,))
    with Pool(1) as one:
        expected = [r.claim.id for r in ParallelScanner(ScanOptions(), one).scan(mixed)]
    with Pool(scheduler=cluster.scheduler_address) as pool:
        scanner = ParallelScanner(ScanOptions(), pool, chunk_bytes=int(SMALL), task=dies_once,
                                  sink=sink)
        got = [r.claim.id for r in scanner.scan(mixed)]
    assert marker.exists() and got == expected
    outdir.write_manifest(sink, scanner.parts, {}, {}, "jsonl")
    names = [p.name for p in scanner.parts]
    assert len(names) == len(set(names)) and sorted(p.name for p in parts_dir.iterdir()) == \
        sorted([*names, outdir.MANIFEST])
    assert sum(p.claims for p in scanner.parts) == len(expected)
