"""Where chunk tasks run: this process, a pool of local processes, or a Dask cluster.

``--workers N`` starts N worker processes on this machine (``fork``: they inherit the
imported modules, so a task starts at once); ``--scheduler tcp://host:8786`` (or
``CLAIMKIT_SCHEDULER``) sends the same tasks to an existing ``dask.distributed``
cluster, whose scheduler places them, retries them when a worker dies and shows them
on its dashboard. Tasks are plain functions of picklable arguments, so the two are
interchangeable; results are collected in submission order by the caller.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Protocol

from x12core.errors import InputError

SCHEDULER_ENV = "CLAIMKIT_SCHEDULER"


class Handle(Protocol):
    def result(self) -> Any: ...


def worker_count(value: str | int | None) -> int:
    """``--workers``: a positive number, or ``0``/``auto`` for every core of this machine."""
    if value is None:
        return 1
    text = str(value).strip().lower()
    if text in ("0", "auto"):
        return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                   else os.cpu_count() or 1)
    if not text.isdigit():
        raise InputError(f"--workers: expected a number of processes, 0 or auto; got {value!r}")
    return int(text)


class Pool:
    """Run tasks in this process (``width`` 1), in local processes, or on Dask."""

    def __init__(self, workers: int = 1, scheduler: str | None = None) -> None:
        self.workers = workers
        self.scheduler = scheduler
        self._local: ProcessPoolExecutor | None = None
        self._client: Any = None
        if scheduler:
            self._client = _connect(scheduler)
            info = self._client.scheduler_info()
            self.width = max(1, sum(w.get("nthreads", 1)
                                    for w in info.get("workers", {}).values()))
        elif workers > 1:
            self._local = ProcessPoolExecutor(
                max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                initializer=_worker_started, initargs=(os.getpid(),))
            # Start every worker now, before the caller starts threads (a progress bar).
            for f in [self._local.submit(os.getpid) for _ in range(workers)]:
                f.result()
            self.width = workers
        else:
            self.width = 1

    @property
    def parallel(self) -> bool:
        return self._local is not None or self._client is not None

    @property
    def local(self) -> bool:
        """Tasks run in processes of this machine (they can hand back files in its temp
        directory instead of sending their bytes)."""
        return self._local is not None

    def submit(self, fn: Callable[..., Any], *args: Any) -> Handle:
        if self._client is not None:
            # pure=False: the same chunk submitted twice (a re-run) is a new task.
            return self._client.submit(fn, *args, pure=False, retries=2)  # type: ignore[no-any-return]
        if self._local is not None:
            return self._local.submit(fn, *args)
        done: Future[Any] = Future()
        done.set_result(fn(*args))
        return done

    def close(self) -> None:
        if self._local is not None:
            self._local.shutdown(wait=True, cancel_futures=True)
            self._local = None
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _worker_started(parent: int) -> None:
    """A forked worker: default signal handling (the command's handlers turn a signal into
    a one-line exit in the parent; a worker is simply stopped), Ctrl-C left to the parent,
    and it goes with its parent (``parent``: its pid)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with(parent)


def _die_with(parent: int) -> None:
    """Linux: the kernel kills this worker when the submitting process dies, even by
    SIGKILL. Otherwise a worker outlives it, waiting for ever on its task queue (it holds
    an inherited write end of that pipe, so no end of file ever comes). The kernel acts
    when the *thread* that forked the worker ends: a pool is made and closed by one
    ``with`` block (cli.common), so that thread outlives it."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # pragma: no cover - no prctl: as before
        return
    if os.getppid() != parent:  # it died before the request took effect
        os._exit(1)


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _connect(address: str) -> Any:
    try:
        from dask.distributed import Client
    except ImportError:  # pragma: no cover - dask is a dependency
        raise InputError("--scheduler needs dask.distributed (pip install 'dask[distributed]')"
                         ) from None
    try:
        return Client(address, timeout="5s", set_as_default=False)
    except (OSError, TimeoutError) as err:
        raise InputError(f"--scheduler {address}: cannot reach the Dask scheduler ({err})"
                         ) from None
