"""Watch-folder throughput: files/min and claims/s through ``claimkit watch --once``.

    python -m bench.bench_watch                       # 100 files of 2,000 claims
    python -m bench.bench_watch --files 10 --claims 500 --acks   # quick look, with 999/277CA

The files are one generated 837P batch with a different ISA13 each (so no file is a
duplicate of another). The baseline, in the same run, is ``run_split`` called
in-process on the same number of files with the same outputs (what a shell loop
around ``claimkit split`` does, minus its per-file interpreter start): the ratio is
the price of the journal, the hashing, the staging renames and the archive move.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, generated


def _copies(source: Path, folder: Path, n: int) -> list[Path]:
    data = source.read_bytes()
    head, rest = data[:90], data[90:]  # ISA13 is bytes 90..98 of the fixed-width ISA
    paths = []
    for k in range(n):
        path = folder / f"batch{k:04d}.837"
        path.write_bytes(head + f"{k + 1:09d}".encode() + rest[9:])
        paths.append(path)
    return paths


def _baseline(files: list[Path], out: Path, acks: bool) -> float:
    sys.path.insert(0, str(ROOT))
    from edi837.scan import ScanOptions
    from edi837.split_run import SplitTargets, run_split

    start = time.perf_counter()
    for f in files:
        run_split(f, SplitTargets(out / f"{f.stem}.c", out / f"{f.stem}.h",
                                  out / f"{f.stem}.json",
                                  out / f"{f.stem}.999" if acks else None,
                                  out / f"{f.stem}.277" if acks else None),
                  ScanOptions(), force=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--claims", type=int, default=2_000)
    parser.add_argument("--acks", action="store_true", help="Also write 999 and 277CA.")
    args = parser.parse_args()
    source = generated("837", args.claims)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        inbox = base / "in"
        inbox.mkdir()
        files = _copies(source, inbox, args.files)
        old = time.time() - 60
        for f in files:
            os.utime(f, (old, old))
        (base / "plain").mkdir()
        plain = _baseline(files, base / "plain", args.acks)
        cmd = [sys.executable, "-c", "from cli.app import main; main()", "watch", str(inbox),
               "--clean", str(base / "out"), "--held", str(base / "held"),
               "--state-dir", str(base / "state"), "--settle", "0.1", "--once",
               "--log", str(base / "watch.log")]
        if args.acks:
            cmd += ["--acks", str(base / "acks")]
        start = time.perf_counter()
        run = subprocess.run(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                             capture_output=True, text=True)
        watched = time.perf_counter() - start
        if run.returncode not in (0, 1):
            raise SystemExit(f"watch failed ({run.returncode}): {run.stderr}")
        archived = list((inbox / "archive").rglob("*.837"))
        assert len(archived) == args.files, f"{len(archived)} of {args.files} archived"
    claims = args.files * args.claims
    print(f"{args.files} files x {args.claims:,} claims ({claims:,} claims), acks "
          f"{'on' if args.acks else 'off'}")
    print(f"{'':22} {'seconds':>8} {'files/min':>10} {'claims/s':>9}")
    for name, secs in (("run_split loop", plain), ("claimkit watch --once", watched)):
        print(f"{name:22} {secs:>8.1f} {args.files / secs * 60:>10.0f} {claims / secs:>9.0f}")
    print(f"watch / plain split loop: {watched / plain:.2f}x the time "
          "(includes one interpreter start)")


if __name__ == "__main__":
    main()
