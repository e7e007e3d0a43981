"""``claimkit split``: send the clean claims now, hold the rest for fixing, acknowledge both.

Pass 1 scans the batch (rules, optionally pyx12) and, in the same walk, writes
the 277CA and the report of held claims, keeping only the held claims' CLM
segment indices. Pass 2 streams the batch again and writes the two outputs.
Every output is a temporary file until everything has succeeded.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from cli.common import EXIT_FINDINGS, EXIT_OK, FailOnOpt, check_inputs
from cli.scan import IgnoreOpt, ProfileOpt, SelectOpt
from edi837.ack277 import Ack277Writer
from edi837.claim_ack import adjudicate, first_pass, rejected_sets
from edi837.report import ScanTotals, claim_record
from edi837.scan import ClaimResult, ScanOptions, scan_file
from edi837.split import ControlNumbers, OutputSet, SplitError, SplitResult, split_file
from x12core.findings import Finding
from x12core.reader import SegmentReader
from x12core.render import Report, render
from x12core.validate import ValidationResult, validate_file


def split(
    file: Annotated[Path, typer.Argument(help="The 837P batch to split.", show_default=False)],
    clean: Annotated[Path, typer.Option("--clean", help="Write the clean claims here.",
                                        show_default=False)],
    held: Annotated[Path, typer.Option("--held", help="Write the held claims here.",
                                       show_default=False)],
    fail_on: FailOnOpt = "error",  # type: ignore[assignment]
    report: Annotated[Path | None, typer.Option(
        "--report", help="Write the scan report of the held claims (JSON).")] = None,
    ack: Annotated[Path | None, typer.Option(
        "--ack", help="Write the 999 pyx12 builds for the input batch.")] = None,
    claim_ack: Annotated[Path | None, typer.Option(
        "--claim-ack", help="Write a 277CA (005010X214): one status per claim.")] = None,
    isa_control: Annotated[int | None, typer.Option(
        "--isa-control", min=0, max=999_999_999, show_default=False,
        help="First ISA13 of the clean file; the held file gets the next one. "
        "Default: the input's ISA13.")] = None,
    gs_control: Annotated[int | None, typer.Option(
        "--gs-control", min=1, max=999_999_999, show_default=False,
        help="First GS06, as --isa-control. Default: the input's GS06.")] = None,
    st_control: Annotated[int, typer.Option(
        "--st-control", min=1, max=999_999_999, help="First ST02 in each output.")] = 1,
    payer_profile: ProfileOpt = None,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    validate: Annotated[bool, typer.Option(
        "--validate", help="Also hold claims with pyx12 implementation-guide errors.")] = False,
    ptp_file: Annotated[Path | None, typer.Option(
        "--ptp-file", show_default=False, help="CMS NCCI PTP file, as for scan.")] = None,
    mue_file: Annotated[Path | None, typer.Option(
        "--mue-file", show_default=False, help="CMS MUE table, as for scan.")] = None,
    hcpcs_file: Annotated[Path | None, typer.Option(
        "--hcpcs-file", show_default=False, help="CMS HCPCS file, as for scan.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing outputs.")] = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Summary format: text or json.")
                   ] = "text",
) -> None:
    """Split an 837P batch into clean and held files; optionally acknowledge it (999, 277CA)."""
    check_inputs([file])
    check_inputs([p for p in (ptp_file, mue_file, hcpcs_file) if p is not None])
    if fmt not in ("text", "json"):
        raise SplitError(f"--format {fmt}: split prints its summary as text or json")
    # pyx12 runs once, here, for both the 999 and --validate (not again inside the scan).
    options = ScanOptions(profile=payer_profile, select=tuple(select or ()),
                          ignore=tuple(ignore or ()), fail_on=fail_on.severity,
                          ptp_file=ptp_file, mue_file=mue_file, hcpcs_file=hcpcs_file)
    scan = scan_file(file, options)  # refuses files that are not 837P (exit 2)
    with OutputSet(force=force, inputs=[file]) as outputs:
        for path, role in ((clean, "the clean batch"), (held, "the held batch"),
                           (report, "the report"), (ack, "the 999"), (claim_ack, "the 277CA")):
            if path is not None:
                outputs.reserve(path, role)
        checked = validate_file(file, want_ack=ack is not None) if ack or validate else None
        rejected = rejected_sets(checked.ack or "") if checked is not None and ack else set()
        leftovers: list[Finding] = []
        held_at: set[int] = set()
        totals = ScanTotals()
        acks = None
        if claim_ack is not None:
            received = date.fromtimestamp(file.stat().st_mtime)
            acks = Ack277Writer(
                lambda: outputs.open(claim_ack, "w", encoding="ascii", newline=""),
                when=datetime.now(), received=received, isa_control=_first_isa13(file))
        results = adjudicate(scan, fail_on=options.fail_on, rejected=rejected,
                             ig_findings=checked.findings if checked else (), leftovers=leftovers)
        results = _counted(first_pass(results, held_at, acks=acks, fail_on=options.fail_on),
                           totals)
        if report is not None:
            stream = outputs.open(report, "w", encoding="utf-8", newline="")
            render(_report(results, totals, lambda: [*scan.file_findings, *leftovers]), "json",
                   stream)
        else:
            for _ in results:
                pass
        ack_summary = acks.close() if acks is not None else None
        ack_note = _write_999(file, checked, ack, outputs) if ack is not None and checked \
            else None
        result = split_file(file, clean, held, held_at, outputs=outputs,
                            controls=ControlNumbers(isa_control, gs_control, st_control))
        if result.claims != totals.claims or result.held.claims != len(held_at):
            raise SplitError(f"{file}: the scan saw {totals.claims} claims ({len(held_at)} held) "
                             f"but the split placed {result.claims} ({result.held.claims} held); "
                             "nothing was written")
    summary = _summary(file, result, report, ack, ack_note, claim_ack, ack_summary)
    _print(summary, fmt, sys.stdout)
    raise typer.Exit(EXIT_FINDINGS if result.held.claims else EXIT_OK)


def _counted(results: Iterable[ClaimResult], totals: ScanTotals) -> Iterator[ClaimResult]:
    """Count claims and findings as pass 1 streams by (the report's summary comes last)."""
    totals.files = 1
    for r in results:
        totals.claims += 1
        totals.held += r.held
        totals.add(r.findings)
        yield r


def _first_isa13(path: Path) -> int:
    """The input's first ISA13: the 277CA's interchange number, so the two are easy to match."""
    for seg in SegmentReader(path):
        text = seg[13].strip()
        return int(text) if text.isdigit() else 1
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


def _write_999(file: Path, result: ValidationResult, target: Path, outputs: OutputSet) -> str:
    if result.ack is None:
        why = result.ack_problem or "pyx12 could not validate the file"
        sys.stderr.write(f"claimkit: {file}: {why}; no 999 written\n")
        return "not written"
    outputs.open(target, "w", encoding="ascii", newline="").write(result.ack)
    accepted = sum(1 for line in result.ack.splitlines() if line.startswith("IK5*A"))
    total = sum(1 for line in result.ack.splitlines() if line.startswith("IK5*"))
    return f"{accepted} of {total} transaction set(s) accepted"


def _summary(file: Path, result: SplitResult, report: Path | None, ack: Path | None,
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


def _print(summary: dict[str, Any], fmt: str, out: TextIO) -> None:
    if fmt == "json":
        out.write(json.dumps(summary, indent=2) + "\n")
        return
    out.write(f"{summary['input']}: {summary['claims']} claim(s)\n")
    for name in ("clean", "held"):
        s = summary[name]
        where = (f"-> {s['file']} (ISA13 {', '.join(s['interchanges'])})" if s["file"]
                 else "(no file written: no claims)")
        out.write(f"  {name:5}  {s['claims']:>7}  {where}\n")
    if summary["report"]:
        out.write(f"  report -> {summary['report']}\n")
    if summary["ack_999"]:
        out.write(f"  999    -> {summary['ack_999']['file']} ({summary['ack_999']['result']})\n")
    if summary["ack_277ca"]:
        a = summary["ack_277ca"]
        if a["file"]:
            out.write(f"  277CA  -> {a['file']} ({a['accepted']} accepted, {a['rejected']} "
                      "rejected)\n")
        else:
            out.write("  277CA  (no file written: no claims)\n")
