"""Envelope grouping and control-structure checks."""

from __future__ import annotations

import io

from tests.x12text import BODY, interchange
from x12core.envelope import Envelope
from x12core.reader import SegmentReader


def walk(text: str) -> tuple[Envelope, list[tuple[str, str, list[str]]]]:
    env = Envelope(SegmentReader(io.BytesIO(text.encode()), name="t.837"), "t.837")
    seen = []
    for body in env:
        t = body.transaction
        seen.append((t.interchange.control if t.interchange else "", t.control,
                     [s.tag for s in body]))
    return env, seen


def messages(env: Envelope) -> list[str]:
    return [f.message for f in env.findings]


def test_clean_interchange_has_no_findings() -> None:
    env, seen = walk(interchange(BODY, st_controls=("0001", "0002")))
    assert env.findings == []
    assert [(c, body[0]) for _, c, body in seen] == [("0001", "BHT"), ("0002", "BHT")]
    assert seen[0][2] == [b.split("*")[0] for b in BODY]
    assert env.counts == {"interchanges": 1, "groups": 1, "transactions": 2}


def test_transaction_metadata() -> None:
    env = Envelope(SegmentReader(io.BytesIO(interchange(BODY).encode())), "t")
    body = next(iter(env))
    t = body.transaction
    assert (t.set_id, t.control, t.version) == ("837", "0001", "005010X222A1")
    assert t.group is not None and t.group.functional_id == "HC"
    assert t.interchange is not None and t.interchange.sender == "SUBMITTERID"
    assert t.location("t") == {"file": "t", "interchange": "000000701", "group": "701",
                               "transaction": "0001"}


def test_unconsumed_bodies_are_skipped() -> None:
    env = Envelope(SegmentReader(io.BytesIO(interchange(BODY, st_controls=("1", "2")).encode())),
                   "t")
    assert [b.transaction.control for b in env] == ["1", "2"]
    assert env.findings == []


def test_wrong_counts_are_reported_with_location() -> None:
    env, _ = walk(interchange(BODY, se_count=5, ge_count=3, iea_count=2))
    found = {f.location.element: f for f in env.findings}
    assert set(found) == {"SE01", "GE01", "IEA01"}
    assert "SE01 says 5 segments; transaction 0001 has 8" in found["SE01"].message
    assert found["SE01"].fix == "Set SE01 to 8."
    assert found["SE01"].location.file_line == 10
    assert found["SE01"].location.transaction == "0001"
    assert found["GE01"].message.startswith("GE01 says 3 transaction sets")
    assert found["IEA01"].message.startswith("IEA01 says 2 functional groups")
    assert all(f.category == "structure" for f in env.findings)


def test_mismatched_trailer_control_numbers() -> None:
    text = interchange(BODY).replace("SE*8*0001", "SE*8*0002").replace("GE*1*701", "GE*1*702")
    text = text.replace("IEA*1*000000701", "IEA*1*000000799")
    env, _ = walk(text)
    msgs = messages(env)
    assert any("SE02 0002 does not match ST02 0001" in m for m in msgs)
    assert any("GE02 702 does not match GS06 701" in m for m in msgs)
    assert any("IEA02 000000799 does not match ISA13 000000701" in m for m in msgs)


def test_missing_se_and_truncated_file() -> None:
    text = interchange(BODY)
    cut = text[: text.index("SE*")]
    env, seen = walk(cut)
    assert seen and seen[0][2][-1] == "SV1"
    msgs = messages(env)
    assert any("no SE trailer" in m for m in msgs)
    assert any("no GE" in m for m in msgs)
    assert any("no IEA" in m for m in msgs)


def test_missing_se_before_next_st() -> None:
    text = interchange(BODY, st_controls=("0001", "0002")).replace("SE*8*0001~\n", "", 1)
    env, seen = walk(text)
    assert [c for _, c, _ in seen] == ["0001", "0002"]
    assert any("transaction 0001 has no SE trailer before ST" in m for m in messages(env))


def test_duplicate_control_numbers_and_multiple_interchanges() -> None:
    text = interchange(BODY, control="000000001") + interchange(BODY, control="000000001")
    env, seen = walk(text)
    assert [i for i, _, _ in seen] == ["000000001", "000000001"]
    assert any("interchange control number 000000001 repeats" in m for m in messages(env))
    text = interchange(BODY, st_controls=("0001", "0001"))
    env, _ = walk(text)
    assert any("transaction set control number 0001 repeats" in m for m in messages(env))


def test_stray_data_after_iea() -> None:
    env, _ = walk(interchange(BODY) + "JUNK*1~MORE~")
    assert messages(env) == ["segment 'JUNK' stands after the last IEA"]


def test_short_isa_is_reported() -> None:
    text = interchange(BODY).replace("SUBMITTERID    ", "SUBMITTERID", 1)
    env, _ = walk(text)
    assert any("ISA segment is 102 characters" in m for m in messages(env))


def test_st03_differs_from_gs08_is_a_warning() -> None:
    text = interchange(BODY).replace("ST*837*0001*005010X222A1", "ST*837*0001*005010X223A2")
    env, _ = walk(text)
    assert [str(f.severity) for f in env.findings] == ["warning"]
