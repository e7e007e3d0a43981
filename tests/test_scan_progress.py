"""The scan's progress bar counts claims whether they come one by one or, from the chunk
tasks of ``-f json --workers``, as blocks (edi837.report.ClaimBlock)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from cli.scan import PROGRESS_EVERY, _Progress
from edi837.report import ClaimBlock


class _Bar:
    def __init__(self) -> None:
        self.completed: list[int] = []

    def update(self, task: object, completed: int) -> None:
        self.completed.append(completed)


def _progress() -> tuple[_Progress, _Bar]:
    progress = _Progress([], enabled=False)
    bar = _Bar()
    progress.bar, progress.task = bar, 1  # type: ignore[assignment]
    return progress, bar


def _one(end: int) -> Any:
    return SimpleNamespace(claim=SimpleNamespace(end_offset=end))


def test_claims_one_by_one_refresh_every_few_hundred() -> None:
    progress, bar = _progress()
    scan: Any = SimpleNamespace(path="a.837")
    for n in range(1, 2 * PROGRESS_EVERY + 1):
        progress.update(scan, _one(n * 10))
    assert bar.completed == [PROGRESS_EVERY * 10, 2 * PROGRESS_EVERY * 10]


def test_a_block_of_claims_moves_the_bar_by_its_bytes() -> None:
    progress, bar = _progress()
    scan: Any = SimpleNamespace(path="a.837")
    small = ClaimBlock(b"", PROGRESS_EVERY - 1, 0, (), 1000)
    progress.update(scan, small)
    assert bar.completed == []  # fewer claims than a refresh step
    progress.update(scan, ClaimBlock(b"", 3 * PROGRESS_EVERY, 0, (), 9000))
    assert bar.completed == [9000] and progress.count == 4 * PROGRESS_EVERY - 1
