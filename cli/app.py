"""The ``claimkit`` Typer application. Commands live in their own modules; this wires them.

Exit codes (docs/output.md): 0 ran clean, 1 findings at or above --fail-on
(or unbalanced/unmatched items), 2 could not run — one line on stderr, never a
traceback.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import sys
from collections.abc import Sequence

import typer

from cli.common import EXIT_CANNOT_RUN
from x12core.errors import ClaimkitError

# name -> (module, attribute), in the order `claimkit --help` lists them. A command's
# module is imported only when the command runs (or for the full help): `claimkit scan`
# should not pay for SQLAlchemy/Alembic (the ledger) or the HTML reports at every start.
_COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("cli.validate", "validate"),
    "scan": ("cli.scan", "scan"),
    "rules": ("cli.rules", "rules"),
    "remit": ("cli.remit", "remit"),
    "explain": ("cli.explain", "explain"),
    "split": ("cli.split", "split"),
    "reconcile": ("cli.reconcile", "reconcile"),
    "audit": ("cli.audit", "audit"),
    "schema": ("cli.schema", "schema"),
    "ingest": ("cli.ledger", "ingest"),
    "ledger": ("cli.ledger", "ledger_app"),  # a group of subcommands
    "data": ("cli.data", "app"),  # a group of subcommands
    "watch": ("cli.watch", "watch"),
    "watch-status": ("cli.watch", "watch_status"),
}
_GROUPS = {"ledger", "data"}


def _root() -> None:
    """Scrub 837P claim batches before transmission and reconcile 835 remittances."""


def build_app(names: Sequence[str] | None = None) -> typer.Typer:
    """The Typer app with the named commands (every command when ``names`` is None)."""
    built = typer.Typer(
        name="claimkit",
        help="Scrub 837P claim batches before transmission and reconcile 835 remittances.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    built.callback()(_root)
    for name in _COMMANDS if names is None else names:
        module, attribute = _COMMANDS[name]
        target = getattr(importlib.import_module(module), attribute)
        if name in _GROUPS:
            built.add_typer(target, name=name)
        else:
            built.command(name)(target)
    return built


def _for_argv(argv: Sequence[str]) -> typer.Typer:
    """Only the command named on the command line; all of them for help or a typo."""
    if len(argv) > 1 and argv[1] in _COMMANDS:
        return build_app([argv[1]])
    return build_app()


def __getattr__(name: str) -> typer.Typer:
    if name == "app":  # the whole application (tests, embedding)
        found = globals()["app"] = build_app()
        return found
    raise AttributeError(name)


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
        _for_argv(sys.argv)(standalone_mode=True)
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
