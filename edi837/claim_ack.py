"""Claim acknowledgments from scan results: what the 277CA says about each claim.

:class:`AckBuilder` turns a scanned :class:`~edi837.model.Claim` into a
:class:`~edi837.ack277.ClaimAck` (submitter, billing provider, patient, charge,
service period, status and messages); :func:`adjudicate` adds pyx12's findings
(and a 999's rejected sets) to the claims they concern; :func:`first_pass` walks
the scan once, feeding the 277CA writer and collecting the CLM segment indices of
held claims (a set of ints: the only thing that grows with the batch) for the
split pass.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import replace
from typing import Any

from edi837.ack277 import Ack277Writer, AckMessage, Batch, ClaimAck, Entity
from edi837.model import Claim, Party
from edi837.scan import ClaimResult
from x12core.findings import Finding, Location, Severity
from x12core.remote import open_input
from x12core.segment import Segment

RULE_999 = "X12-999"


def _bht03(path: str, st: Segment) -> str:
    """BHT03 of the set that ``st`` opens: the BHT follows the ST (X222A1 header).

    The claim model does not carry BHT03, which 2200B TRN02 must echo; one short read
    at the ST's byte offset per transaction set gets it without another pass.
    """
    try:
        # a URL input too (x12core.remote): one small range, not a read-ahead block
        with open_input(path, block_size=4096) as handle:
            handle.seek(st.offset)
            head = handle.read(1024).decode("latin-1")
    except OSError:
        return ""
    delims = st.delimiters
    parts = [p.strip("\r\n") for p in head.split(delims.segment, 2)]
    if len(parts) > 2 and parts[1].startswith("BHT" + delims.element):
        fields = parts[1].split(delims.element)
        return fields[3] if len(fields) > 3 else ""
    return ""


def _entity(party: Party | None, entity_type: str = "2") -> Entity:
    if party is None:
        return Entity("")
    seg = party.segment
    kind = seg[2] if seg is not None and seg[2] in ("1", "2") else entity_type
    return Entity(party.name, party.first_name, kind, party.id_qualifier, party.id)


class AckBuilder:
    """Turn scanned claims into :class:`ClaimAck` values, sharing one :class:`Batch` per set.

    ``batch_ids`` maps (ISA13, GS06, ST02) to BHT03 when the claim model does not carry it.
    """

    def __init__(self, batch_ids: dict[tuple[str, str, str], str] | None = None) -> None:
        self._batch_ids = batch_ids or {}
        self._last: tuple[tuple[str, ...], Batch] | None = None

    def batch(self, claim: Claim) -> Batch:
        txn = claim.transaction
        isa, gs = txn.interchange, txn.group
        key = (claim.file, isa.control if isa else "", gs.control if gs else "", txn.control)
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        batch_id = (getattr(claim, "batch_id", "") or self._batch_ids.get(key[1:], "")
                    or _bht03(claim.file, txn.segment))
        batch = Batch(
            file=claim.file, interchange=key[1], group=key[2], transaction=key[3],
            batch_id=batch_id,
            sender=(isa.sender_qualifier, isa.sender) if isa else ("ZZ", "SENDER"),
            receiver=(isa.receiver_qualifier, isa.receiver) if isa else ("ZZ", "RECEIVER"),
            gs_sender=gs.sender if gs else "", gs_receiver=gs.receiver if gs else "",
            usage=isa.usage if isa else "P", submitter=_entity(claim.submitter),
            clearinghouse=_entity(claim.receiver))
        self._last = (key, batch)
        return batch

    def __call__(self, claim: Claim, *, accepted: bool,
                 messages: Iterable[AckMessage] = ()) -> ClaimAck:
        bp = claim.billing_provider
        provider = _entity(bp.party)
        if not bp.npi:
            # 2100C NM108: XX (NPI) when there is one, else FI with the 2010AA REF*EI TIN.
            provider = Entity(provider.name, provider.first_name, provider.entity_type,
                              "FI" if bp.tin else "XX", bp.tin)
        else:
            provider = Entity(provider.name, provider.first_name, provider.entity_type, "XX",
                              bp.npi)
        member = claim.subscriber.person.party
        patient = claim.patient.party
        days = [d for line in claim.lines for d in (line.service_date, line.service_date_end)
                if d is not None]
        return ClaimAck(
            batch=self.batch(claim), claim_id=claim.id, charge=claim.charge, accepted=accepted,
            provider=provider, provider_key=bp.hl.index if bp.hl is not None else 0,
            patient=Entity(patient.name, patient.first_name, "1",
                           "II" if member.id_qualifier == "II" else "MI", member.id),
            service_from=min(days) if days else None, service_to=max(days) if days else None,
            messages=tuple(messages),
            trace=f"{claim.transaction.control}-{claim.clm.index}")


def messages_for(result: ClaimResult, fail_on: Severity) -> tuple[AckMessage, ...]:
    """The findings that hold the claim, as 277CA messages (rule, category, message)."""
    return tuple(AckMessage(f.rule, f.category, f.message) for f in result.findings
                 if f.severity >= fail_on)


def rejected_sets(ack_999: str) -> set[tuple[str, str]]:
    """(GS06, ST02) of every transaction set a 999 does not accept (IK5 other than A or E)."""
    out: set[tuple[str, str]] = set()
    group = st = ""
    for raw in ack_999.replace("\n", "").split("~"):
        fields = raw.strip().split("*")
        tag = fields[0]
        if tag == "AK1" and len(fields) > 2:
            group = fields[2]
        elif tag == "AK2" and len(fields) > 2:
            st = fields[2]
        elif tag == "IK5" and len(fields) > 1 and fields[1] not in ("A", "E"):
            out.add((group, st))
    return out


_ENVELOPE_TAGS = frozenset({"ISA", "GS", "ST", "SE", "GE", "IEA"})


class _Placer:
    """Places pyx12 findings on claims: inside the claim, or in a loop copied with it.

    The split copies the set header (BHT, 1000A, 1000B) and the claim's 2000A/B/C
    loops into the output with the claim, so an error there travels with every
    claim under it and holds them all. Envelope errors do not: the split writes
    new envelopes. The owner of a finding between claims is the nearest HL before
    it (none: the set header); an HL is known once a claim under it is seen.
    """

    def __init__(self, findings: Iterable[Finding], leftovers: list[Finding]) -> None:
        self.leftovers = leftovers
        self.located: list[Finding] = []
        for f in findings:
            if f.location.segment_index and f.location.segment not in _ENVELOPE_TAGS:
                self.located.append(f)
            else:
                leftovers.append(f)
        self.located.sort(key=lambda f: f.location.segment_index or 0)
        self.cursor = 0
        self.known: list[int] = []  # HL segment indices seen, ascending
        self.active: list[list[Any]] = []  # [owner HL or 0 (header), ST index, finding, used]

    def place(self, claim: Claim) -> list[Finding]:
        levels = {h.index for h in (claim.billing_provider.hl, claim.subscriber.hl) if h}
        levels.add(claim.loop_index)
        for h in sorted(levels):
            if h and (not self.known or self.known[-1] < h):
                self.known.append(h)
        st = claim.transaction.segment.index
        out: list[Finding] = []
        located = self.located
        while self.cursor < len(located):
            f = located[self.cursor]
            at = f.location.segment_index or 0
            if at > claim.last_index:
                break
            self.cursor += 1
            if at >= claim.first_index:
                out.append(f)
            elif at < st:
                self.leftovers.append(f)
            else:
                k = bisect.bisect_right(self.known, at) - 1
                owner = self.known[k] if k >= 0 and self.known[k] > st else 0
                self.active.append([owner, st, f, False])
        keep = []
        for entry in self.active:
            owner, where, f, _ = entry
            if where == st and (owner == 0 or owner in levels):
                out.append(f)
                entry[3] = True
                keep.append(entry)
            elif not entry[3]:
                self.leftovers.append(f)
        self.active = keep
        return [f.with_location(claim_id=claim.id, line_number=(
            line.number if (line := claim.line_at(f.location.segment_index or 0)) else None))
            for f in out]

    def finish(self) -> None:
        self.leftovers.extend(e[2] for e in self.active if not e[3])
        self.leftovers.extend(self.located[self.cursor:])


def adjudicate(results: Iterable[ClaimResult], *, fail_on: Severity,
               ig_findings: Iterable[Finding] = (),
               rejected: AbstractSet[tuple[str, str]] = frozenset(),
               leftovers: list[Finding] | None = None) -> Iterator[ClaimResult]:
    """Add pyx12 findings to the claims they concern, and hold claims of rejected sets.

    pyx12 runs once per split (for the 999 and for ``--validate``). A finding inside
    a claim, or in the header or an HL loop the claim is copied with, joins the
    claim's findings; the rest (envelopes, loops without claims) go to
    ``leftovers`` (the report's file findings).
    """
    placer = _Placer(ig_findings, leftovers if leftovers is not None else [])
    for result in results:
        claim = result.claim
        extra = placer.place(claim)
        txn = claim.transaction
        if (txn.group.control if txn.group else "", txn.control) in rejected:
            # The 999 rejected the whole set: the submitter will resend all of it, so
            # forwarding any of its claims now would reach the payer twice.
            extra.append(Finding(
                RULE_999, "structure", Severity.ERROR,
                f"transaction set {txn.control} is rejected in the 999 (pyx12); its claims "
                "are held with it", "Fix the errors the 999 lists and resend the set.",
                Location.at(claim.clm, **txn.location(claim.file, claim_id=claim.id)),
                name="set-rejected-in-999"))
        if extra:
            findings = (*result.findings, *extra)
            held = any(f.severity >= fail_on for f in findings)
            result = replace(result, findings=findings, status="held" if held else "clean")
        yield result
    placer.finish()


def first_pass(results: Iterable[ClaimResult], held: set[int], *,
               acks: Ack277Writer | None = None, fail_on: Severity = Severity.ERROR,
               builder: AckBuilder | None = None) -> Iterator[ClaimResult]:
    """Yield every result; on the way add held claims' CLM indices to ``held`` and feed ``acks``.

    ``fail_on`` must be the threshold the scan used, so the messages are the ones
    that held the claim.
    """
    build = builder or AckBuilder()
    for result in results:
        if result.held:
            held.add(result.claim.first_index)
        if acks is not None:
            acks.add(build(result.claim, accepted=not result.held,
                           messages=messages_for(result, fail_on) if result.held else ()))
        yield result
