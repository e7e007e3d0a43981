"""Scan benchmark: `claimkit scan` (all rules) vs pyx12 `x12valid`, same file, same run.

    python bench/bench_scan.py                    # 20,000 claims: speed + peak memory
    python bench/bench_scan.py --big 200000       # also the memory-flatness check
    python bench/bench_scan.py --claims 2000      # quick look

Generates (and caches under bench/out/) a synthetic 837P batch with the fixture
generator, then measures, on that one file:

* the library call (``edi837.scan.scan_file``, every rule, results consumed),
* the CLI as a user runs it (``claimkit scan FILE -f json``, a fresh process, JSON
  written to a file: imports, reading, rules and rendering included),
* pyx12's ``x12valid`` on the same file (a fresh process; it exits 1 even on success),

and prints the ratios, plus the peak RSS of a child process that scans the file
(interpreter and imports included), for 20,000 and optionally 200,000 claims.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT, ROOT, best_of, child_peak_rss, file_mib, generated

SCAN_CODE = ("from edi837.scan import scan_file\n"
             "n = sum(1 for _ in scan_file(sys.argv[1]))")


def scan_library(path: Path) -> int:
    from edi837.scan import scan_file

    return sum(len(r.findings) for r in scan_file(path))


def wall(cmd: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT,
                   check=False)
    return time.perf_counter() - start


def claimkit_cmd() -> list[str]:
    exe = shutil.which("claimkit", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-c", "from cli.app import main; main()"]


def x12valid_cmd() -> list[str]:
    exe = shutil.which("x12valid", path=str(Path(sys.executable).parent)) or "x12valid"
    return [exe]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--big", type=int, default=0,
                        help="also measure peak memory on a batch this large (e.g. 200000)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    path = generated("837", args.claims)
    report = OUT / f"scan-{args.claims}.json"
    print(f"file: {path.name}  {file_mib(path):.1f} MiB  {args.claims:,} claims")

    findings = scan_library(path)
    lib = best_of(lambda: scan_library(path), args.repeat)
    cli = min(wall([*claimkit_cmd(), "scan", str(path), "-f", "json", "--out", str(report)])
              for _ in range(args.repeat))
    pyx12 = wall([*x12valid_cmd(), str(path)])
    print(f"claimkit scan (library, all rules) : {lib:7.2f} s  ({args.claims / lib:,.0f} "
          f"claims/s, {findings:,} findings)")
    print(f"claimkit scan (CLI, -f json)       : {cli:7.2f} s")
    print(f"pyx12 x12valid                     : {pyx12:7.2f} s")
    print(f"ratio x12valid / scan              : {pyx12 / lib:7.1f}x library, "
          f"{pyx12 / cli:.1f}x CLI")

    base = child_peak_rss("import edi837.scan, edi837.rules")
    sizes = [args.claims] + ([args.big] if args.big else [])
    for claims in sizes:
        p = generated("837", claims)
        m = child_peak_rss(SCAN_CODE, str(p))
        print(f"peak RSS scanning {claims:>7,} claims ({file_mib(p):6.1f} MiB): "
              f"{m['rss_mib']:6.1f} MiB in {m['seconds']:.1f} s "
              f"(interpreter + imports alone {base['rss_mib']:.1f} MiB)")


if __name__ == "__main__":
    main()
