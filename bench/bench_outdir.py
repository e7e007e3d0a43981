"""URL inputs and ``--out-dir`` against the local ``-f jsonl`` run, same file, same round.

    python bench/bench_outdir.py                      # 20,000 claims, --workers 2
    python bench/bench_outdir.py --claims 100000 --rounds 2

For ``claimkit scan`` and ``claimkit remit`` three runs alternate in fresh processes:

* ``local``: ``FILE -f jsonl --out rows.jsonl`` (the baseline);
* ``url``: the same with the file served by a local HTTP server with byte ranges
  (tests/http_fixture.py: fsspec's HTTP file system, 127.0.0.1 only);
* ``out-dir``: ``FILE --out-dir DIR`` (parts written by the workers, manifest last).

The best wall time of each is printed as a ratio to ``local``; the URL run's rows and the
out-dir parts (concatenated in manifest order) are checked equal to the baseline's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import file_mib, generated, run_cli
from tests.http_fixture import serve


def _parts(directory: Path) -> bytes:
    manifest = json.loads((directory / "manifest.json").read_text("utf-8"))
    return b"".join((directory / p["name"]).read_bytes() for p in manifest["parts"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", default="2")
    opts = parser.parse_args()
    for command, kind in (("scan", "837"), ("remit", "835")):
        path = generated(kind, opts.claims)
        best: dict[str, float] = {}
        with tempfile.TemporaryDirectory() as tmp, serve(path.parent) as base:
            work = Path(tmp)
            url = f"{base}/{path.name}"
            for _ in range(opts.rounds):
                runs = {
                    "local": (str(path), "-f", "jsonl", "--out", str(work / "local.jsonl")),
                    "url": (url, "-f", "jsonl", "--out", str(work / "url.jsonl")),
                    "out-dir": (str(path), "--out-dir", str(work / "parts")),
                }
                for name, args in runs.items():
                    shutil.rmtree(work / "parts", ignore_errors=True)
                    took = run_cli(command, *args, "--workers", opts.workers)[0]
                    best[name] = min(best.get(name, took), took)
            local = (work / "local.jsonl").read_bytes()
            same_url = (work / "url.jsonl").read_bytes().replace(
                f"{base}/".encode(), f"{path.parent}/".encode()) == local
            same_parts = _parts(work / "parts") == local
        print(f"{command} {path.name} ({file_mib(path):.1f} MiB), --workers {opts.workers}, "
              f"best of {opts.rounds}:")
        for name, took in best.items():
            print(f"  {name:8s} {took:7.2f} s  {took / best['local']:.2f}x local")
        print(f"  url rows identical: {same_url}; out-dir parts identical: {same_parts}")
        if not (same_url and same_parts):
            raise SystemExit("outputs differ")


if __name__ == "__main__":
    os.environ.pop("CLAIMKIT_CHUNK_BYTES", None)
    main()
