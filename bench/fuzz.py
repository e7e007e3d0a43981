"""A longer run of the mutation fuzz test (tests/test_fuzz.py) than CI's.

    python bench/fuzz.py                 # 1,000 examples per command
    python bench/fuzz.py --examples 5000

Same invariants as in CI (exit codes, one-line errors, inputs untouched, outputs whole
or absent, split keeps every claim); the examples are derandomized, so a failure is
reproduced by running the same command again.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=1000, help="examples per command")
    args = parser.parse_args()
    env = {**os.environ, "CLAIMKIT_FUZZ_EXAMPLES": str(args.examples)}
    return subprocess.call([sys.executable, "-m", "pytest", "-q", "tests/test_fuzz.py"],
                           cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main())
