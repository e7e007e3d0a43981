"""Settlement in the ledger: the reconciler's own matching and settling, fed from rows.

As each 835 arrives its CLP loops are compacted with :func:`reconcile.match.compact`,
found among the sent claims with :class:`reconcile.index.SentIndex` (built over just
the candidate rows: exact CLP01 hits, else claims whose CLM01 starts with it), and
line-matched with :func:`reconcile.match.match_lines`. Every sent claim a remit
touched is then settled by :func:`reconcile.engine.settle_sent` from all of its
remits so far -- earlier files included -- so the result does not depend on the
order files arrive in. The status that changes is appended to the claim's history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, and_, bindparam, or_, select

from ledger import schema as t
from reconcile.engine import ClaimResult, Entry, settle_sent
from reconcile.index import MIN_TRUNCATED, SentClaim, SentIndex, SentLine
from reconcile.match import Adj, Reason, Remit, RemitLine
from reconcile.status import CORRECTION, REVERSAL, REVERSED

Key = tuple[int, int]  # (file_id, claim_seq) of a sent claim
ZERO = Decimal("0.00")
SEQ_SHIFT = 32  # Remit.seq = file_id << 32 | remit_seq: arrival order across files
PREFIXES_PER_QUERY = 100  # CLM01 prefix ranges OR-ed into one lookup


def keyed(file_col: Any, seq_col: Any, keys: Iterable[tuple[int, int]]) -> ColumnElement[bool]:
    """``(file_col, seq_col) IN keys`` as ``file = f AND seq IN (...)`` per file, which both
    databases answer from the composite primary key (a row-value IN is a scan on SQLite)."""
    by_file: dict[int, list[int]] = defaultdict(list)
    for f, n in keys:
        by_file[f].append(n)
    return or_(*(and_(file_col == f, seq_col.in_(sorted(seqs)))
                 for f, seqs in sorted(by_file.items())))


def codes(text: str) -> tuple[str, ...]:
    return tuple(text.split()) if text else ()


def remit_seq_of(seq: int) -> tuple[int, int]:
    return seq >> SEQ_SHIFT, seq & ((1 << SEQ_SHIFT) - 1)


# -- the sent side -----------------------------------------------------------------------

def find_sent(conn: Connection, remits: Sequence[Remit]
              ) -> tuple[list[tuple[Key, str] | None], dict[Key, SentClaim]]:
    """For each remit, (sent claim key, exact | truncated) or None; and those claims."""
    ids = sorted({r.claim_id for r in remits})
    rows = _claim_rows(conn, t.claims.c.claim_id.in_(ids)) if ids else []
    found = {row.claim_id for row in rows}
    missing = [i for i in ids if i not in found and len(i) >= MIN_TRUNCATED]
    for start in range(0, len(missing), PREFIXES_PER_QUERY):  # payer-truncated CLP01s
        chunk = missing[start:start + PREFIXES_PER_QUERY]
        rows.extend(_claim_rows(conn, or_(*(_prefix_of(i) for i in chunk))))
    rows = sorted({(r.file_id, r.claim_seq): r for r in rows}.values(),
                  key=lambda r: (r.file_id, r.claim_seq))
    index = SentIndex()
    keys: list[Key] = []
    for row in rows:  # light SentClaims: find() reads only the id and the charge
        index.add(SentClaim(row.claim_id, row.charge, "", "", "", "", "", (), (), False))
        keys.append((row.file_id, row.claim_seq))
    out: list[tuple[Key, str] | None] = []
    for remit in remits:
        hit = index.find(remit.claim_id, remit.charge)
        out.append((keys[hit[0]], hit[1]) if hit else None)
    wanted = {h[0] for h in out if h}
    return out, load_sent(conn, wanted)


def _prefix_of(claim_id: str) -> ColumnElement[bool]:
    """CLM01 starts with ``claim_id``: the range lets the index answer, LIKE makes it exact."""
    cid = t.claims.c.claim_id
    return and_(cid >= claim_id, cid < claim_id + "\U0010ffff",
                cid.startswith(claim_id, autoescape=True))


def _claim_rows(conn: Connection, where: ColumnElement[bool]) -> list[Any]:
    c = t.claims.c
    return list(conn.execute(select(c.file_id, c.claim_seq, c.claim_id, c.charge).where(where)))


def load_sent(conn: Connection, keys: Iterable[Key]) -> dict[Key, SentClaim]:
    keys = sorted(set(keys))
    if not keys:
        return {}
    c, ln = t.claims.c, t.claim_lines.c
    lines: dict[Key, list[SentLine]] = defaultdict(list)
    for row in conn.execute(select(t.claim_lines).where(
            keyed(ln.file_id, ln.claim_seq, keys)).order_by(
            ln.file_id, ln.claim_seq, ln.line_seq)):
        lines[(row.file_id, row.claim_seq)].append(SentLine(
            number=row.number, control=row.control, procedure=row.procedure,
            modifiers=tuple(row.modifiers.split(":")) if row.modifiers else (), dos=row.dos,
            charge=row.charge, rules=codes(row.rules), flags=codes(row.flags)))
    out: dict[Key, SentClaim] = {}
    for row in conn.execute(select(t.claims).where(keyed(c.file_id, c.claim_seq, keys))):
        key = (row.file_id, row.claim_seq)
        out[key] = SentClaim(
            claim_id=row.claim_id, charge=row.charge, file=str(row.file_id),
            payer_id=row.payer_id, patient=row.patient, member_id=row.member_id, dos=row.dos,
            lines=tuple(lines.get(key, ())), rules=codes(row.rules), held=row.held)
    return out


def rule_categories(conn: Connection, keys: Sequence[Key]) -> dict[str, str]:
    f = t.findings.c
    rows = conn.execute(select(f.rule, f.category).where(
        keyed(f.file_id, f.claim_seq, keys)).distinct())
    return {row.rule: row.category for row in rows}


# -- the remit side ----------------------------------------------------------------------

def load_entries(conn: Connection, keys: Sequence[Key],
                 skip_from: tuple[int, int] | None = None
                 ) -> tuple[dict[Key, list[Entry]], dict[int, str]]:
    """Every remit matched to each sent claim, rebuilt from its rows, in arrival order
    (but those of file ``skip_from[0]`` from remit_seq ``skip_from[1]`` on); and the
    role each of them has now (by ``Remit.seq``)."""
    r = t.remits.c
    where = keyed(r.sent_file_id, r.sent_claim_seq, keys)
    if skip_from is not None:
        where = and_(where, ~and_(r.file_id == skip_from[0], r.remit_seq >= skip_from[1]))
    out: dict[Key, list[Entry]] = defaultdict(list)
    roles: dict[int, str] = {}
    for head, remit, assignment in _remits(conn, where):
        out[(head.sent_file_id, head.sent_claim_seq)].append((remit, assignment, head.match))
        roles[remit.seq] = head.role
    return out, roles


def load_remits(conn: Connection, rkeys: Sequence[tuple[int, int]]
                ) -> list[tuple[tuple[int, int], Remit]]:
    """The remits with these (file_id, remit_seq) keys, rebuilt, in arrival order."""
    r = t.remits.c
    return [((h.file_id, h.remit_seq), remit) for h, remit, _ in
            _remits(conn, keyed(r.file_id, r.remit_seq, rkeys))]


def _remits(conn: Connection, where: Any) -> list[tuple[Any, Remit, tuple[tuple[int, str], ...]]]:
    r, rl, a = t.remits.c, t.remit_lines.c, t.adjustments.c
    heads = list(conn.execute(select(t.remits).where(where).order_by(r.file_id, r.remit_seq)))
    if not heads:
        return []
    rkeys = [(h.file_id, h.remit_seq) for h in heads]
    adjs: dict[tuple[int, int, int | None], list[Adj]] = defaultdict(list)
    for row in conn.execute(select(t.adjustments).where(
            keyed(a.file_id, a.remit_seq, rkeys)).order_by(
            a.file_id, a.remit_seq, a.adj_seq)):
        why = Reason(row.group_code, row.reason, (row.remark,) if row.remark else (),
                     row.category, row.denial, row.action)
        adjs[(row.file_id, row.remit_seq, row.line_seq)].append(Adj(why, row.amount))
    lines: dict[tuple[int, int], list[tuple[RemitLine, tuple[int, str]]]] = defaultdict(list)
    for row in conn.execute(select(t.remit_lines).where(
            keyed(rl.file_id, rl.remit_seq, rkeys)).order_by(
            rl.file_id, rl.remit_seq, rl.line_seq)):
        line = RemitLine(
            procedure=row.procedure, adjudicated=row.adjudicated,
            modifiers=tuple(row.modifiers.split(":")) if row.modifiers else (),
            control=row.control, dos=row.dos, charge=row.charge, paid=row.paid,
            status=row.status,
            adjustments=tuple(adjs.get((row.file_id, row.remit_seq, row.line_seq), ())),
            remarks=codes(row.remarks))
        lines[(row.file_id, row.remit_seq)].append((line, (row.sent_line, row.how)))
    out = []
    for h in heads:
        own = lines.get((h.file_id, h.remit_seq), [])
        remit = Remit(
            file=str(h.file_id), trace=h.trace, payment_date=h.payment_date,
            payer_id=h.payer_id, claim_id=h.claim_id, status_code=h.status_code,
            payer_claim_id=h.payer_claim_id, charge=h.charge, paid=h.paid, status=h.status,
            adjustments=tuple(adjs.get((h.file_id, h.remit_seq, None), ())),
            lines=tuple(x[0] for x in own), remarks=codes(h.remarks), patient=h.patient,
            member_id=h.member_id, balanced=h.balanced,
            seq=h.file_id << SEQ_SHIFT | h.remit_seq)
        out.append((h, remit, tuple(x[1] for x in own)))
    return out


# -- settling ----------------------------------------------------------------------------

def settle_keys(conn: Connection, keys: Iterable[Key], source_file_id: int, *,
                sent: dict[Key, SentClaim] | None = None,
                fresh: dict[Key, list[Entry]] | None = None,
                fresh_from: tuple[int, int] | None = None,
                fresh_roles: dict[int, str] | None = None) -> int:
    """Settle each sent claim from all of its remits; returns how many changed status.

    ``fresh`` are entries of remits the caller is writing (those of file
    ``fresh_from[0]`` from remit_seq ``fresh_from[1]`` on): they are used as they
    are, not read back, and their roles go into ``fresh_roles`` (by ``Remit.seq``) for
    the caller to write with the rows, not as updates. ``sent`` may hand over the
    claims the caller already loaded. Everything is set-based: a handful of queries
    and one executemany per table for the whole batch of keys, and only the remits
    whose role changed are updated.
    """
    keys = sorted(set(keys))
    if not keys:
        return 0
    if sent is None or any(k not in sent for k in keys):
        sent = load_sent(conn, keys)
    entries, roles = load_entries(conn, keys, fresh_from)
    for key, more in (fresh or {}).items():
        entries[key].extend(more)
    categories = rule_categories(conn, keys)
    c = t.claims.c
    before = {(row.file_id, row.claim_seq): row.status for row in conn.execute(
        select(c.file_id, c.claim_seq, c.status).where(keyed(c.file_id, c.claim_seq, keys)))}
    claim_rows, line_rows, role_rows, events = [], [], [], []
    for key in keys:
        result = settle_sent(sent[key], entries.get(key, []), categories)
        last = max((r.payment_date for r, role in result.remits if role != "copy"), default="")
        claim_rows.append(dict(k_file=key[0], k_seq=key[1], v_status=result.status,
                               v_paid=result.paid, v_net=result.net_paid,
                               v_icn=result.payer_claim_id, v_date=last))
        for j, ln in enumerate(result.lines[:len(sent[key].lines)]):
            pr = sum((a.amount for a in ln.adjustments if a.why.group == "PR"), ZERO)
            line_rows.append(dict(
                k_file=key[0], k_seq=key[1], k_line=j, v_status=ln.status, v_paid=ln.paid,
                v_allowed=ln.paid + pr if ln.adjustments or ln.paid else None,
                v_denied=ln.denied_amount, v_cats=" ".join(ln.categories),
                v_denials=" ".join(ln.denial_categories), v_pred=ln.prediction, v_date=last))
        for remit, role in result.remits:
            if remit.seq not in roles and fresh_roles is not None:
                fresh_roles[remit.seq] = role  # written with its row by the caller
            elif roles.get(remit.seq) != role:
                f, s = remit_seq_of(remit.seq)
                role_rows.append(dict(k_file=f, k_seq=s, v_role=role))
        if before.get(key) != result.status:
            status, note = _event(result)
            events.append(dict(file_id=key[0], claim_seq=key[1], status=status,
                               status_date=last, source_file_id=source_file_id, note=note))
    update_rows(conn, t.claims, ("file_id", "claim_seq"), claim_rows,
            status="v_status", paid="v_paid", net_paid="v_net", payer_claim_id="v_icn",
            status_date="v_date")
    update_rows(conn, t.claim_lines, ("file_id", "claim_seq", "line_seq"), line_rows,
            status="v_status", paid="v_paid", allowed="v_allowed", denied="v_denied",
            categories="v_cats", denial_categories="v_denials", prediction="v_pred",
            payment_date="v_date")
    update_rows(conn, t.remits, ("file_id", "remit_seq"), role_rows, role="v_role")
    if events:
        conn.execute(t.status_history.insert(), events)
    return len(events)


def _event(result: ClaimResult) -> tuple[str, str]:
    """(history status, note): a correction after a reversal shows as ``corrected``."""
    roles = [role for _, role in result.remits]
    if CORRECTION in roles and result.status != REVERSED:
        return "corrected", f"{result.status} on the corrected remit"
    if REVERSAL in roles and result.status == REVERSED:
        return REVERSED, "reversed by the payer"
    return result.status, f"{len(roles)} remit(s)"


def update_rows(conn: Connection, table: Table, keys: tuple[str, ...],
            rows: list[dict[str, Any]], **values: str) -> None:
    """One executemany ``UPDATE table SET col = :v_.. WHERE key = :k_..`` for all ``rows``
    (keys bound as ``k_file``, ``k_seq``, ``k_line`` in the order of ``keys``)."""
    if not rows:
        return
    prefixes = ("k_file", "k_seq", "k_line")
    where = and_(*(table.c[k] == bindparam(p) for k, p in zip(keys, prefixes, strict=False)))
    stmt = table.update().where(where).values({col: bindparam(p) for col, p in values.items()})
    conn.execute(stmt, rows)
