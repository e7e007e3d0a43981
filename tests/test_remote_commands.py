"""Issue 14: ``split``, ``validate``, ``audit`` and ``reconcile`` read inputs named by URL.

The batches of tests/test_workers.py are served by a local HTTP server with byte ranges
(tests/http_fixture.py). A URL run must give what the run on the local file gives, byte
for byte, with one process and with two workers (cut into small chunks), the ``file``
fields naming the URL instead of the path; outputs stay local and never overwrite an
input (a ``file://`` URL included); a bad URL is one line and exit 2.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from fixtures import generate
from tests.http_fixture import serve
from tests.test_workers import SMALL, _timeless, batches, cluster  # noqa: F401 (fixtures)
from x12core import remote
from x12core.errors import InputError

COMMANDS = ("split", "validate", "reconcile", "audit")


@pytest.fixture(scope="module")
def served(batches: dict[str, Path]):  # type: ignore[no-untyped-def]  # noqa: F811
    """(base URL, served directory): the generated batches over HTTP, and a small one
    (pyx12 is slow: validate reads it and the 100 claims of pipes.837)."""
    root = batches["giant"].parent
    generate.write_837(root / "small.837", claims=12, seed=11)
    with serve(root) as base:
        yield base, root


def _args(command: str, where: str, batches: dict[str, Path], out: Path) -> list[str]:  # noqa: F811
    """The command line of ``command`` over inputs under ``where`` (a directory or a base
    URL), writing its files into ``out``."""
    claims, remits = (f"{where}/{batches[n].name}" for n in ("mixed", "remit"))
    if command == "split":  # one transaction set, cut at 2000A/2000B loops
        return ["split", f"{where}/{batches['giant'].name}", "--clean", str(out / "clean.837"), "--held",
                str(out / "held.837"), "--report", str(out / "report.json"),
                "--claim-ack", str(out / "batch.277"), "-f", "json"]
    if command == "validate":
        pipes = f"{where}/{batches['pipes'].name}"
        return ["validate", pipes, f"{where}/small.837", "--ack", str(out), "-f", "json"]
    if command == "reconcile":
        return ["reconcile", "--claims", claims, "--remits", remits, "-f", "json"]
    return ["audit", claims, remits, "-f", "json"]  # sorted by their ST01, as --claims/--remits


def _files(out: Path) -> dict[str, str]:
    """What a run wrote, made comparable: a 277CA is stamped with the time it was made, a
    999 with the time and pyx12's control numbers (its body is compared, ST to SE)."""
    found = {}
    for path in sorted(out.iterdir()):
        text = path.read_text("latin-1")
        if path.suffix == ".999":
            text = text[text.index("ST*"):text.index("GE*")]
        found[path.name] = _timeless(text)
    return found


@pytest.mark.parametrize("command", COMMANDS)
def test_a_url_run_is_the_local_run(cli, monkeypatch: pytest.MonkeyPatch, served,
                                    batches: dict[str, Path], tmp_path: Path,  # noqa: F811
                                    command: str) -> None:
    base, root = served
    local_out = tmp_path / "local"
    local_out.mkdir()
    local = cli(*_args(command, str(root), batches, local_out))
    assert local.code in (0, 1), local.err
    expected = _files(local_out)
    if command in ("split", "validate"):
        assert len(expected) == (4 if command == "split" else 2)
    monkeypatch.setenv("CLAIMKIT_CHUNK_BYTES", SMALL)  # many chunks, in one process too
    for workers in ("1", "2"):
        out = tmp_path / f"url-{workers}"
        out.mkdir()
        got = cli(*_args(command, base, batches, out), "--workers", workers)
        shown = got.out.replace(f"{base}/", f"{root}/").replace(str(out), str(local_out))
        assert (got.code, shown, got.err) == (local.code, local.out, local.err), workers
        files = _files(out)
        if "report.json" in files:  # the held claims' findings name the URL
            assert f'"file": "{base}/' in files["report.json"]
            files["report.json"] = files["report.json"].replace(f"{base}/", f"{root}/")
        assert files == expected, workers
    if command in ("validate", "reconcile"):  # the report names the URL
        assert f"{base}/{batches['pipes' if command == 'validate' else 'mixed'].name}" in got.out


