"""``claimkit split``: send the clean claims now, hold the rest for fixing, acknowledge both.

Wiring only: the work is :func:`edi837.split_run.run_split`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    FailOnOpt,
    SchedulerOpt,
    WorkersOpt,
    check_inputs,
    input_paths,
    pool,
)
from cli.scan import IgnoreOpt, ProfileOpt, SelectOpt
from edi837.scan import ScanOptions
from edi837.scan_parallel import ParallelScanner
from edi837.split import ControlNumbers, SplitError
from edi837.split_run import SplitTargets, run_split
from x12core import schemas


def split(
    file: Annotated[str, typer.Argument(
        help="The 837P batch to split: a path, or a URL fsspec reads (s3://, https://, "
        "file://...); the outputs are local files.", show_default=False)],
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
    ptp_file: Annotated[list[Path] | None, typer.Option(
        "--ptp-file", show_default=False, help="CMS NCCI PTP file, as for scan.")] = None,
    mue_file: Annotated[list[Path] | None, typer.Option(
        "--mue-file", show_default=False, help="CMS MUE table, as for scan.")] = None,
    hcpcs_file: Annotated[list[Path] | None, typer.Option(
        "--hcpcs-file", show_default=False, help="CMS HCPCS file, as for scan.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing outputs.")] = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Summary format: text or json.")
                   ] = "text",
    workers: WorkersOpt = "1",
    scheduler: SchedulerOpt = None,
) -> None:
    """Split an 837P batch into clean and held files; optionally acknowledge it (999, 277CA)."""
    source = input_paths([file])[0]  # a URL stays a str
    check_inputs([source])
    check_inputs([*(ptp_file or ()), *(mue_file or ()), *(hcpcs_file or ())])
    if fmt not in ("text", "json"):
        raise SplitError(f"--format {fmt}: split prints its summary as text or json")
    options = ScanOptions(profile=payer_profile, select=tuple(select or ()),
                          ignore=tuple(ignore or ()), fail_on=fail_on.severity,
                          ptp_files=tuple(ptp_file or ()), mue_files=tuple(mue_file or ()),
                          hcpcs_files=tuple(hcpcs_file or ()))
    with pool(workers, scheduler) as running:
        summary = run_split(source, SplitTargets(clean, held, report, ack, claim_ack), options,
                            validate=validate, force=force,
                            controls=ControlNumbers(isa_control, gs_control, st_control),
                            scanner=ParallelScanner(options, running) if running.parallel
                            else None)
    _print(summary, fmt, sys.stdout)
    raise typer.Exit(EXIT_FINDINGS if summary["held"]["claims"] else EXIT_OK)


def _print(summary: dict[str, Any], fmt: str, out: TextIO) -> None:
    if fmt == "json":
        out.write(json.dumps({**schemas.stamp("split"), **summary}, indent=2) + "\n")
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
