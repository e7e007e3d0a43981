"""``claimkit ingest`` and ``claimkit ledger ...``: wiring only; the work is in ledger/."""

from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from cli.common import OutOpt, check_inputs, output
from edi837.scan import ScanOptions
from ledger.db import display, ensure_current, ledger_file, open_engine, upgrade
from ledger.ingest import ingest_files
from ledger.queries import aging as aging_of
from ledger.queries import claim_story, parse_day
from ledger.queries import denials as denials_of
from ledger.underpaid import FeeSchedule, PriceLookup
from ledger.underpaid import underpaid as underpaid_of
from ledger.views import write_story, write_table
from refdata.prices import medicare_prices
from remit835.causes import CauseMap
from x12core import schemas
from x12core.errors import InputError

DbOpt = Annotated[str | None, typer.Option(
    "--db", help="Ledger: a SQLite file path or a postgresql:// URL [default: $CLAIMKIT_DB, "
    "else ledger.sqlite in the user data folder].", show_default=False)]


class View(StrEnum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    html = "html"


ViewOpt = Annotated[View, typer.Option("--format", "-f", help="Output format.")]

ledger_app = typer.Typer(help="Ask the claims ledger: one claim, aging, denials, underpaid.",
                         no_args_is_help=True, rich_markup_mode=None)


def ingest(
    files: Annotated[list[Path], typer.Argument(
        help="837P, 835, 999 or 277CA files, in any order.", show_default=False)],
    db: DbOpt = None,
    payer_profile: Annotated[str | None, typer.Option(
        "--payer-profile", help="Scan profile for 837P batches (medicare|medicaid|commercial|"
        "FILE); default: chosen per claim from SBR09.")] = None,
    causes: Annotated[Path | None, typer.Option(
        "--causes", help="TOML overlay merged on top of the bundled CARC/RARC cause map.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """Put files into the ledger, each whole in one transaction; files already in are skipped.

    An 835 settles the sent claims it matches as it arrives.
    """
    check_inputs(files)
    if fmt not in ("text", "json"):
        raise InputError(f"--format {fmt}: choose text or json")
    engine = open_engine(db)
    outcomes = ingest_files(engine, list(files), scan_options=ScanOptions(profile=payer_profile),
                            causes=CauseMap.load(causes))
    if fmt == "json":
        sys.stdout.write(json.dumps({**schemas.stamp("ingest"), "ledger": display(str(engine.url)),
                                     "files": [o.to_dict() for o in outcomes]}, indent=2) + "\n")
        return
    nouns = {"837": "claim(s)", "835": "remit(s)", "999": "set ack(s)", "277": "claim ack(s)"}
    for o in outcomes:
        if o.skipped:
            sys.stdout.write(f"{o.path}: already in the ledger (as {o.duplicate_of}); "
                             "nothing changed\n")
        else:
            sys.stdout.write(f"{o.path}: {o.kind}, {o.records} {nouns[o.kind]}, "
                             f"{o.changed} claim status change(s)\n")


@ledger_app.command("upgrade")
def ledger_upgrade(db: DbOpt = None) -> None:
    """Create the ledger, or migrate an older one to this claimkit's schema."""
    engine = open_engine(db)
    before, after = upgrade(engine)
    where = display(str(engine.url))
    if before == after:
        sys.stdout.write(f"{where}: already at schema revision {after}\n")
    else:
        sys.stdout.write(f"{where}: schema {before or '(new)'} -> {after}\n")


@ledger_app.command("claim")
def ledger_claim(
    claim_id: Annotated[str, typer.Argument(help="CLM01 patient control number.")],
    db: DbOpt = None, fmt: ViewOpt = View.text, out: OutOpt = None,
) -> None:
    """The whole story of one claim: sent, acks, remits, adjustments, predicted_by."""
    stories = claim_story(_engine(db), claim_id)
    with output(out, [ledger_file(db)]) as handle:
        write_story(stories, fmt.value, handle)


class AgingBy(StrEnum):
    claim = "claim"
    payer = "payer"
    provider = "provider"


@ledger_app.command("aging")
def ledger_aging(
    db: DbOpt = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Age to this date, YYYY-MM-DD [default: today].")] = None,
    by: Annotated[AgingBy, typer.Option("--by", help="One row per claim, payer or provider.")
                  ] = AgingBy.claim,
    fmt: ViewOpt = View.text, out: OutOpt = None,
) -> None:
    """Open claims and balances in 0-30/31-60/61-90/91-120/120+ day buckets, with resubmit-by."""
    day = parse_day(as_of, "--as-of") if as_of else date.today()
    rows, summary = aging_of(_engine(db), day, by.value)
    columns = (["claim_id", "payer_id", "provider_npi", "status", "batch_date", "age_days",
                "bucket", "balance", "resubmit_by", "days_left"] if by == AgingBy.claim else
               [by.value, "claims", "balance", "0-30", "31-60", "61-90", "91-120", "120+",
                "earliest_resubmit_by"])
    with output(out, [ledger_file(db)]) as handle:
        write_table(f"A/R aging as of {day.isoformat()}", rows, summary, columns, fmt.value,
                    handle, schema="ledger-aging")


class DenialsBy(StrEnum):
    category = "category"
    payer = "payer"
    rule = "rule"
    month = "month"


@ledger_app.command("denials")
def ledger_denials(
    db: DbOpt = None,
    since: Annotated[str | None, typer.Option(
        "--since", help="Only remits paid on or after this date, YYYY-MM-DD.")] = None,
    by: Annotated[DenialsBy, typer.Option("--by", help="Group denied lines by this.")
                  ] = DenialsBy.category,
    fmt: ViewOpt = View.text, out: OutOpt = None,
) -> None:
    """Denied lines and dollars by category, payer, predicting scan rule or month."""
    day = parse_day(since, "--since") if since else None
    rows, summary = denials_of(_engine(db), day, by.value)
    with output(out, [ledger_file(db)]) as handle:
        write_table(f"Denials by {by.value}", rows, summary,
                    [by.value, "lines", "denied", "predicted"], fmt.value, handle,
                    schema="ledger-denials")


@ledger_app.command("underpaid")
def ledger_underpaid(
    fee_schedule: Annotated[list[Path] | None, typer.Option(
        "--fee-schedule", help="Payer fee-schedule CSV: payer_id, code, modifier, allowed "
        "(per unit), effective_from, effective_to (repeatable).", show_default=False)] = None,
    medicare_payer: Annotated[list[str] | None, typer.Option(
        "--medicare-payer", help="Payer id (as on the 835) priced by the installed Medicare "
        "ASP payment limits and PFS RVUs (`claimkit data install`); repeatable.",
        show_default=False)] = None,
    data_dir: Annotated[Path | None, typer.Option(
        "--data-dir", help="Code-table store for --medicare-payer [default: CLAIMKIT_DATA or "
        "the user data dir].", show_default=False)] = None,
    db: DbOpt = None,
    tolerance: Annotated[str, typer.Option(
        "--tolerance", help="Ignore shortfalls up to this many dollars per line.")] = "0.00",
    since: Annotated[str | None, typer.Option(
        "--since", help="Only remits paid on or after this date, YYYY-MM-DD.")] = None,
    fmt: ViewOpt = View.text, out: OutOpt = None,
) -> None:
    """Lines the payer allowed less than the fee schedule's (or Medicare's) amount x units."""
    check_inputs(fee_schedule or [])
    if not fee_schedule and not medicare_payer:
        raise InputError("ledger underpaid needs a price source: --fee-schedule CSV and/or "
                         "--medicare-payer ID (with the Medicare ASP/PFS tables installed)")
    try:
        slack = Decimal(tolerance)
    except InvalidOperation:
        raise InputError(f"--tolerance {tolerance!r}: not an amount") from None
    prices: list[PriceLookup] = [FeeSchedule(p) for p in fee_schedule or []]
    if medicare_payer:  # a payer's own fee schedule, when given, is looked up first
        prices.append(medicare_prices(medicare_payer, data_dir))
    day = parse_day(since, "--since") if since else None
    rows, summary = underpaid_of(_engine(db), prices, slack, day)
    with output(out, [ledger_file(db), *(fee_schedule or [])]) as handle:
        write_table("Underpaid lines", rows, summary,
                    ["claim_id", "payer_id", "line", "procedure", "modifiers", "dos", "units",
                     "expected", "allowed", "paid", "short", "source"], fmt.value, handle,
                    schema="ledger-underpaid")


def _engine(db: str | None) -> Engine:
    engine = open_engine(db)
    ensure_current(engine)
    return engine
