"""``claimkit remit``: what an 835 paid, what it denied, why, and what to do."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
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
)
from remit835.causes import CauseMap
from remit835.parallel import parallel_report
from remit835.parse import check_835
from remit835.remit_outdir import remit_to_dir
from remit835.report import ROW_COLUMNS, has_errors, remit_report
from x12core import outdir
from x12core.remote import is_url, open_binary
from x12core.render import render

CausesOpt = Annotated[Path | None, typer.Option(
    "--causes", help="TOML overlay merged on top of the bundled CARC/RARC cause map.")]


def remit(
    files: InputsArg,
    fmt: FormatOpt = "text",  # type: ignore[assignment]
    out: OutOpt = None,
    causes: CausesOpt = None,
    workers: WorkersOpt = "1",
    scheduler: SchedulerOpt = None,
    out_dir: OutDirOpt = None,
    out_format: OutFormatOpt = "jsonl",
) -> None:
    """Read 835 remittances: payments, denied lines, root causes, balancing.

    Exit 1 when a line, claim or payment does not balance (or the envelope is broken).
    """
    files = input_paths(files)  # type: ignore[assignment]  # a URL stays a str
    check_dir_run(out_dir, fmt.value, out)
    check_inputs([*files, causes])
    inputs = [*files, causes]
    check_out(out, inputs)
    for path in files:
        if is_url(path):
            with open_binary(str(path)) as head:
                check_835(path, head)
        else:
            check_835(path)
    cause_map = CauseMap.load(causes)
    if out_dir is not None:
        paths = outdir.unique_inputs(os.fspath(f) for f in files)
        outdir.prepare(out_dir, out_format, inputs)
        sink = outdir.Sink(os.path.abspath(out_dir), "remit", ROW_COLUMNS, paths,
                           out_format == "parquet")
        with pool(workers, scheduler) as running:
            parts, manifest, totals = remit_to_dir(paths, cause_map, running, sink, out_format)
        sys.stdout.write(outdir.note(parts, manifest))
        raise typer.Exit(EXIT_FINDINGS if has_errors(totals) else EXIT_OK)
    with pool(workers, scheduler) as running:
        # A URL is read in chunks (each fetched by byte range), in this process too.
        chunked = running.parallel or any(is_url(f) for f in files)
        report, totals = (parallel_report(files, cause_map, running, fmt.value)
                          if chunked
                          else remit_report(files, cause_map))
        with output(out, inputs) as stream:
            render(report, fmt.value, stream, schema="remit")
    raise typer.Exit(EXIT_FINDINGS if has_errors(totals) else EXIT_OK)
