"""Split benchmark: flat memory from 20,000 to 200,000 claims, and throughput.

    python bench/bench_split.py                  # 20,000 and 200,000 claims
    python bench/bench_split.py --claims 2000 --big 20000   # quick look

Two measurements per size, each in a fresh child process (peak RSS, wall time):

* ``split_file`` alone, every third claim held (pass 2: the streaming writer);
* the whole ``claimkit split`` command: scan with every rule, 277CA, report of the
  held claims, and both outputs (pass 1 + pass 2).

Flat memory means the 200,000-claim peak is about the 20,000-claim peak although
the file is ten times larger. The only state that grows is the set of held CLM
indices (a Python int set: ~60 bytes per held claim).
"""

from __future__ import annotations

import argparse
import tempfile

from bench.common import child_peak_rss, file_mib, generated

SPLIT = (
    "import os, sys\n"
    "from edi837.split import split_file\n"
    "out = sys.argv[2]\n"
    "r = split_file(sys.argv[1], os.path.join(out, 'c.837'), os.path.join(out, 'h.837'),\n"
    "               lambda ref: ref.index % 3 == 0, force=True)\n"
)
CLI = (
    "import os, sys\n"
    "from cli.app import app\n"
    "out = sys.argv[2]\n"
    "try:\n"
    "    app(['split', sys.argv[1], '--clean', os.path.join(out, 'c.837'), '--held',\n"
    "         os.path.join(out, 'h.837'), '--claim-ack', os.path.join(out, 'b.277'),\n"
    "         '--report', os.path.join(out, 'r.json'), '--force'], standalone_mode=False)\n"
    "except SystemExit:\n"
    "    pass\n"
    "sys.stdout.flush()\n"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--big", type=int, default=200_000)
    args = parser.parse_args()
    rows = []
    base_split = child_peak_rss("from edi837.split import split_file")
    base_cli = child_peak_rss("from cli.app import app")
    for claims in (args.claims, args.big):
        path = generated("837", claims)
        with tempfile.TemporaryDirectory() as out:
            split = child_peak_rss(SPLIT, str(path), out)
            whole = child_peak_rss(CLI + "print()", str(path), out)
        rows.append((claims, file_mib(path), split, whole))
    print(f"baseline RSS (imports only): split_file {base_split['rss_mib']:.0f} MiB, "
          f"CLI {base_cli['rss_mib']:.0f} MiB")
    print(f"{'claims':>8} {'file MiB':>9} {'split s':>8} {'split MiB':>10} "
          f"{'CLI s':>7} {'CLI MiB':>8}")
    for claims, mib, split, whole in rows:
        print(f"{claims:>8,} {mib:>9.1f} {split['seconds']:>8.2f} {split['rss_mib']:>10.0f} "
              f"{whole['seconds']:>7.2f} {whole['rss_mib']:>8.0f}")
    (_, _, s1, w1), (_, _, s2, w2) = rows
    print(f"peak growth over imports, {args.big // args.claims}x the claims: "
          f"split_file {s1['rss_mib'] - base_split['rss_mib']:.0f} -> "
          f"{s2['rss_mib'] - base_split['rss_mib']:.0f} MiB, CLI "
          f"{w1['rss_mib'] - base_cli['rss_mib']:.0f} -> "
          f"{w2['rss_mib'] - base_cli['rss_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
