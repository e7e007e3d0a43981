"""One file through the pipeline, step by step, resumable after a crash at any point.

The steps, each recorded in the journal before the next begins:

1. ``seen``: the file's sha256 is known. Content already processed is a duplicate.
2. ``processing``: the kind (837 or 835) is known; outputs are built in hidden staging
   folders (``<target>/.claimkit-staging/<stem>.<sha12>/``) next to their targets,
   each file atomically (:class:`~x12core.fileio.OutputSet`). A crash here leaves only
   staging, which the resumed run throws away and builds again.
3. ``staged``: every output is complete in staging. Publishing renames each one to its
   final name, derived from the input name and the sha256 prefix, so a resumed run
   finds what is already published and renames only the rest: nothing twice.
4. ``outputs-written``: optional ledger ingest, then the input moves to
   ``ARCHIVE/YYYY-MM-DD/`` (the path is chosen and recorded before the move).
5. ``archived`` → ``done``.

A permanent error (bad X12, the wrong transaction set, anything that is not a transient
I/O error) before step 4 moves the input to FAILED with ``<name>.reason.txt`` (one line):
``failing`` (destination recorded) → ``failed`` → ``done``.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from edi837.scan import Scanner, ScanOptions
from edi837.split_run import SplitTargets, run_split
from pipeline import retry
from pipeline.config import WatchConfig
from pipeline.files import (
    STAGING,
    base_name,
    error_text,
    file_hash,
    free_name,
    move,
    sniff,
    staged_path,
)
from pipeline.journal import Entry, Journal
from x12core.errors import InputError
from x12core.fileio import atomic_write, shown, sync_directory
from x12core.findings import Severity

Log = Callable[[dict[str, Any]], None]


@dataclass
class Outcome:
    """How one input ended: ``archived``, ``failed``, ``duplicate`` or ``vanished``."""

    file: str
    sha256: str
    outcome: str
    kind: str | None = None
    claims: int = 0
    held: int = 0
    outputs: list[str] = field(default_factory=list)
    dest: str | None = None
    reason: str | None = None
    duration_s: float = 0.0

    @property
    def needs_attention(self) -> bool:
        """Held claims, an unbalanced remit, or a file that was not processed: exit 1."""
        return self.outcome != "archived" or self.held > 0 or bool(self.reason)

    def record(self) -> dict[str, Any]:
        return {"event": "file", "file": self.file, "sha256": self.sha256, "kind": self.kind,
                "claims": self.claims, "held": self.held, "duration_s": self.duration_s,
                "outcome": self.outcome, "dest": self.dest, "outputs": self.outputs,
                "reason": self.reason}


def _no_log(_record: dict[str, Any]) -> None:
    pass


class Pipeline:
    """The folders, scan options and journal, prepared once for any number of files."""

    def __init__(self, config: WatchConfig, journal: Journal | None = None,
                 log: Log | None = None) -> None:
        self.config = config.resolved()
        self.journal = journal or Journal(self.config.state_path())
        self.log = log or _no_log
        self.options = ScanOptions(profile=self.config.payer_profile,
                                   select=self.config.select, ignore=self.config.ignore,
                                   fail_on=Severity.parse(self.config.fail_on),
                                   ptp_file=self.config.ptp_file, mue_file=self.config.mue_file,
                                   hcpcs_file=self.config.hcpcs_file)
        Scanner(self.options)  # a payer profile or data file that does not load: exit 2 now
        self._causes: Any = None
        self._ingest = _ledger_ingest(self.config.ledger)
        for folder in self._folders():
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise InputError(f"{shown(folder)}: cannot create the folder ({err.strerror})"
                                 ) from None

    def _folders(self) -> list[Path]:
        c = self.config
        return [p for p in (c.clean, c.held, c.acks, c.archive, c.failed, c.reports)
                if p is not None]

    # -- entry points ---------------------------------------------------------------------

    def process(self, path: Path) -> Outcome:
        """Take ``path`` (a complete file in the inbox) as far as it goes; resume if begun."""
        started = time.monotonic()
        path = Path(path)
        inbox = str(path.parent.resolve())
        sha256, size = self._retry("hash", file_hash, path)
        entry = self.journal.open_entry(inbox, path.name, sha256)
        if entry is None:
            entry = self.journal.add(inbox, path.name, sha256, size, date.today().isoformat())
            self._step_log(entry, "seen", started)
        else:
            self._step_log(entry, f"resume:{entry.state}", started)
        return self._run(entry, path, started)

    def recover(self) -> list[Outcome]:
        """Finish journal entries whose input already left the inbox (crash after a move)."""
        done = []
        inbox = self.config.inbox
        assert inbox is not None
        for entry in self.journal.unfinished(str(inbox.resolve())):
            path = inbox / entry.name
            if path.exists():
                continue  # the sweep will resume it
            self._step_log(entry, f"resume:{entry.state}", time.monotonic())
            try:
                done.append(self._run(entry, path, time.monotonic()))
            except Exception as err:  # e.g. an input removed by hand mid-way: say so, go on
                self.log({"event": "error", "step": f"resume:{entry.state}", "file": entry.name,
                          "sha256": entry.sha256, "error": error_text(err)})
        return done

    # -- the steps ------------------------------------------------------------------------

    def _run(self, entry: Entry, path: Path, started: float) -> Outcome:
        try:
            if entry.state == "seen":
                if not path.exists():
                    return self._finish(entry, "vanished", started)
                earlier = self.journal.processed(entry.sha256, entry.id)
                if earlier is not None:
                    reason = (f"duplicate: same content (sha256 {entry.sha256[:12]}) as "
                              f"{earlier.name}, processed {earlier.day}; not sent again")
                    return self._fail(entry, path, reason, started, duplicate=True)
                kind = self._retry("sniff", sniff, path)
                entry = self._step(entry, "processing", started, kind=kind)
            if entry.state == "processing":
                if not path.exists():
                    self._drop_staging(entry)
                    return self._finish(entry, "vanished", started)
                retry.crash_point("before-split")
                outputs, claims, held, note = self._retry("split", self._stage, entry, path)
                retry.crash_point("after-stage")
                entry = self._step(entry, "staged", started, outputs=outputs, claims=claims,
                                   held=held, reason=note)
        except Exception as err:  # permanent: the file goes to FAILED
            self._drop_staging(entry)
            if retry.is_transient(err):
                raise  # retried to the end but not the file's fault: it stays in the inbox
            return self._fail(entry, path, error_text(err), started)
        if entry.state == "staged":
            self._retry("publish", self._publish, entry)
            retry.crash_point("after-publish")
            entry = self._step(entry, "outputs-written", started,
                               dest=str(self._archive_dest(entry, path)))
        if entry.state == "outputs-written":
            assert entry.dest is not None
            if not path.exists() and not Path(entry.dest).exists():
                return self._finish(entry, "vanished", started)  # removed by hand mid-way
            if self._ingest is not None and path.exists():
                # Idempotent in the ledger (same sha256 is a no-op), so a resumed run may repeat it.
                self._retry("ingest", self._ingest, self.config.ledger, path)
                retry.crash_point("after-ingest")
            self._retry("archive", move, path, Path(entry.dest))
            retry.crash_point("after-archive")
            entry = self._step(entry, "archived", started)
        if entry.state == "archived":
            return self._finish(entry, "archived", started)
        if entry.state in ("failing", "failed"):
            return self._fail(entry, path, entry.reason or "failed", started,
                              duplicate=entry.dest is not None and "duplicates" in
                              Path(entry.dest).parent.name)
        raise AssertionError(f"journal state {entry.state!r}")  # pragma: no cover

    def _stage(self, entry: Entry, path: Path) -> tuple[list[list[str]], int, int, str | None]:
        """Build every output in staging; return ``[staged, final]`` pairs and the counts."""
        self._drop_staging(entry)
        base = base_name(entry)
        c = self.config
        if entry.kind == "835":
            return self._stage_remit(entry, path, base)
        assert c.clean is not None and c.held is not None
        finals: dict[str, Path | None] = {
            "clean": c.clean / f"{base}.clean.837", "held": c.held / f"{base}.held.837",
            "report": c.held / f"{base}.held.json",
            "ack": c.acks / f"{base}.999" if c.acks else None,
            "claim_ack": c.acks / f"{base}.277ca" if c.acks else None}
        staged = {role: staged_path(p, base) if p else None for role, p in finals.items()}
        for p in staged.values():
            if p is not None:
                p.parent.mkdir(parents=True, exist_ok=True)
        summary = run_split(path, SplitTargets(**staged), self.options,  # type: ignore[arg-type]
                            validate=c.validate, force=True)
        pairs = [[str(s), str(finals[role])] for role, s in staged.items()
                 if s is not None and s.exists()]
        return pairs, int(summary["claims"]), int(summary["held"]["claims"]), None

    def _stage_remit(self, entry: Entry, path: Path, base: str
                     ) -> tuple[list[list[str]], int, int, str | None]:
        from remit835.causes import CauseMap
        from remit835.parse import check_835
        from remit835.report import has_errors, remit_report
        from x12core.render import render

        assert self.config.reports is not None
        check_835(path)
        if self._causes is None:
            self._causes = CauseMap.load(self.config.causes)
        final = self.config.reports / f"{base}.remit.json"
        staged = staged_path(final, base)
        staged.parent.mkdir(parents=True, exist_ok=True)
        report, totals = remit_report([path], self._causes)
        with atomic_write(staged, "w", encoding="utf-8", newline="") as out:
            render(report, "json", out, schema="remit")
        note = (f"remit does not balance ({totals.unbalanced} balancing error(s)) or its "
                "envelope is broken; see the report" if has_errors(totals) else None)
        return [[str(staged), str(final)]], totals.claims, 0, note

    def _publish(self, entry: Entry) -> None:
        """Rename each staged output to its final name; those already renamed are skipped."""
        for n, (staged, final) in enumerate(entry.outputs):
            if os.path.exists(staged):
                os.replace(staged, final)
                sync_directory(os.path.dirname(final) or ".")
                if n == 0:
                    retry.crash_point("mid-publish")
            elif not os.path.exists(final):
                raise InputError(f"{shown(final)}: staged output is missing; the journal "
                                 f"at {self.journal.path} says it was built")
        self._drop_staging(entry)

    def _archive_dest(self, entry: Entry, path: Path) -> Path:
        assert self.config.archive is not None
        return free_name(self.config.archive / entry.day, path.name, entry.sha256)

    def _fail(self, entry: Entry, path: Path, reason: str, started: float, *,
              duplicate: bool = False) -> Outcome:
        """Move the input to FAILED (or FAILED/duplicates) with ``<name>.reason.txt``."""
        if entry.state not in ("failing", "failed"):
            assert self.config.failed is not None
            folder = self.config.failed / "duplicates" if duplicate else self.config.failed
            dest = free_name(folder, path.name, entry.sha256)
            entry = self._step(entry, "failing", started, dest=str(dest), reason=reason)
        assert entry.dest is not None
        dest = Path(entry.dest)
        if entry.state == "failing":
            dest.parent.mkdir(parents=True, exist_ok=True)
            with atomic_write(dest.with_name(dest.name + ".reason.txt"), "w") as out:
                out.write((entry.reason or reason).replace("\n", " ") + "\n")
            if path.exists() or not dest.exists():
                self._retry("fail-move", move, path, dest)
            retry.crash_point("after-fail-move")
            entry = self._step(entry, "failed", started)
        return self._finish(entry, "duplicate" if duplicate else "failed", started)

    def _finish(self, entry: Entry, outcome: str, started: float) -> Outcome:
        entry = self._step(entry, "done", started, outcome=outcome)
        result = Outcome(file=entry.name, sha256=entry.sha256, outcome=outcome,
                         kind=entry.kind, claims=entry.claims or 0, held=entry.held or 0,
                         outputs=[final for _staged, final in entry.outputs
                                  if outcome == "archived"],
                         dest=entry.dest, reason=entry.reason,
                         duration_s=round(time.monotonic() - started, 4))
        self.log(result.record())
        return result

    # -- helpers --------------------------------------------------------------------------

    def _step(self, entry: Entry, state: str, started: float, **values: Any) -> Entry:
        entry = self._retry("journal", self.journal.step, entry, state, **values)
        self._step_log(entry, state, started)
        return entry

    def _step_log(self, entry: Entry, step: str, started: float) -> None:
        self.log({"event": "step", "step": step, "file": entry.name, "sha256": entry.sha256,
                  "kind": entry.kind, "claims": entry.claims, "held": entry.held,
                  "duration_s": round(time.monotonic() - started, 4),
                  "outcome": entry.outcome})

    def _retry(self, step: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        name = next((str(a) for a in args if isinstance(a, Path)), None)

        def on_retry(attempt: int, err: BaseException, wait: float) -> None:
            self.log({"event": "retry", "step": step, "file": name, "attempt": attempt,
                      "error": error_text(err), "wait_s": round(wait, 3)})

        return retry.call(self.config.retry, on_retry, fn, *args, **kwargs)

    def _drop_staging(self, entry: Entry) -> None:
        base = base_name(entry)
        for folder in self._folders():
            shutil.rmtree(folder / STAGING / base, ignore_errors=True)
            with contextlib.suppress(OSError):
                (folder / STAGING).rmdir()  # only when empty


def process_file(path: str | os.PathLike[str], config: WatchConfig,
                 log: Log | None = None) -> Outcome:
    """Run one file through the pipeline (the library form of ``claimkit watch``).

    Uses (and updates) the same journal as the watcher, so a file already processed is
    a duplicate here too.
    """
    pipeline = Pipeline(config, log=log)
    try:
        return pipeline.process(Path(path))
    finally:
        pipeline.journal.close()


def _ledger_ingest(db: str | None) -> Callable[[str, Path], Any] | None:
    """The ledger step: ``ledger.ingest.ingest_file`` into the ledger ``db`` (a file path or
    a ``postgresql://`` URL, as ``claimkit ingest --db``). One engine for the run; a file
    already in the ledger (same sha256) is a no-op, so a resumed run may repeat the step."""
    if db is None:
        return None
    try:
        ingest = importlib.import_module("ledger.ingest")
        ledger_db = importlib.import_module("ledger.db")
    except ImportError:
        raise InputError(f"ledger {db}: the ledger package (claimkit ingest) is not part of "
                         "this installation; remove --ledger / [ledger] db") from None
    engine = ledger_db.open_engine(db)

    def run(_db: str, path: Path) -> Any:
        return ingest.ingest_file(engine, path)

    return run
