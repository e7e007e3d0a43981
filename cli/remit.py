"""``claimkit remit``: what an 835 paid, what it denied, why, and what to do."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    FilesArg,
    FormatOpt,
    OutOpt,
    SchedulerOpt,
    WorkersOpt,
    check_inputs,
    check_out,
    output,
    pool,
)
from remit835.causes import CauseMap
from remit835.parallel import parallel_report
from remit835.parse import check_835
from remit835.report import has_errors, remit_report
from x12core.render import render

CausesOpt = Annotated[Path | None, typer.Option(
    "--causes", help="TOML overlay merged on top of the bundled CARC/RARC cause map.")]


def remit(
    files: FilesArg,
    fmt: FormatOpt = "text",  # type: ignore[assignment]
    out: OutOpt = None,
    causes: CausesOpt = None,
    workers: WorkersOpt = "1",
    scheduler: SchedulerOpt = None,
) -> None:
    """Read 835 remittances: payments, denied lines, root causes, balancing.

    Exit 1 when a line, claim or payment does not balance (or the envelope is broken).
    """
    check_inputs([*files, causes])
    inputs = [*files, causes]
    check_out(out, inputs)
    for path in files:
        check_835(path)
    cause_map = CauseMap.load(causes)
    with pool(workers, scheduler) as running:
        report, totals = (parallel_report(files, cause_map, running, fmt.value)
                          if running.parallel
                          else remit_report(files, cause_map))
        with output(out, inputs) as stream:
            render(report, fmt.value, stream, schema="remit")
    raise typer.Exit(EXIT_FINDINGS if has_errors(totals) else EXIT_OK)
