"""The `claimkit remit` report: claims streamed, totals and findings gathered on the way.

JSON follows ``docs/output.md``: ``summary``, ``claims`` (with ``lines`` and
``adjustments`` each carrying ``category``, ``denial`` and ``action``), then
``payments`` and ``findings`` (balancing and structure problems with location and
difference). JSONL/CSV write one row per adjustment; a line or claim without any
adjustment still gets one row, so nothing disappears; findings follow as
``record = "finding"`` rows. Money is always a decimal string with two places.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TextIO

from remit835.causes import CauseMap
from remit835.model import _MONEY_TEXT, ZERO, Claim, Imbalance, Payment, money
from remit835.outcome import (
    DENIED,
    PAID,
    PARTIAL,
    REVERSED,
    REVERSED_CATEGORY,
    ClaimOutcome,
    Classified,
    LineOutcome,
    assess,
)
from remit835.parse import PaymentStream, RemitReader, read_remits
from remit835.report_text import write_rows, write_text
from x12core.census import Tally, unread_claims_finding
from x12core.findings import Finding, Severity
from x12core.render import Report
from x12core.spool import RecordSpool

ROW_COLUMNS = (
    "record", "file", "interchange", "transaction", "trace", "payer_id", "claim_id",
    "status_code", "claim_status", "payer_claim_id", "claim_charge", "claim_paid",
    "line_number", "line_control", "procedure", "modifiers", "original_procedure",
    "service_date", "line_charge", "line_paid", "units", "line_status", "group", "reason",
    "amount", "quantity", "remarks", "category", "denial", "core_scenario", "action",
    "severity", "message", "element", "file_line", "difference",
)


@dataclass
class Totals:
    """Counters the claim stream fills in; read after the items are consumed."""

    payments: list[dict[str, Any]] = field(default_factory=list)
    # On disk past a few MiB: one finding per unbalanced line can outgrow memory (issue 10).
    findings: RecordSpool = field(default_factory=RecordSpool)
    warnings: int = 0
    unbalanced: int = 0  # balancing findings at error
    claims: int = 0
    paid: Decimal = ZERO
    lines: dict[str, int] = field(default_factory=dict)
    claim_status: dict[str, int] = field(default_factory=dict)
    causes: dict[str, list[Any]] = field(default_factory=dict)  # category -> [lines, dollars]
    routine: dict[str, Decimal] = field(default_factory=dict)  # non-denial category -> dollars
    unmapped: dict[str, None] = field(default_factory=dict)
    reversed_ids: dict[str, None] = field(default_factory=dict)  # CLP01 of reversals seen
    errors: int = 0
    corrections: int = 0
    payment_total: Decimal = ZERO  # Σ BPR02, debits (BPR03 D) negative
    claim_segments: int = 0  # CLP segments in the files' bytes (x12core.census), read or not

    @property
    def balanced(self) -> bool:
        return self.unbalanced == 0

    def summary(self) -> dict[str, Any]:
        top = sorted(self.causes.items(), key=lambda kv: (-kv[1][1], kv[0]))
        return {
            "payments": len(self.payments), "claims": self.claims, "paid": money(self.paid),
            "denied_lines": self.lines.get(DENIED, 0), "balanced": self.balanced,
            "partial_lines": self.lines.get(PARTIAL, 0), "lines": dict(self.lines),
            "claim_status": dict(self.claim_status),
            "payment_total": money(self.payment_total),
            "root_causes": [{"category": c, "lines": n, "amount": money(d)} for c, (n, d) in top],
            "routine": {c: money(d) for c, d in sorted(self.routine.items())},
            "unmapped": list(self.unmapped), "errors": self.errors,
            "reversals": self.claim_status.get("reversed", 0), "corrections": self.corrections,
            "warnings": self.warnings,
            "claim_segments": self.claim_segments,
            "unread_claims": max(0, self.claim_segments - self.claims),
        }


def _finding(f: Finding, imbalance: Imbalance | None = None) -> dict[str, Any]:
    out = f.envelope_dict()
    out["claim_id"] = f.location.claim_id
    if imbalance is not None:
        out["level"] = imbalance.level
        out["difference"] = money(imbalance.difference)
    return out


_CAUSE_FIELDS: dict[int, tuple[Any, dict[str, Any]]] = {}
_NONE: frozenset[int] = frozenset()
_REVERSED_CATEGORIES = (REVERSED_CATEGORY,)


def _cause_fields(cause: Any) -> dict[str, Any]:
    """The cause half of an adjustment record, built once per distinct cause."""
    hit = _CAUSE_FIELDS.get(id(cause))
    if hit is None or hit[0] is not cause:
        hit = (cause, {"category": cause.category, "denial": cause.denial,
                       "action": cause.action, "core_scenario": cause.core,
                       "matched": cause.matched, "unprocessable": cause.unprocessable})
        _CAUSE_FIELDS[id(cause)] = hit
    return hit[1]


def _adjustment(c: Classified) -> dict[str, Any]:
    a = c.adjustment
    cause = c.cause
    hit = _CAUSE_FIELDS.get(id(cause))
    fields = hit[1] if hit is not None and hit[0] is cause else _cause_fields(cause)
    return {"group": a.group, "reason": a.reason, "amount": _MONEY_TEXT.get(a.amount)
            or money(a.amount), "quantity": a.quantity, **fields}


def _first(pairs: tuple[tuple[str, Any], ...], qualifier: str) -> Any:
    for qual, value in pairs:
        if qual == qualifier:
            return value
    return None


def _line(lo: LineOutcome, unbalanced: frozenset[int]) -> dict[str, Any]:
    # Tuples stay tuples: json writes them as arrays, and copying costs on every line.
    # Hot path (one call per service line): the model's properties, inlined.
    line = lo.line
    status = lo.status
    dates = line.dates
    # ServiceLine.service_date: DTM*472, else DTM*150.
    service_date = (_first(dates, "472") or _first(dates, "150") or "") if dates else ""
    if status == REVERSED:
        categories: tuple[str, ...] = _REVERSED_CATEGORIES
    elif status == PAID or not lo.adjustments:
        categories = ()
    else:
        categories = tuple(dict.fromkeys(c.cause.category for c in lo.adjustments
                                         if c.cause.denial))
    texts = _MONEY_TEXT
    return {"line_number": line.ordinal, "procedure": line.procedure,
            "modifiers": line.modifiers, "qualifier": line.qualifier,
            "original_procedure": line.original_procedure,
            "original_modifiers": line.original_modifiers,
            "line_control": line.line_control, "service_date": service_date,
            "charge": texts.get(line.charge) or money(line.charge),
            "paid": texts.get(line.paid) or money(line.paid), "units": line.units or "1",
            "original_units": line.original_units,
            "allowed": money(_first(line.amounts, "B6")) if line.amounts else "",
            "status": status, "denied": status == DENIED,
            "balanced": line.ordinal not in unbalanced, "categories": categories,
            "adjustments": [_adjustment(c) for c in lo.adjustments],
            "remarks": line.remarks}


def claim_record(outcome: ClaimOutcome) -> dict[str, Any]:
    """One claim as the contract's JSON object (plus extra fields)."""
    claim = outcome.claim
    pay = claim.payment
    imbalances = claim.imbalances
    unbalanced = frozenset(i.finding.location.line_number or 0 for i in imbalances
                           if i.level == "line") if imbalances else _NONE
    return {
        "claim_id": claim.claim_id, "status_code": claim.status_code,
        "status": outcome.status, "status_text": claim.status,
        "charge": money(claim.charge), "paid": money(claim.paid),
        "patient_responsibility": money(claim.patient_responsibility or ZERO),
        "payer_claim_id": claim.payer_claim_id,
        "balanced": claim.balanced if imbalances else True,
        "file": pay.file, "interchange": pay.interchange, "transaction": pay.transaction,
        "trace": pay.trace, "payer_id": pay.payer_id, "filing_indicator": claim.filing_indicator,
        "facility_code": claim.facility_code, "frequency": claim.frequency,
        "received_date": claim.date("050"), "categories": outcome.categories,
        "remarks": claim.remarks,
        "adjustments": [_adjustment(c) for c in outcome.adjustments],
        "lines": [_line(lo, unbalanced) for lo in outcome.lines],
    }


