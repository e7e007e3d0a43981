"""Text view of `claimkit remit`: what was paid, what was denied, why, what to do.

The summary needs every claim, the table of denied lines can be long: table rows
are spooled to a temporary file while claims stream, then the summary is written
first and the table after it. Memory stays flat however big the file is.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, TextIO

from remit835.model import money
from remit835.outcome import DENIED, PARTIAL, REVERSED, ClaimOutcome, Classified
from x12core.render import table

if TYPE_CHECKING:  # report.py imports this module
    from remit835.report import Totals

TABLE = ("claim", "line", "procedure", "billed", "paid", "status", "codes", "remarks",
         "category", "action")
_MAX = 40  # cell width cap, except the action, which is the point of the table
_SHOWN = (DENIED, PARTIAL)


def text_rows(outcome: ClaimOutcome) -> Iterator[list[str]] | tuple[()]:
    """:func:`denied_rows`, at once empty for a claim paid, pending or reversed.

    Such a claim has no row: its status says no claim adjustment is a denial and no line
    is denied or partially paid (remit835.outcome; a reversal's lines are reversed).
    Hot path: most claims are paid, and a generator per claim costs more than this test.
    """
    return denied_rows(outcome) if outcome.status in _SHOWN else ()


def denied_rows(outcome: ClaimOutcome) -> Iterator[list[str]]:
    """The table rows of one claim: the claim's own denials, then each denied or partial line.

    Read straight from the outcome (not from the JSON record: the text view needs a
    few fields of a few lines, and building every record would cost more than the rest).
    """
    claim = outcome.claim
    claim_id = claim.claim_id
    if outcome.adjustments and outcome.status != REVERSED:
        denials = [c for c in outcome.adjustments if c.cause.denial]
        if denials:
            yield _row(claim_id, "claim", "", money(claim.charge), money(claim.paid),
                       outcome.status, denials, claim.remarks)
    for lo in outcome.lines:
        if lo.status not in _SHOWN:
            continue
        line = lo.line
        denials = [c for c in lo.adjustments if c.cause.denial]
        procedure = ":".join([line.procedure, *line.modifiers])
        yield _row(claim_id, line.line_control or f"#{line.ordinal}", procedure,
                   money(line.charge), money(line.paid), lo.status, denials, line.remarks)


def _row(claim: str, line: str, procedure: str, billed: str, paid: str, status: str,
         denials: list[Classified], remarks: tuple[str, ...]) -> list[str]:
    # The largest denial by its amount as written (two places), first one on a tie.
    main = max(denials, key=lambda c: abs(float(money(c.adjustment.amount))), default=None)
    codes = " ".join(f"{c.adjustment.group}-{c.adjustment.reason}" for c in denials)
    categories = ", ".join(dict.fromkeys(c.cause.category for c in denials))
    return [claim, line, procedure, billed, paid, status, codes, " ".join(remarks), categories,
            main.cause.action if main else ""]


def write_text(outcomes: Iterable[ClaimOutcome], out: TextIO, totals: Totals) -> None:
    write_rows((row for outcome in outcomes for row in text_rows(outcome)), out, totals)


def write_rows(rows: Iterable[list[str]], out: TextIO, totals: Totals) -> None:
    """The text view from its denied/partial rows (made here or by chunk tasks)."""
    with tempfile.SpooledTemporaryFile(max_size=4 << 20, mode="w+", encoding="utf-8") as spool:
        widths = [len(c) for c in TABLE[:-1]]  # the action (last) is never padded
        count = 0
        batch: list[str] = []
        encode = _encode_cells
        for row in rows:
            cells = [v if len(v) <= _MAX else v[: _MAX - 1] + "…" for v in row[:-1]]
            widths = list(map(max, widths, map(len, cells)))
            cells.append(row[-1])
            batch.append(encode(cells))
            count += 1
            if len(batch) >= 256:  # one spool write per batch: a write costs more than a row
                spool.write("\n".join(batch) + "\n")
                batch.clear()
        if batch:
            spool.write("\n".join(batch) + "\n")
        _summary(totals, out)
        if not count:
            out.write("\nNo denied or partially paid lines.\n")
            return
        out.write(f"\nDenied and partially paid lines ({count})\n")
        # One format per row: money columns right-aligned, the action as it is.
        line = "  ".join(f"{{:{'>' if i in _RIGHT else '<'}{w}}}"
                         for i, w in enumerate(widths)) + "  {}"
        fmt = line.format
        out.write(fmt(*TABLE).rstrip() + "\n")
        out.write("  ".join("-" * w for w in widths) + "  " + "-" * 6 + "\n")
        spool.seek(0)
        decode = _decode_cells
        lines: list[str] = []
        for raw in spool:
            lines.append(fmt(*decode(raw)).rstrip())
            if len(lines) >= 256:
                out.write("\n".join(lines) + "\n")
                lines.clear()
        if lines:
            out.write("\n".join(lines) + "\n")


_RIGHT = frozenset({3, 4})  # money columns
_encode_cells = json.JSONEncoder().encode  # one spool line per row (cells may hold anything)
_decode_cells = json.JSONDecoder().decode


def _summary(totals: Totals, out: TextIO) -> None:
    s = totals.summary()
    lines = s["lines"]
    out.write(f"{s['payments']} payment(s), {s['claims']} claim(s): paid {s['paid']} on claims, "
              f"{s['payment_total']} in payments\n")
    if s["unread_claims"]:
        out.write(f"NOT READ: the file(s) hold {s['claim_segments']} CLP segment(s); "
                  f"{s['unread_claims']} could not be read as claims (see the findings)\n")
    out.write("Lines: " + ", ".join(f"{n} {status}" for status, n in sorted(
        lines.items(), key=lambda kv: -kv[1])) + "\n" if lines else "Lines: none\n")
    out.write(f"Denied lines: {s['denied_lines']}, partially paid: {s['partial_lines']}\n")
    if s["reversals"]:
        out.write(f"Reversals: {s['reversals']} claim(s) reversed, {s['corrections']} corrected "
                  "claim(s) follow; net each pair before counting denials\n")
    if totals.payments:
        out.write("\nPayments\n")
        table(("file", "trace", "payer", "amount", "method", "date", "claims", "balanced"),
              ((p["file"], p["trace"], f"{p['payer']} ({p['payer_id']})", p["amount"],
                p["method"], p["payment_date"], p["claims"], "yes" if p["balanced"] else "NO")
               for p in totals.payments), out, max_width=40)
    if s["root_causes"]:
        out.write("\nTop root causes (denied dollars)\n")
        table(("category", "lines", "amount"),
              ((c["category"], c["lines"], c["amount"]) for c in s["root_causes"][:8]), out)
    if s["routine"]:
        out.write("Routine adjustments (not denials): " + ", ".join(
            f"{c} {d}" for c, d in s["routine"].items()) + "\n")
    if s["unmapped"]:
        out.write(f"\nUnmapped codes (not in the cause map): {', '.join(s['unmapped'])}; "
                  "look them up and add them with --causes FILE\n")
    # In the order found (file by file, claim by claim), streamed from the spool: a file
    # with an imbalance on every claim must not need memory for all of them.
    problems = (f for f in totals.findings if f["severity"] != "info")
    shown = s["errors"] + s["warnings"]
    if not shown:
        out.write("\nBalancing: every line, claim and payment balances.\n")
        return
    out.write(f"\nProblems: {totals.unbalanced} imbalance(s), {shown - totals.unbalanced} "
              "other\n")
    for f in problems:  # one line each, never clipped: the amounts are the point
        where = f"{f['file']}:{f['file_line']}" if f["file_line"] else f["file"]
        element = f" {f['element']}" if f["element"] else ""
        out.write(f"  {f['severity']}: {where}{element}: {f['message']}\n")
