"""The ``claimkit`` Typer application. Commands live in their own modules; this wires them.

Exit codes (shared/contract.md): 0 ran clean, 1 findings at or above --fail-on
(or unbalanced/unmatched items), 2 could not run — one line on stderr, never a
traceback.
"""

from __future__ import annotations

import os
import sys

import typer

from cli.audit import audit
from cli.common import EXIT_CANNOT_RUN
from cli.data import app as data_app
from cli.explain import explain
from cli.reconcile import reconcile
from cli.remit import remit
from cli.rules import rules
from cli.scan import scan
from cli.split import split
from cli.validate import validate
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
app.add_typer(data_app, name="data")


def main() -> None:
    """Console entry point: turn every failure to run into one line and exit code 2."""
    try:
        app(standalone_mode=True)
    except ClaimkitError as err:
        sys.stderr.write(f"claimkit: {err}\n")
        sys.exit(EXIT_CANNOT_RUN)
    except KeyboardInterrupt:
        sys.stderr.write("claimkit: interrupted\n")
        sys.exit(130)
    except BrokenPipeError:
        # `claimkit scan big.837 | head`: the reader went away; not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
    except Exception as err:  # a bug of ours: still one line, exit 2
        if os.environ.get("CLAIMKIT_DEBUG"):
            raise
        sys.stderr.write(f"claimkit: internal error: {type(err).__name__}: {err} "
                         "(set CLAIMKIT_DEBUG=1 for a traceback)\n")
        sys.exit(EXIT_CANNOT_RUN)


if __name__ == "__main__":
    main()