def payment_record(payment: Payment) -> dict[str, Any]:
    h = payment.header
    return {"file": h.file, "interchange": h.interchange, "transaction": h.transaction,
            "trace": h.trace, "payer_id": h.payer_id, "payer": h.payer.name,
            "payee": h.payee.name, "payee_id": h.payee.id, "amount": money(h.amount),
            "credit_debit": h.credit_debit, "method": h.method, "handling": h.handling,
            "payment_date": h.payment_date, "claims": payment.claim_count,
            "claims_paid": money(payment.claims_paid), "balanced": payment.balanced,
            "provider_adjustments": [
                {"reason": p.reason, "reference": p.reference, "amount": money(p.amount),
                 "provider": p.provider, "fiscal_date": p.fiscal_date}
                for p in payment.provider_adjustments]}


def _count(totals: Totals, outcome: ClaimOutcome) -> None:
    totals.claims += 1
    claim = outcome.claim
    totals.paid += claim.paid
    counts = totals.claim_status
    counts[outcome.status] = counts.get(outcome.status, 0) + 1
    causes = totals.causes
    counts = totals.lines
    routine = totals.routine
    for lo in outcome.lines:
        status = lo.status
        counts[status] = counts.get(status, 0) + 1
        adjustments = lo.adjustments
        if not adjustments:
            continue
        # A reversal's negated amounts net the dollars; its lines are not denied lines.
        seen: set[str] = {c.cause.category for c in adjustments} if status == REVERSED \
            else set()
        for c in adjustments:  # _tally, inline (hot path: one pass per adjustment)
            cause = c.cause
            if not cause.mapped:
                totals.unmapped[c.adjustment.code] = None
            category = cause.category
            if cause.denial:
                entry = causes.get(category)
                if entry is None:
                    entry = causes[category] = [0, ZERO]
                if category not in seen:  # count a line once per category
                    entry[0] += 1
                    seen.add(category)
                entry[1] += c.adjustment.amount
            else:
                routine[category] = routine.get(category, ZERO) + c.adjustment.amount
    for c in outcome.adjustments:
        _tally(totals, c, set(), causes)
    for imbalance in claim.imbalances:
        _add_finding(totals, imbalance.finding, imbalance)


