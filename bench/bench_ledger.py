"""Ledger benchmark: ingest a generated batch and its 835 into SQLite and PostgreSQL.

    python bench/bench_ledger.py                       # 100,000 claims, SQLite + PostgreSQL
    python bench/bench_ledger.py --claims 1000000      # the issue's target size
    python bench/bench_ledger.py --claims 20000 --db sqlite
    python bench/bench_ledger.py --claims 1000000 --db postgresql --only 837

Each ingest runs in a fresh process (peak RSS = VmHWM of that process, imports
included). Baseline, same run: ``claimkit scan`` of the same 837 (the rule engine
alone, JSON report to /dev/null), so the 837 ingest's cost shows as a ratio of the
scan it contains. Rows/s counts every row written (claims, lines, findings, history;
payments, remits, remit lines, adjustments). PostgreSQL is a throwaway local cluster
(the tests' fixture: initdb + pg_ctl; fsync off, as in the tests).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/bench_ledger.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import child_peak_rss, file_mib, generated

INGEST = """
from ledger.db import open_engine, upgrade
from ledger.ingest import ingest_file
from ledger import schema as t
from sqlalchemy import func, select
engine = open_engine(sys.argv[1])
upgrade(engine)
def rows():
    with engine.connect() as conn:
        return sum(conn.execute(select(func.count()).select_from(x)).scalar_one()
                   for x in t.metadata.sorted_tables)
before = rows()
t1 = time.perf_counter()
out = ingest_file(engine, sys.argv[2])
secs = time.perf_counter() - t1
sys.stderr.write(json.dumps({'records': out.records, 'rows': rows() - before,
                             'ingest_seconds': secs}) + '\\n')
"""

SCAN = """
from edi837.scan import scan_file
n = sum(1 for _ in scan_file(sys.argv[1]))
"""


def measure(db: str, path: Path) -> dict[str, float]:
    import os
    import subprocess

    from bench.common import ROOT
    wrapper = ("import sys, time, json\n" + INGEST +
               "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
               "print(json.dumps({'rss_mib': int(hwm.split()[1]) / 1024}))\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", wrapper, db, str(path)], capture_output=True,
                          text=True, check=True, env=env, cwd=ROOT)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result.update(json.loads(done.stderr.strip().splitlines()[-1]))
    result["rows_per_s"] = result["rows"] / result["ingest_seconds"]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--only", choices=("837", "835"), default=None,
                        help="measure one ingest (the 835 still needs its 837 ingested first)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)  # a killed run still stops its PostgreSQL cluster
    claims_file = generated("837", args.claims)
    remit_file = generated("835", args.claims)
    print(f"837: {args.claims:,} claims, {file_mib(claims_file):.0f} MiB; "
          f"835: {file_mib(remit_file):.0f} MiB", flush=True)
    backends = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    ingest_837: dict[str, float] = {}
    server = None
    try:
        for backend in backends:
            with tempfile.TemporaryDirectory(prefix="claimkit-bench-") as tmp:
                if backend == "sqlite":
                    db = str(Path(tmp) / "ledger.sqlite")
                else:
                    from tests.ledger import pgserver
                    server = server or pgserver.start()
                    db = server.url
                for label, path in (("837 ingest", claims_file), ("835 ingest", remit_file)):
                    r = measure(db, path)
                    if args.only and not label.startswith(args.only):
                        continue
                    if label == "837 ingest":
                        ingest_837[backend] = r["ingest_seconds"]
                    print(f"{backend:10} {label}: {r['records']:,} records, {r['rows']:,} rows "
                          f"in {r['ingest_seconds']:.1f} s = {r['rows_per_s']:,.0f} rows/s, "
                          f"{r['records'] / r['ingest_seconds']:,.0f} records/s, peak RSS "
                          f"{r['rss_mib']:.0f} MiB", flush=True)
                    if args.only == "837":
                        break
    finally:
        if server is not None:
            server.stop()
    # the baseline last, so a long run reports its ingests even if stopped during it
    scan = child_peak_rss(SCAN, str(claims_file))
    print(f"baseline scan of the 837: {scan['seconds']:.1f} s, RSS {scan['rss_mib']:.0f} MiB"
          + "".join(f"; {b} 837 ingest = {s / scan['seconds']:.1f}x the scan"
                    for b, s in ingest_837.items()), flush=True)
    return 0


def _stop(_signum: int, _frame: object) -> None:
    raise SystemExit(1)

if __name__ == "__main__":
    raise SystemExit(main())
