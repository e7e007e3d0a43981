"""``claimkit data``: install, list and fetch the official CMS/FDA code tables."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from cli.common import Format, FormatOpt, check_inputs
from refdata.install import Progress, describe, install
from refdata.status import status as data_status
from x12core import schemas
from x12core.errors import InputError
from x12core.render import table

app = typer.Typer(name="data", help="Install and list the official CMS/FDA code tables.",
                  no_args_is_help=True, add_completion=False, rich_markup_mode=None)

DataDirOpt = Annotated[Path | None, typer.Option(
    "--data-dir", show_default=False, envvar="CLAIMKIT_DATA",
    help="Data directory of the store (default: the platform's user data directory; "
    "also $CLAIMKIT_DATA).")]
LicenseOpt = Annotated[bool, typer.Option(
    "--accept-ama-license", help="Accept the AMA CPT licence that gates the NCCI PTP files "
    "(recorded in the manifest).")]


@contextmanager
def _progress(enabled: bool) -> Iterator[Progress | None]:
    """A progress line on a terminal while big tables are read (rows so far per file)."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress as Bar
    from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

    bar = Bar(SpinnerColumn(), TextColumn("{task.description}"),
              TextColumn("{task.completed:,} rows"), TimeElapsedColumn(),
              console=Console(stderr=True), transient=True)
    tasks: dict[str, object] = {}

    def update(what: str, rows: int) -> None:
        task = tasks.get(what)
        if task is None:
            task = tasks[what] = bar.add_task(f"reading {Path(what).name}", total=None)
        bar.update(task, completed=rows)  # type: ignore[arg-type]

    with bar:
        yield update


@app.command("install")
def install_cmd(
    files: Annotated[list[Path], typer.Argument(
        help="Files as CMS/FDA distribute them: zips or their members (all four PTP parts "
        "of a quarter together).", show_default=False)],
    data_dir: DataDirOpt = None,
    accept_ama_license: LicenseOpt = False,
    allow_small: Annotated[bool, typer.Option(
        "--allow-small", help="Install tables below the full-size row floor (excerpts, test "
        "files); known-answer checks still apply to the rows present.")] = False,
) -> None:
    """Install code tables into the local store (atomic; the same file twice is a no-op)."""
    check_inputs(files)
    licence = ("AMA CPT licence accepted with --accept-ama-license on "
               f"{date.today().isoformat()}") if accept_ama_license else ""
    with _progress(sys.stderr.isatty()) as progress:
        outcomes = install(files, data_dir, accept_ama_license=licence,
                           allow_small=allow_small, progress=progress)
    for outcome in outcomes:
        sys.stdout.write(describe(outcome) + "\n")


@app.command("status")
def status_cmd(
    data_dir: DataDirOpt = None,
    fmt: FormatOpt = Format.text,
    today: Annotated[str | None, typer.Option(
        "--today", show_default=False, help="Judge staleness for this date (YYYY-MM-DD).")
    ] = None,
) -> None:
    """List the installed tables (kind, version, effective period, rows, source) and what
    is stale for today's date."""
    day = date.fromisoformat(today) if today else None
    report = {**schemas.stamp("data-status"), **data_status(data_dir, day)}
    if fmt in (Format.json, Format.jsonl):
        sys.stdout.write(json.dumps(report, indent=2 if fmt == Format.json else None) + "\n")
        return
    out = sys.stdout
    out.write(f"store: {report['store']}\n")
    if not report["datasets"]:
        out.write("no code tables installed: the scan uses the shipped curated subsets "
                  "(`claimkit data install FILE...`)\n")
        return
    table(("KIND", "VERSION", "EFFECTIVE", "ROWS", "TODAY", "SOURCE"),
          ((d["kind"], d["version"],
            f"{d['effective']['start'] or ''}..{d['effective']['end'] or ''}", f"{d['rows']:,}",
            "in force" if d["in_force_today"] else "-",
            ", ".join(dict.fromkeys(Path(s.split("!")[0]).name for s in d["sources"])))
           for d in report["datasets"]), out, max_width=70)
    for s in report["stale"]:
        out.write(f"stale: {s['title']}: {s['reason']}\n")


@app.command("fetch")
def fetch_cmd(
    quarter: Annotated[str | None, typer.Option(
        "--quarter", show_default=False, help="Quarter to fetch, e.g. 2026Q4 (default: the "
        "newest listed on each landing page).")] = None,
    accept_ama_license: LicenseOpt = False,
    kind: Annotated[list[str] | None, typer.Option(
        "--kind", show_default=False, help="Only these kinds (repeatable): ncci-ptp, "
        "ncci-mue, hcpcs, asp-crosswalk, fda-ndc.")] = None,
    data_dir: DataDirOpt = None,
    base_url: Annotated[str | None, typer.Option(
        "--base-url", hidden=True, help="Serve the CMS/FDA paths from this host (mirrors, "
        "tests).")] = None,
) -> None:
    """Download the current CMS/FDA files (retries, resume, size and zip checks) and install
    them. Needs internet access; the PTP files need --accept-ama-license."""
    from refdata.fetch import CMS, DEFAULT_KINDS, FDA_HOST, SOURCES, fetch

    kinds = tuple(kind) if kind else DEFAULT_KINDS
    unknown = [k for k in kinds if k not in SOURCES]
    if unknown:
        raise InputError(f"--kind {unknown[0]}: not one of {', '.join(SOURCES)}")

    def rewrite(url: str) -> str:
        if base_url is None:
            return url
        return url.replace(CMS, base_url.rstrip("/")).replace(FDA_HOST, base_url.rstrip("/"))

    def note(text: str) -> None:
        sys.stderr.write(f"claimkit: {text}\n")

    with _progress(sys.stderr.isatty()) as progress:
        outcomes = fetch(kinds, quarter, accept_ama_license=accept_ama_license,
                         directory=data_dir, rewrite=rewrite, progress=progress, note=note)
    for outcome in outcomes:
        sys.stdout.write(describe(outcome) + "\n")
