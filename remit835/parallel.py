"""``claimkit remit`` with several processes (``--workers``) or on Dask (``--scheduler``).

835 files are cut at ST and, inside a large transaction set, at CLP (x12core.chunks):
a claim balances on its own (005010X221A1 section 1.10.2.1), so a claim check never
spans two chunks, but a payment's equation (BPR02 = sum of CLP04 - sum of PLB) does.
Each chunk task walks its payments exactly as :func:`remit835.report.file_outcomes`
does for a whole file, with its own :class:`~remit835.report.Totals`, and hands back
the claim records, those totals and the state it ended in. A payment the chunk holds
only part of (cut before its first claim or after its last) comes back as a
:class:`PaymentPart`: its sums so far, PLB and structure findings. Here the totals are
added up chunk by chunk in file order (counters add; first-seen order of categories
and codes is kept), and what spans chunks is decided in order: a payment's parts are
added up and it is balanced and reported when its last part arrives, in the place a
one-process run reports it; a claim is a correction when an earlier claim of the run
reversed its CLP01 (reversals may sit in an earlier chunk or file: a task marks the
corrections whose reversal it holds, and the rest are marked here). Envelope findings
follow a file's payment findings, as in a one-process run; a chunk whose predicted
start state was wrong is read again here.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal
from functools import partial
from typing import Any

from remit835.causes import CauseMap
from remit835.model import HeaderNumber, Payment, PaymentHeader, ProviderAdjustment
from remit835.parse import PaymentStream, RemitReader, balanced_payment
from remit835.report import (
    Report,
    Totals,
    _add_finding,
    _finding,
    claim_record,
    file_outcomes,
    remit_report,
    settle_payment,
)
from remit835.report_text import text_rows
from x12core.census import Tally, unread_claims_finding
from x12core.chunks import Chunk, ChunkEnd, ChunkReader, chunk_size, iter_plan, restarted
from x12core.fileio import spool_directory
from x12core.findings import Finding
from x12core.parallel import Handle, Pool
from x12core.pickling import fast_pickle
from x12core.remote import size
from x12core.render import ITEM_SEPARATOR, EncodedBlock, FileRange, encode_item
from x12core.segment import Segment

_NOT_A_CORRECTION = b'"correction": false}'
_A_CORRECTION = b'"correction": true}'
_SEPARATOR_LENGTH = len(ITEM_SEPARATOR)


@fast_pickle
@dataclass(frozen=True, slots=True)
class PaymentPart:
    """What a chunk read of a payment it holds only part of (see the module's doc)."""

    at: int  # where the payment's findings go among the chunk's (when it ends there)
    ends: bool  # the payment's last claim and SE are in this chunk
    header: PaymentHeader
    claims_paid: Decimal  # sum of this part's CLP04
    claims: int
    unbalanced: int  # claims of this part that do not balance
    provider_adjustments: tuple[ProviderAdjustment, ...]  # PLB (in the last part)
    header_numbers: tuple[HeaderNumber, ...]  # LX/TS3 opened in this part
    trailer: Segment | None  # SE (in the last part)
    findings: list[Finding]  # structure findings made in this part, in order


def whole_payment(parts: Sequence[PaymentPart]) -> tuple[Payment, list[Finding]]:
    """A payment from its parts in file order, balanced as a one-process read does."""
    payment = balanced_payment(
        parts[0].header, tuple(a for p in parts for a in p.provider_adjustments),
        sum(p.claims for p in parts), sum((p.claims_paid for p in parts), Decimal(0)),
        sum(p.unbalanced for p in parts), tuple(n for p in parts for n in p.header_numbers),
        parts[-1].trailer)
    return payment, [f for p in parts for f in p.findings]


@fast_pickle
@dataclass(frozen=True, slots=True)
class RemitChunk:
    """One chunk's claim records (with CLP offset and reversal flag) and totals."""

    # Per claim: its record, text rows or (view json) the end of its item in ``block``;
    # CLP offset, reversal, CLP01.
    records: list[tuple[Any, int, bool, str]]
    totals: dict[str, Any]  # Totals fields but ``findings`` (payment-level findings below)
    findings: list[dict[str, Any]]
    file_findings: list[Finding]  # transaction sets that are not 835
    envelope_findings: list[Finding]  # reported after every other finding of the file
    end: ChunkEnd
    census: tuple[int, int, tuple[int, int] | None]  # CLP segments in its bytes, missed, first
    block: bytes = b""  # view json: every claim's JSON item, encoded and joined here
    payments: tuple[PaymentPart, ...] = ()  # payments held in part: the first, the last
    # view json on a local worker: the block went to this file instead (``block_bytes``)
    block_file: str = ""
    block_bytes: int = 0


def remit_chunk(causes: CauseMap, chunk: Chunk, view: str = "records",
                spool: str = "") -> RemitChunk:
    """The task: read and assess one chunk of an 835 file.

    ``view``: ``records`` (the JSONL/CSV claim records), ``json`` (the same, encoded
    here as the JSON report writes them, in one block of bytes: the submitting process
    only writes it) or ``rows`` (the text view's denied and partially paid lines),
    whichever the report will write. ``spool``: a directory of this machine; the json
    block is written to a file there rather than sent back (a remit's JSON is several
    times its 835: sending it through a pipe was a visible share of a run).
    """
    segments = ChunkReader(chunk)
    reader = RemitReader(chunk.path, name=chunk.path, segments=segments,
                         partial=not chunk.final)

    def on_body() -> None:
        env = reader.envelope
        assert env is not None
        if chunk.envelope is not None:
            env.restore(chunk.envelope)
        reader.replayed = len(env.findings)
        if reader.current is not None:  # the chunk begins inside this payment
            reader.current.mark_replayed()

    segments.on_body = on_body
    parts: list[PaymentPart] = []
    begun = chunk.where.st >= 0  # the next payment settled began before the chunk

    def settle(totals: Totals, stream: PaymentStream, payment: Payment) -> None:
        nonlocal begun
        continued, begun = begun, False
        cut = reader.partial and stream.unfinished  # the next chunk reads the rest
        if not continued and not cut:
            settle_payment(totals, payment, stream.findings)
            return
        parts.append(PaymentPart(
            len(totals.findings), not cut, payment.header, payment.claims_paid,
            payment.claim_count, payment.unbalanced_claims, payment.provider_adjustments,
            payment.header_numbers[stream.replayed_numbers:], payment.trailer,
            stream.findings[stream.replayed:]))

    totals = Totals()
    records = []
    items: list[str] = []
    end = -_SEPARATOR_LENGTH  # where the last item ends in the block
    reversed_here: set[str] = set()  # view json: CLP01 of this chunk's reversals so far
    for outcome in file_outcomes(reader, causes, totals, None, settle):
        claim = outcome.claim
        if view == "rows":
            payload: Any = list(text_rows(outcome))
        else:
            payload = claim_record(outcome)
            if view == "json":  # "correction" last, as the report adds it
                # A correction of a reversal in this chunk is marked here; one of a
                # reversal in an earlier chunk or file is marked by _records, which sees
                # the run in order and repeats this test to know which are left.
                payload["correction"] = _corrected_here(claim.is_reversal, claim.claim_id,
                                                        reversed_here)
                item = encode_item(payload)  # ASCII (ensure_ascii): one character, one byte
                items.append(item)
                end += _SEPARATOR_LENGTH + len(item)
                payload = end
        records.append((payload, claim.segment.offset if claim.segment else -1,
                        claim.is_reversal, claim.claim_id))
    # file_outcomes added the reader's findings last: they are reported after the
    # payments of the whole file, so they travel apart.
    everything = list(totals.findings)
    split = len(everything) - len(reader.findings)
    state = {f.name: getattr(totals, f.name) for f in fields(Totals) if f.name != "findings"}
    env = reader.envelope
    assert env is not None  # set when the reader was iterated
    ending = segments.end(env.snapshot(), env.headers())
    txn = len(reader.findings) - (len(env.findings) - reader.replayed)
    tally = chunk.census("CLP")  # the bytes' own CLP count (x12core.census), here too
    for record in records:
        if record[1] >= 0:
            tally.read(record[1])
    tally.finish()
    block, path = b"", ""
    if spool and items:
        path = _spool_items(spool, items)
    else:
        block = ITEM_SEPARATOR.join(items).encode()
    return RemitChunk(records, state, everything[:split], reader.findings[:txn],
                      reader.findings[txn:], ending, tally.counts(), block, tuple(parts),
                      path, end if path else 0)


def _spool_items(spool: str, items: list[str]) -> str:
    """The items joined by ITEM_SEPARATOR in a new file of ``spool``, written in batches
    (no single copy of the whole block in memory); its path."""
    handle, path = tempfile.mkstemp(dir=spool, suffix=".json")
    with os.fdopen(handle, "wb") as out:
        for k in range(0, len(items), _BATCH):
            text = ITEM_SEPARATOR.join(items[k:k + _BATCH])
            out.write(((ITEM_SEPARATOR if k else "") + text).encode())
    return path


_BATCH = 256


def parallel_report(paths: Sequence[str | os.PathLike[str]], causes: CauseMap,
                    pool: Pool, fmt: str = "json", task: Task | None = None,
                    settled: Callable[[Chunk, RemitChunk], None] | None = None
                    ) -> tuple[Report, Totals]:
    """:func:`remit835.report.remit_report`, the chunks read on ``pool``; ``fmt`` is the
    format the report will be written in (the tasks make what it needs). Like
    ``remit_report`` it expects files :func:`~remit835.parse.check_835` has passed.

    ``task`` (default :func:`remit_chunk`) and ``settled`` (called with each chunk's
    final result, in order): ``--out-dir`` (remit835.remit_outdir). A path may be a URL."""
    run = task or remit_chunk
    spool = ""
    if task is None and pool.local and fmt == "json":  # workers on this machine: by file
        spool = spool_directory("remit")
        run = partial(remit_chunk, spool=spool)

    def chunks() -> Iterator[Chunk]:  # cut as they are submitted (the report reads once)
        for p in paths:
            name = os.fspath(p)
            target = chunk_size(size(name), pool.width)
            yield from iter_plan(name, target)

    def records(totals: Totals) -> Iterator[Any]:
        try:
            yield from _records(chunks(), causes, pool, totals,
                                "json" if fmt == "json" else "records", run, settled)
        finally:  # what a failed run left (each file goes once it is copied)
            if spool:
                shutil.rmtree(spool, ignore_errors=True)

    return remit_report(
        paths, causes, records=records,
        text_rows=lambda totals: _records(chunks(), causes, pool, totals, "rows", run, settled))


Task = Callable[[CauseMap, Chunk, str], RemitChunk]


def _records(chunks: Iterator[Chunk], causes: CauseMap, pool: Pool, totals: Totals,
             view: str, task: Task = remit_chunk,
             settled: Callable[[Chunk, RemitChunk], None] | None = None) -> Iterator[Any]:
    """Claim records (``view`` records) or text rows (``rows``), in file order."""
    queue: deque[tuple[Chunk, Handle]] = deque()
    previous: ChunkEnd | None = None
    tally: Tally | None = None
    held: list[Finding] = []  # the file's own findings, reported after its payments
    held_env: list[Finding] = []  # ... and its envelope findings after those
    pending: list[PaymentPart] = []  # the parts so far of a payment that spans chunks
    more = True
    while more or queue:
        while more and len(queue) < 2 * pool.width:
            chunk = next(chunks, None)
            if chunk is None:
                more = False
            else:
                queue.append((chunk, pool.submit(task, causes, chunk, view)))
        if not queue:
            break
        chunk, handle = queue.popleft()
        part: RemitChunk = handle.result()
        if chunk.number == 0:
            tally = Tally.empty()
            previous = None
            held, held_env, pending = [], [], []
        elif previous is not None and not previous.matches(chunk):
            chunk = restarted(chunk, previous)
            part = task(causes, chunk, view)
        previous = part.end
        if settled is not None:
            settled(chunk, part)
        assert tally is not None
        tally.add(part.census)
        corrected: list[int] = []  # view json: ends of the items to mark as corrections
        reversed_here: set[str] = set()
        for payload, _, reversal, claim_id in part.records:
            # B.7: a reversal (CLP02 22) is usually followed by the corrected claim.
            correction = not reversal and claim_id in totals.reversed_ids
            if reversal:
                totals.reversed_ids[claim_id] = None
            if correction:
                totals.corrections += 1
            if view == "json":
                # The task marked those it could see (most: a correction tends to follow
                # its reversal); each mark left is a piece more to write.
                marked = _corrected_here(reversal, claim_id, reversed_here)
                if correction and not marked:
                    corrected.append(payload)
            elif view == "records":
                payload["correction"] = correction
                yield payload
            else:
                yield from payload
        if view == "json" and part.block_file:
            yield EncodedBlock(*_mark_corrections(part.block_file, part.block_bytes, corrected))
            os.unlink(part.block_file)  # written out when the block's consumer returns
        elif view == "json" and part.block:
            yield EncodedBlock(*_mark_corrections(part.block, len(part.block), corrected))
        _merge(totals, part, pending)
        held.extend(part.file_findings)
        held_env.extend(part.envelope_findings)
        if chunk.final:
            for f in (*held, *held_env):  # counted in the task already: only the record is added
                totals.findings.append(_finding(f))
            totals.claim_segments += tally.total
            if tally.missed:
                _add_finding(totals, unread_claims_finding(chunk.path, tally, "CLP"))


def _corrected_here(reversal: bool, claim_id: str, reversed_here: set[str]) -> bool:
    """Whether a claim of a chunk corrects a reversal earlier in the same chunk (the
    chunk's reversals so far, in ``reversed_here``, updated)."""
    if reversal:
        reversed_here.add(claim_id)
        return False
    return claim_id in reversed_here


def _mark_corrections(block: bytes | str, size: int, ends: list[int]
                      ) -> list[bytes | memoryview | FileRange]:
    """``block`` (bytes, or a file of ``size`` bytes) with ``"correction": true`` in the
    items ending at ``ends`` (in order), as pieces to write one after the other (views of
    ``block`` or ranges of its file: nothing is copied here)."""
    def piece(start: int, end: int) -> bytes | memoryview | FileRange:
        return FileRange(block, start, end) if isinstance(block, str) else view[start:end]

    view = memoryview(block) if isinstance(block, bytes) else None
    pieces: list[bytes | memoryview | FileRange] = []
    start = 0
    for end in ends:
        cut = end - len(_NOT_A_CORRECTION)
        pieces += [piece(start, cut), _A_CORRECTION]
        start = end
    pieces.append(piece(start, size))
    return pieces


def _merge(totals: Totals, part: RemitChunk, pending: list[PaymentPart]) -> None:
    """Add one chunk's totals: counters add, lists extend, dicts keep first-seen order.

    ``pending``: the parts read so far of a payment that spans chunks; it is settled
    where its last part ends, before the chunk's own payments (it is the chunk's
    first), so payments and findings keep a one-process run's order."""
    done = 0
    for payment in part.payments:
        for record in part.findings[done:payment.at]:
            totals.findings.append(record)
        done = payment.at
        pending.append(payment)
        if payment.ends:
            settle_payment(totals, *whole_payment(pending))
            pending.clear()
    for name, value in part.totals.items():
        if name in ("reversed_ids", "corrections", "claim_segments"):
            continue  # decided in order here
        mine = getattr(totals, name)
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            setattr(totals, name, mine + value)
        elif isinstance(value, list):
            mine.extend(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                if item is None:
                    mine.setdefault(key, None)
                elif key not in mine:
                    mine[key] = list(item) if isinstance(item, list) else item
                elif isinstance(item, list):
                    mine[key] = [a + b for a, b in zip(mine[key], item, strict=True)]
                else:
                    mine[key] = mine[key] + item
    for record in part.findings[done:]:
        totals.findings.append(record)
