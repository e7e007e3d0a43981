"""``--workers``: the same command with 1 and N processes, same file, same run.

    python bench/bench_workers.py                         # 100,000 claims, scan and remit
    python bench/bench_workers.py --claims 20000 --rounds 2
    python bench/bench_workers.py --dask                  # also on a 2-worker LocalCluster
    python bench/bench_workers.py --only remit --rounds 4 # one command only
    python bench/bench_workers.py --format text           # the default report instead of JSON

For each command (``claimkit scan FILE -f json``, ``claimkit remit FILE -f json``, the
report written to a file; ``--format`` picks another report format) the runs with
``--workers 1`` and ``--workers N`` alternate
in fresh processes, so load from other jobs hits both alike; the best wall time of
each is compared. The outputs of the two are checked to be byte-identical. Peak RSS is
the largest VmHWM among the command's processes (the parent and each worker),
sampled while it runs, so the per-worker memory of a large file is visible.

Target (issue 14): on a 2-core machine ``--workers 2`` at least 1.7x faster than
``--workers 1`` for scan and remit on 100,000 claims (two independent scans reach
about 1.84x on such a machine). Each round also starts N independent one-process runs
together: their speed-up is this machine's ceiling at that moment (virtual cores shared
with other machines are not always two whole cores), printed next to the figure.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, file_mib, generated

CLI = "from cli.app import main; main()"


def _tree_hwm(pid: int) -> float:
    """Largest VmHWM (MiB) of ``pid`` and its children."""
    best = 0.0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM"):
                    best = max(best, int(line.split()[1]) / 1024)
        except OSError:
            continue
    return best


def run(args: list[str], out: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB, largest process) of one CLI run."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)
    # A fresh output, as a first run writes: replacing the last round's report would add
    # the deletion of a file of up to 250 MB (freeing its blocks) to both runs alike.
    out.unlink(missing_ok=True)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CLI, *args, "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                            cwd=ROOT)
    peak = [0.0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_hwm(proc.pid))
            time.sleep(0.2)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    _, err = proc.communicate()
    elapsed = time.perf_counter() - start
    watcher.join()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)}: exit {proc.returncode}: {err.decode()[-500:]}")
    return elapsed, peak[0]


def pair(base: list[str], tmp: Path, workers: int) -> float:
    """Wall seconds of ``workers`` independent one-process runs started together: the
    machine's own ceiling for the speed-up (cores shared with other VMs are slower)."""
    start = time.perf_counter()
    threads = [threading.Thread(target=run, args=([*base, "--workers", "1"],
                                                  tmp / f"pair{k}.json"))
               for k in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start


def compare(name: str, base: list[str], workers: int, rounds: int, extra: list[str],
            label: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        one, many = Path(tmp) / "one.json", Path(tmp) / "many.json"
        t1, tn, tp, r1, rn = [], [], [], 0.0, 0.0
        for _ in range(rounds):
            t, r = run([*base, "--workers", "1"], one)
            t1.append(t)
            r1 = max(r1, r)
            t, r = run([*base, *extra], many)
            tn.append(t)
            rn = max(rn, r)
            tp.append(pair(base, Path(tmp), workers))
        same = filecmp.cmp(one, many, shallow=False)
    b1, bn, bp = min(t1), min(tn), min(tp)
    ceiling = workers * b1 / bp
    print(f"{name:6} --workers 1: {b1:7.2f} s  peak {r1:6.0f} MiB | {label}: {bn:7.2f} s  "
          f"peak {rn:6.0f} MiB (largest process) | speed-up {b1 / bn:.2f}x | "
          f"{workers} independent runs at once: ceiling {ceiling:.2f}x, so "
          f"{b1 / bn / ceiling:.0%} of it | outputs {'identical' if same else 'DIFFER'}")
    # The machine's speed drifts between minutes (shared virtual cores): the ratio of the
    # two runs of the same round, whose median is steadier than the ratio of the bests.
    rounds_ratio = sorted(a / b for a, b in zip(t1, tn, strict=True))
    ceilings = sorted(workers * a / c for a, c in zip(t1, tp, strict=True))
    print(f"{'':6} per round: speed-up {', '.join(f'{r:.2f}x' for r in rounds_ratio)} "
          f"(median {statistics.median(rounds_ratio):.2f}x); ceiling "
          f"{', '.join(f'{c:.2f}x' for c in ceilings)} "
          f"(median {statistics.median(ceilings):.2f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=("scan", "remit"), help="bench this command only")
    parser.add_argument("--format", default="json", choices=("json", "text", "jsonl", "csv"),
                        help="the report's format (-f); default json")
    parser.add_argument("--dask", action="store_true",
                        help="also run on a local Dask cluster of --workers processes")
    args = parser.parse_args()
    claims, remits = generated("837", args.claims), generated("835", args.claims)
    print(f"{args.claims:,} claims: 837 {file_mib(claims):.0f} MiB, 835 {file_mib(remits):.0f} "
          f"MiB; {os.cpu_count()} cores")
    fmt = ["-f", args.format]
    plans = [(name, base) for name, base in (("scan", ["scan", str(claims), *fmt]),
                                             ("remit", ["remit", str(remits), *fmt]))
             if args.only in (None, name)]
    for name, base in plans:
        compare(name, base, args.workers, args.rounds, ["--workers", str(args.workers)],
                f"--workers {args.workers}")
    if args.dask:
        import logging

        from dask.distributed import LocalCluster

        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                          dashboard_address=None, silence_logs=logging.ERROR) as cluster:
            for name, base in plans:
                compare(name, base, args.workers, args.rounds,
                        ["--scheduler", cluster.scheduler_address],
                        f"Dask {args.workers} workers")


if __name__ == "__main__":
    main()
