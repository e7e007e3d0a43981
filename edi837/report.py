"""Shape scan results for rendering: contract JSON records, flat rows, the text view.

:func:`scan_report` turns a stream of :class:`~edi837.scan.FileScan` objects into a
:class:`x12core.render.Report`. Claims stream through; only counters are kept, so
rendering a 200,000-claim batch does not hold the batch in memory.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TextIO

from edi837.scan import ClaimResult, FileScan
from x12core.findings import Finding, Severity
from x12core.pickling import fast_pickle
from x12core.render import EncodedBlock, Report

CLAIM_FIELDS = ("claim_id", "file", "interchange", "group", "transaction", "payer_id", "charge",
                "status", "profile")
FINDING_FIELDS = ("rule", "name", "category", "severity", "message", "fix", "line_number",
                  "segment", "segment_index", "segment_position", "file_line", "element", "value")
# reference_data: the code tables in use (kind, version, sha256 prefix), one cell per row.
COLUMNS = (*CLAIM_FIELDS, *FINDING_FIELDS, "reference_data")


_MONEY: dict[Decimal, str] = {}


def money(value: Decimal | None) -> str | None:
    """The contract's money string: two decimal places (cached; charges repeat)."""
    if value is None:
        return None
    text = _MONEY.get(value)
    if text is None:
        text = f"{value:.2f}"
        if len(_MONEY) < 10_000:
            _MONEY[value] = text
    return text


def claim_record(result: ClaimResult) -> dict[str, Any]:
    """The contract's claim object (docs/output.md, ``claimkit scan --format json``)."""
    made = getattr(result, "record", None)  # made already in a worker (--workers)
    if made is not None:
        return made  # type: ignore[no-any-return]
    claim = result.claim
    txn = claim.transaction
    return {
        "claim_id": claim.id,
        "file": claim.file,
        "interchange": txn.interchange.control if txn.interchange else "",
        "group": txn.group.control if txn.group else "",
        "transaction": txn.control,
        "payer_id": claim.payer.id,
        "charge": money(claim.charge),
        "status": result.status,
        "profile": result.profile,
        "filing_indicator": claim.filing_indicator,
        "lines": len(claim.lines),
        "segment_range": [claim.first_index, claim.last_index],
        "findings": [f.to_dict() for f in result.findings],
    }


@fast_pickle
@dataclass(frozen=True, slots=True)
class ClaimBlock:
    """Claims a chunk task judged and encoded for the JSON report (``-f json`` with
    ``--workers``, :mod:`edi837.scan_parallel`): the submitting process writes ``items``
    as they are and adds ``counts`` to its totals, instead of receiving and unpickling
    one result (and its findings) per claim."""

    items: bytes  # encode_item(claim_record()) of each claim, joined by ITEM_SEPARATOR, UTF-8
    claims: int
    held: int
    # (severity, rule, rule name, findings): what ScanTotals.add counts, in first-seen order
    counts: tuple[tuple[int, str, str, int], ...]
    end_offset: int  # just past the last claim's bytes (the progress bar)


class ScanTotals:
    """Counters filled while the claims stream past."""

    def __init__(self) -> None:
        self.files = 0
        self.claims = 0
        self.held = 0
        self.claim_segments = 0  # CLM segments the files hold (read or not)
        self.severities: Counter[Severity] = Counter()
        self.rules: Counter[tuple[str, str]] = Counter()
        self.file_findings: list[Finding] = []
        self.worst = 0

    def add(self, findings: Iterable[Finding]) -> None:
        for f in findings:
            self.severities[f.severity] += 1
            self.rules[(f.rule, f.name)] += 1
            if f.severity > self.worst:
                self.worst = int(f.severity)

    def add_block(self, block: ClaimBlock) -> None:
        """What :meth:`add` would have counted for the block's claims, one by one."""
        self.claims += block.claims
        self.held += block.held
        for severity, rule, name, count in block.counts:
            self.severities[Severity(severity)] += count
            self.rules[(rule, name)] += count
            if severity > self.worst:
                self.worst = severity

    def summary(self) -> dict[str, Any]:
        return {"files": self.files, "claims": self.claims, "clean": self.claims - self.held,
                "held": self.held, "errors": self.severities[Severity.ERROR],
                "warnings": self.severities[Severity.WARNING],
                "info": self.severities[Severity.INFO],
                "file_findings": len(self.file_findings),
                "claim_segments": self.claim_segments,
                "unread_claims": max(0, self.claim_segments - self.claims)}


def finding_rows(item: dict[str, Any], reference: str) -> Iterator[dict[str, Any]]:
    """The JSONL/CSV rows of one claim record: one per finding, claim fields repeated."""
    claim = {k: item[k] for k in CLAIM_FIELDS}
    return ({**claim, **f, "reference_data": reference} for f in item["findings"])


