"""A file-like X12 input produced as it is read: memory tests see only what the reader keeps."""

from __future__ import annotations

import io
from collections.abc import Callable


class GeneratedStream(io.RawIOBase):
    """``head`` + ``item(1)`` ... ``item(count)`` + ``tail``, generated on demand."""

    def __init__(self, head: str, item: Callable[[int], str], count: int, tail: str) -> None:
        self.item = item
        self.count = count
        self.tail = tail
        self.n = 0
        self.pending = head.encode()
        self.done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        while len(self.pending) < len(buffer) and not self.done:
            if self.n < self.count:
                self.n += 1
                self.pending += self.item(self.n).encode()
            else:
                self.pending += self.tail.encode()
                self.done = True
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size
