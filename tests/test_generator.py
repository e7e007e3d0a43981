"""Tests for the synthetic fixture generator (fixtures/generate.py)."""

from __future__ import annotations

import io
import json
import logging
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from fixtures import catalog
from fixtures.generate import (
    DEFECTS,
    iter_claims,
    main,
    outcomes,
    write_835,
    write_837,
    write_samples,
    write_truth,
)

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "fixtures"

# ---------------------------------------------------------------------------
# A tiny X12 splitter (independent of x12core on purpose)
# ---------------------------------------------------------------------------


def split_x12(text: str) -> list[list[list[str]]]:
    """Split a file into interchanges; each a list of segments (lists of elements).

    Delimiters come from each ISA: element = char 3, component = ISA16, segment
    terminator = the character after ISA16. Line breaks after terminators are ignored.
    """
    text = text.lstrip("\ufeff\r\n ")
    out: list[list[list[str]]] = []
    while text.startswith("ISA"):
        el = text[3]
        pos = 3
        for _ in range(15):  # the 16th separator precedes ISA16
            pos = text.index(el, pos + 1)
        term = text[pos + 2]
        end = text.index("IEA" + el)
        end = text.index(term, end) + 1
        body, text = text[:end], text[end:].lstrip("\r\n")
        segs = [s.strip("\r\n") for s in body.split(term)]
        out.append([s.split(el) for s in segs if s.strip("\r\n")])
    return out


def segments(text: str) -> list[list[str]]:
    return [seg for ic in split_x12(text) for seg in ic]


def component_of(interchange: list[list[str]]) -> str:
    return interchange[0][16]


def check_envelope(interchange: list[list[str]]) -> None:
    """IEA01/GE01/SE01 counts and matching control numbers."""
    isa = interchange[0]
    groups = 0
    st_count = seg_count = 0
    st_ctrl = gs_ctrl = None
    for seg in interchange[1:]:
        tag = seg[0]
        if tag == "GS":
            groups += 1
            gs_ctrl, st_count = seg[6], 0
        elif tag == "ST":
            st_ctrl, seg_count = seg[2], 0
            st_count += 1
        if st_ctrl is not None:
            seg_count += 1
        if tag == "SE":
            assert seg[2] == st_ctrl, f"SE02 {seg[2]} != ST02 {st_ctrl}"
            assert int(seg[1]) == seg_count, f"SE01 {seg[1]} != {seg_count}"
            st_ctrl = None
        elif tag == "GE":
            assert seg[2] == gs_ctrl
            assert int(seg[1]) == st_count
        elif tag == "IEA":
            assert seg[2] == isa[13]
            assert int(seg[1]) == groups


def money(value: str) -> Decimal:
    return Decimal(value or "0")


