"""``claimkit scan --out-dir``: each chunk task writes its claims' rows (:mod:`x12core.outdir`).

The task scans its chunk as :func:`edi837.scan_parallel.scan_chunk` does, writes the
JSONL rows of its claims (one per finding, as ``-f jsonl`` prints them) to its part,
and sends back the claims without their records: the findings (for the totals and
the exit code), the state it ended in and the run-index entries it touched, which the
parent still needs to check the chunk against the run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from edi837.report import finding_rows
from edi837.scan import ScanOptions
from edi837.scan_parallel import ChunkScan, RecordResult, scan_chunk
from x12core.chunks import Chunk
from x12core.outdir import Part, Sink


def scan_chunk_to(sink: Sink, task: Callable[..., ChunkScan] | None, options: ScanOptions,
                  chunk: Chunk) -> ChunkScan:
    """The task: ``task(options, chunk)`` (default :func:`scan_chunk`), its rows written to
    the chunk's part; the result comes back without the claim records."""
    result = (task or scan_chunk)(options, chunk)
    return with_part(sink, chunk, result)


def with_part(sink: Sink, chunk: Chunk, result: ChunkScan) -> ChunkScan:
    """Write ``result``'s rows to ``chunk``'s part; ``result`` with the part, records dropped."""
    part = write_part(sink, chunk, result.results)
    slim = [replace(r, record={}) for r in result.results]
    return replace(result, results=slim, part=part)


def write_part(sink: Sink, chunk: Chunk, results: list[RecordResult]) -> Part:
    reference = str(sink.context.get("reference", ""))

    def rows() -> Iterator[dict[str, Any]]:
        for r in results:
            yield from finding_rows(r.record, reference)

    return sink.write(sink.part_name(chunk.path, chunk.number), rows(), claims=len(results),
                      file=chunk.path, chunk=chunk.number,
                      byte_range=(chunk.body.start, chunk.body.end))
