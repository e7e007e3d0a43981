"""Options and helpers shared by every command: formats, output files, exit codes."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TextIO

import typer

from x12core import remote
from x12core.errors import InputError
from x12core.fileio import atomic_write, check_input_file, check_output
from x12core.findings import Severity
from x12core.parallel import Pool, worker_count
from x12core.remote import is_url, local_path

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
InputsArg = Annotated[list[str], typer.Argument(
    help="X12 files to read: paths, or URLs fsspec reads (s3://, gs://, https://, file://...).",
    show_default=False)]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
ReportFormatOpt = Annotated[ReportFormat, typer.Option(
    "--format", "-f", help="Output format; html is one self-contained page.")]
Paths = list[Path] | None
MixedFilesArg = Annotated[Paths, typer.Argument(
    help="More 837P or 835 files; each is sorted by its first ST01.", show_default=False)]
OutOpt = Annotated[Path | None, typer.Option(
    "--out", "-o", help="Write the report to this file (atomically; never onto an input) "
    "instead of stdout; - is stdout.")]
Names = list[str] | None  # inputs that may be URLs: Path would fold "https://" to "https:/"
MixedInputsArg = Annotated[Names, typer.Argument(
    help="More 837P or 835 files (paths or URLs); each is sorted by its first ST01.",
    show_default=False)]
FailOnOpt = Annotated[FailOn, typer.Option(
    "--fail-on", help="Lowest severity that holds a claim and makes the exit code 1.")]


WorkersOpt = Annotated[str, typer.Option(
    "--workers", "-w", show_default=False,
    help="Processes to use: a number, or 0/auto for every core (default 1). Files, and "
    "large files in chunks, are shared out; the report is the same as with one.")]
SchedulerOpt = Annotated[str | None, typer.Option(
    "--scheduler", show_default=False, envvar="CLAIMKIT_SCHEDULER",
    help="Run the chunks on a Dask cluster (tcp://host:8786); input paths (or URLs) must be "
    "readable by its workers.")]
OutDirOpt = Annotated[Path | None, typer.Option(
    "--out-dir", show_default=False,
    help="Write the rows per chunk (part-*.jsonl, as -f jsonl prints them), by the process "
    "that read the chunk, plus manifest.json (summary, parts, SHA-256); a new or empty "
    "directory the workers can write.")]
OutFormatOpt = Annotated[str, typer.Option(
    "--out-format", help="--out-dir parts: jsonl, or parquet (also writes part-*.parquet; "
    "needs pyarrow).")]


def input_paths(names: Iterable[str]) -> list[Path | str]:
    """Arguments as inputs: a URL stays a string (fsspec reads it), a path is a Path."""
    return [name if is_url(name) else Path(name) for name in names]


def check_dir_run(out_dir: Path | None, fmt: str, out: Path | None) -> None:
    """``--out-dir`` replaces the report: refuse ``-f``/``--out`` with it (one line)."""
    if out_dir is not None and (fmt != "text" or out is not None):
        raise InputError("--out-dir writes the rows as parts and a manifest; -f/--out do not "
                         "apply to it (drop them, or drop --out-dir)")


@contextlib.contextmanager
def pool(workers: str, scheduler: str | None) -> Iterator[Pool]:
    """The processes (``--workers``) or Dask cluster (``--scheduler``) a command runs on."""
    with Pool(worker_count(workers), scheduler or None) as running:
        yield running


def check_inputs(paths: Iterable[Path | str | None]) -> None:
    """One clear line (exit 2) for a missing, unreadable or read-once input, before any work.

    A URL (:mod:`x12core.remote`) is asked for its size: not found, unreachable, or no
    reader for its protocol is the one line."""
    for path in paths:
        if path is not None:
            if is_url(path):
                remote.check(path)
            else:
                check_input_file(path)


def claims_and_remits(claims: Names, remits: Names, files: Names,
                      also: Iterable[Path | str | None], out: Path | None
                      ) -> tuple[list[Path | str | None], list[str], list[str]]:
    """The inputs of ``reconcile`` and ``audit``: every one (``also`` too) checked and
    never ``--out`` (one line, exit 2) before any is read; then the 837P files
    (``--claims``, then the positional files whose first ST01 is 837) and the 835 files
    likewise. A URL stays as it was given."""
    from reconcile.index import sort_files

    sent, paid, mixed = (input_paths(names or ()) for names in (claims, remits, files))
    inputs = [*sent, *paid, *mixed, *also]
    check_inputs(inputs)
    check_out(out, inputs)
    extra_claims, extra_remits = sort_files(mixed)
    return (inputs, [str(p) for p in sent] + extra_claims,
            [str(p) for p in paid] + extra_remits)


def check_out(out: Path | None, inputs: Iterable[Path | str | None]) -> None:
    """Refuse ``--out`` onto an input (or a directory) before any work is done."""
    if out is not None and str(out) != "-":
        check_output(out, [local_path(p) for p in inputs if p is not None])


def profile_file(profile: str | None) -> list[Path]:
    """The payer-profile option when it names a file (it may also name a bundled profile)."""
    if profile and Path(profile).exists():
        return [Path(profile)]
    return []


@contextlib.contextmanager
def output(out: Path | None, inputs: Iterable[Path | str | None] = ()) -> Iterator[TextIO]:
    """stdout (no ``--out`` or ``--out -``), or a file written atomically.

    ``inputs`` are every file the command reads: an output naming one of them (by any
    path, symlink or hard link) is refused with one line before anything is written.
    """
    if out is None or str(out) == "-":
        yield sys.stdout
        return
    check_output(out, [local_path(p) for p in inputs if p is not None])
    with atomic_write(out, "w", encoding="utf-8", newline="") as handle:
        yield handle
