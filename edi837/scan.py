"""Scan 837P files: claims with their findings and clean/held status, streamed.

This is the library entry point other features reuse (reconciliation, splitting
a batch into clean and held files, payer-policy audits)::

    from edi837.scan import ScanOptions, scan_file
    scan = scan_file("batch.837", ScanOptions(profile="medicare"))
    for result in scan:                     # one ClaimResult at a time
        print(result.claim.id, result.status, [f.rule for f in result.findings])
    print(scan.file_findings)               # envelope problems, after iterating

Each :class:`ClaimResult` names the claim's segment index range and byte offsets
so a caller can copy the claim's segments out of the file without re-parsing.
"""

from __future__ import annotations

import io
import os
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from edi837.engine import Engine, select_rules
from edi837.model import Claim
from edi837.parse import iter_claims
from edi837.profiles import ProfileChooser, load_profile
from edi837.tables import Tables
from x12core.census import Tally, unread_claims_finding
from x12core.envelope import RULE_ENVELOPE, Envelope
from x12core.errors import InputError, NotX12Error
from x12core.fileio import shown
from x12core.findings import Finding, Location, Severity
from x12core.reader import SegmentReader
from x12core.versions import refuse_pre_5010

# Claims of one patient loop are checked together (cross-claim MUE units). A loop
# this large is malformed or synthetic; flushing keeps memory bounded regardless.
MAX_LOOP_CLAIMS = 500
RULE_TRANSACTION = "X12-TXN"


@dataclass(frozen=True)
class ScanOptions:
    profile: str | os.PathLike[str] | None = None  # None: chosen per claim from SBR09
    select: Sequence[str] = ()
    ignore: Sequence[str] = ()
    fail_on: Severity = Severity.ERROR
    validate: bool = False  # also run pyx12 implementation-guide validation
    ptp_file: str | os.PathLike[str] | None = None
    mue_file: str | os.PathLike[str] | None = None
    hcpcs_file: str | os.PathLike[str] | None = None
    icd10_files: tuple[str | os.PathLike[str], ...] = ()  # CMS icd10cm_codes_YYYY.txt files
    # Repeatable one-off official files, added to the tables in use (zips/xlsx as CMS
    # distributes them); the installed store (``claimkit data install``) by default.
    ptp_files: tuple[str | os.PathLike[str], ...] = ()
    mue_files: tuple[str | os.PathLike[str], ...] = ()
    hcpcs_files: tuple[str | os.PathLike[str], ...] = ()
    data_dir: str | os.PathLike[str] | None = None
    installed_data: bool = True
    # ``--workers`` with ``-f json``: a chunk task hands back its claims' JSON items already
    # encoded, in one block, with the counts of their findings (edi837.report.ClaimBlock),
    # so the submitting process only adds and writes them.
    json_records: bool = False


class ResultView:
    """What a claim result tells besides its fields (shared by the parallel scan's)."""

    __slots__ = ()
    claim: Claim
    status: str

    @property
    def held(self) -> bool:
        return self.status == "held"

    @property
    def segment_range(self) -> tuple[int, int]:
        """First and last segment index (CLM .. last segment of the claim)."""
        return self.claim.first_index, self.claim.last_index

    @property
    def byte_range(self) -> tuple[int, int]:
        """Byte offsets: CLM's first byte .. just past the last segment's terminator."""
        return self.claim.start_offset, self.claim.end_offset


@dataclass(frozen=True, slots=True)
class ClaimResult(ResultView):
    claim: Claim
    findings: tuple[Finding, ...]
    status: str  # "clean" or "held"
    profile: str


def preflight(path: str | os.PathLike[str], source: BinaryIO | None = None) -> None:
    """Fail fast (exit 2) on a file that is not an 837P, before any output is written.

    ``source``: the file's bytes as a stream (a URL input) instead of opening ``path``."""
    name = os.fspath(path)
    reader = SegmentReader(name if source is None else source, name=name)
    gs08 = ""
    for n, seg in enumerate(reader):
        if seg.tag == "GS":
            gs08 = seg[8]
        elif seg.tag == "ST":
            refuse_pre_5010(shown(name), gs08, seg[3], "scan reads 5010 837P batches "
                            "(005010X222A1); `claimkit validate` still reports on it")
            version = seg[3] or gs08
            if seg[1] != "837":
                raise InputError(f"{name}: not an 837 claim file (transaction set {seg[1]}); "
                                 "scan reads 837P (005010X222A1)")
            if "X223" in version or "X224" in version:
                kind = "institutional" if "X223" in version else "dental"
                raise InputError(f"{name}: 837 {kind} ({version}); scan reads professional "
                                 "claims (005010X222A1)")
            return
        if n > 200:
            break
    raise NotX12Error(name, "no ST transaction set header near the start of the file")


class Scanner:
    """Tables, profiles and rules prepared once; :meth:`scan` any number of files."""

    def __init__(self, options: ScanOptions = ScanOptions()) -> None:
        self.options = options
        tables = Tables.load(ptp_file=options.ptp_file, mue_file=options.mue_file,
                             hcpcs_file=options.hcpcs_file,
                             icd10_files=tuple(options.icd10_files),
                             ptp_files=tuple(options.ptp_files),
                             mue_files=tuple(options.mue_files),
                             hcpcs_files=tuple(options.hcpcs_files),
                             data_dir=options.data_dir, installed=options.installed_data)
        forced = load_profile(options.profile) if options.profile is not None else None
        rules = select_rules(options.select, options.ignore)
        self.engine = Engine(tables, rules, ProfileChooser(forced))

    def scan(self, path: str | os.PathLike[str]) -> FileScan:
        preflight(path)
        return FileScan(self, os.fspath(path))


