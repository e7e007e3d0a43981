"""``claimkit watch`` and ``claimkit watch-status``: the unattended drop-folder pipeline.

Wiring only: the work is :mod:`pipeline` (:class:`pipeline.process.Pipeline`,
:class:`pipeline.watcher.Watcher`, :class:`pipeline.journal.Journal`).
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from cli.common import EXIT_CANNOT_RUN, EXIT_FINDINGS, EXIT_OK, FailOn
from cli.scan import IgnoreOpt, ProfileOpt, SelectOpt
from pipeline.config import load_config
from pipeline.journal import Journal
from pipeline.process import Pipeline
from pipeline.watcher import InboxLock, Watcher
from x12core import schemas
from x12core.errors import InputError
from x12core.fileio import shown


def _dir(flag: str, text: str) -> Any:
    return Annotated[Path | None, typer.Option(flag, help=text, show_default=False,
                                               file_okay=False)]


CleanOpt = _dir("--clean", "Folder for clean 837P batches.")
HeldOpt = _dir("--held", "Folder for held 837P batches and their reports (JSON).")
AcksOpt = _dir("--acks", "Folder for 999 and 277CA files (omit: none written).")
ArchiveOpt = _dir("--archive", "Originals, in YYYY-MM-DD subfolders. Default: INBOX/archive.")
FailedOpt = _dir("--failed", "Files that could not be processed, with <name>.reason.txt. "
                 "Default: INBOX/failed.")
ReportsOpt = _dir("--reports", "835 remit reports (JSON). Default: INBOX/reports.")
ConfigOpt = Annotated[Path | None, typer.Option(
    "--config", show_default=False, help="claimkit.toml with [watch], [scan], [remit], "
    "[retry], [ledger] (see the README); flags override it.")]
StateOpt = Annotated[Path | None, typer.Option(
    "--state-dir", show_default=False,
    help="Where the journal lives. Default: the platform state dir (XDG_STATE_HOME).")]


def watch(
    inbox: Annotated[Path | None, typer.Argument(
        help="The drop folder to watch (or [watch] inbox in the config).",
        show_default=False)] = None,
    clean: CleanOpt = None,
    held: HeldOpt = None,
    acks: AcksOpt = None,
    archive: ArchiveOpt = None,
    failed: FailedOpt = None,
    reports: ReportsOpt = None,
    ledger: Annotated[str | None, typer.Option(
        "--ledger", show_default=False,
        help="Also ingest every file into this claims ledger (needs the ledger package).")
    ] = None,
    config: ConfigOpt = None,
    state_dir: StateOpt = None,
    poll: Annotated[float | None, typer.Option(
        "--poll", min=0, show_default=False,
        help="Poll every SECONDS instead of OS events (network filesystems).")] = None,
    settle: Annotated[float | None, typer.Option(
        "--settle", min=0, show_default=False,
        help="Seconds a file's size and mtime must stay unchanged. Default 2.")] = None,
    once: Annotated[bool, typer.Option(
        "--once", help="Process what is in the inbox, then exit (0 all clean, 1 held claims "
        "or failed files, 2 could not run).")] = False,
    log: Annotated[Path | None, typer.Option(
        "--log", show_default=False, help="Append JSON log lines here instead of stderr.")
    ] = None,
    payer_profile: ProfileOpt = None,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    fail_on: Annotated[FailOn | None, typer.Option(
        "--fail-on", show_default=False,
        help="Lowest severity that holds a claim. Default error.")] = None,
    validate: Annotated[bool | None, typer.Option(
        "--validate/--no-validate", show_default=False,
        help="Also hold claims with pyx12 implementation-guide errors.")] = None,
    causes: Annotated[Path | None, typer.Option(
        "--causes", show_default=False, help="CARC/RARC cause overlay for 835 reports.")
    ] = None,
) -> None:
    """Watch a drop folder: split 837P batches, acknowledge them, report 835s; never lose a file.

    Every file ends in exactly one of the archive (processed) and the failed folder (with a
    one-line reason); a journal records each step, so a restart after a crash resumes.
    """
    settings = load_config(
        config, inbox=inbox, clean=clean, held=held, acks=acks, archive=archive,
        failed=failed, reports=reports, ledger=ledger, state_dir=state_dir, poll=poll,
        settle=settle, log=log, payer_profile=payer_profile,
        select=tuple(select) if select else None, ignore=tuple(ignore) if ignore else None,
        fail_on=fail_on.value if fail_on else None, validate=validate, causes=causes)
    settings = settings.resolved()
    stop = threading.Event()
    with _log_stream(settings.log) as stream, _stop_on_signals(stop, stream):
        def emit(record: dict[str, Any]) -> None:
            stream.write(json.dumps({"ts": round(time.time(), 3), **record}) + "\n")
            stream.flush()

        with InboxLock(settings.state_path(), settings.inbox or Path(".")):
            pipeline = Pipeline(settings, log=emit)
            try:
                summary = Watcher(pipeline, stop, emit).run(once=once)
            finally:
                pipeline.journal.close()
    if summary.errors:
        raise typer.Exit(EXIT_CANNOT_RUN)
    raise typer.Exit(EXIT_FINDINGS if once and summary.needs_attention else EXIT_OK)


def watch_status(
    config: ConfigOpt = None,
    state_dir: StateOpt = None,
    recent: Annotated[int, typer.Option("--recent", min=0, help="How many recent files.")
                      ] = 20,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """What the watcher's journal says: queued, processing, done, failed; the recent files."""
    if fmt not in ("text", "json"):
        raise InputError(f"--format {fmt}: watch-status prints text or json")
    settings = load_config(config, state_dir=state_dir)
    where = settings.state_path()
    if not (where / Journal.FILE).exists():
        raise InputError(f"{shown(where)}: no watch journal here (has claimkit watch run "
                         "with this state dir?)")
    journal = Journal(where)
    try:
        status = journal.status(recent)
    finally:
        journal.close()
    if fmt == "json":
        sys.stdout.write(json.dumps({**schemas.stamp("watch-status"), **status}, indent=2)
                         + "\n")
        return
    c = status["counts"]
    sys.stdout.write(f"journal {status['journal']}\n"
                     f"queued {c['queued']}  processing {c['processing']}  done {c['done']}  "
                     f"failed {c['failed']}  duplicate {c['duplicate']}\n")
    for r in status["recent"]:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r["updated"]))
        what = r["outcome"] or r["state"]
        counts = f"{r['claims']} claim(s), {r['held']} held" if r["claims"] is not None else ""
        sys.stdout.write(f"  {when}  {what:10} {r['name']}  {counts}".rstrip() + "\n")


@contextlib.contextmanager
def _log_stream(path: Path | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stderr
        return
    try:
        handle = open(path, "a", encoding="utf-8")  # noqa: SIM115
    except OSError as err:
        raise InputError(f"{shown(path)}: cannot open the log ({err.strerror})") from None
    with handle:
        yield handle


@contextlib.contextmanager
def _stop_on_signals(stop: threading.Event, stream: TextIO) -> Iterator[None]:
    """SIGTERM/SIGINT: finish the current file, then leave the loop (exit cleanly)."""

    def handler(signum: int, _frame: object) -> None:
        stop.set()

    previous = {}
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(ValueError, OSError):  # not the main thread
            previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
