"""837P batch builders for the split and 277CA tests, and readers that take outputs apart.

The builders cover what the fixture generator does not: several interchanges,
groups and transaction sets per file, several billing providers per set, 2000C
patient loops (with the subscriber's own claims before them), any delimiters and
line endings. The readers recover each claim's bytes and the HL context it sits
under, independently of :mod:`edi837.split`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.x12text import isa as isa_header
from x12core.reader import SegmentReader
from x12core.validate import validate_file


@dataclass
class ClaimSpec:
    id: str
    lines: int = 1
    held: bool = False


@dataclass
class PatientSpec:
    claims: list[ClaimSpec]


@dataclass
class SubscriberSpec:
    claims: list[ClaimSpec] = field(default_factory=list)  # the subscriber is the patient
    patients: list[PatientSpec] = field(default_factory=list)  # 2000C dependents


@dataclass
class ProviderSpec:
    subscribers: list[SubscriberSpec]


# interchange -> group -> transaction set -> billing provider
BatchSpec = list[list[list[list[ProviderSpec]]]]


@dataclass(frozen=True)
class Style:
    element: str = "*"
    component: str = ":"
    segment: str = "~"
    newline: str = "\n"


def _claim(spec: ClaimSpec) -> list[str]:
    segs = [f"CLM*{spec.id}*{40 * spec.lines}***11:B:1*Y*A*Y*Y", "HI*ABK:M545"]
    for k in range(1, spec.lines + 1):
        segs += [f"LX*{k}", "SV1*HC:99213*40*UN*1***1", "DTP*472*D8*20250115",
                 f"REF*6R*{spec.id}-{k}"]
    return segs


def _set(providers: list[ProviderSpec], st: str, n: int) -> list[str]:
    segs = [f"ST*837*{st}*005010X222A1", f"BHT*0019*00*BATCH{n:04d}*20250315*1200*CH",
            "NM1*41*2*TEST BILLING GROUP*****46*SUBMIT01", "PER*IC*BILLING CONTACT*TE*5555550100",
            "NM1*40*2*TEST CLEARINGHOUSE*****46*RECV01"]
    hl = 0
    for p, prov in enumerate(providers):
        hl += 1
        bp = hl
        segs += [f"HL*{bp}**20*1", "PRV*BI*PXC*207Q00000X",
                 f"NM1*85*2*PRACTICE {n}-{p}*****XX*123456789{p % 10}", "N3*100 MAIN ST",
                 "N4*ANYTOWN*NY*12345", f"REF*EI*12345678{p % 10}"]
        for s, sub in enumerate(prov.subscribers):
            hl += 1
            sh = hl
            # SBR02 = 18 (self) only when the subscriber is the patient of some claim.
            rel = "18" if sub.claims else ""
            segs += [f"HL*{sh}*{bp}*22*{1 if sub.patients else 0}", f"SBR*P*{rel}*******MB",
                     f"NM1*IL*1*SUBSCRIBER{n}X{p}X{s}*ALPHA****MI*MEMBER{n}{p}{s}",
                     "N3*1 ELM ST", "N4*ANYTOWN*NY*12345", "DMG*D8*19500101*F",
                     "NM1*PR*2*MEDICARE PART B*****PI*12345"]
            for c in sub.claims:
                segs += _claim(c)
            for d, pat in enumerate(sub.patients):
                hl += 1
                segs += [f"HL*{hl}*{sh}*23*0", "PAT*19", f"NM1*QC*1*DEPENDENT{d}*BETA",
                         "N3*1 ELM ST", "N4*ANYTOWN*NY*12345", "DMG*D8*20100101*M"]
                for c in pat.claims:
                    segs += _claim(c)
    segs.append(f"SE*{len(segs) + 1}*{st}")
    return segs


def render(batch: BatchSpec, style: Style = Style(), first_isa: int = 701) -> str:
    """The batch as X12 text written with ``style``'s delimiters."""
    out: list[str] = []
    n = 0
    for i, groups in enumerate(batch):
        control = f"{first_isa + i:09d}"
        head = isa_header(control, style.element, "^", style.component)
        segs: list[str] = []
        for g, sets in enumerate(groups):
            gs = f"{first_isa + i}{g}"
            segs.append(f"GS*HC*SUBMITTERID*RECEIVERID*20250315*1200*{gs}*X*005010X222A1")
            for t, providers in enumerate(sets):
                n += 1
                segs += _set(providers, f"{t + 1:04d}", n)
            segs.append(f"GE*{len(sets)}*{gs}")
        segs.append(f"IEA*{len(groups)}*{control}")
        out.append(head + style.segment + style.newline)
        for seg in segs:
            seg = seg.replace("*", "\x00").replace(":", style.component)
            out.append(seg.replace("\x00", style.element) + style.segment + style.newline)
    return "".join(out)


