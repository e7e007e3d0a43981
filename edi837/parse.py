"""Stream 837P transactions into claims, one :class:`~edi837.model.Claim` at a time.

The hierarchy of an 837P (005010X222A1 section 2.3.2.1): HL 2000A billing
provider (HL03 = 20) -> HL 2000B subscriber (22) -> optional HL 2000C patient
(23) -> loop 2300 claims (CLM) -> loop 2400 service lines (LX) -> 2410 drug
identification (LIN/CTP/REF) and 2420x line providers (NM1).

Only the current hierarchy levels and the claim being built are held, so memory
does not grow with the number of claims. Segments that belong to loops the
rules do not read (2310A/C/D, 2320/2330 other payers, 2430 line adjudication,
2440 forms) are skipped, with care that their NM1/REF/DTP/SBR segments are not
mistaken for the ones we want.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from edi837.builders import (
    EMPTY,
    ClaimBuilder,
    LineBuilder,
    diagnoses,
    dmg,
    parse_date,
    parse_decimal,
    party,
)
from edi837.model import BillingProvider, Claim, Party, Person, Subscriber
from x12core.envelope import Envelope, Transaction, TransactionBody
from x12core.reader import SegmentReader
from x12core.segment import Segment

_new = tuple.__new__

__all__ = ["iter_claims", "parse_date", "parse_decimal", "read_claims"]


def iter_claims(body: Iterable[Segment], transaction: Transaction,
                path: str) -> Iterator[Claim]:
    """Yield the claims of one 837P transaction body (the segments between ST and SE)."""
    submitter: Party | None = None
    receiver: Party | None = None
    batch_date = batch_id = ""
    batch_day: date | None = None
    level = ""  # HL03 of the current hierarchical level: 20, 22, 23
    bp_name: Party = EMPTY
    bp_tin = bp_taxonomy = ""
    bp_hl: Segment | None = None
    bp_prv: Segment | None = None
    sub_hl: Segment | None = None
    sub_sbr: Segment | None = None
    sub_person: Party = EMPTY
    sub_dmg: Segment | None = None
    payer: Party = EMPTY
    pat_person: Party | None = None
    pat_dmg: Segment | None = None
    loop_index = 0
    last_nm1 = ""  # which NM1 a DMG/REF follows
    frozen: tuple[BillingProvider, Subscriber, Person] | None = None
    billing: BillingProvider | None = None  # reused by every claim of a 2000A loop
    claim: ClaimBuilder | None = None
    line: LineBuilder | None = None
    prev: Segment | None = None
    lines = LineBuilder()  # reused for every line and claim (see LineBuilder.start)
    claims = ClaimBuilder()

    def finish(last: Segment) -> Claim:
        assert claim is not None and frozen is not None
        clm = claim.clm
        ce = clm.elements
        n = len(ce)
        pos_parts = (ce[5] if n > 5 else "").split(clm.delimiters.component)
        f8 = claim.f8
        # Every field in Claim's order, built as LineBuilder.freeze builds a ServiceLine.
        return _new(Claim, (
            ce[1] if n > 1 else "", parse_decimal(ce[2] if n > 2 else ""), pos_parts[0],
            pos_parts[2] if len(pos_parts) > 2 else "", f8[2] if f8 is not None else "",
            diagnoses(claim.hi), tuple(claim.lines), claim.rendering, frozen[0], frozen[1],
            frozen[2], submitter, receiver, batch_date, batch_day, batch_id, claim.g1, path,
            transaction, clm, f8, tuple(claim.hi), loop_index, clm.index, last.index, clm.offset,
            last.offset + len(last.text()) + len(last.delimiters.segment),
            tuple(claim.providers), tuple(claim.dates)))

    for seg in body:
        tag = seg.tag
        if line is not None:
            # Loop 2400 and its 2410/2420 children; anything else ends the line below.
            # Tests in the order of how often the tags come (SV1, DTP, LX on every line),
            # and elements read only where a branch needs them.
            if tag == "SV1":
                line.sv1 = seg
            elif tag == "DTP":
                if line.dtp is None and not line.in_2420:
                    els = seg.elements
                    if len(els) > 1 and els[1] == "472":
                        line.dtp = seg
            elif tag == "LX":
                assert claim is not None and prev is not None
                claim.lines.append(line.freeze(prev.index))
                line = lines.start(seg)
            elif tag == "REF":
                if not line.in_2420:  # else: 2420x provider secondary identifiers
                    els = seg.elements
                    first = els[1] if len(els) > 1 else ""
                    if first == "6R":
                        line.refs.append(seg)
                    elif first == "G1":
                        line.g1 = els[2] if len(els) > 2 else ""
                    elif line.lin is not None:
                        if first == "VY":
                            line.vy = els[2] if len(els) > 2 else ""
                        elif first == "XZ":
                            line.rx = els[2] if len(els) > 2 else ""
            elif tag == "NM1":
                line.in_2420 = True
                line.providers.append(seg)
                els = seg.elements
                if len(els) > 8 and els[1] == "82" and els[8] == "XX":
                    line.rendering = els[9] if len(els) > 9 else ""
            elif tag == "LIN":
                if line.lin is None:
                    line.lin = seg
            elif tag == "CTP":
                if line.lin is not None and line.ctp is None:
                    line.ctp = seg
            elif tag == "PRV":
                if line.in_2420:
                    line.providers.append(seg)
            elif tag == "NTE":
                if not line.in_2420:
                    els = seg.elements
                    line.notes.append(els[2] if len(els) > 2 else "")
            elif tag == "CLM" or tag == "HL":
                assert claim is not None and prev is not None
                claim.lines.append(line.freeze(prev.index))
                line = None
            if line is not None:
                prev = seg
                continue
        els = seg.elements
        first = els[1] if len(els) > 1 else ""  # the qualifier most branches test
        if claim is not None:
            if tag == "LX":
                line = lines.start(seg)
                prev = seg
                continue
            if tag != "CLM" and tag != "HL":
                if tag == "HI":
                    claim.hi.append(seg)
                elif tag == "SBR":
                    claim.in_2320 = True  # 2320 other subscriber: its NM1/REF are not ours
                elif claim.in_2320:
                    pass
                elif tag == "REF":
                    if first == "F8" and claim.f8 is None:
                        claim.f8 = seg
                    elif first == "G1" and not claim.g1:
                        claim.g1 = els[2] if len(els) > 2 else ""
                elif tag == "NM1":
                    claim.providers.append(seg)
                    if first == "82" and len(els) > 8 and els[8] == "XX":
                        claim.rendering = els[9] if len(els) > 9 else ""
                elif tag == "PRV":
                    claim.providers.append(seg)
                elif tag == "DTP":
                    claim.dates.append(seg)
                prev = seg
                continue
            assert prev is not None
            yield finish(prev)
            claim = None
        prev = seg
        if tag == "CLM":
            if frozen is None:
                # Once per patient loop; tuple.__new__ with every field, as for Claim (the
                # NamedTuples' own __new__ is a Python frame each).
                if billing is None:
                    billing = _new(BillingProvider, (bp_name, bp_tin, bp_taxonomy, bp_hl,
                                                     bp_prv))
                patient = (_new(Person, (pat_person, *dmg(pat_dmg))) if pat_person is not None
                           else None)
                subscriber = _new(Subscriber, (
                    sub_hl, sub_sbr, _new(Person, (sub_person, *dmg(sub_dmg))), payer,
                    sub_sbr[1] if sub_sbr is not None else "",
                    sub_sbr[9] if sub_sbr is not None else ""))
                frozen = (billing, subscriber, patient or subscriber.person)
            claim = claims.start(seg)
        elif tag == "HL":
            frozen = None
            level = els[3] if len(els) > 3 else ""
            if level == "20":
                bp_hl, bp_name, bp_tin, bp_taxonomy, bp_prv = seg, EMPTY, "", "", None
                billing = None
                sub_hl, sub_sbr, sub_person, sub_dmg, payer = None, None, EMPTY, None, EMPTY
                pat_person = pat_dmg = None
            elif level == "22":
                sub_hl, sub_sbr, sub_person, sub_dmg, payer = seg, None, EMPTY, None, EMPTY
                pat_person = pat_dmg = None
                loop_index = seg.index
            elif level == "23":
                pat_person, pat_dmg = EMPTY, None
                loop_index = seg.index
            last_nm1 = ""
        elif tag == "NM1":
            last_nm1 = first
            if first == "85":
                bp_name = party(seg)
                billing = None
            elif first == "IL":
                sub_person = party(seg)
            elif first == "PR":
                payer = party(seg)
            elif first == "QC":
                pat_person = party(seg)
            elif first == "41":
                submitter = party(seg)
            elif first == "40":
                receiver = party(seg)
        elif tag == "DMG":
            if last_nm1 == "IL":
                sub_dmg = seg
            elif last_nm1 == "QC":
                pat_dmg = seg
        elif tag == "REF":
            if last_nm1 == "85" and first in ("EI", "SY"):
                bp_tin = els[2] if len(els) > 2 else ""
                billing = None
        elif tag == "SBR":
            sub_sbr = seg
        elif tag == "PRV":
            if level == "20":
                bp_taxonomy = els[3] if len(els) > 3 else ""
                bp_prv = seg
                billing = None
        elif tag == "BHT":
            batch_id = els[3] if len(els) > 3 else ""
            batch_date = els[4] if len(els) > 4 else ""
            batch_day = parse_date(batch_date)
    if claim is not None and prev is not None:
        if line is not None:
            claim.lines.append(line.freeze(prev.index))
        yield finish(prev)


def is_837(body: TransactionBody) -> bool:
    return body.transaction.set_id == "837"


def read_claims(path: str) -> Iterator[Claim]:
    """Every claim of every 837 transaction in ``path`` (other transaction sets skipped).

    Envelope problems are not reported here; :func:`edi837.scan.scan_file` does that.
    """
    envelope = Envelope(SegmentReader(path), path)
    for body in envelope:
        if is_837(body):
            yield from iter_claims(body, body.transaction, path)
