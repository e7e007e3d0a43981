"""Settings of the unattended pipeline: a ``claimkit.toml`` merged under the CLI flags.

Every key is optional in the file; the command line overrides the file. Relative
paths in the file are relative to the file's own directory, so a service can be
started from anywhere. See the README section "Unattended pipeline" for an example.

.. code-block:: toml

    [watch]
    inbox = "in"            # the drop folder
    clean = "out/clean"     # clean claims, ready to send
    held = "out/held"       # held claims + the held report (JSON)
    acks = "out/acks"       # 999 and 277CA (omit: no acknowledgments)
    archive = "archive"     # originals, in dated subfolders YYYY-MM-DD
    failed = "failed"       # anything that could not be processed, with <name>.reason.txt
    reports = "out/remits"  # 835 remit reports (JSON)
    state_dir = "state"     # the journal (default: the platform state dir)
    settle = 2.0            # seconds a file's size and mtime must stay still
    poll = 0                # > 0: poll every N seconds instead of OS events
    log = "watch.log"       # JSON log lines (default: stderr)

    [scan]                  # as for `claimkit split`
    payer_profile = "medicare"
    fail_on = "error"
    select = []
    ignore = []
    validate = false
    ptp_file = "ncci/ptp.txt"

    [remit]
    causes = "causes.toml"

    [retry]
    attempts = 5            # tries per I/O step, first one included
    initial = 0.5           # seconds before the first retry, doubling
    max = 30.0              # cap of one wait
    jitter = 0.5            # random seconds added to each wait

    [ledger]
    db = "claims.sqlite"    # optional: ingest every file (needs the ledger package)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from x12core.errors import InputError
from x12core.fileio import read_toml, shown

_SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, capped, for transient I/O errors."""

    attempts: int = 5
    initial: float = 0.5
    max: float = 30.0
    jitter: float = 0.5


@dataclass(frozen=True)
class WatchConfig:
    """Where files come from and go to, and how they are scanned."""

    inbox: Path | None = None
    clean: Path | None = None
    held: Path | None = None
    acks: Path | None = None
    archive: Path | None = None
    failed: Path | None = None
    reports: Path | None = None
    state_dir: Path | None = None
    ledger: str | None = None
    settle: float = 2.0
    poll: float = 0.0
    log: Path | None = None
    payer_profile: str | None = None
    fail_on: str = "error"
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    validate: bool = False
    ptp_file: Path | None = None
    mue_file: Path | None = None
    hcpcs_file: Path | None = None
    causes: Path | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def resolved(self) -> WatchConfig:
        """Defaults for the folders left out: ``archive``, ``failed``, ``reports`` in INBOX."""
        if self.inbox is None:
            raise InputError("watch: no inbox (name it on the command line or as "
                             "[watch] inbox in claimkit.toml)")
        if self.clean is None or self.held is None:
            raise InputError("watch: --clean and --held are required (or [watch] clean/held "
                             "in claimkit.toml)")
        inbox = self.inbox
        # An output folder that is the inbox itself would feed every clean batch back in as
        # a new file (new bytes, so no duplicate): sent again and again. Subfolders are
        # fine: the watcher does not look into them.
        for name, folder in (("--clean", self.clean), ("--held", self.held),
                             ("--acks", self.acks), ("--reports", self.reports),
                             ("--archive", self.archive), ("--failed", self.failed)):
            if folder is not None and folder.resolve() == inbox.resolve():
                raise InputError(f"{shown(folder)}: {name} is the inbox; outputs written there "
                                 "would be taken as new input")
        return replace(self, archive=self.archive or inbox / "archive",
                       failed=self.failed or inbox / "failed",
                       reports=self.reports or inbox / "reports")

    def state_path(self) -> Path:
        """The journal's directory: ``state_dir`` or the platform's user state dir."""
        if self.state_dir is not None:
            return self.state_dir
        from platformdirs import user_state_dir

        return Path(user_state_dir("claimkit"))


_PATH_KEYS = {"inbox", "clean", "held", "acks", "archive", "failed", "reports", "state_dir",
              "log", "ptp_file", "mue_file", "hcpcs_file", "causes"}
_SECTIONS = {
    "watch": {"inbox", "clean", "held", "acks", "archive", "failed", "reports", "state_dir",
              "settle", "poll", "log"},
    "scan": {"payer_profile", "fail_on", "select", "ignore", "validate", "ptp_file", "mue_file",
             "hcpcs_file"},
    "remit": {"causes"},
    "ledger": {"db"},
    "retry": {f.name for f in fields(RetryPolicy)},
}


def load_config(path: str | os.PathLike[str] | None, **overrides: Any) -> WatchConfig:
    """The file's settings (if any) with every override that is not ``None`` on top."""
    values: dict[str, Any] = {}
    retry: dict[str, Any] = {}
    if path is not None:
        doc = read_toml(path, "claimkit config")
        base = Path(path).resolve().parent
        for section, table in doc.items():
            keys = _SECTIONS.get(section)
            if keys is None or not isinstance(table, dict):
                raise InputError(f"{shown(path)}: unknown section [{section}] (known: "
                                 f"{', '.join(sorted(_SECTIONS))})")
            for key, value in table.items():
                if key not in keys:
                    raise InputError(f"{shown(path)}: [{section}] has no key {key!r} (known: "
                                     f"{', '.join(sorted(keys))})")
                where = f"{shown(path)}: [{section}] {key}"
                if section == "retry":
                    retry[key] = _number(value, where)
                elif section == "ledger":
                    values["ledger"] = _text(value, where)
                else:
                    values[key] = _value(key, value, base, where)
    for key, value in overrides.items():
        if value is not None and key != "retry":
            values[key] = Path(value) if key in _PATH_KEYS else value
    policy = RetryPolicy(**retry)
    if policy.attempts < 1 or policy.initial < 0 or policy.max < 0 or policy.jitter < 0:
        raise InputError(f"{shown(path or 'claimkit.toml')}: [retry] values must be positive")
    config = WatchConfig(**values, retry=policy)
    if config.fail_on not in _SEVERITIES:
        raise InputError(f"fail_on = {config.fail_on!r}: expected one of "
                         f"{', '.join(_SEVERITIES)}")
    if config.settle < 0 or config.poll < 0:
        raise InputError("settle and poll must be zero or more seconds")
    return config


def _value(key: str, value: Any, base: Path, where: str) -> Any:
    if key in _PATH_KEYS:
        return base / Path(_text(value, where)).expanduser()
    if key == "payer_profile":  # a bundled name, or a TOML file next to the config
        text = _text(value, where)
        return str(base / text) if (base / text).is_file() else text
    if key in ("settle", "poll"):
        return _number(value, where)
    if key in ("select", "ignore"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InputError(f"{where}: expected a list of rule ids or categories")
        return tuple(value)
    if key == "validate":
        if not isinstance(value, bool):
            raise InputError(f"{where}: expected true or false")
        return value
    return _text(value, where)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise InputError(f"{where}: expected a non-empty string")
    return value


def _number(value: Any, where: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{where}: expected a number")
    return value
