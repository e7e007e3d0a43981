"""Scan with several processes (``--workers``) or a Dask cluster (``--scheduler``).

Each file is cut into chunks (:mod:`x12core.chunks`: at ST, and inside a large
transaction set at 2000A/2000B loops). A chunk task reads its bytes, runs the same
envelope walk, claim builder and rules as :class:`~edi837.scan.FileScan`, and hands
back compact results: per claim the contract record, its findings and its byte
range (a whole :class:`~edi837.model.Claim` is not sent back: it is large to pickle).

The results are identical to a one-process scan, and that is checked, not assumed:

* the state a chunk ends in (segment count, line, transaction position, delimiters,
  envelope counters, open headers) must equal what the next chunk was predicted to
  start from; if not, that chunk is scanned again here from the true state;
* cross-claim checks (duplicates, MUE units across a patient's claims) read the
  run's index of earlier claims. A chunk starts from an empty index and hands back
  the entries it touched; if an earlier chunk of the run touched any of them too,
  the chunk is scanned again here with those entries loaded. The keys are the
  patient and date as text (:func:`edi837.run_index.encounter`), the same in every
  process.

Results come back in file order, at most ``2 x workers`` chunks ahead, so memory
stays bounded however large the run.
"""

from __future__ import annotations

import os
import pickle
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from edi837.report import ClaimBlock, claim_record
from edi837.run_index import PROTOCOL as _PROTOCOL
from edi837.run_index import RunIndex
from edi837.scan import (
    ClaimResult,
    FileScan,
    ResultView,
    Scanner,
    ScanOptions,
    claim_groups,
    preflight,
)
from x12core.census import Tally, unread_claims_finding
from x12core.chunks import Chunk, ChunkEnd, ChunkReader, chunk_size, iter_plan, restarted
from x12core.envelope import Envelope
from x12core.errors import InputError
from x12core.findings import Finding
from x12core.outdir import Part, Sink
from x12core.parallel import Handle, Pool
from x12core.pickling import fast_pickle
from x12core.remote import is_url, open_binary, size
from x12core.render import ITEM_SEPARATOR, encode_item


@fast_pickle
@dataclass(frozen=True, slots=True)
class ClaimStub:
    """What the reports read of a claim scanned in another process."""

    id: str
    start_offset: int
    end_offset: int
    first_index: int
    last_index: int


@fast_pickle
@dataclass(frozen=True, slots=True)
class RecordResult(ResultView):
    """A :class:`~edi837.scan.ClaimResult` as a chunk task hands it back."""

    claim: ClaimStub  # type: ignore[assignment]
    findings: tuple[Finding, ...]
    status: str
    profile: str
    record: dict[str, Any]  # claim_record() of the full result, made in the task


@fast_pickle
@dataclass(frozen=True, slots=True)
class ChunkScan:
    """One chunk's results."""

    results: list[RecordResult]
    transaction_findings: list[Finding]  # X12-TXN: transaction sets that are not 837
    envelope_findings: list[Finding]
    end: ChunkEnd
    # run-index entries the chunk read or wrote, each pickled (pickle.dumps) by the task:
    # the submitting process keeps and spills them as bytes and unpickles only the few
    # that an earlier chunk touched too
    touched: dict[str, bytes]
    consulted: dict[Any, Any]  # code-table datasets consulted (the report's reference_data)
    census: tuple[int, int, tuple[int, int] | None]  # CLM segments in its bytes, missed, first
    part: Part | None = None  # --out-dir: the part the task wrote (its records not sent back)
    block: ClaimBlock | None = None  # -f json: the claims, encoded (``results`` is empty)


_SCANNERS: dict[bytes, Scanner] = {}


def scan_chunk(options: ScanOptions, chunk: Chunk,
               preload: dict[str, object] | None = None) -> ChunkScan:
    """The task: scan one chunk with this process's :class:`Scanner` for ``options``."""
    key = pickle.dumps(options)
    scanner = _SCANNERS.get(key)
    if scanner is None:
        scanner = _SCANNERS[key] = Scanner(options)
    return run_chunk(scanner, chunk, preload)