def scan_report(scans: Iterable[FileScan], fail_on: Severity = Severity.ERROR,
                progress: Callable[[FileScan, ClaimResult], None] | None = None
                ) -> tuple[Report, ScanTotals]:
    """The report for ``claimkit scan`` and the totals it fills as it is rendered."""
    totals = ScanTotals()
    seen: list[Any] = []  # the run's Tables (one Scanner per run)

    def results() -> Iterator[ClaimResult]:
        for scan in scans:
            if not seen:
                seen.append(scan.scanner.engine.tables)
            totals.files += 1
            for result in scan:
                if isinstance(result, ClaimBlock):  # -f json items a chunk task encoded
                    totals.add_block(result)
                else:
                    totals.claims += 1
                    totals.held += result.held
                    totals.add(result.findings)
                if progress is not None:
                    progress(scan, result)
                yield result
            totals.add(scan.file_findings)
            totals.file_findings.extend(scan.file_findings)
            totals.claim_segments += scan.claim_segments

    def items() -> Iterator[dict[str, Any] | EncodedBlock]:
        for result in results():
            if isinstance(result, ClaimBlock):
                yield EncodedBlock(result.items)
            else:
                yield claim_record(result)

    summary_text: list[str] = []

    def tables_text() -> str:
        """The tables in use, one compact cell repeated on JSONL/CSV rows."""
        if not summary_text and seen:
            summary_text.append(seen[0].reference_summary())
        return summary_text[0] if summary_text else ""

    def rows(item: dict[str, Any]) -> Iterable[dict[str, Any]]:
        return finding_rows(item, tables_text())

    def reference() -> list[dict[str, Any]]:
        return seen[0].reference_data() if seen else []

    def extra() -> dict[str, Any]:
        return {"file_findings": [f.envelope_dict() for f in totals.file_findings],
                "reference_data": reference()}

    def extra_rows() -> Iterable[dict[str, Any]]:
        for f in totals.file_findings:
            yield {**dict.fromkeys(CLAIM_FIELDS, ""), "file": f.location.file,
                   "interchange": f.location.interchange, "group": f.location.group,
                   "transaction": f.location.transaction, **f.to_dict(),
                   "reference_data": tables_text()}

    def text(_items: Iterable[dict[str, Any]], out: TextIO) -> None:
        write_text(results(), totals, fail_on, out)
        if seen:
            judged = seen[0].subsets_judging()
            if judged:
                out.write(f"reference data: shipped curated subsets judged this batch for "
                          f"{', '.join(judged)} (install the official tables with "
                          "`claimkit data install`)\n")

    report = Report("claims", items(), totals.summary, rows, COLUMNS, text, extra, extra_rows)
    return report, totals


# -- text view ---------------------------------------------------------------

_HEAD = ("CLAIM", "LX", "SEG", "ELEMENT", "LINE", "RULE", "SEVERITY", "MESSAGE / FIX")
_WIDTH = (20, 3, 4, 8, 7, 11, 8)


def _row(cells: Iterable[object]) -> str:
    parts = [str(c if c is not None else "").ljust(w) for c, w in zip(cells, _WIDTH,
                                                                       strict=False)]
    return "  ".join(parts)


def _indent() -> str:
    return " " * (sum(_WIDTH) + 2 * len(_WIDTH))


def write_text(results: Iterable[ClaimResult], totals: ScanTotals, fail_on: Severity,
               out: TextIO) -> None:
    """Held claims as a table (one row per finding, its fix below), then the summary."""
    header_written = False
    for result in results:
        if not result.held:
            continue
        if not header_written:
            out.write(f"Held claims (a finding at or above {fail_on}):\n")
            out.write(_row(_HEAD[:-1]) + "  " + _HEAD[-1] + "\n")
            header_written = True
        claim_id = result.claim.id
        for f in result.findings:
            loc = f.location
            out.write(_row((claim_id, loc.line_number, loc.segment, loc.element, loc.file_line,
                            f.rule, str(f.severity))) + "  " + f.message + "\n")
            if f.fix:
                out.write(f"{_indent()}fix: {f.fix}\n")
            claim_id = ""
    if totals.file_findings:
        out.write("\nFile findings (not part of a claim):\n")
        for f in totals.file_findings:
            loc = f.location
            where = f"{loc.file}:{loc.file_line}" if loc.file_line else loc.file
            out.write(f"  {where}  {loc.segment or '-'}  {f.severity}  {f.rule}  {f.message}\n")
            if f.fix:
                out.write(f"      fix: {f.fix}\n")
    s = totals.summary()
    if header_written or totals.file_findings:
        out.write("\n")
    out.write(f"{s['files']} file(s), {s['claims']} claim(s): {s['clean']} clean, "
              f"{s['held']} held; {s['errors']} error(s), {s['warnings']} warning(s), "
              f"{s['info']} info\n")
    if s["unread_claims"]:
        out.write(f"NOT READ: the file(s) hold {s['claim_segments']} CLM segment(s); "
                  f"{s['unread_claims']} could not be read as claims (see the file findings)\n")
    if totals.rules:
        top = ", ".join(f"{rule} {name} x{n}" for (rule, name), n in totals.rules.most_common(8))
        out.write(f"most frequent: {top}\n")
