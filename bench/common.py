"""Shared benchmark helpers: generated inputs, timing, peak memory of a child process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def generated(kind: str, claims: int, seed: int = 7) -> Path:
    """A generated 837P/835 with ``claims`` claims, cached under bench/out/."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"gen-{claims}-s{seed}.{kind}"
    if not path.exists():
        sys.path.insert(0, str(ROOT))
        from fixtures import generate

        tmp = path.with_suffix(path.suffix + ".tmp")
        writer = generate.write_837 if kind == "837" else generate.write_835
        writer(tmp, claims=claims, seed=seed)
        tmp.replace(path)
    return path


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """Best wall time of ``repeat`` runs (seconds)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def child_peak_rss(code: str, *args: str) -> dict[str, float]:
    """Run ``code`` in a fresh interpreter; return its peak RSS (MiB) and wall seconds.

    The child prints nothing else; the measurement is ru_maxrss of that process,
    so imports are included. ``baseline`` (same imports, no work) is subtracted
    by the caller when it wants the growth only.
    """
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss across fork+exec, so a child of a
    # big parent would report the parent's peak.
    wrapper = (
        "import sys, time, json\n"
        "t0 = time.perf_counter()\n"
        f"{code}\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "print(json.dumps({'rss_mib': int(hwm.split()[1]) / 1024,"
        " 'seconds': time.perf_counter() - t0}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", wrapper, *args], capture_output=True,
                         text=True, check=True, env=env, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def file_mib(path: Path) -> float:
    return path.stat().st_size / (1 << 20)


CLI = "from cli.app import main; main()"


def run_cli(*args: str) -> tuple[float, str]:
    """Wall seconds and stdout of ``claimkit ARGS`` in a fresh process (exit 0 or 1)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CLI, *args], cwd=ROOT, capture_output=True,
                          text=True)
    took = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"claimkit {' '.join(args)}: exit {done.returncode}: {done.stderr}")
    return took, done.stdout