def run_chunk(scanner: Scanner, chunk: Chunk,
              preload: dict[str, object] | None = None) -> ChunkScan:
    """Scan ``chunk`` with ``scanner``, from an index holding only ``preload``."""
    engine = scanner.engine
    saved = engine.index
    index = engine.index = RunIndex()
    index.chunked = True
    try:
        if preload:
            index.load(preload)
        reader = ChunkReader(chunk)
        envelope = Envelope(reader, chunk.path)
        envelope.partial = not chunk.final
        replayed = [0]

        def on_body() -> None:
            # The headers were walked again to rebuild the open interchange/group/
            # transaction; what they reported belongs to the chunk that holds them.
            if chunk.envelope is not None:
                envelope.restore(chunk.envelope)
            replayed[0] = len(envelope.findings)

        reader.on_body = on_body
        fail_on = scanner.options.fail_on
        encode = scanner.options.json_records
        results: list[RecordResult] = []
        items: list[str] = []  # -f json: the claims' items, encoded here
        counts: dict[tuple[int, str, str], int] = {}  # ... and their findings counted
        offsets: list[int] = []
        held = end_offset = 0
        txn_findings: list[Finding] = []
        start = chunk.body.start
        for group in claim_groups(envelope, chunk.path, txn_findings):
            if group[0].start_offset < start:  # built from replayed headers: not ours
                group = [c for c in group if c.start_offset >= start]
                if not group:
                    continue
            for claim, (profile, findings) in zip(group, engine.check(group), strict=True):
                status = "held" if any(f.severity >= fail_on for f in findings) else "clean"
                full = ClaimResult(claim, tuple(findings), status, profile.name)
                offsets.append(claim.start_offset)
                if encode:
                    items.append(encode_item(claim_record(full)))
                    held += status == "held"
                    end_offset = claim.end_offset
                    for f in findings:
                        key = (int(f.severity), f.rule, f.name)
                        counts[key] = counts.get(key, 0) + 1
                    continue
                results.append(RecordResult(
                    ClaimStub(claim.id, claim.start_offset, claim.end_offset,
                              claim.first_index, claim.last_index),
                    full.findings, status, profile.name, claim_record(full)))
        end = reader.end(envelope.snapshot(), envelope.headers())
        ref = scanner.engine.tables.ref
        tally = chunk.census("CLM")  # the bytes' own CLM count (x12core.census), here too
        for offset in offsets:
            tally.read(offset)
        tally.finish()
        block = None
        if encode and items:
            block = ClaimBlock(ITEM_SEPARATOR.join(items).encode(), len(items), held,
                               tuple((*key, n) for key, n in counts.items()), end_offset)
        return ChunkScan(results, txn_findings, envelope.findings[replayed[0]:], end,
                         dict(index.pickled()), dict(ref.consulted) if ref is not None else {},
                         tally.counts(), block=block)
    finally:
        index.close()
        engine.index = saved


