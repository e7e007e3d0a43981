"""Profile `claimkit remit` (cProfile) on the benchmark 835: where does the time go?

    python bench/profile_remit.py                    # pipeline on the 20,000-claim 835
    python bench/profile_remit.py --step text        # the command with the text view
    python bench/profile_remit.py --step json --top 40 --sort cumtime
    python bench/profile_remit.py --file my.835 --out remit.prof   # keep the raw profile

Steps (the same as bench/bench_remit.py):

- pipeline: stream + envelope + parse + balance + root causes, no rendering.
- text:     the whole command with the text view (the default), to /dev/null.
- json:     the whole command with the full JSON report, to /dev/null.

Prints the top functions by own time (tottime) and by cumulative time (cumtime).
cProfile roughly doubles the run time and weighs many small calls more than few big
ones: use it to find hot spots, and bench/bench_remit.py to measure.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/profile_remit.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_remit import command, pipeline
from bench.common import generated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--file", type=Path, help="profile this 835 instead of a generated one")
    parser.add_argument("--step", choices=("pipeline", "text", "json"), default="pipeline")
    parser.add_argument("--top", type=int, default=25, help="rows per table")
    parser.add_argument("--sort", choices=("both", "tottime", "cumtime"), default="both")
    parser.add_argument("--out", type=Path, help="also write the raw profile (pstats) here")
    args = parser.parse_args()

    path = str(args.file or generated("835", args.claims))
    pipeline(path)  # warm: imports, the cause map, the file in the page cache
    run = (lambda: pipeline(path)) if args.step == "pipeline" else \
        (lambda: command(path, args.step))
    profiler = cProfile.Profile()
    profiler.runcall(run)
    if args.out:
        profiler.dump_stats(str(args.out))
    stats = pstats.Stats(profiler, stream=sys.stdout).strip_dirs()
    print(f"{args.step} on {Path(path).name}")
    for key in (("tottime", "cumtime") if args.sort == "both" else (args.sort,)):
        print(f"\n== top {args.top} by {key} ==")
        stats.sort_stats(key).print_stats(args.top)


if __name__ == "__main__":
    main()
