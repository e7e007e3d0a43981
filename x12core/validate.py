"""Implementation-guide validation through pyx12: the only module that imports it to validate.

pyx12 walks each transaction against its XML map of the TR3 (837P X222A1,
835 X221A1, 277 X214, 999 X231 ...) and builds a 999. We turn its error tree
into ``structure`` findings with our locations (file line, control numbers,
element designator) and cover its rough edges:

* pyx12 raises "Map not found" for versions it has no map for. 005010X222A2
  (the 837P errata) differs from X222A1 only in situational notes and code-value
  tweaks, so by default we validate an X222A2 group against the X222A1 map and
  say so in an ``info`` finding; other unknown versions are reported and skipped.
* pyx12 wants the ISA at byte 0 of an ASCII file; BOMs and leading blank lines
  are stripped before handing it the text.
* Exceptions while building the 999 (seen on some 835s) are caught and become a
  finding; no partial 999 is ever written.
* pyx12 logs every error through the ``pyx12`` logger; we capture those records
  instead of letting Python's last-resort handler print them.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from x12core import remote
from x12core.errors import InputError, NotX12Error
from x12core.findings import Finding, Location, Severity
from x12core.reader import SegmentReader, parse_isa_header

RULE_PYX12 = "X12-IG"
RULE_INDENTED = "X12-INDENT"
RULE_VERSION = "X12-VERSION"

# Versions pyx12 has no map for, and the closest map it does have.
# X222A2 differs from X222A1 only in errata notes; a bare X222 (no addenda suffix) is what
# some submitters send for the 5010 professional guide, which is X222A1.
VERSION_SUBSTITUTES = {"005010X222A2": "005010X222A1", "005010X222": "005010X222A1"}
_SUBSTITUTE_NOTES = {"005010X222A2": "which differs only in errata notes",
                     "005010X222": "the 5010 professional guide that a version without the "
                                   "A1 addenda suffix stands for"}


@dataclass
class ValidationResult:
    """What one file's validation produced."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    ack: str | None = None  # the 999 text pyx12 built, when it built one
    ack_problem: str | None = None
    validated: bool = False  # False when pyx12 could not run on the file at all

    @property
    def ok(self) -> bool:
        return not any(f.severity >= Severity.ERROR for f in self.findings)


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _prepare_text(path: str, raw: bytes) -> tuple[str, int]:
    """Text pyx12 can read: ISA at offset 0. Returns the text and lines removed."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    text = raw.decode("latin-1")
    stripped = text.lstrip(" \t\r\n")
    removed_lines = text[: len(text) - len(stripped)].count("\n")
    parse_isa_header(stripped, path)  # raises NotX12Error with the reason
    return stripped, removed_lines


def _unindent(text: str, terminator: str) -> tuple[str, int]:
    """Remove blanks between a segment terminator (and its line break) and the next id.

    pyx12 strips leading spaces itself but not tabs, and a tab-indented file made it
    fail with an AttributeError; our reader accepts both. Only spaces and tabs go, so
    line numbers and segment counts (how findings are located) do not change.
    """
    if terminator in " \t":
        return text, 0
    pattern = re.compile(re.escape(terminator) + r"(\r?\n?)[ \t]+")
    return pattern.subn(lambda m: terminator + m.group(1), text)


def _group_versions(path: str, raw: bytes) -> list[tuple[str, str, int]]:
    """(GS01, GS08, segment index) for every GS in the file."""
    out = []
    for seg in SegmentReader(io.BytesIO(raw), name=path):
        if seg.tag == "GS":
            out.append((seg[1], seg[8], seg.index))
    return out


def _map_exists(vriic: str, fic: str, icvn: str = "00501") -> bool:
    import pyx12.map_index

    return pyx12.map_index.map_index().get_filename(icvn, vriic, fic) is not None


def validate_file(path: str | os.PathLike[str], *, substitute_versions: bool = True,
                  want_ack: bool = False) -> ValidationResult:
    """Validate one file with pyx12; never raises for problems inside the file.

    Raises :class:`NotX12Error` / :class:`InputError` when the file cannot be read
    as X12 at all (the CLI turns those into exit code 2). ``path`` may be a URL
    (:mod:`x12core.remote`): pyx12 then validates a temporary local copy, streamed in
    blocks, and the findings still name the URL.
    """
    name = os.fspath(path)
    try:
        with remote.local_copy(name) as local, open(local, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a directory, not a file") from None
    except OSError as err:
        raise InputError(f"{name}: cannot read ({err.strerror})") from None
    if not raw.strip():
        raise NotX12Error(name, "file is empty")
    text, removed_lines = _prepare_text(name, raw)
    result = ValidationResult(name)

    for fic, vriic, index in _group_versions(name, raw):
        icvn = "00401" if vriic.startswith("004") else "00501"
        if _map_exists(vriic, fic, icvn):
            continue
        substitute = VERSION_SUBSTITUTES.get(vriic)
        if substitute and substitute_versions:
            # Whole element values only ("005010X222" must not turn "...X222A1" into
            # "...X222A1A1"). Findings are located by segment index, which the
            # substitution does not change, even when the length does.
            text = re.sub(re.escape(vriic) + r"(?![A-Za-z0-9])", substitute, text)
            result.findings.append(Finding(
                RULE_VERSION, "structure", Severity.INFO,
                f"pyx12 has no map for {vriic}; validated against the {substitute} map, "
                f"{_SUBSTITUTE_NOTES[vriic]}",
                f"Nothing to do unless your receiver requires {substitute} in GS08/ST03.",
                Location(file=name, segment="GS", segment_index=index, element="GS08",
                         value=vriic), name="version-substituted"))
        else:
            result.findings.append(Finding(
                RULE_VERSION, "structure", Severity.WARNING,
                f"no implementation-guide map for {vriic} (GS01 {fic}); the file was not "
                "validated against a guide",
                "Check GS08: 837P is 005010X222A1, 835 is 005010X221A1.",
                Location(file=name, segment="GS", segment_index=index, element="GS08",
                         value=vriic), name="unknown-version"))
            return _locate(result, raw, removed_lines)

    # pyx12 takes the delimiters of the first ISA for the whole file and silently stops
    # at an interchange that uses others; hand it one interchange at a time then.
    pieces = _interchange_slices(name, text)
    acks: list[str] = []
    result.validated = True
    indented = 0
    for piece, first_index in pieces:
        piece, n = _unindent(piece, parse_isa_header(piece, name)[0].segment)
        indented += n
        run = _run_pyx12(name, piece, want_ack)
        result.validated &= run.validated
        result.findings.extend(_shifted(f, first_index - 1) for f in run.findings)
        if run.ack_problem and not result.ack_problem:
            result.ack_problem = run.ack_problem
        if run.ack:
            acks.append(run.ack)
    if want_ack and result.validated and not result.ack_problem and acks:
        result.ack = "".join(acks)
    if indented:
        result.findings.append(Finding(
            RULE_INDENTED, "structure", Severity.WARNING,
            f"{indented} segment(s) start with spaces or tabs before the segment id",
            "Remove the blanks before segment ids; many receivers reject indented files "
            "(claimkit reads them, pyx12 reads them when they are spaces).",
            Location(file=name), name="indented-segments"))
    return _locate(result, raw, removed_lines)


def _interchange_slices(path: str, text: str) -> list[tuple[str, int]]:
    """``(text, index of its ISA)`` per run of interchanges that share delimiters."""
    starts: list[tuple[int, int, object]] = []
    for seg in SegmentReader(io.BytesIO(text.encode("latin-1")), name=path):
        if seg.tag == "ISA" and (not starts or seg.delimiters != starts[-1][2]):
            starts.append((seg.offset, seg.index, seg.delimiters))
    if len(starts) <= 1:
        return [(text, 1)]
    bounds = [*(offset for offset, _, _ in starts[1:]), len(text)]
    return [(text[offset:end], index)
            for (offset, index, _), end in zip(starts, bounds, strict=True)]


def _shifted(finding: Finding, by: int) -> Finding:
    index = finding.location.segment_index
    return finding.with_location(segment_index=index + by) if index and by else finding


def _run_pyx12(name: str, text: str, want_ack: bool) -> ValidationResult:
    """One pyx12 run over ``text`` (segment indices relative to it)."""
    import pyx12.errors
    import pyx12.params
    import pyx12.x12n_document

    result = ValidationResult(name)
    logger = logging.getLogger("pyx12")
    capture = _Capture()
    saved = (logger.handlers[:], logger.propagate, logger.level)
    logger.handlers = [capture]
    logger.propagate = False
    logger.setLevel(logging.ERROR)
    ack_buf = io.StringIO() if want_ack else None
    json_buf = io.StringIO()
    try:
        pyx12.x12n_document.x12n_document(
            param=pyx12.params.params(), src_file=io.StringIO(text), fd_997=ack_buf,
            fd_html=None, fd_json=json_buf)
        result.validated = True
    except (pyx12.errors.X12Error, pyx12.errors.EngineError) as err:
        result.findings.append(Finding(
            RULE_PYX12, "structure", Severity.ERROR,
            f"pyx12 stopped validating: {_one_line(str(err))}",
            "Fix the envelope or segment pyx12 names; run `claimkit validate` again.",
            Location(file=name), name="validator-stopped"))
    except Exception as err:  # pyx12 internals: never let them crash a run
        result.findings.append(Finding(
            RULE_PYX12, "structure", Severity.ERROR,
            f"pyx12 failed on this file ({type(err).__name__}: {_one_line(str(err))})",
            "Report the file to the claimkit maintainers with the message above.",
            Location(file=name), name="validator-crashed"))
    finally:
        logger.handlers, logger.propagate, level = saved[0], saved[1], saved[2]
        logger.setLevel(level)

    failed_ack = [r for r in capture.records if "Failed to create" in r.getMessage()]
    if failed_ack:
        exc = failed_ack[0].exc_info[1] if failed_ack[0].exc_info else None
        result.ack_problem = ("pyx12 could not build the 999"
                              + (f" ({type(exc).__name__}: {_one_line(str(exc))})" if exc else ""))
        result.findings.append(Finding(
            RULE_PYX12, "structure", Severity.WARNING, result.ack_problem,
            "No 999 was written; the findings above still apply.", Location(file=name),
            name="ack-failed"))
    elif ack_buf is not None and result.validated and ack_buf.getvalue():
        result.ack = ack_buf.getvalue()

    if result.validated:
        result.findings.extend(_findings_from_json(name, json_buf.getvalue()))
    return result


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]


def _designator(seg_id: str, ele_pos: Any, subele_pos: Any) -> str:
    if not ele_pos:
        return ""
    designator = f"{seg_id}{int(ele_pos):02d}"
    return f"{designator}-{int(subele_pos)}" if subele_pos else designator


def _findings_from_json(path: str, payload: str) -> Iterable[Finding]:
    if not payload:
        return []
    doc = json.loads(payload)
    out: list[Finding] = []

    def add(message: str, code: str, context: dict[str, str], seg_id: str = "",
            index: int | None = None, element: str = "", value: str = "") -> None:
        out.append(Finding(
            RULE_PYX12, "structure", Severity.ERROR, _one_line(message),
            _FIXES.get(code, "Correct the segment to match the implementation guide."),
            Location(file=path, segment=seg_id, segment_index=index, element=element,
                     value=value or "", **context), name=f"ig-error-{code}"))

    for isa in doc.get("interchanges", []):
        ctx = {"interchange": isa.get("isa_trn_set_id") or ""}
        # pyx12 reports interchange/group errors at its current segment (IEA/GE).
        for e in isa.get("errors", []):
            add(e["err_str"], e["err_cde"], ctx, "", isa.get("cur_line"))
        for gs in isa.get("groups", []):
            gctx = {**ctx, "group": gs.get("gs_control_num") or ""}
            for e in gs.get("errors", []):
                add(e["err_str"], e["err_cde"], gctx, "", gs.get("cur_line"))
            for st in gs.get("transactions", []):
                sctx = {**gctx, "transaction": st.get("trn_set_control_num") or ""}
                for e in st.get("errors", []):
                    # pyx12 reports ST-level errors at its current segment (usually SE);
                    # _locate fills in the tag.
                    add(e["err_str"], e["err_cde"], sctx, "", st.get("cur_line"))
                for seg in st.get("segments", []):
                    sid, idx = seg.get("seg_id") or "", seg.get("cur_line")
                    for e in seg.get("errors", []):
                        add(e["err_str"], e["err_cde"], sctx, sid, idx, "", e.get("err_val"))
                    for ele in seg.get("elements", []):
                        des = _designator(sid, ele.get("ele_pos"), ele.get("subele_pos"))
                        for e in ele.get("errors", []):
                            add(e["err_str"], e["err_cde"], sctx, sid, idx, des,
                                e.get("err_val"))
    return out


def _locate(result: ValidationResult, raw: bytes, removed_lines: int) -> ValidationResult:
    """Fill file lines (and missing segment tags) from our reader, in one pass."""
    wanted = {f.location.segment_index for f in result.findings
              if f.location.segment_index and f.location.file_line is None}
    if not wanted:
        return result
    where: dict[int, tuple[str, int, int]] = {}
    try:
        for seg in SegmentReader(io.BytesIO(raw), name=result.path):
            if seg.index in wanted:
                where[seg.index] = (seg.tag, seg.line, seg.position)
                if len(where) == len(wanted):
                    break
    except NotX12Error:
        return result
    located: list[Finding] = []
    for f in result.findings:
        hit = where.get(f.location.segment_index or 0)
        if hit and f.location.file_line is None:
            tag, line, position = hit
            f = f.with_location(segment=f.location.segment or tag, file_line=line,
                                segment_position=position or None)
        located.append(f)
    result.findings = located
    del removed_lines
    return result


# pyx12 error codes (IK3/IK4/IK5 and its own) -> what to do about them, in our words.
_FIXES = {
    "1": "Use a valid value or segment identifier here.",
    "2": "Supply the required element.",
    "3": "Add the mandatory segment the guide requires here.",
    "4": "Set the count to what the transaction actually holds.",
    "5": "Remove the extra repetitions or split the data.",
    "6": "Remove the invalid characters from the element.",
    "7": "Use one of the codes the implementation guide lists for this element.",
    "8": "Use a valid date (CCYYMMDD).",
    "9": "Use a valid time (HHMM).",
    "10": "Remove the element the guide marks as not used.",
    "I9": "Remove the implementation-guide 'not used' element.",
}
