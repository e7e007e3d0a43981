"""The 837P claim model: hierarchy, loops, elements, locations, streaming."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from edi837.parse import iter_claims, parse_date, parse_decimal, read_claims
from tests.scan.x12claims import KETOROLAC, claim, subscriber, wrap
from x12core.envelope import Envelope
from x12core.reader import SegmentReader


def claims_of(text: str) -> list:
    env = Envelope(SegmentReader(io.BytesIO(text.encode("latin-1")), name="t.837"), "t.837")
    out = []
    for body in env:
        out.extend(iter_claims(body, body.transaction, "t.837"))
    return out


FULL = [
    *subscriber("MB", member="1EG4TE5MK73"),
    "CLM*PCN0001*65.01***11:B:1*Y*A*Y*Y",
    "REF*F8*ICN123",
    "HI*ABK:M545*ABF:R51",
    "NM1*82*1*RENDER*RITA****XX*1999999984",
    "PRV*PE*PXC*207Q00000X",
    "LX*1",
    "SV1*HC:J1885:JZ:XS::RT:KETOROLAC 30MG IM*25.01*UN*2*21**1:2",
    "DTP*472*RD8*20250115-20250116",
    "REF*6R*PCN0001-1",
    "NTE*ADD*SEE NOTES",
    "LIN**N4*00409379501",
    "CTP****1.5*ML",
    "REF*VY*1",
    "REF*XZ*RX555",
    "NM1*82*1*LINE*LARA****XX*1999999992",
    "REF*G2*SECONDARY",
    "LX*2",
    "SV1*HC:96372*40*UN*1***1",
    "DTP*472*D8*20250115",
    "REF*6R*PCN0001-2",
]


def test_claim_fields_and_segments() -> None:
    (c,) = claims_of(wrap(FULL))
    assert (c.id, c.charge, c.place_of_service, c.frequency) == ("PCN0001", Decimal("65.01"),
                                                                 "11", "1")
    assert c.payer_claim_number == "ICN123" and c.ref_f8 is not None
    assert [(d.qualifier, d.code, d.element) for d in c.diagnoses] == [
        ("ABK", "M545", "HI01-2"), ("ABF", "R51", "HI02-2")]
    assert c.rendering_npi == "1999999984"
    assert c.billing_provider.npi == "1234567893" and c.billing_provider.tin == "123456789"
    assert c.billing_provider.taxonomy == "207Q00000X"
    assert c.filing_indicator == "MB" and c.payer.id == "88801"
    assert c.patient.member_id == "1EG4TE5MK73" and c.patient.birth_date == "19500101"
    assert c.submitter is not None and c.submitter.id == "SUBMIT01"
    assert c.batch_date == "20250315"
    assert c.transaction.control == "0001" and c.clm.tag == "CLM"


def test_service_line_fields() -> None:
    (c,) = claims_of(wrap(FULL))
    first, second = c.lines
    assert (first.number, first.qualifier, first.code) == (1, "HC", "J1885")
    assert first.modifiers == ("JZ", "XS", "RT")  # blank SV101-5 dropped
    assert first.description == "KETOROLAC 30MG IM"
    assert (first.charge, first.unit_basis, first.units) == (Decimal("25.01"), "UN", Decimal(2))
    assert first.place_of_service == "21" and first.pointers == ("1", "2")
    assert (first.service_date, first.service_date_end) == (date(2025, 1, 15), date(2025, 1, 16))
    assert first.control_number == "PCN0001-1" and len(first.control_refs) == 1
    assert first.notes == ("SEE NOTES",)
    drug = first.drug
    assert drug is not None
    assert (drug.qualifier, drug.ndc, drug.quantity, drug.unit) == ("N4", "00409379501",
                                                                    Decimal("1.5"), "ML")
    assert (drug.link_sequence, drug.prescription) == ("1", "RX555")
    # The 2420A REF*G2 is a provider id, not a second line control number.
    assert first.rendering_npi == "1999999992"
    assert first.modifier_element("RT") == "SV101-6"
    assert second.drug is None and second.rendering_npi == "" and second.modifiers == ()
    assert first.last_index == second.lx.index - 1
    assert c.line_at(first.sv1.index) is first and c.line_at(c.clm.index) is None


def test_byte_offsets_slice_the_claim_out_of_the_file(tmp_path) -> None:
    text = wrap(FULL + claim("PCN0002", [["SV1*HC:96372*40*UN*1***1"]]))
    path = tmp_path / "b.837"
    path.write_bytes(text.encode())
    a, b = read_claims(str(path))
    raw = path.read_bytes()
    assert raw[a.start_offset:a.end_offset].startswith(b"CLM*PCN0001*")
    assert raw[a.start_offset:a.end_offset].rstrip().endswith(b"REF*6R*PCN0001-2~")
    assert raw[b.start_offset:b.end_offset].startswith(b"CLM*PCN0002*")
    assert a.last_index + 1 == b.first_index
    assert a.loop_index == b.loop_index  # same subscriber loop


def test_patient_loop_2000c_and_other_subscriber_2320() -> None:
    body = [
        "HL*2*1*22*1", "SBR*P*01*******CI", "NM1*IL*1*SUBSCRIBER*SAM****MI*SUB1",
        "NM1*PR*2*PAYER*****PI*77777",
        "HL*3*2*23*0", "PAT*19", "NM1*QC*1*CHILD*CORA", "DMG*D8*20150101*F",
        "CLM*PCN9*40***11:B:1*Y*A*Y*Y", "HI*ABK:J069",
        # 2320/2330: another payer's subscriber and payer must not replace ours.
        "SBR*S*18*******MC", "NM1*IL*1*OTHER*OSCAR****MI*OTHER1",
        "NM1*PR*2*OTHER PAYER*****PI*99999", "REF*F8*NOT-OURS",
        "LX*1", "SV1*HC:96372*40*UN*1***1", "DTP*472*D8*20250115", "REF*6R*PCN9-1",
    ]
    (c,) = claims_of(wrap(body))
    assert c.subscriber.person.member_id == "SUB1" and c.filing_indicator == "CI"
    assert c.patient.party.name == "CHILD" and c.patient.birth_date == "20150101"
    assert c.payer.id == "77777" and c.payer_claim_number == ""
    assert c.loop_index == c.clm.index - 4  # the HL*23


def test_claims_stream_one_at_a_time_across_loops_and_transactions() -> None:
    body = (claim("A1", [KETOROLAC]) + subscriber("MC", hl=3, member="M2")
            + claim("B1", [["SV1*HC:96372*40*UN*1***1"]]) + claim("B2", [KETOROLAC]))
    got = claims_of(wrap(body, transactions=2))
    assert [c.id for c in got] == ["A1", "B1", "B2"] * 2
    assert [c.filing_indicator for c in got[:3]] == ["CI", "MC", "MC"]
    assert got[1].loop_index == got[2].loop_index != got[0].loop_index
    assert [c.transaction.control for c in got] == ["0001"] * 3 + ["0002"] * 3


def test_lenient_values() -> None:
    assert parse_decimal("") is None and parse_decimal("abc") is None
    assert parse_decimal("NaN") is None and parse_decimal("12.50") == Decimal("12.5")
    assert parse_date("20250231") is None and parse_date("2025011") is None
    body = claim("X", [["SV1*HC*abc*UN", "DTP*472*D8*2025"]], charge="0")
    (c,) = claims_of(wrap(body))
    (line,) = c.lines
    assert line.code == "" and line.charge is None and line.units is None
    assert line.service_date is None and line.pointers == ()


def test_memory_does_not_grow_with_claims(tmp_path) -> None:
    """Streaming: peak traced memory for 5,000 claims is close to that for 500.

    A small read chunk keeps both files several chunks long, so the comparison is
    about claims held, not about the reader's buffer.
    """
    import tracemalloc

    def peak(n: int) -> int:
        body = subscriber("MB") + [s for i in range(n) for s in claim(f"P{i}", [KETOROLAC])]
        path = tmp_path / f"m{n}.837"
        path.write_text(wrap(body))
        tracemalloc.start()
        env = Envelope(SegmentReader(str(path), chunk_size=16 << 10), str(path))
        for txn in env:
            for _ in iter_claims(txn, txn.transaction, str(path)):
                pass
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(500), peak(5000)
    assert large < small * 1.3 + 100_000, (small, large)
