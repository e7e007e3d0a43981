"""Where the scan spends its time: cProfile of the library scan of the benchmark batch.

    python bench/profile_scan.py                      # 20,000 claims, top 30 by tottime/cumtime
    python bench/profile_scan.py --top 50 --claims 5000
    python bench/profile_scan.py --stage engine       # reader | claims | engine (= scan_file)
    python bench/profile_scan.py --py-spy             # + a py-spy flame graph (pip install py-spy)

``--stage`` narrows the run: ``reader`` iterates the segments only, ``claims`` also
builds the claims (envelope + :func:`edi837.parse.iter_claims`), ``engine`` is the whole
library scan (:func:`edi837.scan.scan_file`). Without cProfile the stages' CPU seconds
are printed first, so the engine's share is the difference.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/profile_scan.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, generated


def _reader(path: str) -> int:
    from x12core.reader import SegmentReader

    return sum(1 for _ in SegmentReader(path))


def _claims(path: str) -> int:
    from edi837.parse import read_claims

    return sum(1 for _ in read_claims(path))


def _engine(path: str) -> int:
    from edi837.scan import scan_file

    return sum(len(r.findings) for r in scan_file(path))


STAGES = {"reader": _reader, "claims": _claims, "engine": _engine}


def stage_times(path: str) -> dict[str, float]:
    """CPU seconds of each stage (best of two), in this process."""
    out = {}
    for name, fn in STAGES.items():
        best = float("inf")
        for _ in range(2):
            start = time.process_time()
            fn(path)
            best = min(best, time.process_time() - start)
        out[name] = best
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--stage", choices=sorted(STAGES), default="engine")
    parser.add_argument("--no-stages", action="store_true", help="skip the stage timings")
    parser.add_argument("--py-spy", action="store_true",
                        help="also run py-spy (pip install py-spy) and save a flame graph")
    args = parser.parse_args()
    path = str(generated("837", args.claims))
    if not args.no_stages:
        times = stage_times(path)
        print("CPU seconds: " + ", ".join(f"{k} {v:.2f}" for k, v in times.items())
              + f"; rules alone ~{times['engine'] - times['claims']:.2f}")
    fn = STAGES[args.stage]
    fn(path)  # warm the caches (tables, profiles) so the profile shows the steady state
    profile = cProfile.Profile()
    profile.enable()
    fn(path)
    profile.disable()
    for key in ("tottime", "cumulative"):
        print(f"\n=== top {args.top} by {key} ===")
        pstats.Stats(profile).strip_dirs().sort_stats(key).print_stats(args.top)
    if args.py_spy:
        spy = shutil.which("py-spy")
        if spy is None:
            print("py-spy is not installed (pip install py-spy)", file=sys.stderr)
            return
        svg = ROOT / "bench" / "out" / f"profile-scan-{args.stage}.svg"
        code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
                f"from bench.profile_scan import STAGES; STAGES[{args.stage!r}]({path!r})")
        subprocess.run([spy, "record", "-o", str(svg), "--", sys.executable, "-c", code],
                       check=False)
        print(f"flame graph: {svg}")


if __name__ == "__main__":
    main()
