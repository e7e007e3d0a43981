"""Options and helpers shared by every command: formats, output files, exit codes."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TextIO

import typer

from x12core.errors import InputError
from x12core.fileio import atomic_write
from x12core.findings import Severity

EXIT_OK, EXIT_FINDINGS, EXIT_CANNOT_RUN = 0, 1, 2


class Format(StrEnum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


class ReportFormat(StrEnum):
    """Formats of the report commands (reconcile, audit): the four plus one HTML page."""

    text = "text"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    html = "html"


class FailOn(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"

    @property
    def severity(self) -> Severity:
        return Severity.parse(self.value)


FilesArg = Annotated[list[Path], typer.Argument(help="X12 files to read.", show_default=False)]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
ReportFormatOpt = Annotated[ReportFormat, typer.Option(
    "--format", "-f", help="Output format; html is one self-contained page.")]
Paths = list[Path] | None
MixedFilesArg = Annotated[Paths, typer.Argument(
    help="More 837P or 835 files; each is sorted by its first ST01.", show_default=False)]
OutOpt = Annotated[Path | None, typer.Option(
    "--out", "-o", help="Write the report to this file (atomically) instead of stdout.")]
FailOnOpt = Annotated[FailOn, typer.Option(
    "--fail-on", help="Lowest severity that holds a claim and makes the exit code 1.")]


def check_inputs(paths: list[Path]) -> None:
    """One clear line (exit 2) for a missing or unreadable input, before any work."""
    for path in paths:
        if not path.exists():
            raise InputError(f"{path}: no such file")
        if path.is_dir():
            raise InputError(f"{path}: is a directory, not a file")


@contextlib.contextmanager
def output(out: Path | None) -> Iterator[TextIO]:
    """stdout, or an atomically written file."""
    if out is None:
        yield sys.stdout
        return
    with atomic_write(out, "w", encoding="utf-8", newline="") as handle:
        yield handle
