"""Transient or permanent? Retries with tenacity, and the test hooks that inject faults.

Transient: an ``OSError`` whose errno says "try again" (a locked or busy file, a
network filesystem hiccup, a full disk or quota that may clear), a SQLite database
that is briefly locked, or a :class:`~x12core.errors.ClaimkitError` raised *because*
of such an ``OSError``. Everything else that is a ``ClaimkitError`` is permanent:
bad X12, a payer profile that does not parse; the file goes to FAILED at once.

Test hooks (environment variables, read when used; never set them in production):
``CLAIMKIT_WATCH_FAULT_READS=N`` makes the first N reads of an input fail with
EAGAIN; ``CLAIMKIT_WATCH_CRASH_AT=STEP`` ends the process with ``os._exit(99)`` at
that step (see :data:`CRASH_POINTS`), like a SIGKILL at a known place.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from pipeline.config import RetryPolicy
from x12core.errors import ClaimkitError

T = TypeVar("T")

TRANSIENT_ERRNOS = frozenset({errno.EAGAIN, errno.EBUSY, errno.EINTR, errno.ETIMEDOUT,
                              errno.ESTALE, errno.ENOSPC, errno.EDQUOT, errno.EIO,
                              errno.ENOLCK, errno.ETXTBSY})
CRASH_POINTS = ("before-split", "after-stage", "mid-publish", "after-publish",
                "after-ingest", "after-archive", "after-fail-move")


def is_transient(err: BaseException) -> bool:
    if isinstance(err, OSError):
        return err.errno in TRANSIENT_ERRNOS
    if isinstance(err, sqlite3.OperationalError):
        text = str(err).lower()
        return "locked" in text or "busy" in text
    if isinstance(err, ClaimkitError):
        cause = err.__cause__ or err.__context__
        return cause is not None and is_transient(cause)
    return False


def retrying(policy: RetryPolicy, on_retry: Callable[[int, BaseException, float], None]
             ) -> Retrying:
    """A tenacity controller: ``on_retry(attempt, error, wait_seconds)`` before each wait."""

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        if error is not None:
            on_retry(state.attempt_number, error, wait)

    return Retrying(retry=retry_if_exception(is_transient),
                    stop=stop_after_attempt(policy.attempts),
                    wait=wait_exponential(multiplier=policy.initial, max=policy.max)
                    + wait_random(0, policy.jitter),
                    before_sleep=before_sleep, reraise=True)


def call(policy: RetryPolicy, on_retry: Callable[[int, BaseException, float], None],
         fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)``, retried on transient errors under ``policy``."""
    return retrying(policy, on_retry)(fn, *args, **kwargs)


_faults = {"reads": 0}


def injected_read_fault(path: str) -> None:
    """Raise EAGAIN for the first ``CLAIMKIT_WATCH_FAULT_READS`` reads (tests only)."""
    wanted = int(os.environ.get("CLAIMKIT_WATCH_FAULT_READS", "0") or 0)
    if _faults["reads"] < wanted:
        _faults["reads"] += 1
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable (injected)", path)


def crash_point(step: str) -> None:
    """End the process at once at ``step`` when ``CLAIMKIT_WATCH_CRASH_AT`` names it."""
    if os.environ.get("CLAIMKIT_WATCH_CRASH_AT") == step:
        os._exit(99)
