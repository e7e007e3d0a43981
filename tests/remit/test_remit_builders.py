"""The fast builders of remit835.model make the very same frozen values as the classes."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from remit835.causes import default_map
from remit835.model import (
    Adjustment,
    Claim,
    Party,
    PaymentHeader,
    ServiceLine,
    builder,
    new_adjustment,
    new_claim,
    new_party,
    new_service_line,
)
from remit835.outcome import assess
from remit835.parse import read_text


def test_builders_equal_constructors_and_stay_frozen() -> None:
    adj = new_adjustment("CO", "45", Decimal("1.50"), "2")
    same = Adjustment("CO", "45", Decimal("1.50"), "2")
    assert type(adj) is Adjustment and adj == same and hash(adj) == hash(same)
    assert adj.element == "CAS03" and adj.segment is None  # defaults applied
    assert repr(adj) == repr(same)
    with pytest.raises(dataclasses.FrozenInstanceError):
        adj.group = "PR"  # type: ignore[misc]
    assert dataclasses.replace(adj, group="PR").group == "PR"
    party = new_party(entity="QC", name="DOE", id_qualifier="MI", id="1", first_name="J")
    assert party == Party("QC", "DOE", "MI", "1", "J")
    line = new_service_line(1, "HC", "96372", ("25",), Decimal(20), Decimal(10), "1",
                            line_control="X-1", adjustments=(adj,))
    assert line == ServiceLine(1, "HC", "96372", ("25",), Decimal(20), Decimal(10), "1",
                               line_control="X-1", adjustments=(adj,))
    header = PaymentHeader("f", "1", "1", "0001", "I", Decimal(10), "C", "ACH", "20250101",
                           "T1", "1", "", party, party)
    claim = new_claim("C1", "1", Decimal(20), Decimal(10), None, "MB", "ICN", "11", "1", header,
                      lines=(line,))
    assert claim == Claim("C1", "1", Decimal(20), Decimal(10), None, "MB", "ICN", "11", "1",
                          header, lines=(line,))
    with pytest.raises(dataclasses.FrozenInstanceError):
        claim.paid = Decimal(0)  # type: ignore[misc]


def test_builder_refuses_classes_it_cannot_copy() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class WithFactory:
        items: list[int] = dataclasses.field(default_factory=list)

    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        value: int

    for cls in (WithFactory, NoSlots):
        with pytest.raises(TypeError):
            builder(cls)


def test_parsed_values_are_the_model_classes() -> None:
    text = ("ISA*00*          *00*          *ZZ*PAYER          *ZZ*PROVIDER       *250316*1200*^*"
            "00501*000000001*0*T*:~GS*HP*PAYER*PROVIDER*20250316*1200*1*X*005010X221A1~"
            "ST*835*0001~BPR*I*10*C*ACH*CCP*01*1*DA*2*1*01*1*DA*2*20250316~TRN*1*T1*1~"
            "N1*PR*PAYER~N1*PE*CLINIC*XX*1~LX*1~CLP*C1*1*20*10**MB*ICN*11*1~NM1*QC*1*DOE*J~"
            "SVC*HC:96372:25*20*10**1~CAS*CO*45*10~SE*12*0001~GE*1*1~IEA*1*000000001~")
    [(payment, claims, _findings)] = read_text(text)
    claim = claims[0]
    assert type(claim) is Claim and type(claim.lines[0]) is ServiceLine
    assert type(claim.lines[0].adjustments[0]) is Adjustment and claim.patient is not None
    assert claim.lines[0].modifiers == ("25",) and claim.balanced and payment.balanced
    outcome = assess(claim, default_map())
    assert outcome.status == "paid" and outcome.lines[0].adjustments[0].cause.category
    with pytest.raises(dataclasses.FrozenInstanceError):
        outcome.status = "denied"  # type: ignore[misc]
