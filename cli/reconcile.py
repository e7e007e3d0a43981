"""``claimkit reconcile``: which sent claims were paid, denied, reversed or never answered."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    MixedInputsArg,
    Names,
    OutOpt,
    ReportFormat,
    ReportFormatOpt,
    SchedulerOpt,
    WorkersOpt,
    claims_and_remits,
    output,
    pool,
    profile_file,
)
from edi837.scan import ScanOptions
from reconcile.engine import Reconciler
from reconcile.html import write_html
from reconcile.report import reconcile_report
from remit835.causes import CauseMap
from x12core.errors import InputError
from x12core.render import render


def reconcile(
    files: MixedInputsArg = None,
    claims: Annotated[Names, typer.Option(
        "--claims", "-c", help="837P claim file that was sent, a path or URL (repeatable)."
    )] = None,
    remits: Annotated[Names, typer.Option(
        "--remits", "-r", help="835 remittance file, a path or URL (repeatable).")] = None,
    fmt: ReportFormatOpt = ReportFormat.text,
    out: OutOpt = None,
    redact: Annotated[bool, typer.Option(
        "--redact", help="Mask patient names and member ids in every format.")] = False,
    payer_profile: Annotated[str | None, typer.Option(
        "--payer-profile", help="Scan profile (medicare|medicaid|commercial|FILE); default: "
        "chosen per claim from SBR09.")] = None,
    causes: Annotated[Path | None, typer.Option(
        "--causes", help="TOML overlay merged on top of the bundled CARC/RARC cause map.")
    ] = None,
    top: Annotated[int | None, typer.Option(
        "--top", min=1, help="How many worst items the text and html views list per table "
        "[default: 20 for text, 200 for html].", show_default=False)] = None,
    fail_on_unpaid: Annotated[bool, typer.Option(
        "--fail-on-unpaid", help="Exit 1 also when a sent claim has no remit yet.")] = False,
    workers: WorkersOpt = "1",
    scheduler: SchedulerOpt = None,
) -> None:
    """Reconcile 835 remittances against the 837P claims that were sent.

    Exit 1 when a remit (claim or line) matches nothing that was sent (and, with
    --fail-on-unpaid, when a sent claim has no remit); 2 when an input cannot be read.
    """
    inputs, claim_files, remit_files = claims_and_remits(
        claims, remits, files, [causes, *profile_file(payer_profile)], out)
    if not claim_files or not remit_files:
        raise InputError("reconcile needs at least one 837P claim file (--claims) and one 835 "
                         "remittance file (--remits)")
    with pool(workers, scheduler) as running:
        rec = Reconciler(claim_files, remit_files,
                         scan_options=ScanOptions(profile=payer_profile),
                         causes=CauseMap.load(causes), pool=running)
        rec.load()  # read every input before any output: a bad file is exit 2, nothing written
    limit = top or (200 if fmt is ReportFormat.html else 20)
    report, digest = reconcile_report(rec, redact=redact, csv=fmt is ReportFormat.csv,
                                      limit=limit)
    with output(out, inputs) as stream:
        if fmt is ReportFormat.html:
            write_html(report, digest, rec.totals, stream, claims=claim_files,
                       remits=remit_files, redacted=redact)
        else:
            render(report, fmt.value, stream, schema="reconcile")
    totals = rec.totals
    failed = totals.has_unmatched or (fail_on_unpaid and totals.claim_status["unpaid"] > 0)
    raise typer.Exit(EXIT_FINDINGS if failed else EXIT_OK)