def _tally(totals: Totals, c: Classified, seen: set[str],
           causes: dict[str, list[Any]]) -> None:
    cause = c.cause
    if not cause.mapped:
        totals.unmapped[c.adjustment.code] = None
    if cause.denial:
        entry = causes.setdefault(cause.category, [0, ZERO])
        if cause.category not in seen:  # count a line once per category
            entry[0] += 1
            seen.add(cause.category)
        entry[1] += c.adjustment.amount
    else:
        totals.routine[cause.category] = totals.routine.get(cause.category, ZERO) + \
            c.adjustment.amount


def _unknown_remarks(totals: Totals, claim: Claim, causes: CauseMap) -> None:
    """RARCs the map does not know: listed with the unmapped codes, never dropped."""
    known = causes.rarcs
    for remark in claim.remarks:
        if remark not in known:
            totals.unmapped[remark] = None
    for line in claim.lines:
        for remark in line.remarks:
            if remark not in known:
                totals.unmapped[remark] = None


def _add_finding(totals: Totals, f: Finding, imbalance: Imbalance | None = None) -> None:
    if f.severity is Severity.ERROR:
        totals.errors += 1
        totals.unbalanced += f.category == "balancing"
    elif f.severity is Severity.WARNING:
        totals.warnings += 1
    totals.findings.append(_finding(f, imbalance))


def iter_outcomes(paths: Sequence[str | os.PathLike[str]], causes: CauseMap,
                  totals: Totals) -> Iterator[ClaimOutcome]:
    """Every claim of every file, assessed; ``totals`` fills in as they pass."""
    for path in paths:
        yield from file_outcomes(read_remits(path), causes, totals, Tally(path, "CLP"))


def settle_payment(totals: Totals, payment: Payment, findings: Iterable[Finding]) -> None:
    """A payment read to its end: its record, amount, structure findings (``findings``,
    in order) and the transaction equation's findings, after those of its claims."""
    totals.payments.append(payment_record(payment))
    header = payment.header
    totals.payment_total += -header.amount if header.credit_debit == "D" else header.amount
    for f in findings:
        _add_finding(totals, f)
    for imbalance in payment.imbalances:
        _add_finding(totals, imbalance.finding, imbalance)


Settle = Callable[[Totals, PaymentStream, Payment], None]


def _settle(totals: Totals, stream: PaymentStream, payment: Payment) -> None:
    settle_payment(totals, payment, stream.findings)


def file_outcomes(reader: RemitReader, causes: CauseMap, totals: Totals,
                  tally: Tally | None, settle: Settle = _settle) -> Iterator[ClaimOutcome]:
    """The claims of one file (or one chunk of it: ``tally`` None), assessed.

    ``settle`` adds each payment once its claims are read (a chunk task defers the
    payments it holds only part of: remit835.parallel)."""
    path = reader.path
    for stream in reader:
        for claim in stream:
            if claim.segment is not None and tally is not None:
                tally.read(claim.segment.offset)
            outcome = assess(claim, causes)
            _count(totals, outcome)
            _unknown_remarks(totals, claim, causes)
            if claim.is_reversal:
                totals.reversed_ids[claim.claim_id] = None
            yield outcome
        settle(totals, stream, stream.finish())
    for f in reader.findings:
        _add_finding(totals, f)
    if tally is None:
        return
    tally.finish()
    totals.claim_segments += tally.total
    if tally.missed:
        _add_finding(totals, unread_claims_finding(os.fspath(path), tally, "CLP"))


