"""Watch the inbox: notice complete files and run each through :class:`Pipeline`.

A file is taken when its size and mtime have not changed for ``settle`` seconds of
observation. Hidden names (``.*``), ``*.tmp`` and ``*.part`` are never taken (writers
use them while a file is incomplete), nor are subfolders. ``watchfiles`` wakes the loop
on changes (``force_polling`` when ``poll`` is set, for network filesystems); a sweep
of the folder on every wake and tick means nothing depends on an event arriving.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pipeline.process import Log, Outcome, Pipeline
from x12core.errors import InputError
from x12core.fileio import shown

IGNORED_SUFFIXES = (".tmp", ".part")


class StopFlag(Protocol):
    def is_set(self) -> bool: ...


def ignored(name: str) -> bool:
    return name.startswith(".") or name.lower().endswith(IGNORED_SUFFIXES)


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    since: float
    looks: int = 1


@dataclass
class RunSummary:
    """What a run did: for the exit code of ``--once`` and the last log line."""

    outcomes: list[Outcome] = field(default_factory=list)
    errors: int = 0

    @property
    def needs_attention(self) -> bool:
        return self.errors > 0 or any(o.needs_attention for o in self.outcomes)


class Watcher:
    """The loop around one :class:`Pipeline` and its inbox."""

    def __init__(self, pipeline: Pipeline, stop: StopFlag, log: Log) -> None:
        self.pipeline = pipeline
        self.config = pipeline.config
        assert self.config.inbox is not None
        self.inbox: Path = self.config.inbox
        self.stop = stop
        self.log = log
        self._seen: dict[str, _Seen] = {}
        self._errored: dict[str, tuple[tuple[int, int], float]] = {}
        self.summary = RunSummary()

    def run(self, once: bool = False) -> RunSummary:
        """Process until stopped (``once``: until every file present at start is handled)."""
        if not self.inbox.is_dir():
            raise InputError(f"{shown(self.inbox)}: the inbox is not a directory")
        self.summary.outcomes.extend(self.pipeline.recover())
        self.log({"event": "start", "inbox": str(self.inbox), "once": once,
                  "journal": str(self.pipeline.journal.path)})
        if once:
            while not self.stop.is_set() and self._sweep():
                time.sleep(self._tick())
        else:
            self._sweep()
            for _changes in self._events():
                if self.stop.is_set():
                    break
                self._sweep()
        self.log({"event": "stop", "files": len(self.summary.outcomes),
                  "errors": self.summary.errors})
        return self.summary

    def _tick(self) -> float:
        return max(0.05, min(self.config.settle / 4, 0.5))

    def _events(self) -> Iterator[Any]:
        import watchfiles

        poll = self.config.poll
        yield from watchfiles.watch(
            self.inbox, stop_event=self.stop, recursive=False, debounce=50, step=50,
            rust_timeout=int(self._tick() * 1000), yield_on_timeout=True,
            force_polling=True if poll > 0 else None, poll_delay_ms=int(poll * 1000) or 300,
            raise_interrupt=False, watch_filter=None)

    def _sweep(self) -> bool:
        """Process every settled file; True while some file is still waiting to settle."""
        now = time.monotonic()
        ready: list[Path] = []
        present: set[str] = set()
        try:
            entries = sorted(os.scandir(self.inbox), key=lambda e: e.name)
        except OSError as err:
            self.log({"event": "error", "step": "sweep", "error": str(err)})
            return False
        waiting = False
        for item in entries:
            if ignored(item.name):
                continue
            try:
                if not item.is_file(follow_symlinks=False):
                    continue
                st = item.stat(follow_symlinks=False)
            except OSError:
                continue
            present.add(item.name)
            key = (st.st_size, st.st_mtime_ns)
            errored = self._errored.get(item.name)
            if errored is not None and errored[0] == key and now < errored[1]:
                continue  # failed in a way that is not the file's fault: try again later
            seen = self._seen.get(item.name)
            if seen is None or (seen.size, seen.mtime_ns) != key:
                self._seen[item.name] = _Seen(st.st_size, st.st_mtime_ns, now)
                waiting = True
                continue
            seen.looks += 1
            age = time.time() - st.st_mtime_ns / 1e9
            if (now - seen.since >= self.config.settle or age >= self.config.settle) \
                    and not open_for_writing(item.path):
                ready.append(Path(item.path))
            else:
                waiting = True
        for name in set(self._seen) - present:
            del self._seen[name]
        for path in ready:
            if self.stop.is_set():
                return False
            self._process(path)
        return waiting

    def _process(self, path: Path) -> None:
        self._seen.pop(path.name, None)
        try:
            outcome = self.pipeline.process(path)
        except Exception as err:  # not the file's fault (outbox gone, disk full for good)
            self.summary.errors += 1
            with contextlib.suppress(OSError):
                st = path.stat()
                later = time.monotonic() + max(60.0, self.config.retry.max * 2)
                self._errored[path.name] = ((st.st_size, st.st_mtime_ns), later)
            self.log({"event": "error", "file": path.name, "error":
                      " ".join(f"{type(err).__name__}: {err}".split()),
                      "outcome": "left-in-inbox"})
            return
        self.summary.outcomes.append(outcome)


def open_for_writing(path: str) -> bool:
    """Linux: does another process hold ``path`` open for writing? (Elsewhere: False.)

    Reads ``/proc/<pid>/fd`` and ``fdinfo`` of the processes this user may inspect;
    a writer of another user is not seen, so the settle period still applies.
    """
    proc = Path("/proc")
    if not (proc / "self" / "fdinfo").is_dir():
        return False
    try:
        target = os.stat(path)
    except OSError:
        return False
    me = str(os.getpid())
    for pid in os.listdir(proc):
        if not pid.isdigit() or pid == me:
            continue
        fds = proc / pid / "fd"
        try:
            names = os.listdir(fds)
        except OSError:
            continue
        for fd in names:
            try:
                st = os.stat(fds / fd)
                if (st.st_ino, st.st_dev) != (target.st_ino, target.st_dev):
                    continue
                info = (proc / pid / "fdinfo" / fd).read_text()
            except OSError:
                continue
            flags = next((int(line.split()[1], 8) for line in info.splitlines()
                          if line.startswith("flags:")), 0)
            if flags & os.O_ACCMODE in (os.O_WRONLY, os.O_RDWR):
                return True
    return False


class InboxLock:
    """One watcher per inbox: an exclusive lock file in the state dir (POSIX only)."""

    def __init__(self, state_dir: Path, inbox: Path) -> None:
        key = hashlib.sha256(str(inbox.resolve()).encode()).hexdigest()[:16]
        self.path = state_dir / f"watch-{key}.lock"
        self.handle: Any = None

    def __enter__(self) -> InboxLock:
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks; run one watcher per inbox
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(self.path, "a+")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.handle.close()
            raise InputError(f"{shown(self.path)}: another claimkit watch is already running "
                             "on this inbox") from None
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.handle is not None:
            self.handle.close()
