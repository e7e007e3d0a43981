"""Remit benchmark: `claimkit remit` vs pyx12 `x12valid` vs a plain Python split, same run.

    python bench/bench_remit.py                     # 20,000-claim 835, memory at 20k and 200k
    python bench/bench_remit.py --claims 2000 --no-memory      # quick look
    python bench/bench_remit.py --file my.835 --no-memory      # any 835 you have

Timed on the same file in the same run:

- split:    read the file, ``data.split(terminator)`` then ``.split(element)`` per segment:
            the floor for any Python reader.
- pipeline: ``claimkit remit``'s work: stream + envelope + parse + balance + root causes
            (remit835.parse.read_remits + remit835.outcome.assess), no rendering.
- command:  the same plus rendering the text view (the default) or the full JSON report
            (to /dev/null), in process.
- x12valid: pyx12's validator on the file (a subprocess, run once; it parses every
            segment against the 835 map).

Each step runs once per round, rounds interleaved; the best time of each is shown.
Targets (issue 4): pipeline at least 5x faster than x12valid and within 5x of split.
Memory: peak RSS (VmHWM) of a fresh process running the pipeline on 20,000 and 200,000 claims;
flat memory means the two peaks are about the same although the file is 10x larger.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/bench_remit.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import best_of, child_peak_rss, file_mib, generated


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


def x12valid(path: str) -> float:
    start = time.perf_counter()
    # x12valid exits 1 even when the file is valid; only the time matters here.
    subprocess.run(["x12valid", path], capture_output=True, check=False)
    return time.perf_counter() - start


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
    steps = {"split": lambda: plain_split(path), "pipeline": lambda: pipeline(path),
             "text": lambda: command(path, "text"), "json": lambda: command(path)}
    best = {name: float("inf") for name in steps}
    for _ in range(args.rounds):
        for name, step in steps.items():
            best[name] = min(best[name], best_of(step, 1))
    t_split, t_pipe, t_text, t_cmd = best["split"], best["pipeline"], best["text"], best["json"]
    print(f"file: {Path(path).name}  {file_mib(Path(path)):.1f} MiB  {claims:,} claims  "
          f"{segments:,} segments")
    print(f"plain split            : {t_split:7.3f} s")
    print(f"remit pipeline         : {t_pipe:7.3f} s  ({t_pipe / t_split:.1f}x split)")
    print(f"remit + text report    : {t_text:7.3f} s  ({t_text / t_split:.1f}x split)")
    print(f"remit + JSON report    : {t_cmd:7.3f} s  ({t_cmd / t_split:.1f}x split)")
    if not args.no_pyx12:
        t_pyx12 = x12valid(path)
        print(f"pyx12 x12valid         : {t_pyx12:7.3f} s  (pipeline {t_pyx12 / t_pipe:.1f}x "
              f"faster, with JSON report {t_pyx12 / t_cmd:.1f}x)")
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
