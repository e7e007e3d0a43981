"""``claimkit scan``: run the 837P rules over claim batches before they are sent."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    FailOnOpt,
    Format,
    FormatOpt,
    InputsArg,
    OutDirOpt,
    OutFormatOpt,
    OutOpt,
    SchedulerOpt,
    WorkersOpt,
    check_dir_run,
    check_inputs,
    check_out,
    input_paths,
    output,
    pool,
    profile_file,
)
from edi837.report import COLUMNS, ClaimBlock, ScanTotals, scan_report
from edi837.scan import ClaimResult, FileScan, ScanOptions
from edi837.scan_parallel import ParallelScanner
from x12core import outdir
from x12core.errors import InputError
from x12core.findings import Severity
from x12core.parallel import Pool
from x12core.remote import size
from x12core.render import render

PROGRESS_MIN_BYTES = 5 << 20  # show a progress bar for inputs of 5 MiB or more
PROGRESS_EVERY = 500  # claims between progress-bar refreshes

ProfileOpt = Annotated[str | None, typer.Option(
    "--payer-profile", "-p", show_default=False,
    help="medicare, medicaid, commercial, or a TOML file (may `extends` one). "
    "Default: chosen per claim from SBR09 (MB/MA medicare, MC medicaid, else commercial).")]
SelectOpt = Annotated[list[str] | None, typer.Option(
    "--select", show_default=False,
    help="Run only these rules: id, id prefix, name, category or family "
    "(repeat or comma-separate).")]
IgnoreOpt = Annotated[list[str] | None, typer.Option(
    "--ignore", show_default=False, help="Skip these rules (same forms as --select).")]
DataFileOpt = Annotated[Path | None, typer.Option(show_default=False)]


def scan(
    files: InputsArg,
    fmt: FormatOpt = "text",  # type: ignore[assignment]
    out: OutOpt = None,
    fail_on: FailOnOpt = "error",  # type: ignore[assignment]
    payer_profile: ProfileOpt = None,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    validate: Annotated[bool, typer.Option(
        "--validate", help="Also run pyx12 implementation-guide validation and attach its "
        "findings (category structure) to the claims they belong to.")] = False,
    ptp_file: Annotated[list[Path] | None, typer.Option(
        "--ptp-file", show_default=False,
        help="CMS NCCI PTP practitioner file for this run (repeatable: each of the four "
        "part zips, a member .TXT or .xlsx); added to the installed or shipped edits.")
    ] = None,
    mue_file: Annotated[list[Path] | None, typer.Option(
        "--mue-file", show_default=False,
        help="CMS MUE practitioner table for this run (zip, .csv or .xlsx; repeatable); "
        "its codes override, the others stay.")] = None,
    hcpcs_file: Annotated[list[Path] | None, typer.Option(
        "--hcpcs-file", show_default=False,
        help="CMS HCPCS quarterly file for this run (zip, fixed-width .txt, .xlsx or CSV "
        "export; repeatable) for code start/end dates.")] = None,
    data_dir: Annotated[Path | None, typer.Option(
        "--data-dir", show_default=False, envvar="CLAIMKIT_DATA",
        help="Store of installed code tables (`claimkit data install`); default: the "
        "platform user data directory.")] = None,
    icd10_file: Annotated[list[Path] | None, typer.Option(
        "--icd10-file", show_default=False,
        help="CMS icd10cm_codes_YYYY.txt (repeatable): ICD-10-CM codes of fiscal year YYYY "
        "for dates of service outside the packaged release's year.")] = None,
    exit_zero: Annotated[bool, typer.Option(
        "--exit-zero", help="Report only: exit 0 even when claims are held "
        "(2 still means the scan could not run).")] = False,
    workers: WorkersOpt = "1",
    scheduler: SchedulerOpt = None,
    out_dir: OutDirOpt = None,
    out_format: OutFormatOpt = "jsonl",
) -> None:
    """Scan 837P claim batches for denials waiting to happen (96372 and its drug lines)."""
    files = input_paths(files)  # type: ignore[assignment]  # a URL stays a str
    check_dir_run(out_dir, fmt.value, out)
    inputs = [*files, *(ptp_file or ()), *(mue_file or ()), *(hcpcs_file or ()),
              *(icd10_file or ()), *profile_file(payer_profile)]
    check_inputs(inputs)
    check_out(out, inputs)
    options = ScanOptions(profile=payer_profile, select=tuple(select or ()),
                          ignore=tuple(ignore or ()), fail_on=fail_on.severity,
                          validate=validate, ptp_files=tuple(ptp_file or ()),
                          mue_files=tuple(mue_file or ()), hcpcs_files=tuple(hcpcs_file or ()),
                          icd10_files=tuple(icd10_file or ()), data_dir=data_dir,
                          json_records=fmt is Format.json and out_dir is None)
    if out_dir is not None:
        if validate:
            raise InputError("--validate reads each file whole in one process; it cannot be "
                             "combined with --out-dir")
        names = outdir.unique_inputs(os.fspath(f) for f in files)
        outdir.prepare(out_dir, out_format, inputs)
    with pool(workers, scheduler) as running:
        if out_dir is not None:
            totals = _run_to_dir(files, names, options, running, out_dir, out_format,
                                 fail_on.severity)
        else:
            totals = _run(files, options, running, fmt, out, inputs, fail_on.severity)
    if exit_zero:
        raise typer.Exit(EXIT_OK)
    raise typer.Exit(EXIT_FINDINGS if totals.worst >= fail_on.severity else EXIT_OK)


def _run_to_dir(files: list[Path | str], names: tuple[str, ...], options: ScanOptions,
                running: Pool, out_dir: Path, out_format: str, fail_on: Severity
                ) -> ScanTotals:
    """``--out-dir``: the chunk tasks write the rows; here the manifest, last."""
    scanner = ParallelScanner(options, running)
    sink = outdir.Sink(os.path.abspath(out_dir), "scan", COLUMNS, names, out_format == "parquet",
                       {"reference": scanner.engine.tables.reference_summary()})
    scanner.sink = sink
    scans = [scanner.scan(path) for path in files]
    report, totals = scan_report(scans, fail_on)
    for _ in report.items:  # the parts are written as the chunks settle
        pass
    parts = [*scanner.parts, sink.write(outdir.FINDINGS, report.extra_rows(), kind="findings")]
    manifest = outdir.write_manifest(sink, parts, report.summary(), report.extra(), out_format)
    sys.stdout.write(outdir.note(parts, manifest))
    return totals


def _run(files: list[Path | str], options: ScanOptions, running: Pool, fmt: Format,
         out: Path | None, inputs: list[Path], fail_on: Severity) -> ScanTotals:
    scanner = ParallelScanner(options, running)
    scans = [scanner.scan(path) for path in files]  # every file is checked before any output
    # When the report goes to the same terminal as the bar, hold the report back until
    # the bar is gone (spooled to disk past 8 MiB) so the two never tear each other.
    same_terminal = out is None and sys.stdout.isatty()
    with tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+", encoding="utf-8") as held:
        with _Progress(files, sys.stderr.isatty()) as progress, output(out, inputs) as stream:
            target = held if progress is not None and same_terminal else stream
            report, totals = scan_report(scans, fail_on, progress)
            render(report, fmt.value, target, schema="scan")
        if held.tell():
            held.seek(0)
            shutil.copyfileobj(held, sys.stdout)
    return totals


class _Progress:
    """A rich progress bar on stderr for large inputs (bytes of claims read so far)."""

    def __init__(self, files: list[Path | str], enabled: bool) -> None:
        self.enabled = enabled
        self.total = sum(size(f) for f in files) if enabled else 0
        self.bar = None
        self.done: dict[str, int] = {}
        self.task = None
        self.count = 0

    def __enter__(self) -> Callable[[FileScan, ClaimResult], None] | None:
        if not self.enabled or self.total < PROGRESS_MIN_BYTES:
            return None
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self.bar = Progress(TextColumn("scanning"), BarColumn(),
                            TextColumn("{task.percentage:>3.0f}%"), TimeRemainingColumn(),
                            console=Console(stderr=True), transient=True,
                            redirect_stdout=False, redirect_stderr=False)
        self.bar.start()
        self.task = self.bar.add_task("scan", total=self.total)
        return self.update

    def update(self, scan: FileScan, result: ClaimResult | ClaimBlock) -> None:
        block = isinstance(result, ClaimBlock)  # -f json --workers: a chunk's claims at once
        before = self.count
        self.count += result.claims if block else 1
        if self.count // PROGRESS_EVERY == before // PROGRESS_EVERY:
            return
        self.done[scan.path] = result.end_offset if block else result.claim.end_offset
        assert self.bar is not None and self.task is not None
        self.bar.update(self.task, completed=sum(self.done.values()))

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
