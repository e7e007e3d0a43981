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
* the ``str.split`` floor: reading the file and splitting segments and elements, nothing
  else (issue 14's yardstick for a faster single core),

and prints the ratios, plus the peak RSS of a child process that scans the file
(interpreter and imports included), for 20,000 and optionally 200,000 claims.
"""

from __future__ import annotations

import argparse
import os
import resource
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


def split_floor(path: Path) -> int:
    """The plain-Python floor: read the file and split it into segments and elements
    with ``str.split`` (the ISA's own separators), nothing else. Issue 14's yardstick."""
    with open(path, "rb") as handle:
        text = handle.read().decode("latin-1")
    element, segment = text[3], text[105]
    return sum(len(s.split(element)) for s in text.split(segment))


def run(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU (user + sys) seconds of a child process.

    Bytecode caching is left on (a pip install compiles .pyc files; the sandbox's
    PYTHONDONTWRITEBYTECODE would make every run recompile every module).
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT,
                   check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def best_run(cmd: list[str], repeat: int) -> tuple[float, float]:
    runs = [run(cmd) for _ in range(repeat)]
    return min(w for w, _ in runs), min(c for _, c in runs)


def claimkit_cmd() -> list[str]:
    exe = shutil.which("claimkit", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-c", "from cli.app import main; main()"]


def x12valid_cmd() -> list[str]:
    exe = shutil.which("x12valid", path=str(Path(sys.executable).parent)) or "x12valid"
    return [exe]


def pyx12_version() -> str:
    import pyx12

    return pyx12.__version__


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
    scan = [*claimkit_cmd(), "scan", str(path)]
    text = best_run([*scan, "--out", str(report.with_suffix(".txt"))], args.repeat)
    js = best_run([*scan, "-f", "json", "--out", str(report)], args.repeat)
    floor = best_of(lambda: split_floor(path), args.repeat)
    pyx12 = run([*x12valid_cmd(), str(path)])
    rows = [("claimkit scan: library call, all rules", lib, None),
            ("claimkit scan FILE (CLI, text report)", *text),
            ("claimkit scan FILE -f json (CLI)", *js),
            (f"x12valid FILE (pyx12 {pyx12_version()})", *pyx12)]
    for label, seconds, cpu in rows:
        extra = f"{cpu:6.2f} s CPU" if cpu is not None else \
            f"{args.claims / seconds:,.0f} claims/s, {findings:,} findings"
        print(f"{label:<42}: {seconds:6.2f} s wall  {extra}")
    print(f"{'x12valid / claimkit scan':<42}: {pyx12[0] / text[0]:6.1f}x CLI text (wall), "
          f"{pyx12[0] / js[0]:.1f}x CLI json (wall), {pyx12[1] / js[1]:.1f}x CLI json (CPU), "
          f"{pyx12[0] / lib:.1f}x library (wall)")
    print(f"{'str.split floor (read + split only)':<42}: {floor:6.2f} s wall; library scan "
          f"= {lib / floor:.1f}x the floor, CLI text = {text[0] / floor:.1f}x")

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
