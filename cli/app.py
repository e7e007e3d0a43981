"""The ``claimkit`` Typer application. Commands live in their own modules; this wires them.

Exit codes (docs/output.md): 0 ran clean, 1 findings at or above --fail-on
(or unbalanced/unmatched items), 2 could not run — one line on stderr, never a
traceback.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys

import typer

from cli.audit import audit
from cli.common import EXIT_CANNOT_RUN
from cli.data import app as data_app
from cli.explain import explain
from cli.ledger import ingest, ledger_app
from cli.reconcile import reconcile
from cli.remit import remit
from cli.rules import rules
from cli.scan import scan
from cli.schema import schema
from cli.split import split
from cli.validate import validate
from cli.watch import watch, watch_status
from x12core.errors import ClaimkitError

app = typer.Typer(
    name="claimkit",
    help="Scrub 837P claim batches before transmission and reconcile 835 remittances.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _root() -> None:
    """Scrub 837P claim batches before transmission and reconcile 835 remittances."""


app.command("validate")(validate)
app.command("scan")(scan)
app.command("rules")(rules)
app.command("remit")(remit)
app.command("explain")(explain)
app.command("split")(split)
app.command("reconcile")(reconcile)
app.command("audit")(audit)
app.command("schema")(schema)
app.command("ingest")(ingest)
app.add_typer(ledger_app, name="ledger")
app.add_typer(data_app, name="data")
app.command("watch")(watch)
app.command("watch-status")(watch_status)


def _one_line(text: str) -> str:
    """Control characters (a newline in a file name) shown escaped: one message, one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class _Terminated(Exception):
    """SIGTERM/SIGHUP: unwind like any error, so every temporary output file is removed."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _terminated(signum: int, _frame: object) -> None:
    raise _Terminated(signum)


def main() -> None:
    """Console entry point: turn every failure to run into one line and exit code 2."""
    previous = {}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(ValueError, OSError):  # not the main thread: leave as is
            previous[sig] = signal.signal(sig, _terminated)
    try:
        _run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _run() -> None:
    try:
        app(standalone_mode=True)
    except ClaimkitError as err:
        sys.stderr.write(f"claimkit: {_one_line(str(err))}\n")
        sys.exit(EXIT_CANNOT_RUN)
    except KeyboardInterrupt:
        sys.stderr.write("claimkit: interrupted; no output file was left half-written\n")
        sys.exit(130)
    except _Terminated as stop:
        sys.stderr.write(f"claimkit: terminated by signal {stop.signum}; no output file was "
                         "left half-written\n")
        sys.exit(128 + stop.signum)
    except BrokenPipeError:
        # `claimkit scan big.837 | head`: the reader went away; not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
    except Exception as err:  # a bug of ours: still one line, exit 2
        if os.environ.get("CLAIMKIT_DEBUG"):
            raise
        sys.stderr.write(f"claimkit: internal error: {type(err).__name__}: "
                         f"{_one_line(str(err))} "
                         "(set CLAIMKIT_DEBUG=1 for a traceback)\n")
        sys.exit(EXIT_CANNOT_RUN)


if __name__ == "__main__":
    main()
