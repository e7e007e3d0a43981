"""``claimkit validate``: implementation-guide validation with pyx12."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    FailOnOpt,
    FormatOpt,
    InputsArg,
    OutOpt,
    SchedulerOpt,
    WorkersOpt,
    check_inputs,
    check_out,
    input_paths,
    output,
    pool,
)
from x12core.errors import InputError
from x12core.fileio import atomic_write, check_output, shown
from x12core.remote import basename, local_path
from x12core.render import render
from x12core.validation_report import validate_files, validation_report


def validate(
    files: InputsArg,
    fmt: FormatOpt = "text",  # type: ignore[assignment]
    out: OutOpt = None,
    fail_on: FailOnOpt = "error",  # type: ignore[assignment]
    ack: Annotated[Path | None, typer.Option(
        "--ack", help="Write the 999 pyx12 builds. With several files, a directory: one "
        "<name>.999 per file.")] = None,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=0, hidden=True, help="Former name of --workers.")] = None,
    strict_version: Annotated[bool, typer.Option(
        "--strict-version", help="Do not validate 005010X222A2 against the X222A1 map.")] = False,
    workers: WorkersOpt = "1",
    scheduler: SchedulerOpt = None,
) -> None:
    """Validate X12 files against their implementation guide (pyx12) and envelope rules.

    A URL input is streamed to a temporary local copy for pyx12; findings name the URL.
    """
    files = input_paths(files)  # type: ignore[assignment]  # a URL stays a str
    check_inputs(files)
    check_out(out, files)
    if ack is not None and len(files) > 1 and not ack.is_dir():
        raise InputError(f"{shown(ack)}: --ack with several files must name an existing "
                         "directory")
    acks = {} if ack is None else {
        str(path): check_output(ack / (basename(path) + ".999") if ack.is_dir() else ack,
                                [*map(local_path, files), *([out] if out is not None else [])])
        for path in files}
    if jobs is not None and workers == "1":
        workers = str(jobs)  # the former option, still accepted
    with pool(workers, scheduler) as running:
        results = validate_files(files, want_ack=ack is not None,
                                 substitute_versions=not strict_version, pool=running)
    if ack is not None:
        for result in results:
            if result.ack is None:
                continue
            # The 999 echoes input bytes (AK3/AK4 values): Latin-1 keeps them byte for byte.
            with atomic_write(acks[str(result.path)], "w", encoding="latin-1") as handle:
                handle.write(result.ack)
    report, worst = validation_report(results)
    with output(out, files) as stream:
        render(report, fmt.value, stream, schema="validate")
    raise typer.Exit(EXIT_FINDINGS if worst >= fail_on.severity else EXIT_OK)