def scan_file(path: str | os.PathLike[str], options: ScanOptions = ScanOptions()) -> FileScan:
    """Scan one file; iterate the result for :class:`ClaimResult` values."""
    return Scanner(options).scan(path)


class FileScan:
    """One file being scanned. Iterate once; then ``file_findings`` is complete."""

    def __init__(self, scanner: Scanner, path: str) -> None:
        self.scanner = scanner
        self.path = path
        self.file_findings: list[Finding] = []
        self.claims = 0
        self.held = 0
        self.claim_segments = 0  # CLM segments in the bytes (x12core.census), read or not

    def __iter__(self) -> Iterator[ClaimResult]:
        options = self.scanner.options
        pending: list[Finding] = []
        if options.validate:
            from x12core.validate import validate_file

            pending = validate_file(self.path).findings
        ig_at = {f.location.segment_index for f in pending if f.location.segment_index}
        located = sorted((f for f in pending if f.location.segment_index),
                         key=lambda f: f.location.segment_index or 0)
        self.file_findings.extend(f for f in pending if not f.location.segment_index)
        cursor = 0
        tally = Tally(self.path, "CLM")
        envelope = Envelope(SegmentReader(self.path), self.path)
        for group in claim_groups(envelope, self.path, self.file_findings, tally):
            cursor = yield from self._check(group, located, cursor)
        tally.finish()
        self.claim_segments = tally.total
        if tally.missed:
            self.file_findings.append(unread_claims_finding(self.path, tally, "CLM"))
        self.file_findings.extend(located[cursor:])
        self.file_findings.extend(f for f in envelope.findings
                                  if f.location.segment_index not in ig_at
                                  or f.rule != RULE_ENVELOPE)
        self.file_findings.sort(key=lambda f: f.location.segment_index or 0)

    def _check(self, group: list[Claim], located: list[Finding],
               cursor: int) -> Generator[ClaimResult, None, int]:
        fail_on = self.scanner.options.fail_on
        size = len(located)  # --validate findings with a segment, in file order
        for claim, (profile, findings) in zip(group, self.scanner.engine.check(group),
                                              strict=True):
            while cursor < size and (located[cursor].location.segment_index or 0) \
                    < claim.first_index:
                self.file_findings.append(located[cursor])
                cursor += 1
            while cursor < size and (located[cursor].location.segment_index or 0) \
                    <= claim.last_index:
                f = located[cursor]
                line = claim.line_at(f.location.segment_index or 0)
                findings.append(f.with_location(
                    claim_id=claim.id, line_number=line.number if line else None))
                cursor += 1
            held = False
            for f in findings:
                if f.severity >= fail_on:
                    held = True
                    break
            self.claims += 1
            self.held += held
            yield ClaimResult(claim, tuple(findings), "held" if held else "clean", profile.name)
        return cursor


def claim_groups(envelope: Envelope, path: str, file_findings: list[Finding],
                 tally: Tally | None = None) -> Iterator[list[Claim]]:
    """The patient loops of every 837 transaction set (others become file findings)."""
    for body in envelope:
        txn = body.transaction
        if txn.set_id != "837":
            file_findings.append(Finding(
                RULE_TRANSACTION, "structure", Severity.ERROR,
                f"transaction set {txn.set_id} {txn.control} is not an 837; not scanned",
                "Send claim batches (837P) and remittances (835) as separate files.",
                Location.at(txn.segment, "ST01", **txn.location(path)),
                name="not-an-837"))
            continue
        claims = iter_claims(body, txn, path)
        yield from patient_loops(_tallied(claims, tally) if tally is not None else claims)


def _tallied(claims: Iterable[Claim], tally: Tally) -> Iterator[Claim]:
    for claim in claims:
        tally.read(claim.start_offset)
        yield claim


def patient_loops(claims: Iterable[Claim]) -> Iterator[list[Claim]]:
    """Consecutive claims of one patient loop (2000B/2000C HL), at most MAX_LOOP_CLAIMS."""
    group: list[Claim] = []
    for claim in claims:
        if group and (claim.loop_index != group[-1].loop_index
                      or len(group) >= MAX_LOOP_CLAIMS):
            yield group
            group = []
        group.append(claim)
    if group:
        yield group


def scan_text(text: str, options: ScanOptions = ScanOptions(),
              name: str = "<text>") -> list[ClaimResult]:
    """Scan X12 held in a string (tests, case files). Envelope findings are dropped."""
    scanner = Scanner(options)
    results: list[ClaimResult] = []
    envelope = Envelope(SegmentReader(io.BytesIO(text.encode("latin-1")), name=name), name)
    for body in envelope:
        for claims in patient_loops(iter_claims(body, body.transaction, name)):
            for claim, (profile, findings) in zip(claims, scanner.engine.check(claims),
                                                  strict=True):
                held = any(f.severity >= options.fail_on for f in findings)
                results.append(ClaimResult(claim, tuple(findings),
                                           "held" if held else "clean", profile.name))
    return results
