"""Ingest an 835: payments, remits (CLP), their lines and classified adjustments; settle.

Each CLP loop is compacted with :func:`reconcile.match.compact` (the cause map
classifies every CAS) and matched to a sent claim already in the ledger. Remits go
in rounds of :data:`SETTLE_EVERY`: one set of queries finds and loads the round's sent
claims, :func:`ledger.settle.settle_keys` settles them in memory and updates them
with one executemany per table, then the round's rows are inserted (executemany,
:class:`ledger.batches.Batcher`) with each remit's settled role already set. A remit
for a claim the ledger has not seen stays unmatched until that batch is ingested
(:func:`ledger.sent837.rematch`).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Connection

from ledger import schema as t
from ledger.batches import Batcher
from ledger.ident import FileIdentity
from ledger.settle import SEQ_SHIFT, Key, find_sent, settle_keys
from reconcile.engine import Entry
from reconcile.match import Adj, Remit, compact, match_lines
from remit835.causes import CauseMap
from remit835.parse import read_remits

SETTLE_EVERY = 2_000  # remits per find / write / settle round


def ingest_835(conn: Connection, file_id: int, ident: FileIdentity,
               causes: CauseMap) -> tuple[int, int]:
    """Write every payment and remit; returns (remits, claims whose status changed)."""
    out = Batcher(conn)
    pending: list[tuple[int, int, Remit]] = []  # (remit_seq, payment_seq, remit)
    count = changed = 0
    for payment_seq, stream in enumerate(read_remits(ident.path)):
        for claim in stream:
            remit = compact(claim, causes, file_id << SEQ_SHIFT | count)
            pending.append((count, payment_seq, remit))
            count += 1
            if len(pending) >= SETTLE_EVERY:
                changed += _write(conn, out, file_id, pending)
                pending = []
        payment = stream.finish()
        head = payment.header
        out.add(t.payments, dict(
            file_id=file_id, payment_seq=payment_seq, st02=head.transaction,
            trace=head.trace, payer_id=head.payer_id,
            payment_date=head.payment_date or head.production_date, amount=head.amount))
    changed += _write(conn, out, file_id, pending)
    out.flush_all()
    return count, changed


def _write(conn: Connection, out: Batcher, file_id: int,
           pending: list[tuple[int, int, Remit]]) -> int:
    """Match, settle and write one batch of remits: a few set-based queries to find and
    load their sent claims, the settlement in memory, then executemany per table (the
    remits carry their settled role, so they are written once, not written and updated)."""
    if not pending:
        return 0
    hits, sent = find_sent(conn, [p[2] for p in pending])
    fresh: dict[Key, list[Entry]] = defaultdict(list)
    assignments = []
    for (_seq, _payment_seq, remit), hit in zip(pending, hits, strict=True):
        assignment = (match_lines(sent[hit[0]], remit) if hit
                      else tuple((-1, "") for _ in remit.lines))
        assignments.append(assignment)
        if hit:
            fresh[hit[0]].append((remit, assignment, hit[1]))
    roles: dict[int, str] = {}
    changed = settle_keys(conn, fresh.keys(), file_id, sent=sent, fresh=fresh,
                          fresh_from=(file_id, pending[0][0]), fresh_roles=roles)
    for (seq, payment_seq, remit), hit, assignment in zip(pending, hits, assignments,
                                                          strict=True):
        key, how = hit if hit else ((None, None), "")
        out.add(t.remits, dict(
            file_id=file_id, remit_seq=seq, payment_seq=payment_seq, sent_file_id=key[0],
            sent_claim_seq=key[1], match=how, claim_id=remit.claim_id,
            status_code=remit.status_code, payer_claim_id=remit.payer_claim_id,
            trace=remit.trace, payer_id=remit.payer_id, payment_date=remit.payment_date,
            charge=remit.charge, paid=remit.paid, status=remit.status,
            remarks=" ".join(remit.remarks), patient=remit.patient,
            member_id=remit.member_id, balanced=remit.balanced,
            role=roles.get(remit.seq, "")))
        adj_seq = 0
        for adj in remit.adjustments:
            out.add(t.adjustments, _adj(file_id, seq, adj_seq, None, adj))
            adj_seq += 1
        for k, (line, (sent_line, line_how)) in enumerate(
                zip(remit.lines, assignment, strict=True)):
            out.add(t.remit_lines, dict(
                file_id=file_id, remit_seq=seq, line_seq=k, procedure=line.procedure,
                adjudicated=line.adjudicated, modifiers=":".join(line.modifiers),
                control=line.control, dos=line.dos, charge=line.charge, paid=line.paid,
                status=line.status, remarks=" ".join(line.remarks), sent_line=sent_line,
                how=line_how))
            for adj in line.adjustments:
                out.add(t.adjustments, _adj(file_id, seq, adj_seq, k, adj))
                adj_seq += 1
    out.flush_all()
    return changed


def _adj(file_id: int, seq: int, adj_seq: int, line_seq: int | None, adj: Adj
         ) -> dict[str, object]:
    why = adj.why
    return dict(file_id=file_id, remit_seq=seq, adj_seq=adj_seq, line_seq=line_seq,
                group_code=why.group, reason=why.reason,
                remark=why.remarks[0] if why.remarks else "", category=why.category,
                denial=why.denial, action=why.action, amount=adj.amount)
