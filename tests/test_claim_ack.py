"""The 277CA (005010X214): pyx12 accepts it, one status per claim, totals add up."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from edi837.ack277 import AckMessage, ClaimAck, clean_text, stc12_max_length, write_277ca
from edi837.claim_ack import AckBuilder, adjudicate, rejected_sets
from edi837.parse import read_claims
from edi837.scan import scan_file
from tests.conftest import CliResult
from tests.test_split_batches import (
    BatchSpec,
    ClaimSpec,
    PatientSpec,
    ProviderSpec,
    SubscriberSpec,
    claims_of,
    render,
)
from tests.test_split_batches import read_claims as read_split
from x12core.findings import Severity
from x12core.reader import SegmentReader
from x12core.validate import validate_file

Cli = Callable[..., CliResult]
WHEN = datetime(2025, 3, 16, 9, 30)
BATCH: BatchSpec = [
    [[[ProviderSpec([SubscriberSpec([ClaimSpec("A1", 2)], [PatientSpec([ClaimSpec("A2", held=True)])]),
                     SubscriberSpec([ClaimSpec("A3", held=True)])]),
       ProviderSpec([SubscriberSpec([ClaimSpec("A4", 3)])])],
      [ProviderSpec([SubscriberSpec([ClaimSpec("A5", held=True)])])]]],
    [[[ProviderSpec([SubscriberSpec([ClaimSpec("B1")])])]]],
]
WHY = {"A2": [AckMessage("R96372-001", "drug-link", "96372 on 2025-01-15 has no drug line")],
       "A3": [AckMessage("R837-004", "balancing", "CLM02 120.00 ≠ Σ SV102 80.00"),
              AckMessage("X12-IG", "structure", "Mandatory segment HI missing")],
       "A5": [AckMessage("R96372-099", "missing-information", "x" * 400 + " * : ~ ^ end")]}


def acks_for(path: Path) -> list[ClaimAck]:
    build = AckBuilder()
    held = {c.id for c in claims_of(BATCH) if c.held}
    return [build(c, accepted=c.id not in held, messages=WHY.get(c.id, ()))
            for c in read_claims(str(path))]


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    path = tmp_path / "batch.837"
    path.write_text(render(BATCH))
    return path


@pytest.fixture
def ack_file(batch: Path, tmp_path: Path) -> Path:
    out = tmp_path / "batch.277"
    with out.open("w", encoding="ascii", newline="") as handle:
        summary = write_277ca(handle, acks_for(batch), when=WHEN, isa_control=701)
    assert (summary.claims, summary.accepted, summary.rejected) == (6, 3, 3)
    assert summary.transactions == 3 and summary.interchanges == ["000000701"]
    return out


def segments(path: Path) -> list[list[str]]:
    return [s.elements for s in SegmentReader(path)]


def test_pyx12_accepts_the_277ca(ack_file: Path) -> None:
    result = validate_file(ack_file)
    assert result.validated and result.findings == []
    gs = next(s for s in segments(ack_file) if s[0] == "GS")
    assert (gs[1], gs[8]) == ("HN", "005010X214")  # pyx12 picked the X214 map from these


def test_one_status_per_claim_in_file_order(ack_file: Path) -> None:
    segs = segments(ack_file)
    claims: list[tuple[str, list[str]]] = []
    for i, s in enumerate(segs):
        if s[:2] == ["TRN", "2"] and segs[i - 2][0] == "HL" and segs[i - 2][3] == "PT":
            statuses = []
            for follow in segs[i + 1:]:
                if follow[0] != "STC":
                    break
                statuses.append(follow)
            claims.append((s[2], statuses))
    assert [c for c, _ in claims] == ["A1", "A2", "A3", "A4", "A5", "B1"]
    by_id = dict(claims)
    for cid in ("A1", "A4", "B1"):
        assert [s[1:4] for s in by_id[cid]] == [["A2:20", "20250316", "WQ"]]
    assert [s[1] for s in by_id["A2"]] == ["A7:216"]
    assert [s[1] for s in by_id["A3"]] == ["A7:400", "A3:481"]
    assert all(s[3] == "U" for cid in ("A2", "A3", "A5") for s in by_id[cid])
    # STC12: rule id and message, without our delimiters, trimmed to pyx12's 264.
    assert by_id["A3"][0][12] == "R837-004 CLM02 120.00 <> SUM SV102 80.00"
    long = by_id["A5"][0][12]
    assert long.startswith("R96372-099 xxx") and len(long) == stc12_max_length() == 264
    assert by_id["A1"][0][4] == "80.00" and by_id["A4"][0][4] == "120.00"


def test_hierarchy_and_totals(ack_file: Path) -> None:
    segs = segments(ack_file)
    sets: list[list[list[str]]] = []
    for s in segs:
        if s[0] == "ST":
            sets.append([])
        if sets:
            sets[-1].append(s)
    first = sets[0]
    hl = [s for s in first if s[0] == "HL"]
    assert [h[1:4] for h in hl] == [["1", "", "20"], ["2", "1", "21"], ["3", "2", "19"],
                                    ["4", "3", "PT"], ["5", "3", "PT"], ["6", "3", "PT"],
                                    ["7", "2", "19"], ["8", "7", "PT"]]
    # 2200B totals for the set: A1, A4 accepted (80 + 120); A2, A3 rejected (40 each).
    # 2200C per provider: A1 accepted, A2 and A3 rejected; then A4 accepted.
    qty = [s[1:3] for s in first if s[0] == "QTY"]
    amt = [s[1:3] for s in first if s[0] == "AMT"]
    assert qty == [["90", "2"], ["AA", "2"], ["QA", "1"], ["QC", "2"], ["QA", "1"]]
    assert amt == [["YU", "200.00"], ["YY", "80.00"], ["YU", "80.00"], ["YY", "80.00"],
                   ["YU", "120.00"]]
    trn = [s for s in first if s[0] == "TRN"]
    assert trn[1] == ["TRN", "2", "BATCH0001"]  # 2200B echoes the 837 BHT03
    nm1 = [s[1] for s in first if s[0] == "NM1"]
    assert nm1 == ["AY", "41", "85", "QC", "QC", "QC", "85", "QC"]
    assert any(s[:3] == ["DTP", "472", "D8"] and s[3] == "20250115" for s in first)


def test_no_claims_no_file() -> None:
    opened: list[int] = []

    def opener() -> io.StringIO:
        opened.append(1)
        return io.StringIO()

    from edi837.ack277 import Ack277Writer

    assert Ack277Writer(opener, when=WHEN).close().claims == 0
    assert opened == []


def test_clean_text_keeps_elements_safe() -> None:
    assert clean_text("a*b:c~d^e\r\nf\tg  é ≥ 1", 100) == "a b c d e f g >= 1"
    assert clean_text("x" * 300, 264) == "x" * 264


def test_rejected_sets_and_adjudication(tmp_path: Path) -> None:
    bad = tmp_path / "bad.837"
    bad.write_text(render(BATCH).replace("DTP*472*D8*20250115~\nREF*6R*A3-1",
                                         "DTP*472*D8*20251315~\nREF*6R*A3-1"))
    checked = validate_file(bad, want_ack=True)
    assert checked.ack is not None
    rejected = rejected_sets(checked.ack)
    assert rejected == {("7010", "0001")}
    results = list(adjudicate(scan_file(bad), fail_on=Severity.ERROR, rejected=rejected,
                              ig_findings=checked.findings))
    by_id = {r.claim.id: r for r in results}
    assert [f.location.element for f in by_id["A3"].findings if f.rule == "X12-IG"] == ["DTP03"]
    # Every claim of the rejected set is held; the other sets are untouched by the 999.
    assert {cid for cid, r in by_id.items() if any(f.rule == "X12-999" for f in r.findings)} \
        == {"A1", "A2", "A3", "A4"}
    assert all(by_id[c].held for c in ("A1", "A2", "A3", "A4"))
    assert not any(f.rule.startswith("X12") for f in by_id["B1"].findings)


def test_missing_values_still_make_a_valid_277ca(tmp_path: Path) -> None:
    text = (render([[[[ProviderSpec([SubscriberSpec([ClaimSpec("Z1")])])]]]])
            .replace("DTP*472*D8*20250115", "DTP*472*D8*2025011")  # unreadable date
            .replace("CLM*Z1*40*", "CLM*Z1*4O*"))  # unreadable charge
    src = tmp_path / "odd.837"
    src.write_text(text)
    acks = [AckBuilder()(c, accepted=False, messages=[AckMessage("R1", "coding", "odd")])
            for c in read_claims(str(src))]
    assert acks[0].charge is None and acks[0].service_from is None
    out = tmp_path / "odd.277"
    with out.open("w") as handle:
        write_277ca(handle, acks, when=WHEN)
    assert validate_file(out).findings == []
    assert "STC*A7:454*20250316*U*0********R1 odd~" in out.read_text()
    assert Decimal("0") == Decimal(next(s[4] for s in segments(out) if s[0] == "STC"))


def test_guide_errors_in_shared_loops_hold_every_claim_under_them(tmp_path: Path,
                                                                  cli: Cli) -> None:
    text = render(BATCH)
    text = text.replace("REF*EI*123456781", "REF*XX*123456781")  # 2010AA of A4's provider
    text = text.replace("BATCH0002*20250315", "BATCH0002*20251315")  # BHT04 of A5's set
    text = text.replace("SE*25*0001~\nGE*1*7020", "SE*99*0001~\nGE*1*7020")  # B1 envelope
    src = tmp_path / "loops.837"
    src.write_text(text)
    checked = validate_file(src)
    assert {f.location.segment for f in checked.findings} == {"REF", "BHT", "SE"}
    leftovers: list = []
    results = list(adjudicate(scan_file(src), fail_on=Severity.ERROR, leftovers=leftovers,
                              ig_findings=checked.findings))
    ig = {r.claim.id: sorted(f.location.segment for f in r.findings if f.rule == "X12-IG")
          for r in results}
    assert ig == {"A1": [], "A2": [], "A3": [], "A4": ["REF", "REF"], "A5": ["BHT"], "B1": []}
    assert [f.location.segment for f in leftovers] == ["SE"]  # the split rewrites SE01
    clean, held = tmp_path / "c.837", tmp_path / "h.837"
    result = cli("split", src, "--clean", clean, "--held", held, "--validate",
                 "--select", "R837-004")  # one rule that does not fire here
    assert result.code == 1, result.err
    assert sorted(c.id for c in read_split(held)) == ["A4", "A5"]
    assert validate_file(clean).findings == []  # the clean batch is clean for pyx12 too
