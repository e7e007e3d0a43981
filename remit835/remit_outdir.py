"""``claimkit remit --out-dir``: each chunk task writes its claims' rows (:mod:`x12core.outdir`).

The task reads its chunk as :func:`remit835.parallel.remit_chunk` does, writes the
JSONL rows of its claim records (``remit835.report.rows``: one per adjustment, as
``-f jsonl`` prints them; the rows carry no ``correction``, which is decided in run
order by the parent) and sends back the records emptied: the parent keeps only the
claim ids, reversal flags and totals it adds up in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from remit835.causes import CauseMap
from remit835.parallel import RemitChunk, parallel_report, remit_chunk
from remit835.report import Totals, rows
from x12core.chunks import Chunk
from x12core.outdir import FINDINGS, Part, Sink, write_manifest
from x12core.parallel import Pool


@dataclass(frozen=True, slots=True)
class RemitPart(RemitChunk):
    """A chunk's result whose claim records went to ``part`` instead of coming back."""

    part: Part | None = None


def remit_chunk_to(sink: Sink, causes: CauseMap, chunk: Chunk, view: str = "records"
                   ) -> RemitPart:
    """The task (``view`` is ignored: the part holds the rows, nothing else comes back)."""
    result = remit_chunk(causes, chunk, "records")

    def all_rows() -> Any:
        for payload, _, _, _ in result.records:
            yield from rows(payload)

    part = sink.write(sink.part_name(chunk.path, chunk.number), all_rows(),
                      claims=len(result.records), file=chunk.path, chunk=chunk.number,
                      byte_range=(chunk.body.start, chunk.body.end))
    slim = [({}, offset, reversal, claim_id) for _, offset, reversal, claim_id in result.records]
    fields = {name: getattr(result, name) for name in RemitChunk.__dataclass_fields__}
    fields["records"] = slim
    return RemitPart(**fields, part=part)





def remit_to_dir(paths: Sequence[str], causes: CauseMap, pool: Pool, sink: Sink, fmt: str
                 ) -> tuple[list[Part], Path, Totals]:
    """The whole ``--out-dir`` run: chunk parts written by the tasks, then here the
    ``findings`` part (payment and file findings, known at the end) and the manifest."""
    parts: list[Part] = []

    def settled(_chunk: Chunk, result: RemitChunk) -> None:
        if not isinstance(result, RemitPart) or result.part is None:  # pragma: no cover
            raise RuntimeError("a remit chunk came back without its part")
        parts.append(result.part)

    report, totals = parallel_report(paths, causes, pool, "jsonl",
                                     task=partial(remit_chunk_to, sink), settled=settled)
    for _ in report.items:
        pass
    parts.append(sink.write(FINDINGS, report.extra_rows(), kind="findings"))
    manifest = write_manifest(sink, parts, report.summary(), report.extra(), fmt)
    return parts, manifest, totals
