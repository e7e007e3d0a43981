"""``split``, ``validate``, ``reconcile`` and ``audit`` on a URL against the local file.

    python bench/bench_url_commands.py                    # 20,000 claims, --workers 1 and 2
    python bench/bench_url_commands.py --claims 5000 --rounds 3 --only split

For each command the local run and the URL run (the same files served by a local HTTP
server with byte ranges, tests/http_fixture.py, 127.0.0.1 only) alternate in fresh
processes; the best wall time of each is printed as a ratio to the local run in the
same round, and the outputs are checked identical (the ``file`` fields name the URL).
``validate`` (pyx12, slow) reads a file of ``--claims / 10`` claims.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import file_mib, generated, run_cli
from tests.http_fixture import serve

COMMANDS = ("split", "validate", "reconcile", "audit")


def _args(command: str, where: str, claims: Path, remits: Path, small: Path, out: Path
          ) -> list[str]:
    c, r, s = (f"{where}/{p.name}" for p in (claims, remits, small))
    if command == "split":
        return ["split", c, "--clean", str(out / "c.837"), "--held", str(out / "h.837"),
                "--report", str(out / "r.json"), "--force", "-f", "json"]
    if command == "validate":
        return ["validate", s, "-f", "json"]
    return [command, "--claims", c, "--remits", r, "-f", "json"]


def _outputs(stdout: str, out: Path, base: str, root: Path) -> str:
    files = "".join(p.read_text("latin-1") for p in sorted(out.iterdir()))
    return re.sub(r"/tmp/[^\"\s]*/(local|url)/", "OUT/", (stdout + files).replace(
        f"{base}/", f"{root}/"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--only", choices=COMMANDS)
    opts = parser.parse_args()
    claims = generated("837", opts.claims)
    remits = generated("835", opts.claims)
    small = generated("837", max(opts.claims // 10, 10))
    root = claims.parent
    print(f"{claims.name} ({file_mib(claims):.1f} MiB), {remits.name} "
          f"({file_mib(remits):.1f} MiB); validate: {small.name}")
    with tempfile.TemporaryDirectory() as tmp, serve(root) as base:
        for command in (opts.only,) if opts.only else COMMANDS:
            for workers in ("1", "2"):
                best: dict[str, float] = {}
                seen: dict[str, str] = {}
                for _ in range(opts.rounds):
                    for name, where in (("local", str(root)), ("url", base)):
                        out = Path(tmp) / name
                        out.mkdir(exist_ok=True)
                        took, stdout = run_cli(*[*_args(command, where, claims, remits, small, out),
                                             "--workers", workers])
                        best[name] = min(best.get(name, took), took)
                        seen[name] = _outputs(stdout, out, base, root)
                same = seen["local"] == seen["url"]
                print(f"{command:9s} --workers {workers}: local {best['local']:6.2f} s, url "
                      f"{best['url']:6.2f} s ({best['url'] / best['local']:.2f}x); "
                      f"outputs identical: {same}")
                if not same:
                    raise SystemExit("outputs differ")


if __name__ == "__main__":
    os.environ.pop("CLAIMKIT_CHUNK_BYTES", None)
    main()