class ParallelScanner:
    """A :class:`Scanner` whose :meth:`scan` spreads each file over a :class:`Pool`.

    ``scan`` returns objects with :class:`~edi837.scan.FileScan`'s interface (iterate
    for results; then ``file_findings``, ``claims``, ``held``, ``claim_segments``), so
    reports, ``split`` and the audit take either.
    """

    def __init__(self, options: ScanOptions, pool: Pool, chunk_bytes: int | None = None,
                 task: Callable[..., ChunkScan] | None = None, sink: Sink | None = None
                 ) -> None:
        self.scanner = Scanner(options)  # loads and checks everything before any work
        self.options = options
        self.engine = self.scanner.engine
        self.pool = pool
        self.chunk_bytes = chunk_bytes
        self.task = task or scan_chunk  # what a worker runs: scan_chunk(options, chunk)
        self._queue: deque[tuple[ParallelFileScan, Chunk, Handle]] = deque()
        # Files still to submit, each with its chunks as the pre-scan cuts them (lazily: the
        # first chunks are at work while the rest of the file is pre-scanned).
        self._pending: deque[tuple[ParallelFileScan, Iterator[Chunk]]] = deque()
        # The run's index of what earlier chunks touched (and files scanned here), the
        # chunks' entries kept as the tasks pickled them (unpickled only if a later chunk
        # touches the same key).
        self.index = self.engine.index
        self.reruns = 0  # chunks scanned again here (a misprediction or a shared patient)
        self.sink = sink  # --out-dir: tasks write their rows there (x12core.outdir)
        self.parts: list[Part] = []  # ... the parts, in run order, once settled

    def scan(self, path: str | os.PathLike[str], full: bool = False
             ) -> FileScan | ParallelFileScan | JoinedFileScan:
        """A scan of ``path``; ``full``: results carry the whole claim (split, audit).

        ``path`` may be a URL (:mod:`x12core.remote`): it is then always read in chunks,
        each task fetching its own byte ranges, as it is with ``--out-dir`` (``sink``);
        with ``--validate`` it is read here, as a stream (pyx12 reads a local copy).
        """
        name = os.fspath(path)
        if self.options.validate:
            if self.sink is not None:
                raise InputError(f"{name}: --validate reads a file whole in one process; it "
                                 "cannot be combined with --out-dir")
            # pyx12 validates a file whole (a URL: a local copy of it), here; its findings
            # are placed on claims as the walk goes, so such a file is scanned here.
            return self.scanner.scan(path)
        chunked = self.sink is not None or is_url(name)
        if not self.pool.parallel and not chunked:
            return self.scanner.scan(path)
        if is_url(name):
            with open_binary(name) as head:
                preflight(name, head)
        else:
            preflight(path)
        target = self.chunk_bytes or chunk_size(size(name), self.pool.width)
        scan = ParallelFileScan(self, name)
        self._pending.append((scan, iter_plan(name, target)))
        return JoinedFileScan(scan) if full else scan

    # -- the pipeline ------------------------------------------------------
    def _fill(self) -> None:
        while self._pending and len(self._queue) < 2 * self.pool.width:
            scan, chunks = self._pending[0]
            chunk = next(chunks, None)
            if chunk is None:
                self._pending.popleft()
                continue
            if self.sink is not None:
                from edi837.scan_outdir import scan_chunk_to

                handle = self.pool.submit(scan_chunk_to, self.sink, self.task, self.options,
                                          chunk)
            else:
                handle = self.pool.submit(self.task, self.options, chunk)
            self._queue.append((scan, chunk, handle))

    def next_result(self, scan: ParallelFileScan) -> tuple[Chunk, Any] | None:
        """``scan``'s next chunk and its task's result, in file order; None after its last.

        Files are submitted in the order they were asked for and read in that order, so
        the head of the queue is ``scan``'s next chunk unless ``scan`` has no more."""
        self._fill()
        if not self._queue or self._queue[0][0] is not scan:
            assert not any(s is scan for s, _ in self._pending), "files are read in order"
            return None
        _, chunk, handle = self._queue.popleft()
        result = handle.result()
        self._fill()
        return chunk, result

    def settle(self, chunk: Chunk, result: ChunkScan, previous: ChunkEnd | None) -> ChunkScan:
        """Check a chunk's result against the run so far; scan it again here if needed."""
        updates = None
        if previous is not None and not previous.matches(chunk):
            result = self._rescan(restarted(chunk, previous), result.touched)
        else:
            updates = self._merged(result.touched)
            if updates is None:  # an earlier chunk's entries change this chunk's findings
                result = self._rescan(chunk, result.touched)
        for key, value in (updates if updates is not None else result.touched).items():
            self.index.put(key, value)
        ref = self.engine.tables.ref
        if ref is not None:
            for key, dataset in result.consulted.items():
                ref.consulted.setdefault(key, dataset)
        if self.sink is not None:
            if result.part is None:  # scanned again here: its part is rewritten here
                from edi837.scan_outdir import with_part

                result = with_part(self.sink, chunk, result)
            assert result.part is not None
            self.parts.append(result.part)
        return result

    def _merged(self, touched: dict[str, bytes]) -> dict[str, bytes] | None:
        """The run index entries after this chunk, or None when the chunk must be rescanned.

        A chunk ran from an empty index. Where an earlier chunk left an entry for the same
        patient and date, the chunk's findings still stand unless it repeats a line
        signature of that entry (a duplicate, R837-090) or the earlier 96372 units plus
        its own highest running total pass the lowest MUE it met (R96372-040); the entry
        is then the union, units added, exactly as a one-process run leaves it.
        """
        shared = self.index.get_many(touched) if len(self.index) else None
        if not shared:
            return touched
        out = dict(touched)
        for key, blob in shared.items():
            merged = _merge_entry(pickle.loads(blob), pickle.loads(touched[key]))
            if merged is None:
                return None
            out[key] = pickle.dumps(merged, _PROTOCOL)
        return out

    def _rescan(self, chunk: Chunk, touched: dict[str, bytes]) -> ChunkScan:
        """Scan ``chunk`` here with the run's entries for every key it touches loaded.

        The keys come from the first attempt; a rescan from another start state may touch
        others, so it goes again until none of its keys is missing from what was loaded
        (its entries then are the run's, and replace the index's).
        """
        known = self._known(touched)
        while True:
            result = run_chunk(self.scanner, chunk, known)
            self.reruns += 1
            missing = {k: v for k, v in self._known(result.touched).items() if k not in known}
            if not missing:
                return result
            known.update(missing)

    def _known(self, touched: dict[str, bytes]) -> dict[str, object]:
        if not len(self.index):
            return {}
        return {key: pickle.loads(blob) for key, blob in self.index.get_many(touched).items()}


