"""Split a batch end to end: scan, acknowledge (999, 277CA), report, write clean/held files.

Pass 1 scans the batch (rules, optionally pyx12) and, in the same walk, writes
the 277CA and the report of held claims, keeping only the held claims' CLM
segment indices. Pass 2 streams the batch again and writes the two outputs.
Every output is a temporary file until everything has succeeded
(:class:`edi837.split.OutputSet`); a failure leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from edi837.ack277 import Ack277Writer
from edi837.claim_ack import adjudicate, first_pass, rejected_sets
from edi837.report import ScanTotals, claim_record
from edi837.scan import ClaimResult, ScanOptions, scan_file
from edi837.scan_parallel import ParallelScanner
from edi837.split import ControlNumbers, OutputSet, SplitError, SplitResult, split_file
from x12core.findings import Finding
from x12core.reader import SegmentReader
from x12core.remote import local_path, modified
from x12core.render import Report, render
from x12core.validate import ValidationResult, validate_file
from x12core.values import is_digits


@dataclass(frozen=True)
class SplitTargets:
    """Where each output goes (``None``: not wanted)."""

    clean: Path
    held: Path
    report: Path | None = None
    ack: Path | None = None
    claim_ack: Path | None = None


def run_split(file: Path | str, targets: SplitTargets, options: ScanOptions, *,
              validate: bool = False, controls: ControlNumbers | None = None,
              force: bool = False, scanner: ParallelScanner | None = None) -> dict[str, Any]:
    """Scan ``file``, write the outputs in ``targets`` atomically; return the summary.

    A claim is held exactly when ``claimkit scan`` with the same options holds it
    (``validate`` adds pyx12 errors; an ``ack`` whose 999 rejects a transaction set holds
    every claim of that set). Raises :class:`SplitError` when the file cannot be split.
    ``file`` may be a URL (:mod:`x12core.remote`): it is read as a stream, never written;
    the outputs are local files.
    """
    # pyx12 runs once, here, for both the 999 and validate (not again inside the scan).
    # refuses files that are not 837P; ``scanner``: rules run on a pool (--workers)
    scan = scanner.scan(file, full=True) if scanner is not None else scan_file(file, options)
    with OutputSet(force=force, inputs=[local_path(file)]) as outputs:
        for path, role in ((targets.clean, "the clean batch"), (targets.held, "the held batch"),
                           (targets.report, "the report"), (targets.ack, "the 999"),
                           (targets.claim_ack, "the 277CA")):
            if path is not None:
                outputs.reserve(path, role)
        checked = (validate_file(file, want_ack=targets.ack is not None)
                   if targets.ack or validate else None)
        rejected = (rejected_sets(checked.ack or "") if checked is not None and targets.ack
                    else set())
        leftovers: list[Finding] = []
        held_at: set[int] = set()
        totals = ScanTotals()
        acks = None
        if targets.claim_ack is not None:
            claim_ack = targets.claim_ack
            stamp = modified(file)  # a URL's object store may not say: then today
            received = date.today() if stamp is None else date.fromtimestamp(stamp)
            acks = Ack277Writer(
                lambda: outputs.open(claim_ack, "w", encoding="latin-1", newline=""),
                when=datetime.now(), received=received, isa_control=_first_isa13(file))
        results = adjudicate(scan, fail_on=options.fail_on, rejected=rejected,
                             ig_findings=checked.findings if checked else (), leftovers=leftovers)
        results = _counted(first_pass(results, held_at, acks=acks, fail_on=options.fail_on),
                           totals)
        if targets.report is not None:
            stream = outputs.open(targets.report, "w", encoding="utf-8", newline="")
            render(_report(results, totals, lambda: [*scan.file_findings, *leftovers]), "json",
                   stream, schema="split-report")
        else:
            for _ in results:
                pass
        ack_summary = acks.close() if acks is not None else None
        ack_note = (_write_999(checked, targets.ack, outputs)
                    if targets.ack is not None and checked else None)
        result = split_file(file, targets.clean, targets.held, held_at, outputs=outputs,
                            controls=controls or ControlNumbers())
        if result.claims != totals.claims or result.held.claims != len(held_at):
            raise SplitError(f"{file}: the scan saw {totals.claims} claims ({len(held_at)} held) "
                             f"but the split placed {result.claims} ({result.held.claims} held); "
                             "nothing was written")
    return _summary(file, result, targets.report, targets.ack, ack_note, targets.claim_ack,
                    ack_summary)


def _counted(results: Iterable[ClaimResult], totals: ScanTotals) -> Iterator[ClaimResult]:
    """Count claims and findings as pass 1 streams by (the report's summary comes last)."""
    totals.files = 1
    for r in results:
        totals.claims += 1
        totals.held += r.held
        totals.add(r.findings)
        yield r


def _first_isa13(path: Path | str) -> int:
    """The input's first ISA13: the 277CA's interchange number, so the two are easy to match."""
    for seg in SegmentReader(path):
        text = seg[13].strip()
        return int(text) if is_digits(text) and len(text) <= 9 else 1
    return 1


def _report(results: Iterable[ClaimResult], totals: ScanTotals,
            file_findings: Callable[[], list[Finding]]) -> Report:
    """The contract's scan report (as ``claimkit scan -f json``) with the held claims only."""

    def items() -> Iterator[dict[str, Any]]:
        for r in results:
            if r.held:
                yield claim_record(r)

    def summary() -> dict[str, Any]:
        totals.file_findings = file_findings()
        totals.add(totals.file_findings)
        return totals.summary()

    return Report("claims", items(), summary, lambda item: item["findings"], (),
                  lambda _items, _out: None,
                  extra=lambda: {"file_findings": [f.envelope_dict()
                                                   for f in totals.file_findings]})


def _write_999(result: ValidationResult, target: Path, outputs: OutputSet) -> str:
    if result.ack is None:
        why = result.ack_problem or "pyx12 could not validate the file"
        return f"not written: {why}"
    outputs.open(target, "w", encoding="latin-1", newline="").write(result.ack)
    accepted = sum(1 for line in result.ack.splitlines() if line.startswith("IK5*A"))
    total = sum(1 for line in result.ack.splitlines() if line.startswith("IK5*"))
    return f"{accepted} of {total} transaction set(s) accepted"


def _summary(file: Path | str, result: SplitResult, report: Path | None, ack: Path | None,
             ack_note: str | None, claim_ack: Path | None, acks: Any) -> dict[str, Any]:
    def side(s: Any) -> dict[str, Any]:
        return {"file": str(s.path) if s.written else None, "claims": s.claims,
                "interchanges": s.interchanges, "transactions": s.transactions}

    return {"input": str(file), "claims": result.claims, "clean": side(result.clean),
            "held": side(result.held), "report": str(report) if report else None,
            "ack_999": {"file": str(ack), "result": ack_note} if ack else None,
            "ack_277ca": {"file": str(claim_ack) if acks.claims else None,
                          "accepted": acks.accepted, "rejected": acks.rejected}
            if claim_ack and acks else None}
