"""Exceptions raised when a run cannot go on.

Problems *inside* a readable file are findings, not exceptions; these are for
input that cannot be read at all. The CLI turns them into one line on stderr and
exit code 2.
"""

from __future__ import annotations


class ClaimkitError(Exception):
    """Base class: the run cannot go on. ``str(err)`` is one line for the user."""


class NotX12Error(ClaimkitError):
    """The input is not an X12 interchange (no ISA, truncated ISA, binary data, empty)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: not an X12 file: {reason}")
        self.path = path
        self.reason = reason

    def __reduce__(self) -> tuple[object, ...]:
        # Raised in a worker process (--workers): it must cross back as it was.
        return (type(self), (self.path, self.reason))


class InputError(ClaimkitError):
    """A file is missing, unreadable, or a user-supplied data file is malformed."""
