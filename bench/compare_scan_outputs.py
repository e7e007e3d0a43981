"""Check that this tree's `claimkit scan` output is byte-identical to another commit's.

    python bench/compare_scan_outputs.py                       # against main
    python bench/compare_scan_outputs.py --base 997a8ea --big  # + the 20,000-claim batch
    python bench/compare_scan_outputs.py --data-dir DIR        # with installed tables

For speed work: every finding, message, location and order must stay the same. The
base commit is checked out into a temporary git worktree; each file of fixtures/
(837P batches, real-world shapes, generated defect batches) is scanned by both trees
with ``-f json`` and ``-f text``, under the default per-claim profile and each shipped
payer profile, and the outputs (and exit codes) are compared byte for byte.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/compare_scan_outputs.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, generated

PROFILES = ("", "medicare", "medicaid", "commercial")


def inputs(big: bool, tmp: Path) -> list[Path]:
    files = sorted(p for p in (ROOT / "fixtures").rglob("*.837") if "bad" not in p.parts)
    # Generated batches carrying every defect key of the generator (ground truth files).
    sys.path.insert(0, str(ROOT))
    from fixtures import generate

    for seed in (1, 2):
        path = tmp / f"defects-{seed}.837"
        generate.write_837(path, claims=600, seed=seed, defect_rate=0.9, transactions=2)
        files.append(path)
    if big:
        files.append(generated("837", 20_000))
    return files


# One interpreter per tree runs every scan in-process (the CLI's own main), so the
# comparison takes seconds, not a process start per file.
DRIVER = """
import json, sys
from pathlib import Path
from cli.app import main
jobs = json.loads(Path(sys.argv[1]).read_text())
result = Path(sys.argv[2])
codes = []
for out, args in jobs:
    sys.argv = ["claimkit", "scan", *args, "--out", out]
    try:
        main()
        codes.append(0)
    except SystemExit as stop:
        codes.append(stop.code if isinstance(stop.code, int) else 1)
result.write_text(json.dumps(codes))
"""


def run_tree(root: Path, jobs: list[list[str]], where: Path) -> list[tuple[int, bytes]]:
    where.mkdir(parents=True, exist_ok=True)
    spec = where / "jobs.json"
    plan = [[str(where / f"{n}.out"), args] for n, args in enumerate(jobs)]
    spec.write_text(json.dumps(plan))
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run([sys.executable, "-c", DRIVER, str(spec), str(where / "codes.json")],
                          cwd=root, env=env, check=False, capture_output=True, text=True)
    if not (where / "codes.json").exists():
        raise SystemExit(f"the scans of {root} did not finish:\n"
                         + "\n".join(x for x in done.stderr.splitlines()
                                     if not x.startswith("claimkit:"))[-3000:])
    codes = json.loads((where / "codes.json").read_text())
    return [(code, Path(out).read_bytes() if Path(out).exists() else b"")
            for code, (out, _) in zip(codes, plan, strict=True)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="main", help="the commit to compare against")
    parser.add_argument("--big", action="store_true", help="also the 20,000-claim batch")
    parser.add_argument("--data-dir", default="", help="installed tables (default: none)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    failed = 0
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        data_dir = args.data_dir or str(tmp / "no-data")
        base = tmp / "base"
        subprocess.run(["git", "worktree", "add", "--detach", str(base), args.base], cwd=ROOT,
                       check=True, capture_output=True)
        try:
            jobs: list[list[str]] = []
            for path in inputs(args.big, tmp):
                for fmt in ("json", "text"):
                    for profile in PROFILES if path.stat().st_size < 1 << 20 else ("",):
                        jobs.append([str(path), "-f", fmt, "--data-dir", data_dir,
                                     *(["-p", profile] if profile else [])])
            olds = run_tree(base, jobs, tmp / "out-base")
            news = run_tree(ROOT, jobs, tmp / "out-now")
            for job, old, new in zip(jobs, olds, news, strict=True):
                same = old == new
                failed += not same
                if not same or args.verbose:
                    print(f"{'same' if same else 'DIFFERENT'}: {' '.join(job)}", flush=True)
                if not same:
                    diff = difflib.unified_diff(old[1].decode(errors="replace").splitlines(),
                                                new[1].decode(errors="replace").splitlines(),
                                                "base", "now", lineterm="", n=1)
                    print("\n".join(list(diff)[:40]))
            print(f"{len(jobs)} scans compared")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT,
                           check=False, capture_output=True)
    print("all identical" if not failed else f"{failed} differ")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
