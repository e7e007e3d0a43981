"""Ingest front-end acknowledgments: 999 (per transaction set) and 277CA (per claim).

A 999 ``AK2``/``IK5`` says whether the payer's front end accepted each 837 set
(``AK202`` = the 837's ST02, under ``AK102`` = its GS06); every claim of an
accepted set becomes ``accepted``, of a rejected one ``rejected``. A 277CA says
it per claim: the 2000D ``TRN*2`` carries CLM01 and its first ``STC01`` category
``A1``/``A2`` accepts, ``A3``-``A8`` reject. An ack never overrides a status a
remit has settled (a late 277CA does not undo a payment); it is still recorded
and shown in the claim's history.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, and_, func, literal, select

from ledger import schema as t
from ledger.batches import Batcher
from ledger.ident import FileIdentity
from x12core.reader import SegmentReader

ACCEPTED, REJECTED = "accepted", "rejected"
FRONT_END = ("sent", ACCEPTED, REJECTED)  # statuses an ack may change
ACCEPT_999 = frozenset({"A", "E"})  # IK501 / AK901: accepted (with errors noted)
ACCEPT_277 = frozenset({"A0", "A1", "A2", "A5"})


@dataclass(frozen=True, slots=True)
class Ack:
    kind: str  # 999 | 277
    set_control: str  # AK202 (999)
    group: str  # AK102 (999)
    claim_id: str  # TRN02 (277CA)
    accepted: bool
    code: str
    message: str


def read_acks(ident: FileIdentity) -> list[Ack]:
    """The acknowledgments in a 999 or 277CA file (one per set or per claim)."""
    acks: list[Ack] = []
    group = set_control = ""
    level = claim_id = ""
    for seg in SegmentReader(ident.path):
        tag = seg.tag
        if ident.kind == "999":
            if tag == "AK1":
                group = seg[2]
            elif tag == "AK2":
                set_control = seg[2]
            elif tag == "IK5" and set_control:
                acks.append(Ack("999", set_control, group, "", seg[1] in ACCEPT_999, seg[1],
                                " ".join(x for x in (seg[2], seg[3]) if x)))
                set_control = ""
        elif tag == "HL":
            level, claim_id = seg[3], ""
        elif tag == "TRN" and level == "PT" and seg[1] == "2":
            claim_id = seg[2]
        elif tag == "STC" and level == "PT" and claim_id:
            status = seg.component(1, 1)
            acks.append(Ack("277", "", "", claim_id, status in ACCEPT_277, seg[1], seg[12]))
            claim_id = ""  # the first STC of a claim decides
    return acks


def ingest_acks(conn: Connection, file_id: int, ident: FileIdentity) -> tuple[int, int]:
    """Record the acks and move front-end statuses; returns (acks, claims changed)."""
    acks = read_acks(ident)
    out = Batcher(conn)
    for seq, ack in enumerate(acks):
        out.add(t.acks, dict(file_id=file_id, ack_seq=seq, kind=ack.kind,
                             set_control=ack.set_control, claim_id=ack.claim_id,
                             accepted=ack.accepted, code=ack.code, message=ack.message))
    out.flush_all()
    changed = 0
    h, c = t.status_history.c, t.claims.c
    for ack in acks:
        new = ACCEPTED if ack.accepted else REJECTED
        note = (f"{ack.kind} {ack.code}" + (f": {ack.message}" if ack.message else ""))[:500]
        target = _claims_of(ack)
        # set-based: a 999 for a million-claim set is two statements, not two million
        conn.execute(t.status_history.insert().from_select(
            [h.file_id, h.claim_seq, h.status, h.status_date, h.source_file_id, h.note],
            select(c.file_id, c.claim_seq, literal(new), literal(ident.date), literal(file_id),
                   literal(note)).where(target)))
        done = conn.execute(t.claims.update().where(
            target, c.status.in_(FRONT_END), c.status != new).values(
            status=new, status_date=ident.date))
        changed += max(done.rowcount, 0)
    return len(acks), changed


def _claims_of(ack: Ack) -> ColumnElement[bool]:
    """The sent claims an ack speaks of (a WHERE clause on ``claims``)."""
    c, f = t.claims.c, t.files.c
    inner = t.claims.alias("sent")  # an alias: never correlated with the outer claims
    if ack.kind == "277":  # the latest batch that sent this CLM01
        latest = select(func.max(inner.c.file_id)).where(
            inner.c.claim_id == ack.claim_id).scalar_subquery()
        return and_(c.claim_id == ack.claim_id, c.file_id == latest)
    # the latest 837 file of that GS06 holding a set with that ST02
    latest = select(func.max(inner.c.file_id)).join(t.files, f.file_id == inner.c.file_id).where(
        f.kind == "837", f.gs06 == ack.group, inner.c.st02 == ack.set_control).scalar_subquery()
    return and_(c.file_id == latest, c.st02 == ack.set_control)
