"""Claim acknowledgments from scan results: what the 277CA says about each claim.

:class:`AckBuilder` turns a scanned :class:`~edi837.model.Claim` into a
:class:`~edi837.ack277.ClaimAck` (submitter, billing provider, patient, charge,
service period, status and messages); :func:`first_pass` walks a scan once,
feeding the 277CA writer and collecting the CLM segment indices of held claims
(a set of ints: the only thing that grows with the batch) for the split pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import replace

from edi837.ack277 import Ack277Writer, AckMessage, Batch, ClaimAck, Entity
from edi837.model import Claim, Party
from edi837.scan import ClaimResult
from x12core.findings import Finding, Location, Severity
from x12core.segment import Segment

RULE_999 = "X12-999"


def _bht03(path: str, st: Segment) -> str:
    """BHT03 of the set that ``st`` opens: the BHT follows the ST (X222A1 header)."""
    try:
        with open(path, "rb") as handle:
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


def adjudicate(results: Iterable[ClaimResult], *, fail_on: Severity,
               ig_findings: Iterable[Finding] = (),
               rejected: AbstractSet[tuple[str, str]] = frozenset(),
               leftovers: list[Finding] | None = None) -> Iterator[ClaimResult]:
    """Add pyx12 findings to the claims they point into, and hold claims of rejected sets.

    pyx12 runs once per split (for the 999 and for ``--validate``); its findings are
    sorted by segment index, as the claims are, so one cursor places them. Findings
    outside every claim go to ``leftovers`` (the report's file findings).
    """
    pending = list(ig_findings)
    located = sorted((f for f in pending if f.location.segment_index),
                     key=lambda f: f.location.segment_index or 0)
    spare = leftovers if leftovers is not None else []
    spare.extend(f for f in pending if not f.location.segment_index)
    cursor = 0
    for result in results:
        claim = result.claim
        extra: list[Finding] = []
        while cursor < len(located) and (located[cursor].location.segment_index or 0) \
                <= claim.last_index:
            f = located[cursor]
            cursor += 1
            if (f.location.segment_index or 0) < claim.first_index:
                spare.append(f)
            else:
                line = claim.line_at(f.location.segment_index or 0)
                extra.append(f.with_location(claim_id=claim.id,
                                             line_number=line.number if line else None))
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
    spare.extend(located[cursor:])


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
