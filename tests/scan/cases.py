"""Load the rule case files: ``fixtures/cases/<RULE-ID>.toml``.

Each file names its ``rule`` and holds ``[[case]]`` tables::

    [[case]]
    name = "96372 with no drug line"
    expect = "fire"            # or "pass"
    profile = "medicare"       # optional: forced payer profile (default: from SBR09)
    filing = "MB"              # optional: SBR09 of the default subscriber loop (CI)
    count = 1                  # optional: exact number of findings of the rule
    element = "SV101-2"        # optional: element of the first finding
    line = 2                   # optional: LX01 of the first finding
    severity = "error"         # optional: severity of the first finding
    installed = true           # optional: scan with the fixture code tables installed
                               # (fixtures/refdata_files.py defaults), not the subsets
    body = '''
    CLM*PCN1*40***11:B:1*Y*A*Y*Y~
    ...
    '''
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

CASES_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "cases"


@dataclass(frozen=True)
class Case:
    rule: str
    name: str
    expect: str
    body: str
    profile: str | None = None
    filing: str = "CI"
    count: int | None = None
    element: str | None = None
    line: int | None = None
    severity: str | None = None
    installed: bool = False
    file: str = ""

    @property
    def id(self) -> str:
        return f"{self.rule}:{self.expect}:{self.name}"


def load_cases(directory: Path = CASES_DIR) -> list[Case]:
    cases = []
    for path in sorted(directory.glob("*.toml")):
        with open(path, "rb") as handle:
            doc = tomllib.load(handle)
        rule = doc["rule"]
        if path.stem != rule:
            raise ValueError(f"{path}: file name must be the rule id {rule}")
        for entry in doc.get("case", []):
            unknown = set(entry) - {"name", "expect", "body", "profile", "filing", "count",
                                    "element", "line", "severity", "installed"}
            if unknown or entry.get("expect") not in ("fire", "pass"):
                raise ValueError(f"{path}: bad case {entry.get('name')!r} ({unknown or 'expect'})")
            cases.append(Case(rule=rule, file=str(path), **entry))
    return cases
