"""Scan speed of this tree against an earlier commit, same file, same run.

    python bench/bench_scan_versions.py --base 3437925            # wave 1 vs now
    python bench/bench_scan_versions.py --base HEAD~5 --rounds 5

The base commit is checked out into a temporary git worktree. Each round runs the library
scan (CPU seconds of ``edi837.scan.scan_file``) and the CLI text report (wall seconds) of
both trees in fresh processes, interleaved, so load from other jobs hits both alike; the
best of each is compared. The file is the cached 20,000-claim benchmark batch.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/bench_scan_versions.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, generated

LIBRARY = ("import sys, time; sys.path.insert(0, sys.argv[1]); "
           "from edi837.scan import scan_file; t = time.process_time(); "
           "n = sum(len(r.findings) for r in scan_file(sys.argv[2])); "
           "print(time.process_time() - t, n)")


def _run(root: Path, path: Path, out: Path) -> tuple[float, float, int]:
    # Bytecode caching on for both trees (as bench_scan.py does): with the sandbox's
    # PYTHONDONTWRITEBYTECODE a fresh base worktree recompiles every lazily imported
    # module inside the timed call, which flattered the tree that had .pyc files.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(root)
    lib = subprocess.run([sys.executable, "-c", LIBRARY, str(root), str(path)], cwd=root,
                         env=env, capture_output=True, text=True, check=True).stdout.split()
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from cli.app import main; main()", "scan", str(path),
                    "--out", str(out)], cwd=root, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    return float(lib[0]), time.perf_counter() - start, int(lib[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="the earlier commit")
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    path = generated("837", args.claims)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", str(base), args.base], cwd=ROOT,
                       check=True, capture_output=True)
        try:
            trees = {"base": base, "now": ROOT}
            best = {name: [float("inf"), float("inf"), 0] for name in trees}
            for name, root in trees.items():  # warm-up: write .pyc files, fill OS caches
                _run(root, path, Path(tmp) / f"{name}.txt")
            for _ in range(args.rounds):
                for name, root in trees.items():
                    lib, cli, found = _run(root, path, Path(tmp) / f"{name}.txt")
                    best[name] = [min(best[name][0], lib), min(best[name][1], cli), found]
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT,
                           check=False, capture_output=True)
    for name, (lib, cli, found) in best.items():
        print(f"{name:4}: library {lib:.2f} s CPU, CLI text {cli:.2f} s, findings {found}")
    print(f"now/base: library {best['now'][0] / best['base'][0]:.2f}x, "
          f"CLI {best['now'][1] / best['base'][1]:.2f}x")


if __name__ == "__main__":
    main()
