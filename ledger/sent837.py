"""Ingest an 837P batch: claims, lines and scan findings (rule ids), with the BHT04 date.

The batch is scanned with the same :class:`edi837.scan.Scanner` as ``claimkit scan``
and compacted with :func:`reconcile.index.sent_claim` (the reconciler's sent side),
so the ledger predicts denials with exactly the rules ``reconcile`` uses. Claims
stream: rows go out in batches, nothing per claim stays in memory.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from edi837.scan import Scanner, ScanOptions
from ledger import schema as t
from ledger.batches import Batcher
from ledger.ident import FileIdentity
from ledger.settle import ZERO, Key, find_sent, load_remits, settle_keys, update_rows
from reconcile.index import sent_claim
from reconcile.match import match_lines

SENT = "sent"


def ingest_837(conn: Connection, file_id: int, ident: FileIdentity,
               options: ScanOptions) -> int:
    """Write every claim of the batch; returns the number of claims."""
    out = Batcher(conn)
    count = 0
    for seq, result in enumerate(Scanner(options).scan(ident.path)):
        claim = result.claim
        sent = sent_claim(result, options.fail_on)
        out.add(t.claims, dict(
            file_id=file_id, claim_seq=seq, claim_id=claim.id,
            st02=claim.transaction.control, batch_date=claim.batch_date or ident.date,
            payer_id=claim.payer.id, provider_npi=claim.billing_provider.party.id,
            profile=result.profile, patient=sent.patient, member_id=sent.member_id,
            dos=sent.dos, charge=sent.charge, frequency=claim.frequency, held=result.held,
            rules=" ".join(sent.rules), status=SENT, paid=ZERO, net_paid=ZERO,
            payer_claim_id="", status_date=claim.batch_date or ident.date))
        for j, (line, src) in enumerate(zip(sent.lines, claim.lines, strict=True)):
            out.add(t.claim_lines, dict(
                file_id=file_id, claim_seq=seq, line_seq=j, number=line.number,
                control=line.control, procedure=line.procedure,
                modifiers=":".join(line.modifiers), dos=line.dos, charge=line.charge,
                units=src.units, rules=" ".join(line.rules), flags=" ".join(line.flags),
                status=SENT, paid=ZERO, allowed=None, denied=ZERO, categories="",
                denial_categories="", prediction="", payment_date=""))
        for k, f in enumerate(result.findings):
            out.add(t.findings, dict(
                file_id=file_id, claim_seq=seq, finding_seq=k,
                line_number=f.location.line_number, rule=f.rule, category=f.category,
                severity=str(f.severity), message=f.message))
        out.add(t.status_history, dict(
            file_id=file_id, claim_seq=seq, status=SENT,
            status_date=claim.batch_date or ident.date, source_file_id=file_id,
            note="held by the scan" if result.held else "clean"))
        count += 1
    out.flush_all()
    return count


def rematch(conn: Connection, file_id: int) -> int:
    """Remits that arrived before this batch (unmatched so far) now find their claim.

    Returns the number of claims settled. Only remits whose CLP01 equals a CLM01 of the
    batch are retried (an exact match; truncated ids are matched when the remit arrives).
    """
    r, c = t.remits.c, t.claims.c
    new_ids = select(c.claim_id).where(c.file_id == file_id)
    heads = list(conn.execute(select(r.file_id, r.remit_seq, r.claim_id, r.charge).where(
        r.sent_file_id.is_(None), r.claim_id.in_(new_ids))))
    if not heads:
        return 0
    remits = load_remits(conn, [(h.file_id, h.remit_seq) for h in heads])
    hits, sent = find_sent(conn, [rm for _, rm in remits])
    touched: set[Key] = set()
    remit_rows, line_rows = [], []
    for (rkey, remit), hit in zip(remits, hits, strict=True):
        if hit is None:
            continue
        key, how = hit
        remit_rows.append(dict(k_file=rkey[0], k_seq=rkey[1], v_file=key[0], v_seq=key[1],
                               v_match=how))
        for k, (line_index, line_how) in enumerate(match_lines(sent[key], remit)):
            line_rows.append(dict(k_file=rkey[0], k_seq=rkey[1], k_line=k, v_line=line_index,
                                  v_how=line_how))
        touched.add(key)
    update_rows(conn, t.remits, ("file_id", "remit_seq"), remit_rows,
                sent_file_id="v_file", sent_claim_seq="v_seq", match="v_match")
    update_rows(conn, t.remit_lines, ("file_id", "remit_seq", "line_seq"), line_rows,
                sent_line="v_line", how="v_how")
    return settle_keys(conn, touched, file_id)