class _Balance:
    """Running sums for the TR3 balancing checks of one 835 interchange."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.bpr = self.clp_sum = self.plb_sum = Decimal(0)
        self.clp: list[str] | None = None
        self.svc: list[str] | None = None
        self.claim_cas = self.line_cas = self.pr = Decimal(0)

    def close_line(self) -> None:
        if self.svc is not None:
            if money(self.svc[2]) - self.line_cas != money(self.svc[3]):
                owner = self.clp[1] if self.clp else "?"
                self.problems.append(f"line {self.svc[1]} of {owner}")
            self.claim_cas += self.line_cas
        self.svc, self.line_cas = None, Decimal(0)

    def close_claim(self) -> None:
        self.close_line()
        if self.clp is not None:
            if money(self.clp[3]) - self.claim_cas != money(self.clp[4]):
                self.problems.append(f"claim {self.clp[1]}")
            if money(self.clp[5]) != self.pr:
                self.problems.append(f"patient responsibility {self.clp[1]}")
        self.clp, self.claim_cas, self.pr = None, Decimal(0), Decimal(0)

    def feed(self, seg: list[str]) -> None:
        tag = seg[0]
        if tag == "BPR":
            self.bpr, self.clp_sum, self.plb_sum = money(seg[2]), Decimal(0), Decimal(0)
        elif tag == "CLP":
            self.close_claim()
            self.clp = seg
            self.clp_sum += money(seg[4])
        elif tag == "SVC":
            self.close_line()
            self.svc = seg
        elif tag == "CAS":
            total = sum((money(seg[i]) for i in range(3, len(seg), 3)), Decimal(0))
            if seg[1] == "PR":
                self.pr += total
            if self.svc is not None:
                self.line_cas += total
            else:
                self.claim_cas += total
        elif tag == "PLB":
            self.close_claim()
            self.plb_sum += sum((money(seg[i]) for i in range(4, len(seg), 2)), Decimal(0))
        elif tag == "SE":
            self.close_claim()
            if self.clp_sum - self.plb_sum != self.bpr:
                self.problems.append(f"transaction {seg[2]}")


def check_835_balance(text: str) -> list[str]:
    """Return the list of imbalances (empty when everything balances)."""
    problems: list[str] = []
    for ic in split_x12(text):
        state = _Balance()
        for seg in ic:
            state.feed(seg)
        problems += state.problems
    return problems


def read_truth(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def text_837(**kw) -> str:
    buf = io.StringIO(newline="")
    write_837(buf, **kw)
    return buf.getvalue()


def text_835(**kw) -> str:
    buf = io.StringIO(newline="")
    write_835(buf, **kw)
    return buf.getvalue()


def text_truth(**kw) -> str:
    buf = io.StringIO()
    write_truth(buf, **kw)
    return buf.getvalue()


# ---------------------------------------------------------------------------
# Determinism and envelopes
# ---------------------------------------------------------------------------


def test_same_seed_same_bytes() -> None:
    assert text_837(claims=40, seed=5) == text_837(claims=40, seed=5)
    assert text_835(claims=40, seed=5) == text_835(claims=40, seed=5)
    assert text_truth(claims=40, seed=5) == text_truth(claims=40, seed=5)
    assert text_837(claims=40, seed=5) != text_837(claims=40, seed=6)


def test_claims_independent_of_batch_size() -> None:
    """Claim n is the same alone or in a larger batch (per-claim RNG)."""
    big = list(iter_claims(30, seed=9))
    part = list(iter_claims(5, seed=9, first_claim=20))
    assert [c.claim_id for c in big[20:25]] == [c.claim_id for c in part]
    assert [c.charge for c in big[20:25]] == [c.charge for c in part]
    assert [c.defects for c in big[20:25]] == [c.defects for c in part]


@pytest.mark.parametrize("transactions", [1, 3, 7])
def test_control_counts(transactions: int) -> None:
    text = text_837(claims=50, seed=3, transactions=transactions, isa_control=42,
                    gs_control=7, st_control=100)
    (ic,) = split_x12(text)
    check_envelope(ic)
    sts = [s for s in ic if s[0] == "ST"]
    assert [s[2] for s in sts] == [f"{100 + i:04d}" for i in range(transactions)]
    assert ic[0][13] == "000000042"
    assert sum(1 for s in ic if s[0] == "CLM") == 50


def test_hl_structure() -> None:
    (ic,) = split_x12(text_837(claims=60, seed=4, transactions=2))
    ids: dict[str, str] = {}
    for seg in ic:
        if seg[0] == "ST":
            ids = {}
        if seg[0] == "HL":
            assert seg[1] == str(len(ids) + 1)
            if seg[3] == "20":
                assert seg[2] == "" and seg[4] == "1"
            else:
                assert seg[3] == "22" and ids[seg[2]] == "20" and seg[4] == "0"
            ids[seg[1]] = seg[3]
    assert Counter(ids.values())["20"] >= 1


@pytest.mark.parametrize(("kw", "term"), [
    (dict(element="|", component=">", segment="!", newline="\r\n"), "!\r\n"),
    (dict(segment="\n", newline=False), "\n"),
    (dict(newline=False), "~"),
])
def test_delimiter_options(kw: dict, term: str) -> None:
    text = text_837(claims=6, seed=2, **kw)
    assert text.count(term) == len(segments(text))
    if kw.get("newline") is False and kw.get("segment", "~") != "\n":
        assert "\n" not in text
    check_envelope(split_x12(text)[0])
    assert sum(1 for s in segments(text) if s[0] == "CLM") == 6


def test_claim_totals_and_pointers_on_clean_claims() -> None:
    for c in iter_claims(200, seed=12, defect_rate=0.0):
        assert c.charge == sum(ln.charge for ln in c.lines)
        assert len(c.claim_id) <= 17
        assert c.pos == "11"
        controls = [ln.control for ln in c.lines]
        assert None not in controls and len(set(controls)) == len(controls)
        for ln in c.lines:
            assert ln.pointers and len(set(ln.pointers)) == len(ln.pointers)
            assert all(1 <= p <= len(c.diagnoses) for p in ln.pointers)
            assert ln.units > 0
            if ln.kind in ("drug", "waste", "vaccine"):
                assert ln.ndc and len(ln.ndc) == 11 and ln.ndc.isdigit()
        assert all("." not in dx for dx in c.diagnoses)
        assert (c.batch_date - c.dos).days <= 60
        assert sum(ln.units for ln in c.lines if ln.code == "96372") <= 4


def test_npis_pass_luhn() -> None:
    for b in catalog.BILLING_PROVIDERS:
        assert catalog.npi_is_valid(b.npi)
        assert all(catalog.npi_is_valid(r.npi) for r in b.renderings)
    assert catalog.npi_is_valid("1234567893")  # the CMS example NPI


# ---------------------------------------------------------------------------
# Defects
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("key", list(DEFECTS))
def test_each_defect_is_seeded(key: str) -> None:
    if key == "duplicate-claim":
        # Seeded only where claim n-2 is clean (it repeats that claim's encounter).
        batch = list(iter_claims(40, seed=31, defect_rate=0.5, defects=[key]))
        claims = [c for c in batch if c.defects]
        assert len(claims) >= 3
        for c in claims:
            src = batch[c.claim_no - 2]
            assert not src.defects and src.patient == c.patient and src.dos == c.dos
            assert [(ln.code, ln.charge, ln.units) for ln in src.lines] == \
                [(ln.code, ln.charge, ln.units) for ln in c.lines]
        return
    claims = list(iter_claims(6, seed=31, defect_rate=1.0, defects=[key]))
    assert all(c.defects == [key] for c in claims)
    c = claims[0]
    lines = c.lines
    flagged = [ln for ln in lines if ln.defect]
    medicare_jz = {"missing-jz", "jw-and-jz", "jz-on-admin"}
    if key in medicare_jz:
        assert c.payer.profile == "medicare"
    if key == "missing-ndc":
        assert c.payer.profile == "medicaid" and flagged[0].ndc is None
    if key == "no-drug":
        assert not [ln for ln in lines if ln.kind == "drug"]
    if key == "charge-mismatch":
        assert c.charge != sum(ln.charge for ln in lines)
    else:
        assert c.charge == sum(ln.charge for ln in lines)
    if key == "long-claim-id":
        assert 21 <= len(c.claim_id) <= 30
    else:
        assert len(c.claim_id) <= 17
    if key == "timely-filing":
        assert (c.batch_date - c.dos).days > 365
    if key == "units-over-mue":
        assert flagged[0].code == "96372" and flagged[0].units == 5
    if key == "zero-units":
        assert flagged[0].units == 0
    if key == "bad-icd-format":
        assert any("." in dx for dx in c.diagnoses)
    if key == "replacement-without-f8":
        assert c.frequency == "7"
    if key == "facility-pos":
        assert c.pos in ("21", "22") and c.facility is not None
    if key == "jw-and-jz":
        assert {"JW", "JZ"} <= set(flagged[0].modifiers)
    if key == "59-and-x":
        assert {"59", "XS"} <= set(flagged[0].modifiers)
    if key == "missing-prior-auth":
        assert c.prior_auth is None
    if key in ("noc-without-description", "noc-incomplete-description"):
        assert flagged[0].code == "J3490"
    if key == "rendering-without-npi":
        assert c.rendering.npi == "" and "NM1*82*1*" + c.rendering.last + "*" \
            + c.rendering.first + "~" in text_837(claims=1, seed=31, defect_rate=1.0,
                                                  defects=[key])
    if key == "bad-taxonomy":
        tax = c.rendering.taxonomy
        assert not (len(tax) == 10 and tax.endswith("X"))
    if key == "pediatric-admin-on-adult":
        assert flagged[0].code == "90460" and c.patient.age_on(c.dos) >= 19
        assert c.payer.profile != "medicare"
    if key == "line-outside-stay":
        assert c.pos == "21" and c.facility is not None
        assert c.admission is not None and c.discharge is not None
        assert [ln for ln in lines if not c.admission <= ln.dos <= c.discharge] == flagged
        text = text_837(claims=1, seed=31, defect_rate=1.0, defects=[key])
        assert f"DTP*435*D8*{c.admission:%Y%m%d}~" in text
        assert f"DTP*096*D8*{c.discharge:%Y%m%d}~" in text
    # the whole batch still has correct envelopes
    check_envelope(split_x12(text_837(claims=6, seed=31, defect_rate=1.0, defects=[key]))[0])


def test_defect_rate_and_uniform_choice() -> None:
    claims = list(iter_claims(3000, seed=8, defect_rate=0.35))
    share = sum(bool(c.defects) for c in claims) / len(claims)
    assert 0.31 < share < 0.39
    counts = Counter(c.defects[0] for c in claims if c.defects)
    assert set(counts) == set(DEFECTS)
    assert all(v >= 10 for v in counts.values())


def test_unknown_defect_rejected() -> None:
    with pytest.raises(ValueError, match="unknown defect"):
        list(iter_claims(1, defects=["nope"]))


# ---------------------------------------------------------------------------
# 835
# ---------------------------------------------------------------------------


def test_835_balances_default_output() -> None:
    text = text_835(claims=400, seed=1)
    for ic in split_x12(text):
        check_envelope(ic)
    assert check_835_balance(text) == []
    segs = segments(text)
    assert {s[2] for s in segs if s[0] == "CLP"} >= {"1", "4", "22"}
    assert any(s[0] == "PLB" and any(x.startswith("L6") for x in s) for s in segs)
    assert any(s[0] == "PLB" and any(x.startswith("WO") for x in s) for s in segs)
    payers = {s[2] for s in segs if s[0] == "N1" and s[1] == "PR"}
    assert len(payers) >= 4


def test_835_imbalance_option() -> None:
    text = text_835(claims=80, seed=1, imbalance=True)
    problems = check_835_balance(text)
    kinds = {p.split()[0] for p in problems}
    assert kinds == {"line", "claim", "patient", "transaction"}
    truth = read_truth(text_truth(claims=80, seed=1, imbalance=True, payments=True))
    seeded = [i["level"] for r in truth if r["record"] == "claim" for i in r["imbalances"]]
    assert Counter(seeded) == Counter(
        {"line": 2, "claim": 2, "patient-responsibility": 2})
    assert sum(not r["balanced"] for r in truth if r["record"] == "payment") == 1


def test_truth_matches_835() -> None:
    kw = dict(claims=120, seed=17)
    segs = segments(text_835(**kw))
    truth = read_truth(text_truth(payments=True, **kw))
    clps = [s for s in segs if s[0] == "CLP"]
    by_id: dict[str, list[list[str]]] = {}
    for s in clps:
        by_id.setdefault(s[1], []).append(s)
    claims = [r for r in truth if r["record"] == "claim"]
    sent = {c.claim_id for c in iter_claims(**kw)}
    assert {r["claim_id"] for r in claims if r["status"] != "unmatched-remit"} == sent
    statuses = Counter(r["status"] for r in claims)
    assert set(statuses) == {"paid", "partial", "denied", "reversed", "unpaid",
                             "unmatched-remit"}
    for r in claims:
        remits = by_id.get(r["remit_claim_id"] or "", [])
        if r["status"] == "unpaid":
            assert r["claim_id"] not in by_id and not r["remits"]
            continue
        if r["status"] == "unmatched-remit":
            assert r["claim_id"] not in sent
        assert [s[2] for s in remits] == [x["clp02"] for x in r["remits"]]
        assert [money(s[4]) for s in remits] == [money(x["paid"]) for x in r["remits"]]
        if r["status"] != "reversed":
            assert money(remits[-1][4]) == money(r["paid"])
            assert remits[-1][7] == r["payer_claim_id"]
    payments = [r for r in truth if r["record"] == "payment"]
    bprs = [s for s in segs if s[0] == "BPR"]
    assert [money(p["amount"]) for p in payments] == [money(b[2]) for b in bprs]


def test_truth_line_outcomes_follow_defects() -> None:
    claims = [r for r in read_truth(text_truth(claims=300, seed=2, defect_rate=1.0))
              if r["record"] == "claim" and r["defect_outcome"] == "denied"]
    expected = {"no-drug": "drug-link", "99211-with-96372": "bundling",
                "missing-ndc": "drug-data", "units-over-mue": "units",
                "facility-pos": "place-of-service", "timely-filing": "timely-filing",
                "missing-prior-auth": "authorization", "vaccine-as-96372": "coding",
                "non-covered-diagnosis": "medical-necessity", "missing-jz": "modifier"}
    seen = set()
    for r in claims:
        key = r["defects"][0]
        if key in expected:
            assert expected[key] in r["denial_categories"], r
            seen.add(key)
        for line in r["lines"]:
            assert set(line["categories"]) <= set(catalog._CATEGORY_BY_CODE.values()) | {
                "reversal"}
    assert seen == set(expected)


def test_reversal_pattern() -> None:
    segs = segments(text_835(claims=40, seed=3))
    clps = [s for s in segs if s[0] == "CLP"]
    rev = [i for i, s in enumerate(clps) if s[2] == "22"]
    assert rev
    for i in rev:
        assert money(clps[i][3]) < 0 and money(clps[i][4]) < 0
    corrected = [i for i in rev if i + 1 < len(clps) and clps[i + 1][1] == clps[i][1]]
    assert corrected


# ---------------------------------------------------------------------------
# Bundled samples and pyx12
# ---------------------------------------------------------------------------


def _pyx12_errors(text: str) -> list[str]:
    import pyx12.params
    import pyx12.x12n_document

    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    logger = logging.getLogger("pyx12")
    handler = Collect(level=logging.ERROR)
    old_propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        ok = pyx12.x12n_document.x12n_document(pyx12.params.params(), io.StringIO(text),
                                                None, None)
    finally:
        logger.removeHandler(handler)
        logger.propagate = old_propagate
    if not ok and not messages:
        messages.append("pyx12 reported the document invalid")
    return messages


def test_clean_sample_passes_pyx12() -> None:
    text = (SAMPLES / "837p" / "clean.837").read_text(encoding="latin-1")
    assert _pyx12_errors(text) == []


def test_samples_are_current(tmp_path: Path) -> None:
    """The committed samples are exactly what `python -m fixtures.generate samples` writes."""
    written = write_samples(tmp_path)
    for path in written:
        committed = SAMPLES / path.relative_to(tmp_path)
        assert committed.read_bytes() == path.read_bytes(), committed


def test_sample_shapes() -> None:
    d = SAMPLES / "837p"
    raw = (d / "bom.837").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf\n")
    assert b"\n" not in (d / "one-line.837").read_bytes()
    assert (d / "pipe-crlf.837").read_bytes().count(b"!\r\n") > 10
    assert b"~" not in (d / "newline-terminated.837").read_bytes()
    multi_text = (d / "multi-interchange.837").read_text(encoding="latin-1")
    assert "ISA*" in multi_text and "ISA|" in multi_text
    multi = split_x12(multi_text)
    assert len(multi) == 2
    assert component_of(multi[0]) != component_of(multi[1])
    for ic in multi:
        check_envelope(ic)
    x2 = segments((d / "x222a2.837").read_text(encoding="latin-1"))
    assert [s[3] for s in x2 if s[0] == "ST"] == ["005010X222A2"]
    bad = split_x12((d / "bad-envelope.837").read_text(encoding="latin-1"))[0]
    with pytest.raises(AssertionError):
        check_envelope(bad)
    for name in ("clean.837", "mixed.837", "pipe-crlf.837", "newline-terminated.837",
                 "one-line.837", "bom.837", "x222a2.837"):
        for ic in split_x12((d / name).read_text(encoding="latin-1")):
            check_envelope(ic)
    assert (SAMPLES / "bad" / "empty.837").read_bytes() == b""
    assert len((SAMPLES / "bad" / "truncated-isa.837").read_bytes()) == 60
    assert b"\x00" in (SAMPLES / "bad" / "binary.bin").read_bytes()


def test_sample_835s() -> None:
    d = SAMPLES / "835"
    era = (d / "era.835").read_text(encoding="latin-1")
    assert check_835_balance(era) == []
    assert check_835_balance((d / "multi-payer.835").read_text(encoding="latin-1")) == []
    assert check_835_balance((d / "unbalanced.835").read_text(encoding="latin-1"))
    truth = read_truth((d / "era.truth.jsonl").read_text())
    mixed = read_truth((SAMPLES / "837p" / "mixed.truth.jsonl").read_text())
    assert [r for r in truth if r["record"] == "claim"] == mixed
    clm_ids = {s[1] for s in segments((SAMPLES / "837p" / "mixed.837").read_text("latin-1"))
               if s[0] == "CLM"}
    clp_ids = {s[1] for s in segments(era) if s[0] == "CLP"}
    for r in mixed:
        if r["status"] == "unmatched-remit":
            assert r["claim_id"] in clp_ids and r["claim_id"] not in clm_ids
        elif r["status"] == "unpaid":
            assert r["claim_id"] in clm_ids and r["claim_id"] not in clp_ids
        else:
            assert r["claim_id"] in clm_ids and r["remit_claim_id"] in clp_ids
    assert len({r["defects"][0] for r in mixed if r["defects"]}) >= 15


# ---------------------------------------------------------------------------
# CLI and scale
# ---------------------------------------------------------------------------


def test_cli_837_and_835(tmp_path: Path) -> None:
    out837, truth, out835 = tmp_path / "b.837", tmp_path / "t.jsonl", tmp_path / "e.835"
    assert main(["837", "--claims", "25", "--seed", "4", "--out", str(out837), "--truth",
                 str(truth), "--transactions", "2", "--defect-rate", "0.5"]) == 0
    assert main(["835", "--claims", "25", "--seed", "4", "--out", str(out835),
                 "--defect-rate", "0.5"]) == 0
    assert out837.read_text("latin-1") == text_837(claims=25, seed=4, transactions=2,
                                                   defect_rate=0.5)
    assert len([r for r in read_truth(truth.read_text()) if r["claim_no"] is not None]) == 25
    assert check_835_balance(out835.read_text("latin-1")) == []
    assert main(["837", "--claims", "2", "--out", str(out837), "--defects", "bogus"]) == 2


def test_streaming_is_fast() -> None:
    import time

    class Sink(io.TextIOBase):
        n = 0

        def write(self, s: str) -> int:
            self.n += len(s)
            return len(s)

    start = time.perf_counter()
    sink = Sink()
    summary = write_837(sink, claims=2000, seed=1)
    assert summary.claims == 2000 and sink.n > 0
    assert time.perf_counter() - start < 3.0
    assert sum(1 for _ in outcomes(200, seed=1)) == 200


def test_mixed_sample_covers_every_835_role() -> None:
    truth = read_truth((SAMPLES / "837p" / "mixed.truth.jsonl").read_text())
    roles = {r["remit_role"] for r in truth} - {None}
    assert roles == {"unpaid", "eligibility-denial", "reversal-corrected", "claim-level-cas",
                     "reversal-only", "recode", "unmatched-remit"}


def test_payer_restriction_drops_impossible_defects() -> None:
    claims = list(iter_claims(300, seed=4, defect_rate=1.0, payers=["acme", "bluetest"]))
    assert {c.payer.key for c in claims} == {"acme", "bluetest"}
    # (at a defect rate of 1 "duplicate-claim" never finds a clean claim to repeat)
    seeded = {c.defects[0] for c in claims if c.defects}
    assert not seeded & {"missing-jz", "jw-and-jz", "jz-on-admin", "missing-ndc",
                         "jw-no-waste", "medicare-vaccine-90471"}
    early = list(iter_claims(200, seed=4, defect_rate=1.0, batch_date="2024-02-01"))
    assert "terminated-code" not in {c.defects[0] for c in early if c.defects}
    assert all(ln.code != "J1010" for c in early for ln in c.lines)