@pytest.mark.parametrize("command", COMMANDS)
def test_a_server_without_byte_ranges_serves_the_same_run(cli, served,
                                                          batches: dict[str, Path],  # noqa: F811
                                                          tmp_path: Path, command: str) -> None:
    """A plain web server answers every GET with the whole file. A file within one read
    block is read whole by every pass (none may seek into it): the local file's run."""
    _, root = served
    local_out, url_out = tmp_path / "local", tmp_path / "url"
    local_out.mkdir()
    url_out.mkdir()
    local = cli(*_args(command, str(root), batches, local_out))
    with serve(root, ranges=False) as base:
        got = cli(*_args(command, base, batches, url_out))
    shown = got.out.replace(f"{base}/", f"{root}/").replace(str(url_out), str(local_out))
    assert (got.code, shown, got.err) == (local.code, local.out, local.err)
    files = _files(url_out)
    if "report.json" in files:
        files["report.json"] = files["report.json"].replace(f"{base}/", f"{root}/")
    assert files == _files(local_out)


def test_a_large_file_without_byte_ranges_is_one_line(cli, monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    """Past its first block a URL is read by byte ranges; a server that ignores them is
    named as the reason, in one line (exit 2): by the chunked read of the scan and by a
    stream read past its first block."""
    generate.write_837(tmp_path / "big.837", claims=3000, seed=3)  # 1.5 MB
    monkeypatch.setenv("CLAIMKIT_CHUNK_BYTES", "200000")  # the scan cuts it in chunks
    with serve(tmp_path, ranges=False) as base:
        url = f"{base}/big.837"
        r = cli("scan", url)
        assert r.code == 2 and r.err.count("\n") == 1, r.err
        assert "does not answer byte-range requests" in r.err and url in r.err
        with (remote.open_binary(url, block_size=1 << 16) as stream,
              pytest.raises(InputError, match="does not answer byte-range requests")):
            while stream.read(1 << 16):
                pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.837"]  # nothing written


def test_file_urls_are_never_overwritten(cli, batches: dict[str, Path],  # noqa: F811
                                         tmp_path: Path) -> None:
    path = batches["giant"]
    before = path.read_bytes()
    url = path.as_uri()
    claims, remits = url, batches["remit"].as_uri()
    cases = [
        ("split", url, "--clean", path, "--held", tmp_path / "h.837"),
        ("split", url, "--clean", tmp_path / "c.837", "--held", tmp_path / "h.837",
         "--report", path),
        ("split", url, "--clean", tmp_path / "c.837", "--held", tmp_path / "h.837",
         "--claim-ack", path),
        ("validate", url, "--out", path),
        ("validate", url, "--ack", path),
        ("reconcile", "--claims", claims, "--remits", remits, "--out", path),
        ("audit", "--claims", claims, "--remits", remits, "--out", batches["remit"]),
    ]
    for args in cases:
        r = cli(*args)
        assert r.code == 2 and r.err.count("\n") == 1, (args, r.err)
        assert "never overwrites its input" in r.err, (args, r.err)
    assert path.read_bytes() == before and not list(tmp_path.iterdir())
    r = cli("split", url, "--clean", tmp_path / "c.837", "--held", tmp_path / "h.837")
    assert r.code == 1 and (tmp_path / "c.837").exists() and r.out.startswith(f"{url}: ")


@pytest.mark.parametrize("url,reason", [
    ("{base}/missing.837", "no such file"),
    ("http://127.0.0.1:9/batch.837", "cannot reach it"),
    ("nosuch://bucket/batch.837", "no reader for nosuch:// URLs"),
])
def test_a_bad_url_is_one_line(cli, served, batches: dict[str, Path], tmp_path: Path,  # noqa: F811
                               url: str, reason: str) -> None:
    url = url.format(base=served[0])
    good_837, good_835 = (f"{served[0]}/{batches[n].name}" for n in ("giant", "remit"))
    runs = [
        ("split", url, "--clean", tmp_path / "c.837", "--held", tmp_path / "h.837"),
        ("validate", good_837, url),
        ("reconcile", "--claims", url, "--remits", good_835),
        ("reconcile", "--claims", good_837, "--remits", url),
        ("audit", "--claims", url),
        ("audit", "--claims", good_837, "--remits", url),
        ("audit", good_837, url),  # sorted by ST01: read before anything else
    ]
    for args in runs:
        for workers in ("1", "2"):
            r = cli(*args, "--workers", workers)
            assert r.code == 2 and r.err.count("\n") == 1, (args, r.err)
            assert url in r.err and reason in r.err and r.out == "", (args, r.err)
    assert not list(tmp_path.iterdir())


def test_dask_reconciles_urls(cli, monkeypatch: pytest.MonkeyPatch, cluster, served,  # noqa: F811
                              batches: dict[str, Path]) -> None:  # noqa: F811
    """The 837's chunks are fetched by the Dask workers, by byte range."""
    base, root = served
    monkeypatch.setenv("CLAIMKIT_CHUNK_BYTES", SMALL)
    args = ["reconcile", "--claims", "{}/mixed.837", "--remits", "{}/remit.835", "-f", "jsonl"]
    local = cli(*(a.format(root) for a in args))
    dask = cli(*(a.format(base) for a in args), "--scheduler", cluster.scheduler_address)
    assert local.code in (0, 1) and local.out
    assert (dask.code, dask.out.replace(f"{base}/", f"{root}/")) == (local.code, local.out)


# -- x12core.remote helpers the commands use ---------------------------------------

def test_a_read_that_fails_midway_is_one_input_error() -> None:
    class Broken(io.RawIOBase):
        def read(self, n: int = -1) -> bytes:
            raise ConnectionResetError(104, "Connection reset by peer")

        def seek(self, offset: int, whence: int = 0) -> int:
            raise TimeoutError("timed out")

    stream = remote._Guarded("https://files.example.net/b.837", Broken())
    for call in (lambda: stream.read(10), lambda: stream.seek(5)):
        with pytest.raises(InputError, match=r"^https://files\.example\.net/b\.837: cannot"):
            call()
    stream.close()
    assert stream.closed


def test_modified_and_basename(served, batches: dict[str, Path]) -> None:  # noqa: F811
    base, _ = served
    path = batches["giant"]
    assert int(remote.modified(f"{base}/{path.name}") or 0) == int(path.stat().st_mtime)
    assert remote.modified(path.as_uri()) == remote.modified(path) == path.stat().st_mtime
    assert remote._timestamp("2026-12-03T10:00:00Z") == remote._timestamp(
        "Thu, 03 Dec 2026 10:00:00 GMT") == 1796292000.0
    assert remote._timestamp(None) is None and remote._timestamp("soon") is None
    assert remote.basename("https://h.example/era/week49.835?sig=x") == "week49.835"
    assert remote.basename("s3://bucket/") == "bucket" and remote.basename("a/b.837") == "b.837"
    with pytest.raises(InputError, match="no such file"):
        remote.modified(f"{base}/missing.837")


def test_help_says_urls(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    said = {"split": "or a URL fsspec reads", "validate": "or URLs fsspec reads",
            "reconcile": "835 remittance file, a path or URL",
            "audit": "837P claim batch, a path or URL"}
    for command, words in said.items():
        r = cli(command, "--help")
        assert r.code == 0 and words in " ".join(r.out.split()), command
