"""Line and claim outcomes: denied, partial, paid, pending, reversed (reference §C.3)."""

from __future__ import annotations

from remit835.causes import default_map
from remit835.outcome import assess
from remit835.parse import read_text
from tests.remit.x835 import header, interchange


def outcomes(*claims: list[str], amount: str = "0"):
    body = [seg for claim in claims for seg in claim]
    [(_, parsed, _)] = read_text(interchange([*header(amount), "LX*1", *body]))
    return [assess(c, default_map()) for c in parsed]


def test_line_statuses() -> None:
    claim = ["CLP*C1*1*500*150*100*MB*I1*11*1",
             "SVC*HC:J1885*100*0**1", "CAS*CO*16*100", "LQ*HE*M119",          # denied
             "SVC*HC:96372*100*40**1", "CAS*CO*151*60", "LQ*HE*N362",         # partial
             "SVC*HC:99213*100*0**1", "CAS*PR*1*100",                         # deductible
             "SVC*HC:99214*100*110**1", "CAS*CO*45*-10",                      # paid
             "SVC*HC:99215*100*0**1", "CAS*OA*133*100"]                       # pending
    [o] = outcomes(claim, amount="150")
    assert o.claim.balanced
    assert [lo.status for lo in o.lines] == ["denied", "partial", "paid", "paid", "pending"]
    assert [lo.denied for lo in o.lines] == [True, False, False, False, False]
    assert o.lines[0].categories == ("drug-data",) and o.lines[1].categories == ("units",)
    assert o.lines[1].denied_amount == 60
    assert o.status == "partial"
    assert o.categories == ("drug-data", "units")


def test_patient_liable_denial_is_still_a_denial() -> None:
    claim = ["CLP*C2*1*100*0*100*MB*I2*11*1",
             "SVC*HC:J3420*100*0**1", "CAS*PR*50*100"]
    [o] = outcomes(claim)
    assert o.lines[0].status == "denied" and o.status == "denied"
    assert "bill the patient" in o.lines[0].adjustments[0].cause.action


def test_claim_statuses() -> None:
    all_denied = ["CLP*D1*1*100*0**MB*I3*11*1", "SVC*HC:99211*100*0**1", "CAS*CO*97*100",
                  "LQ*HE*M14"]
    status_4 = ["CLP*D2*4*100*0**MB*I4*11*1", "CAS*CO*29*100"]
    claim_level = ["CLP*D3*1*100*0**MB*I5*11*1", "CAS*CO*22*100"]
    paid = ["CLP*P1*1*100*80**MB*I6*11*1", "SVC*HC:99213*100*80**1", "CAS*CO*45*20"]
    reversal = ["CLP*P1*22*-100*-80**MB*I6*11*1", "SVC*HC:99213*-100*-80**1",
                "CAS*CO*45*-20"]
    result = outcomes(all_denied, status_4, claim_level, paid, reversal)
    assert [o.status for o in result] == ["denied", "denied", "denied", "paid", "reversed"]
    assert [lo.status for lo in result[4].lines] == ["reversed"]
    assert result[4].categories == ("reversal",)  # the root cause of a CLP02 22, not a denial
    assert result[2].categories == ("coordination-of-benefits",)


def test_claim_remarks_apply_to_lines() -> None:
    # MA130 in MOA (claim level) turns the line's CO-16 + M119 into a return as unprocessable.
    claim = ["CLP*R1*1*50*0**MB*I7*11*1", "MOA***MA130",
             "SVC*HC:J1885*50*0**1", "CAS*CO*16*50", "LQ*HE*M119"]
    [o] = outcomes(claim)
    cause = o.lines[0].adjustments[0].cause
    assert cause.category == "drug-data" and cause.unprocessable
    assert "new claim" in cause.action
