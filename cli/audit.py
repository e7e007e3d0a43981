"""``claimkit audit``: the audit scorecard per billing provider, payer and batch date."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    FailOnOpt,
    MixedInputsArg,
    Names,
    OutOpt,
    Paths,
    ReportFormat,
    ReportFormatOpt,
    SchedulerOpt,
    WorkersOpt,
    claims_and_remits,
    output,
    pool,
    profile_file,
)
from cli.scan import ProfileOpt
from edi837.scan import ScanOptions
from reconcile.audit import TOP_CAUSES, build_scorecard
from reconcile.audit_html import build_html
from reconcile.audit_report import audit_report
from remit835.causes import CauseMap
from x12core.errors import InputError
from x12core.render import render


def audit(
    files: MixedInputsArg = None,
    claims: Annotated[Names, typer.Option(
        "--claims", "-c", help="837P claim batch, a path or URL (repeatable; one per batch "
        "date gives the trend).")] = None,
    remits: Annotated[Names, typer.Option(
        "--remits", "-r", help="835 remittance file, a path or URL (repeatable): adds "
        "denial rates and root causes.")] = None,
    fmt: ReportFormatOpt = ReportFormat.text,
    out: OutOpt = None,
    fail_on: FailOnOpt = "error",  # type: ignore[assignment]
    payer_profile: ProfileOpt = None,
    icd10_file: Annotated[Paths, typer.Option(
        "--icd10-file", help="CMS icd10cm_codes_YYYY.txt (repeatable) for dates of service "
        "outside the packaged ICD-10-CM release's year.")] = None,
    causes: Annotated[Path | None, typer.Option(
        "--causes", help="TOML overlay merged on top of the bundled CARC/RARC cause map.")
    ] = None,
    top: Annotated[int, typer.Option(
        "--top", min=1, help="Root causes listed per row.")] = TOP_CAUSES,
    exit_zero: Annotated[bool, typer.Option(
        "--exit-zero", help="Report only: exit 0 even when claims are held.")] = False,
    workers: WorkersOpt = "1",
    scheduler: SchedulerOpt = None,
) -> None:
    """Audit claim batches: clean rate and findings by group (documentation, code
    accuracy, policy), with remits the denial rate and root causes in dollars.

    Exit 1 when a claim is held (a finding at or above --fail-on), as `scan` does;
    2 when an input cannot be read.
    """
    inputs, claim_files, remit_files = claims_and_remits(
        claims, remits, files, [*(icd10_file or ()), causes, *profile_file(payer_profile)], out)
    if not claim_files:
        raise InputError("audit needs at least one 837P claim file (--claims)")
    options = ScanOptions(profile=payer_profile, fail_on=fail_on.severity,
                          icd10_files=tuple(icd10_file or ()))
    with pool(workers, scheduler) as running:
        card = build_scorecard(claim_files, remit_files, options=options,
                               causes=CauseMap.load(causes) if remit_files else None, top=top,
                               pool=running)
    with output(out, inputs) as stream:
        if fmt is ReportFormat.html:
            build_html(card).write(stream)
        else:
            render(audit_report(card), fmt.value, stream, schema="audit")
    held = card.claims.overall.claims - card.claims.overall.clean
    raise typer.Exit(EXIT_FINDINGS if held and not exit_zero else EXIT_OK)