def _merge_entry(earlier: object, mine: object) -> dict[object, object] | None:
    """One patient-and-date entry after a chunk (see :meth:`ParallelScanner._merged`);
    None when the chunk's findings depend on the earlier entry."""
    if not isinstance(earlier, dict) or not isinstance(mine, dict):
        return None
    merged = dict(earlier)
    for name, value in mine.items():
        kind = name[0] if isinstance(name, tuple) else None
        if kind == "mue":
            units = earlier.get(name)
            if units:
                peak = mine.get(("mue-peak", name[1]), value)
                limit = mine.get(("mue-limit", name[1]))
                if limit is None or max(units + peak, peak) > limit:
                    return None
                merged[name] = units + value
            else:
                merged[name] = value
        elif kind in ("mue-peak", "mue-limit"):
            merged.setdefault(name, value)
        elif name in earlier:  # the same line signature (or anything unknown)
            return None
        else:
            merged[name] = value
    return merged


class ParallelFileScan:
    """One file scanned chunk by chunk; iterate once, as :class:`FileScan`."""

    def __init__(self, owner: ParallelScanner, path: str) -> None:
        self.owner = owner
        self.scanner = owner.scanner
        self.path = path
        self.file_findings: list[Finding] = []
        self.claims = 0
        self.held = 0
        self.claim_segments = 0

    def __iter__(self) -> Iterator[RecordResult | ClaimBlock]:
        tally = Tally.empty()
        txn: list[Finding] = []
        envelope: list[Finding] = []
        previous: ChunkEnd | None = None
        while (got := self.owner.next_result(self)) is not None:
            chunk, result = got
            result = self.owner.settle(chunk, result, previous)
            previous = result.end
            tally.add(result.census)
            for r in result.results:
                self.claims += 1
                self.held += r.held
                yield r
            if result.block is not None:
                self.claims += result.block.claims
                self.held += result.block.held
                yield result.block
            txn.extend(result.transaction_findings)
            envelope.extend(result.envelope_findings)
        self.claim_segments = tally.total
        # The order FileScan builds them in, then the same stable sort.
        self.file_findings.extend(txn)
        if tally.missed:
            self.file_findings.append(unread_claims_finding(self.path, tally, "CLM"))
        self.file_findings.extend(envelope)
        self.file_findings.sort(key=lambda f: f.location.segment_index or 0)


class JoinedFileScan:
    """Full :class:`~edi837.scan.ClaimResult` values: claims built here, judged by the pool.

    Building a claim is the cheap part of a scan, and a whole claim is costly to send
    between processes; so this process reads the file's claims again (no rules) and
    pairs each with the findings the chunk tasks sent back, checking they are the same
    claim (CLM byte offset).
    """

    def __init__(self, scan: ParallelFileScan) -> None:
        self.inner = scan
        self.scanner = scan.scanner
        self.path = scan.path

    def __getattr__(self, name: str) -> Any:  # file_findings, claims, held, claim_segments
        return getattr(self.inner, name)

    def __iter__(self) -> Iterator[ClaimResult]:
        from x12core.reader import SegmentReader

        envelope = Envelope(SegmentReader(self.path), self.path)
        claims = (c for group in claim_groups(envelope, self.path, []) for c in group)
        for result in self.inner:
            claim = next(claims, None)
            if claim is None or claim.start_offset != result.claim.start_offset:
                raise RuntimeError(f"{self.path}: claim at byte {result.claim.start_offset} "
                                   "read differently by the chunk tasks")
            yield ClaimResult(claim, result.findings, result.status, result.profile)
