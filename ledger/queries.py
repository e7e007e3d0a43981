"""The questions billing staff ask of the ledger, as library functions returning records.

- :func:`claim_story` -- one claim from batch to payment: lines, scan findings, acks,
  remits with each adjustment's root cause and action, status history.
- :func:`aging` -- open claims and balances in 0-30/31-60/61-90/91-120/120+ day buckets
  from the batch date, with the payer profile's timely-filing "resubmit by" date.
- :func:`denials` -- denied lines and dollars by category, payer, scan rule or month.
- :func:`underpaid` lives in :mod:`ledger.underpaid`.

Each returns plain dicts (money as ``Decimal``); ``cli/ledger.py`` renders them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Engine, select

from edi837.policy import FilingLimit
from edi837.profiles import load_profile
from ledger import schema as t
from ledger.settle import ZERO, codes
from x12core.errors import ClaimkitError, InputError

BUCKETS = ("0-30", "31-60", "61-90", "91-120", "120+")
OPEN = ("sent", "accepted", "rejected", "unpaid", "reversed")  # no payer answer in force
BY_AGING = ("claim", "payer", "provider")
BY_DENIALS = ("category", "payer", "rule", "month")
STREAM = {"stream_results": True, "yield_per": 2_000}


def parse_day(value: str, what: str = "date") -> date:
    try:
        return datetime.strptime(value.replace("-", ""), "%Y%m%d").date()
    except ValueError:
        raise InputError(f"{what} {value!r}: expected YYYY-MM-DD") from None


def _day(ccyymmdd: str) -> date | None:
    try:
        return datetime.strptime(ccyymmdd, "%Y%m%d").date() if ccyymmdd else None
    except ValueError:
        return None


def bucket(days: int) -> str:
    for limit, name in ((30, "0-30"), (60, "31-60"), (90, "61-90"), (120, "91-120")):
        if days <= limit:
            return name
    return "120+"


@cache
def filing_limit(profile: str) -> FilingLimit | None:
    try:
        return load_profile(profile).policy.filing_limit
    except ClaimkitError:  # a user profile file that is gone: no deadline shown
        return None


# -- claim story ------------------------------------------------------------------------

def claim_story(engine: Engine, claim_id: str) -> list[dict[str, Any]]:
    """Every sent claim with this CLM01 (usually one), each with its whole story."""
    c, f = t.claims.c, t.files.c
    out = []
    with engine.connect() as conn:
        rows = list(conn.execute(select(t.claims, f.path).join(
            t.files, f.file_id == c.file_id).where(c.claim_id == claim_id)
            .order_by(c.file_id, c.claim_seq)))
        for row in rows:
            key = (row.file_id, row.claim_seq)
            out.append(_story(conn, key, row))
        if not rows:
            r = t.remits.c
            if conn.execute(select(r.claim_id).where(r.claim_id == claim_id)).first():
                raise InputError(f"claim {claim_id}: only remits name it (no 837 with this "
                                 "CLM01 is in the ledger)")
            raise InputError(f"claim {claim_id}: not in the ledger")
    return out


def _story(conn: Any, key: tuple[int, int], row: Any) -> dict[str, Any]:
    ln, fd, h, r, rl, a = (t.claim_lines.c, t.findings.c, t.status_history.c, t.remits.c,
                           t.remit_lines.c, t.adjustments.c)
    lines = [dict(line=x.number, control=x.control, procedure=x.procedure,
                  modifiers=codes(x.modifiers.replace(":", " ")), dos=x.dos, charge=x.charge,
                  units=x.units, status=x.status, paid=x.paid, allowed=x.allowed,
                  denied=x.denied, categories=codes(x.categories),
                  denial_categories=codes(x.denial_categories), predicted_by=codes(x.rules),
                  prediction=x.prediction)
             for x in conn.execute(select(t.claim_lines).where(
                 ln.file_id == key[0], ln.claim_seq == key[1]).order_by(ln.line_seq))]
    findings = [dict(rule=x.rule, category=x.category, severity=x.severity, line=x.line_number,
                     message=x.message)
                for x in conn.execute(select(t.findings).where(
                    fd.file_id == key[0], fd.claim_seq == key[1]).order_by(fd.finding_seq))]
    history = [dict(status=x.status, date=x.status_date, file=x.path, note=x.note)
               for x in conn.execute(select(t.status_history, t.files.c.path).join(
                   t.files, t.files.c.file_id == h.source_file_id).where(
                   h.file_id == key[0], h.claim_seq == key[1]).order_by(h.event_id))]
    remits = []
    for x in conn.execute(select(t.remits, t.files.c.path).join(
            t.files, t.files.c.file_id == r.file_id).where(
            r.sent_file_id == key[0], r.sent_claim_seq == key[1])
            .order_by(r.payment_date, r.file_id, r.remit_seq)):
        adjs = [dict(line=None if y.line_seq is None else y.line_seq + 1,
                     code=f"{y.group_code}-{y.reason}", remark=y.remark, amount=y.amount,
                     category=y.category, denial=y.denial, action=y.action)
                for y in conn.execute(select(t.adjustments).where(
                    a.file_id == x.file_id, a.remit_seq == x.remit_seq).order_by(a.adj_seq))]
        n_lines = conn.execute(select(rl.line_seq).where(
            rl.file_id == x.file_id, rl.remit_seq == x.remit_seq)).all()
        remits.append(dict(file=x.path, trace=x.trace, payment_date=x.payment_date,
                           clp01=x.claim_id, clp02=x.status_code, icn=x.payer_claim_id,
                           charge=x.charge, paid=x.paid, role=x.role, match=x.match,
                           lines=len(n_lines), adjustments=adjs))
    return dict(claim_id=row.claim_id, file=row.path, batch_date=row.batch_date,
                payer_id=row.payer_id, provider_npi=row.provider_npi, profile=row.profile,
                dos=row.dos, charge=row.charge, status=row.status, paid=row.paid,
                net_paid=row.net_paid, payer_claim_id=row.payer_claim_id, held=row.held,
                predicted_by=codes(row.rules), lines=lines, findings=findings, remits=remits,
                history=history)


# -- aging ------------------------------------------------------------------------------

def open_claims(engine: Engine, as_of: date) -> Iterator[dict[str, Any]]:
    """Every claim without a payer answer in force, aged from its batch date."""
    c = t.claims.c
    stmt = (select(c.claim_id, c.payer_id, c.provider_npi, c.profile, c.batch_date, c.dos,
                   c.charge, c.paid, c.status)
            .where(c.status.in_(OPEN)).order_by(c.batch_date, c.file_id, c.claim_seq))
    with engine.connect() as conn:
        for row in conn.execution_options(**STREAM).execute(stmt):
            sent = _day(row.batch_date)
            if sent is None or sent > as_of:
                continue
            days = (as_of - sent).days
            limit = filing_limit(row.profile)
            service = _day(row.dos) or sent
            deadline = limit.deadline(service) if limit else None
            yield dict(claim_id=row.claim_id, payer_id=row.payer_id,
                       provider_npi=row.provider_npi, status=row.status,
                       batch_date=sent.isoformat(), age_days=days, bucket=bucket(days),
                       balance=row.charge - row.paid,
                       resubmit_by=deadline.isoformat() if deadline else "",
                       days_left=(deadline - as_of).days if deadline else None)


def aging(engine: Engine, as_of: date, by: str = "claim") -> tuple[list[dict[str, Any]],
                                                                     dict[str, Any]]:
    """(rows, summary). ``by="claim"`` lists open claims; payer/provider one row per group."""
    if by not in BY_AGING:
        raise InputError(f"--by {by}: choose one of {', '.join(BY_AGING)}")
    totals = {b: [0, ZERO] for b in BUCKETS}
    groups: dict[str, dict[str, Any]] = {}
    rows: list[dict[str, Any]] = []
    for claim in open_claims(engine, as_of):
        totals[claim["bucket"]][0] += 1
        totals[claim["bucket"]][1] += claim["balance"]
        if by == "claim":
            rows.append(claim)
            continue
        name = claim["payer_id" if by == "payer" else "provider_npi"]
        g = groups.setdefault(name, {by: name, "claims": 0, "balance": ZERO,
                                     **{b: ZERO for b in BUCKETS}, "earliest_resubmit_by": ""})
        g["claims"] += 1
        g["balance"] += claim["balance"]
        g[claim["bucket"]] += claim["balance"]
        if claim["resubmit_by"] and (not g["earliest_resubmit_by"]
                                     or claim["resubmit_by"] < g["earliest_resubmit_by"]):
            g["earliest_resubmit_by"] = claim["resubmit_by"]
    if by != "claim":
        rows = sorted(groups.values(), key=lambda g: (-g["balance"], g[by]))
    summary = {"as_of": as_of.isoformat(), "by": by,
               "open_claims": sum(v[0] for v in totals.values()),
               "open_balance": sum((v[1] for v in totals.values()), ZERO),
               "buckets": {b: {"claims": v[0], "balance": v[1]} for b, v in totals.items()}}
    return rows, summary


# -- denials ----------------------------------------------------------------------------

def denials(engine: Engine, since: date | None = None, by: str = "category"
            ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Denied lines (status denied or partial with a denial adjustment), grouped.

    A line counts once in each of its denial categories (``--by category``) and once
    per scan rule that flagged it (``--by rule``; ``(none)`` when no rule did), so
    those groups can add up to more than the total; payer and month partition it.
    ``predicted`` counts the lines the scan predicted (``predicted_by``).
    """
    if by not in BY_DENIALS:
        raise InputError(f"--by {by}: choose one of {', '.join(BY_DENIALS)}")
    ln, c = t.claim_lines.c, t.claims.c
    stmt = (select(ln.denied, ln.denial_categories, ln.rules, ln.prediction, ln.payment_date,
                   c.payer_id)
            .join(t.claims, (c.file_id == ln.file_id) & (c.claim_seq == ln.claim_seq))
            .where(ln.denial_categories != ""))
    if since is not None:
        stmt = stmt.where(ln.payment_date >= since.strftime("%Y%m%d"))
    groups: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"lines": 0, "denied": ZERO, "predicted": 0})
    total = {"lines": 0, "denied": ZERO, "predicted": 0}
    with engine.connect() as conn:
        for row in conn.execution_options(**STREAM).execute(stmt):
            predicted = row.prediction == "predicted"
            for counter in (total, *(groups[k] for k in _keys(row, by))):
                counter["lines"] += 1
                counter["denied"] += row.denied
                counter["predicted"] += predicted
    rows = [{by: k, **v} for k, v in groups.items()]
    rows.sort(key=lambda g: (g[by],) if by == "month" else (-g["denied"], g[by]))
    summary = {"since": since.isoformat() if since else "", "by": by, "denied_lines": total[
        "lines"], "denied": total["denied"], "predicted_lines": total["predicted"]}
    return rows, summary


def _keys(row: Any, by: str) -> tuple[str, ...]:
    if by == "category":
        return codes(row.denial_categories)
    if by == "payer":
        return (row.payer_id,)
    if by == "rule":
        return codes(row.rules) or ("(none)",)
    day = row.payment_date
    return (f"{day[:4]}-{day[4:6]}" if day else "(no date)",)