def remit_report(paths: Sequence[str | os.PathLike[str]], causes: CauseMap,
                 records: Callable[[Totals], Iterator[dict[str, Any]]] | None = None,
                 text_rows: Callable[[Totals], Iterator[list[str]]] | None = None
                 ) -> tuple[Report, Totals]:
    """The report for `claimkit remit` and the totals (read them after rendering).

    ``records``/``text_rows``: the claim records or the text view's rows, already made
    by chunk tasks (remit835.parallel); default: read here.
    """
    totals = Totals()

    def outcomes() -> Iterator[tuple[ClaimOutcome, bool]]:
        for outcome in iter_outcomes(paths, causes, totals):
            claim = outcome.claim
            # B.7: a reversal (CLP02 22) is usually followed by the corrected claim, same CLP01.
            correction = not claim.is_reversal and claim.claim_id in totals.reversed_ids
            if correction:
                totals.corrections += 1
            yield outcome, correction

    def items() -> Iterator[dict[str, Any]]:
        if records is not None:
            yield from records(totals)
            return
        for outcome, correction in outcomes():
            record = claim_record(outcome)
            record["correction"] = correction
            yield record

    def text(_records: Iterable[dict[str, Any]], out: TextIO) -> None:
        # The text view reads the outcomes, not the records it would not show.
        if text_rows is not None:
            write_rows(text_rows(totals), out, totals)
            return
        write_text((outcome for outcome, _ in outcomes()), out, totals)

    def extra() -> dict[str, Any]:
        return {"payments": totals.payments, "findings": totals.findings}

    def extra_rows() -> Iterable[dict[str, Any]]:
        for f in totals.findings:
            # Not **f: its "group" is GS06, while the rows' "group" is the CAS group code.
            yield {"record": "finding", "file": f["file"], "interchange": f["interchange"],
                   "transaction": f["transaction"], "claim_id": f.get("claim_id", ""),
                   "line_number": f["line_number"] or "", "category": f["category"],
                   "severity": f["severity"], "message": f["message"], "action": f["fix"],
                   "element": f["element"], "file_line": f["file_line"],
                   "difference": f.get("difference", "")}

    report = Report("claims", items(), totals.summary, rows, ROW_COLUMNS, text,
                    extra=extra, extra_rows=extra_rows)
    return report, totals


def rows(item: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Flat rows of one claim record: one per adjustment, at least one per line."""
    base = {"file": item["file"], "interchange": item["interchange"],
            "transaction": item["transaction"], "trace": item["trace"],
            "payer_id": item["payer_id"], "claim_id": item["claim_id"],
            "status_code": item["status_code"], "claim_status": item["status"],
            "payer_claim_id": item["payer_claim_id"], "claim_charge": item["charge"],
            "claim_paid": item["paid"]}
    for adj in item["adjustments"]:
        yield {"record": "adjustment", **base, **_adj_row(adj, item["remarks"])}
    for line in item["lines"]:
        row = {**base, "line_number": line["line_number"], "line_control": line["line_control"],
               "procedure": line["procedure"], "modifiers": " ".join(line["modifiers"]),
               "original_procedure": line["original_procedure"],
               "service_date": line["service_date"], "line_charge": line["charge"],
               "line_paid": line["paid"], "units": line["units"], "line_status": line["status"]}
        if not line["adjustments"]:
            yield {"record": "line", **row, "remarks": " ".join(line["remarks"])}
        for adj in line["adjustments"]:
            yield {"record": "adjustment", **row, **_adj_row(adj, line["remarks"])}
    if not item["adjustments"] and not item["lines"]:
        yield {"record": "claim", **base}


def _adj_row(adj: dict[str, Any], remarks: list[str]) -> dict[str, Any]:
    return {"group": adj["group"], "reason": adj["reason"], "amount": adj["amount"],
            "quantity": adj["quantity"], "remarks": " ".join(remarks),
            "category": adj["category"], "denial": adj["denial"],
            "core_scenario": adj["core_scenario"] or "", "action": adj["action"]}


def has_errors(totals: Totals) -> bool:
    """Exit 1 when anything is unbalanced or the envelope is broken (error findings)."""
    return totals.errors > 0


__all__ = ["Claim", "Totals", "claim_record", "has_errors", "iter_outcomes", "payment_record",
           "remit_report", "rows"]
