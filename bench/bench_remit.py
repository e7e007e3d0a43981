"""Remit benchmark: `claimkit remit` vs oxedi, pyx12 `x12valid` and a plain split, same run.

    python bench/bench_remit.py                     # 20,000-claim 835, memory at 20k and 200k
    python bench/bench_remit.py --rounds 5 --no-memory         # the figures in the README
    python bench/bench_remit.py --claims 2000 --no-memory      # quick look
    python bench/bench_remit.py --file my.835 --no-memory      # any 835 you have

Timed on the same file in the same run:

- split:    read the file, ``data.split(terminator)`` then ``.split(element)`` per segment:
            the floor for any Python reader.
- pipeline: ``claimkit remit``'s work: stream + envelope + parse + balance + root causes
            (remit835.parse.read_remits + remit835.outcome.assess), no rendering.
- command:  the same plus rendering the text view (the default) or the full JSON report
            (to /dev/null), in process.
- oxedi:    ``oxedi.parse_file`` (a Rust 835 parser: segments, loops, typed tables and
            diagnostics), when installed (``pip install oxedi``; optional, never a
            dependency of claimkit). Skipped with a note when it is not installed.
- x12valid: pyx12's validator on the file (a subprocess, run once; it parses every
            segment against the 835 map).

Each step runs once per round, rounds interleaved; the best wall time of each is shown,
and the best CPU time of the process (less disturbed by other jobs on a shared machine).
Targets (issue 4): pipeline at least 5x faster than x12valid and within 5x of split.
Target (issue 14): `claimkit remit` within 4x of oxedi's time.
Where the time goes: bench/profile_remit.py.
Memory: peak RSS (VmHWM) of a fresh process running the pipeline on 20,000 and 200,000 claims;
flat memory means the two peaks are about the same although the file is 10x larger.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/bench_remit.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import child_peak_rss, file_mib, generated


def plain_split(path: str) -> int:
    with open(path, encoding="latin-1") as handle:
        data = handle.read()
    element, terminator = data[3], data[105]
    return len([seg.split(element) for seg in data.split(terminator)])


def pipeline(path: str) -> int:
    from remit835.causes import default_map
    from remit835.outcome import assess
    from remit835.parse import read_remits

    causes = default_map()
    claims = 0
    for stream in read_remits(path):
        for claim in stream:
            assess(claim, causes)
            claims += 1
        stream.finish()
    return claims


def command(path: str, fmt: str = "json") -> None:
    from remit835.causes import default_map
    from remit835.report import remit_report
    from x12core.render import render

    report, _ = remit_report([path], default_map())
    with open(os.devnull, "w", encoding="utf-8") as out:
        render(report, fmt, out)


def oxedi_parse(path: str) -> int:
    import oxedi  # optional: see has_oxedi()

    return int(oxedi.parse_file(path).count_claims())


def has_oxedi() -> bool:
    try:
        import oxedi  # noqa: F401
    except ImportError:
        return False
    return True


def x12valid_command() -> str | None:
    """pyx12's x12valid: on PATH, or next to this interpreter (a venv not activated)."""
    found = shutil.which("x12valid")
    if found:
        return found
    beside = Path(sys.executable).with_name("x12valid")
    return str(beside) if beside.exists() else None


def x12valid(path: str, command: str = "x12valid") -> tuple[float, float]:
    """Wall and CPU seconds of one x12valid run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # x12valid exits 1 even when the file is valid; only the time matters here.
    subprocess.run([command, path], capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--big", type=int, default=200_000, help="claims for the memory check")
    parser.add_argument("--file", type=Path, help="benchmark this 835 instead of a generated one")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved timing rounds")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--no-pyx12", action="store_true", help="skip x12valid (slow)")
    args = parser.parse_args()

    path = str(args.file or generated("835", args.claims))
    claims = pipeline(path)  # warm caches (file, imports, cause map)
    segments = plain_split(path)
    # Interleaved rounds, best of each: load from other jobs hits every step alike.
    steps: dict[str, Callable[[], object]] = {
        "split": lambda: plain_split(path), "pipeline": lambda: pipeline(path),
        "text": lambda: command(path, "text"), "json": lambda: command(path)}
    oxedi_claims = None
    if has_oxedi():
        oxedi_claims = oxedi_parse(path)  # warm: the extension module
        steps["oxedi"] = lambda: oxedi_parse(path)
    wall = {name: float("inf") for name in steps}
    cpu = dict(wall)
    for _ in range(args.rounds):
        for name, step in steps.items():
            w, c = timed(step)
            wall[name], cpu[name] = min(wall[name], w), min(cpu[name], c)
    print(f"file: {Path(path).name}  {file_mib(Path(path)):.1f} MiB  {claims:,} claims  "
          f"{segments:,} segments  (best of {args.rounds}: wall, CPU)")

    def line(label: str, name: str, ratios: str = "") -> None:
        print(f"{label:<23}: {wall[name]:7.3f} s  cpu {cpu[name]:7.3f} s{ratios}")

    def vs(name: str, base: str) -> str:
        return f"{wall[name] / wall[base]:.1f}x {base} (cpu {cpu[name] / cpu[base]:.1f}x)"

    line("plain split", "split")
    if "oxedi" in steps:
        line("oxedi parse_file", "oxedi", f"  ({vs('oxedi', 'split')}; "
             f"{oxedi_claims:,} claims)")
    for label, name in (("remit pipeline", "pipeline"), ("remit + text report", "text"),
                        ("remit + JSON report", "json")):
        ratios = f"  ({vs(name, 'split')}" + (f", {vs(name, 'oxedi')}" if "oxedi" in steps
                                              else "") + ")"
        line(label, name, ratios)
    if "oxedi" not in steps:
        print("oxedi                  : not installed (pip install oxedi), not compared")
    validator = None if args.no_pyx12 else x12valid_command()
    if not args.no_pyx12 and validator is None:
        print("pyx12 x12valid         : not installed, not compared")
    if validator:
        t_pyx12, c_pyx12 = x12valid(path, validator)
        print(f"pyx12 x12valid         : {t_pyx12:7.3f} s  cpu {c_pyx12:7.3f} s  (pipeline "
              f"{t_pyx12 / wall['pipeline']:.1f}x faster, with JSON report "
              f"{t_pyx12 / wall['json']:.1f}x; cpu {c_pyx12 / cpu['pipeline']:.1f}x and "
              f"{c_pyx12 / cpu['json']:.1f}x)")
    if args.no_memory or args.file:
        return
    base = child_peak_rss("import remit835.outcome, remit835.parse, remit835.causes\n"
                          "remit835.causes.default_map()")
    code = "from bench.bench_remit import pipeline\npipeline(sys.argv[1])"
    for n in (args.claims, args.big):
        p = generated("835", n)
        m = child_peak_rss(code, str(p))
        print(f"peak RSS, {n:>7,} claims ({file_mib(p):6.1f} MiB): {m['rss_mib']:6.1f} MiB "
              f"in {m['seconds']:.1f} s (interpreter + imports alone {base['rss_mib']:.1f} MiB)")


if __name__ == "__main__":
    main()
