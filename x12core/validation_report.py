"""Run validation over many files (in parallel) and shape the results for rendering."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from x12core.envelope import Envelope
from x12core.findings import Finding, count_by_severity
from x12core.parallel import Pool, worker_count
from x12core.reader import SegmentReader
from x12core.render import Report, table
from x12core.validate import ValidationResult, validate_file

FINDING_COLUMNS = ("file", "interchange", "group", "transaction", "rule", "name", "category",
                   "severity", "message", "fix", "line_number", "segment", "segment_index",
                   "segment_position", "file_line", "element", "value")


def envelope_findings(path: str) -> tuple[list[Finding], dict[str, int]]:
    """Our own envelope checks (fast; also what `scan` reports)."""
    env = Envelope(SegmentReader(path), path)
    for body in env:
        body.drain()
    return env.findings, env.counts


def validate_one(path: str, *, want_ack: bool, substitute_versions: bool) -> ValidationResult:
    result = validate_file(path, want_ack=want_ack, substitute_versions=substitute_versions)
    own, _ = envelope_findings(path)
    # pyx12 reports most envelope count errors too; keep ours only where pyx12 is silent.
    seen = {f.location.segment_index for f in result.findings if f.location.segment_index}
    extra = [f for f in own if f.location.segment_index not in seen]
    result.findings = sorted([*result.findings, *extra], key=_order)
    return result


def _order(f: Finding) -> tuple[int, int]:
    return (f.location.segment_index or 0, -int(f.severity))


def validate_files(paths: Sequence[Path | str], *, jobs: int = 0, want_ack: bool = False,
                   substitute_versions: bool = True, pool: Pool | None = None
                   ) -> list[ValidationResult]:
    """Validate every file, one task per file (pyx12 reads a file whole).

    ``pool`` (``--workers``/``--scheduler``) runs the files side by side; without one,
    several files get a pool of ``jobs`` local processes (0: one per core).
    """
    names = [os.fspath(p) for p in paths]
    if pool is None:
        with Pool(worker_count(jobs) if len(names) > 1 else 1) as own:
            return validate_files(names, want_ack=want_ack,
                                  substitute_versions=substitute_versions, pool=own)
    work = partial(validate_one, want_ack=want_ack, substitute_versions=substitute_versions)
    if pool.parallel:
        return [h.result() for h in [pool.submit(work, n) for n in names]]
    return [work(n) for n in names]


def validation_report(results: list[ValidationResult]) -> tuple[Report, int]:
    """The report for `claimkit validate`, and the worst severity found (0 when none)."""
    all_findings = [f for r in results for f in r.findings]
    worst = max((int(f.severity) for f in all_findings), default=0)

    def items() -> Iterable[dict[str, Any]]:
        for r in results:
            yield {"file": r.path, "valid": r.ok, "validated": r.validated,
                   "ack_written": r.ack is not None,
                   "findings": [f.envelope_dict() for f in r.findings]}

    def summary() -> dict[str, Any]:
        valid = sum(1 for r in results if r.ok)
        return {"files": len(results), "valid": valid, "invalid": len(results) - valid,
                **count_by_severity(all_findings)}

    def rows(item: dict[str, Any]) -> Iterable[dict[str, Any]]:
        return item["findings"]

    def text(items_: Iterable[dict[str, Any]], out: TextIO) -> None:
        for item in items_:
            findings = item["findings"]
            if not findings:
                out.write(f"{item['file']}: valid\n")
                continue
            counts = count_by_severity_dicts(findings)
            out.write(f"{item['file']}: {'valid' if item['valid'] else 'INVALID'} "
                      f"({counts})\n")
            table(("line", "segment", "element", "severity", "message"),
                  ((f["file_line"] or "", f["segment"], f["element"], f["severity"],
                    f["message"]) for f in findings), out, max_width=90)
            out.write("\n")
        s = summary()
        out.write(f"{s['files']} file(s): {s['valid']} valid, {s['invalid']} invalid; "
                  f"{s['errors']} error(s), {s['warnings']} warning(s)\n")

    report = Report("files", items(), summary, rows, FINDING_COLUMNS, text)
    return report, worst


def count_by_severity_dicts(findings: list[dict[str, Any]]) -> str:
    errors = sum(1 for f in findings if f["severity"] == "error")
    warnings = sum(1 for f in findings if f["severity"] == "warning")
    info = len(findings) - errors - warnings
    parts = [f"{errors} error(s)", f"{warnings} warning(s)"]
    if info:
        parts.append(f"{info} info")
    return ", ".join(parts)
