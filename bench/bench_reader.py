"""Reader benchmark: claimkit's SegmentReader vs pyx12's X12Reader, same run.

    python bench/bench_reader.py              # 20,000-claim 837P speed + 200,000-claim memory
    python bench/bench_reader.py --claims 2000 --no-memory   # quick look

Prints the ratio (pyx12 time / our time) and the peak RSS of a child process
that only reads the file, for 20,000 and 200,000 claims: flat memory means the
two peaks are about the same although the file is 10x larger.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from bench.common import best_of, child_peak_rss, file_mib, generated


def read_ours(path: str) -> int:
    from x12core.reader import SegmentReader

    n = 0
    for _ in SegmentReader(path):
        n += 1
    return n


def read_pyx12(path: str) -> int:
    import pyx12.x12file

    n = 0
    with open(path, encoding="latin-1") as handle:
        for _ in pyx12.x12file.X12Reader(io.StringIO(handle.read())):
            n += 1
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--big", type=int, default=200_000, help="claims for the memory check")
    parser.add_argument("--no-memory", action="store_true")
    args = parser.parse_args()

    path = generated("837", args.claims)
    segments = read_ours(str(path))
    assert segments == read_pyx12(str(path)), "readers disagree on the segment count"
    ours = best_of(lambda: read_ours(str(path)), 3)
    theirs = best_of(lambda: read_pyx12(str(path)), 1)
    print(f"file: {path.name}  {file_mib(path):.1f} MiB  {segments:,} segments")
    print(f"claimkit SegmentReader : {ours:7.3f} s  ({segments / ours / 1e6:.2f} M seg/s)")
    print(f"pyx12 X12Reader        : {theirs:7.3f} s")
    print(f"ratio                  : {theirs / ours:7.1f}x faster")
    if args.no_memory:
        return
    code = ("from x12core.reader import SegmentReader\n"
            "for _ in SegmentReader(sys.argv[1]): pass")
    base = child_peak_rss("from x12core.reader import SegmentReader")
    for claims in (args.claims, args.big):
        p = generated("837", claims)
        m = child_peak_rss(code, str(p))
        print(f"peak RSS reading {claims:>7,} claims ({file_mib(p):6.1f} MiB): "
              f"{m['rss_mib']:6.1f} MiB (interpreter alone {base['rss_mib']:.1f} MiB)")


if __name__ == "__main__":
    main()
