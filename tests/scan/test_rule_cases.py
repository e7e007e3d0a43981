"""Every rule's case file: firing and non-firing claims, run by one generic test."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from edi837.engine import all_rules
from edi837.scan import ScanOptions, scan_text
from tests.scan.cases import Case, load_cases
from tests.scan.x12claims import wrap
from x12core.envelope import Envelope
from x12core.reader import SegmentReader

CASES = load_cases()


@pytest.fixture(scope="session")
def installed_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the fixture code tables of every kind (for ``installed = true``)."""
    from fixtures import refdata_files as rf
    from refdata.install import install

    downloads = tmp_path_factory.mktemp("downloads")
    store = tmp_path_factory.mktemp("store")
    install([*rf.write_ptp(downloads), rf.write_mue(downloads), rf.write_hcpcs(downloads),
             *rf.write_asp(downloads), rf.write_fda(downloads)], store, allow_small=True)
    return store


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_case(case: Case, request: pytest.FixtureRequest) -> None:
    text = wrap(case.body, filing=case.filing)
    store = request.getfixturevalue("installed_store") if case.installed else None
    results = scan_text(text, ScanOptions(profile=case.profile, select=(case.rule,),
                                          data_dir=store, installed_data=case.installed),
                        name=case.file)
    assert results, "the case body holds no claim"
    hits = [f for r in results for f in r.findings if f.rule == case.rule]
    if case.expect == "pass":
        assert hits == [], [f.message for f in hits]
        return
    assert hits, f"{case.rule} did not fire"
    if case.count is not None:
        assert len(hits) == case.count, [f.message for f in hits]
    first = hits[0]
    loc = first.location
    # The engine located it: a real segment of the claim, with its file line.
    assert loc.segment and loc.segment_index and loc.file_line and loc.claim_id
    assert first.message and first.fix
    if case.element is not None:
        assert loc.element == case.element
    if case.line is not None:
        assert loc.line_number == case.line
    if case.severity is not None:
        assert str(first.severity) == case.severity


def test_every_rule_has_firing_and_passing_cases() -> None:
    expectations: dict[str, set[str]] = {}
    for case in CASES:
        expectations.setdefault(case.rule, set()).add(case.expect)
    missing = [r.id for r in all_rules() if expectations.get(r.id) != {"fire", "pass"}]
    assert missing == []
    unknown = set(expectations) - {r.id for r in all_rules()}
    assert unknown == set()


@pytest.mark.parametrize("case", CASES[::7], ids=lambda c: c.id)
def test_case_envelopes_are_well_formed(case: Case) -> None:
    """The wrapper counts segments right, so the cases test rules, not envelopes."""
    text = wrap(case.body, filing=case.filing)
    env = Envelope(SegmentReader(io.BytesIO(text.encode())), "case")
    for body in env:
        body.drain()
    assert env.findings == []
