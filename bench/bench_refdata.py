"""Installed code tables benchmark: scan with full-size tables vs the shipped subsets.

    python bench/bench_refdata.py                 # 20,000 claims, full-size tables
    python bench/bench_refdata.py --claims 2000 --scale 0.1   # quick look

Generates (and caches under bench/out/refdata/) synthetic tables of real size in the
distributed layouts - four PTP part zips (~650,000 rows each), the MUE zip (15,000
rows), the HCPCS zip (8,000 codes), the ASP pricing and crosswalk zips (8,000 NDCs),
the FDA ndctext.zip (140,000 products, 256,000 packages) - installs them into a
fresh store (timed), then scans the 20,000-claim batch in a fresh process twice:
without installed tables (shipped subsets) and with them, and prints wall time,
the ratio and each process's peak RSS. Values are invented; only sizes and layouts
are real.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT, ROOT, generated
from fixtures import refdata_files as rf
from fixtures.catalog import DRUGS

TABLES = OUT / "refdata"


def _zip_text(path: Path, member: str, lines, encoding: str = "latin-1") -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z, \
            z.open(member, "w") as raw, \
            io.TextIOWrapper(raw, encoding=encoding, newline="") as out:
        for line in lines:
            out.write(line)
            out.write("\r\n")


def ptp_parts(scale: float) -> list[Path]:
    per_part = int(650_000 * scale)
    out = []
    real = {n: [r for r in rf.PTP_ROWS if rf._part(r[0]) == n] for n in range(1, 5)}
    first_digit = {1: "0123", 2: "456", 3: "78", 4: "9"}
    for n in range(1, 5):
        def lines(n: int = n):
            yield from rf.PTP_PREAMBLE
            for r in real[n]:
                yield "\t".join(r)
            digits = first_digit[n]
            for i in range(per_part):
                c1 = f"{digits[i % len(digits)]}{i // 40 % 10000:04d}"
                c2 = f"{(i * 7919) % 90000 + 10000:05d}"
                if "96372" in (c1, c2):
                    continue
                deleted = "*" if i % 3 else "20231231"
                yield f"{c1}\t{c2}\t\t20100101\t{deleted}\t{i % 2}\t{rf.STD}"
        path = TABLES / f"medicare-ncci-2026q3-practitioner-ptp-edits-ccipra-v322r0-f{n}.zip"
        _zip_text(path, f"ccipra-v322r0-f{n}.{'TXT' if n < 3 else 'txt'}", lines())
        out.append(path)
    return out


def other_tables(scale: float) -> list[Path]:
    codes = [f"{i:05d}" for i in range(10000, 10000 + int(15_000 * scale))]
    mue = [*rf.MUE_ROWS, *((c, "2", rf.CLIN, "Clinical: Data") for c in codes)]
    mue += [(code, "999", rf.CLIN, "Prescribing Information") for code in DRUGS
            if code not in {r[0] for r in rf.MUE_ROWS}]
    mue_zip = rf.write_mue(TABLES, mue, xlsx=False)
    drug_rows = [(code, f"Injection, {d.name.lower()}, 1 mg", d.name[:28], "20000101", "")
                 for code, d in DRUGS.items()
                 if code[0] == "J" and code not in {r[0] for r in rf.HCPCS_ROWS}]
    taken = {r[0] for r in rf.HCPCS_ROWS} | set(DRUGS) | {r[0] for r in rf.XWALK_ROWS}
    filler = [(f"J{i:04d}", f"Injection, mock drug {i}, per 10 mg", f"Mock {i}", "20100101", "")
              for i in range(int(8_000 * scale)) if f"J{i:04d}" not in taken]
    hcpcs = rf.write_hcpcs(TABLES, [*rf.HCPCS_ROWS, *drug_rows], extra=filler)
    xw = [(code, d.name[:28], "Mock Labs", f"{d.ndc[:5]}-{d.ndc[5:9]}-{d.ndc[9:]}", d.name,
           "1 MG", "1", "1", str(d.units), str(d.units)) for code, d in DRUGS.items()
          if code not in {r[0] for r in rf.XWALK_ROWS}]
    xw += [(f"J{i % 8000:04d}", "Mock", "Mock Labs", f"8{i:04d}-{i % 9999:04d}-01", "Mock",
            "10 MG", "1", "1", "1", "1") for i in range(int(8_000 * scale))
           if f"J{i % 8000:04d}" not in taken]
    price, xwalk = rf.write_asp(TABLES, rows=[*rf.XWALK_ROWS, *xw])
    packages = [(f"{d.ndc[:5]}-{d.ndc[5:9]}_x", f"{d.ndc[:5]}-{d.ndc[5:9]}",
                 f"{d.ndc[:5]}-{d.ndc[5:9]}-{d.ndc[9:]}",
                 "1 VIAL, SINGLE-DOSE in 1 CARTON  > 1 mL in 1 VIAL, SINGLE-DOSE",
                 "20000101", "", "N", "N") for d in DRUGS.values()]
    fda = TABLES / "ndctext.zip"
    products = int(140_000 * scale)
    with zipfile.ZipFile(fda, "w", zipfile.ZIP_DEFLATED) as z:
        prod = io.StringIO()
        prod.write(rf.PRODUCT_HEADER + "\r\n")
        for i in range(products):
            prod.write(f"7{i:04d}-{i % 999:03d}_x\t7{i:04d}-{i % 999:03d}\tHUMAN PRESCRIPTION "
                       "DRUG\tMock\t\tmock\tINJECTION\tINTRAMUSCULAR\t20100101\t\tANDA\t"
                       "ANDA000000\tMock Labs\tMOCK\t1\tmg/mL\t\t\tN\t20271231\r\n")
        z.writestr("product.txt", prod.getvalue().encode("cp1252"))
        pack = io.StringIO()
        pack.write(rf.PACKAGE_HEADER + "\r\n")
        for r in packages:
            pack.write("\t".join(r) + "\r\n")
        for i in range(int(256_000 * scale)):
            j = i % max(products, 1)
            pack.write(f"7{j:04d}-{j % 999:03d}_x\t7{j:04d}-{j % 999:03d}\t7{j:04d}-"
                       f"{j % 999:03d}-{i % 97:02d}\t1 VIAL, MULTI-DOSE in 1 CARTON\t20100101"
                       "\t\tN\tN\r\n")
        z.writestr("package.txt", pack.getvalue().encode("cp1252"))
    del price  # payment limits are not read by the scan
    return [mue_zip, hcpcs, xwalk, fda]


def run_scan(batch: Path, store: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of `claimkit scan batch -f json` in a fresh process."""
    code = ("import sys, json\nfrom cli.app import main\nsys.argv = ['claimkit', 'scan', "
            f"{str(batch)!r}, '-f', 'json', '-o', {str(OUT / 'refdata-scan.json')!r}, "
            "'--exit-zero']\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
            "print(int(hwm.split()[1]) / 1024)")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPATH=str(ROOT), CLAIMKIT_DATA=str(store))
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, cwd=ROOT, check=True)
    return time.perf_counter() - start, float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--scale", type=float, default=1.0, help="table size factor")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    batch = generated("837", args.claims)
    if TABLES.exists():
        shutil.rmtree(TABLES)
    TABLES.mkdir(parents=True)
    t0 = time.perf_counter()
    files = [*ptp_parts(args.scale), *other_tables(args.scale)]
    print(f"generated {len(files)} files ({sum(f.stat().st_size for f in files) / 2**20:.0f} "
          f"MiB zipped) in {time.perf_counter() - t0:.0f} s")
    store = TABLES / "store"
    empty = TABLES / "no-store"
    os.environ["CLAIMKIT_DATA_FLOOR_SCALE"] = str(min(1.0, args.scale))
    code = ("import sys, json\nfrom refdata.install import describe, install\n"
            "for o in install(sys.argv[2:], sys.argv[1]):\n    print('  ' + describe(o))\n"
            "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
            "print(int(hwm.split()[1]) / 1024)")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, str(store), *map(str, files)],
                         capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    *lines, peak = out.stdout.strip().splitlines()
    print("\n".join(lines))
    size = (store / "claimkit-refdata.sqlite").stat().st_size / 2**20
    print(f"install: {time.perf_counter() - t0:.0f} s, peak RSS {float(peak):.0f} MiB, "
          f"store {size:.0f} MiB")
    base = [run_scan(batch, empty) for _ in range(args.repeat)]
    full = [run_scan(batch, store) for _ in range(args.repeat)]
    b_wall, f_wall = min(w for w, _ in base), min(w for w, _ in full)
    b_rss, f_rss = max(r for _, r in base), max(r for _, r in full)
    print(f"scan {args.claims:,} claims, fresh process, best of {args.repeat}:")
    print(f"  shipped subsets : {b_wall:6.2f} s  peak RSS {b_rss:5.0f} MiB")
    print(f"  installed tables: {f_wall:6.2f} s  peak RSS {f_rss:5.0f} MiB")
    print(f"  ratio {f_wall / b_wall:.2f}x (target <= 1.15x), RSS target < 100 MiB")


if __name__ == "__main__":
    main()
