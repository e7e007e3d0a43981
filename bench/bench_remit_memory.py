"""Memory of `claimkit remit` on one huge transaction, every claim unbalanced (issue 10).

    python bench/bench_remit_memory.py                 # 200 MB: ~90,000 claims in one ST
    python bench/bench_remit_memory.py --mib 20        # quicker look

The worst case for the report: one ST*835 whose every service line is short by a
cent, so each line and claim yields a balancing finding (one per ~1 KB of input).
Runs the full command (JSON and text report to a file) in a fresh process on a file
of ``--mib`` MiB and on one a tenth of its size, and prints the peak RSS (VmHWM) of
each: flat memory means the two peaks are about the same. Before the findings were
spooled to disk the 200 MB run peaked at 269 MB (a 24 MB one at 318 MB under load).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/bench_remit_memory.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT, child_peak_rss, file_mib

CLAIM = (
    "CLP*PCN{n}*1*300.12*240**MB*ICN{n}*11*1~\nNM1*QC*1*DOE*JANE****MI*M{n}~\n"
    "NM1*IL*1*DOE*JOHN****MI*M{n}~\nDTM*050*20250301~\nAMT*AU*300.12~\n"
)
LINE = ("SVC*HC:J1885:JZ*25.01*20**2~\nDTM*472*20250301~\nCAS*CO*45*5.02~\n"
        "REF*6R*PCN{n}-{k}~\nAMT*B6*20~\nLQ*HE*N{k}~\n")
HEADER = ("ISA*00*          *00*          *ZZ*SUBMITTERID    *ZZ*RECEIVERID     *250315*1200"
          "*^*00501*000000701*0*T*:~\nGS*HP*S*R*20250315*1200*1*X*005010X221A1~\n"
          "ST*835*0001~\nBPR*I*{total}*C*ACH~\nTRN*1*EFT1*1512345678~\nN1*PR*ACME*XV*88801~\n"
          "N1*PE*CLINIC*XX*1234567893~\nLX*1~\n")


def write(path: Path, mib: float) -> int:
    """One ST of 12-line claims up to ``mib`` MiB; returns the number of claims."""
    claim_text = CLAIM + "".join(LINE.replace("{k}", str(k)) for k in range(1, 13))
    per_claim = len(claim_text.format(n=1000000))
    claims = max(1, int(mib * (1 << 20) / per_claim))
    segments = 0
    with open(path, "w", encoding="latin-1") as out:
        out.write(HEADER.format(total=240 * claims))
        for n in range(claims):
            text = claim_text.format(n=n)
            segments += text.count("~")
            out.write(text)
        out.write(f"SE*{segments + 8}*0001~\nGE*1*1~\nIEA*1*000000701~\n")
    return claims


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mib", type=float, default=200.0, help="size of the big file")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    code = ("from cli.app import main\nsys.argv = ['claimkit', 'remit', sys.argv[1], '-f', "
            "sys.argv[2], '--out', sys.argv[3]]\ntry:\n    main()\nexcept SystemExit:\n    pass")
    for mib in (args.mib / 10, args.mib):
        path = OUT / f"unbalanced-{mib:g}mib.835"
        claims = write(path, mib)
        for fmt in ("json", "text"):
            m = child_peak_rss(code, str(path), fmt, str(OUT / f"unbalanced.{fmt}"))
            print(f"{file_mib(path):7.1f} MiB, {claims:>7,} claims, {fmt:4}: peak RSS "
                  f"{m['rss_mib']:6.1f} MiB in {m['seconds']:.1f} s")


if __name__ == "__main__":
    main()