def claims_of(batch: BatchSpec) -> Iterator[ClaimSpec]:
    for groups in batch:
        for sets in groups:
            for providers in sets:
                for prov in providers:
                    for sub in prov.subscribers:
                        yield from sub.claims
                        for pat in sub.patients:
                            yield from pat.claims


# -- reading outputs back ------------------------------------------------------

@dataclass
class ReadClaim:
    id: str
    raw: bytes  # CLM's first byte .. the terminator of its last segment
    context: tuple[tuple[str, ...], ...]  # the segments of each HL level above (HL excluded)
    levels: tuple[str, ...]  # HL03 of each level above


def read_claims(path: Path) -> list[ReadClaim]:
    """Every claim with its bytes and its HL context, read with our reader only."""
    data = path.read_bytes()
    out: list[ReadClaim] = []
    chain: list[tuple[str, str, list[str]]] = []  # HL01, HL03, loop segments
    current: ReadClaim | None = None
    start = 0
    end = 0
    for seg in SegmentReader(path):
        if seg.tag in ("CLM", "HL", "SE") and current is not None:
            current.raw = data[start:end]
            out.append(current)
            current = None
        if seg.tag == "HL":
            while chain and chain[-1][0] != seg[2]:
                chain.pop()
            chain.append((seg[1], seg[3], []))
        elif seg.tag == "CLM":
            current = ReadClaim(seg[1], b"", tuple(tuple(c[2]) for c in chain),
                                tuple(c[1] for c in chain))
            start = seg.offset
        elif current is None and chain and seg.tag not in ("SE", "GE", "IEA", "ST", "GS",
                                                           "ISA"):
            chain[-1][2].append(seg.text())
        elif seg.tag == "ST":
            chain = []
        end = seg.offset + len(seg.text()) + len(seg.delimiters.segment)
    return out


def hierarchy_problems(path: Path) -> list[str]:
    """HL01 sequential from 1 per set, HL02 an earlier HL, HL04 = 1 exactly when a child follows."""
    problems: list[str] = []
    hls: list[list[str]] = []

    def check() -> None:
        ids = [h[1] for h in hls]
        if ids != [str(i) for i in range(1, len(ids) + 1)]:
            problems.append(f"HL01 not 1..n: {ids}")
        parents = {h[2] for h in hls}
        for pos, h in enumerate(hls):
            if h[2] and h[2] not in ids[:pos]:
                problems.append(f"HL {h[1]} parent {h[2]} is not an earlier HL")
            if (h[4] == "1") != (h[1] in parents):
                problems.append(f"HL {h[1]} HL04 {h[4]} but children: {h[1] in parents}")

    for seg in SegmentReader(path):
        if seg.tag == "ST":
            hls = []
        elif seg.tag == "HL":
            hls.append(list(seg.elements) + [""] * (5 - len(seg.elements)))
        elif seg.tag == "SE":
            check()
    return problems


# -- the builders produce what pyx12 accepts -------------------------------------

def test_builder_output_is_valid_837p(tmp_path: Path) -> None:
    batch: BatchSpec = [[[[ProviderSpec([
        SubscriberSpec([ClaimSpec("A1", 2)], [PatientSpec([ClaimSpec("A2")])]),
        SubscriberSpec([], [PatientSpec([ClaimSpec("A3"), ClaimSpec("A4")])])])]]],
        [[[ProviderSpec([SubscriberSpec([ClaimSpec("B1")])])],
          [ProviderSpec([SubscriberSpec([ClaimSpec("B2")])])]]]]
    path = tmp_path / "batch.837"
    path.write_text(render(batch))
    result = validate_file(path)
    assert result.validated and result.findings == []
    assert [c.id for c in read_claims(path)] == ["A1", "A2", "A3", "A4", "B1", "B2"]
    assert hierarchy_problems(path) == []
