"""Rule registry, selection, payer profiles and severities."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from edi837.engine import all_rules, find_rule, select_rules
from edi837.profiles import ProfileChooser, builtin, load_profile
from edi837.scan import ScanOptions, scan_text
from tests.scan.x12claims import KETOROLAC, claim, subscriber, wrap
from x12core.errors import InputError
from x12core.findings import CATEGORY_SET, Severity

NO_DRUG = claim("PCN1", [["SV1*HC:96372*40*UN*1***1"]])


def rules_of(text: str, **options: object) -> list[tuple[str, str, str]]:
    return [(r.claim.id, f.rule, str(f.severity))
            for r in scan_text(text, ScanOptions(**options)) for f in r.findings]  # type: ignore[arg-type]


def test_registry_is_complete_and_consistent() -> None:
    rules = all_rules()
    assert len(rules) >= 30
    assert len({r.id for r in rules}) == len({r.name for r in rules}) == len(rules)
    for r in rules:
        assert re.fullmatch(r"R(96372|837)-[01]\d\d", r.id), r.id
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r.name), r.name
        assert r.category in CATEGORY_SET
        # INJ-0NN: reference §A.12; POL-0NN: the billing guide's payer-policy checks.
        assert all(re.fullmatch(r"(INJ|POL)-0\d\d", c) for c in r.catalog) and r.catalog
        for part in ("Why", "Bad", "Good", "References"):
            assert r.section(part), (r.id, part)
    families = {r.family for r in rules}
    assert {"drug_link", "coding", "bundling", "modifiers", "drug_data", "units",
            "place_of_service", "diagnosis", "claim", "diagnosis_codes", "timely_filing",
            "authorization", "medical_necessity", "documentation"} <= families


def test_selection_by_id_prefix_name_category_and_family() -> None:
    assert [r.id for r in select_rules(["R96372-001"])] == ["R96372-001"]
    assert [r.id for r in select_rules(["R837-02"])] == ["R837-020", "R837-021", "R837-022",
                                                         "R837-023", "R837-024"]
    assert [r.id for r in select_rules(["timely-filing"])] == ["R837-040", "R837-041"]
    assert [r.id for r in select_rules(["injection-without-drug"])] == ["R96372-001"]
    assert {r.category for r in select_rules(["drug-data"])} == {"drug-data"}
    assert {r.family for r in select_rules(["drug_link"])} == {"drug_link"}
    assert [r.id for r in select_rules(["R96372-001,r837-001"])] == ["R837-001", "R96372-001"]
    kept = select_rules([], ["R96372", "bundling"])
    assert kept and all(r.id.startswith("R837") for r in kept)
    with pytest.raises(InputError, match="no rule matches 'R999'"):
        select_rules(["R999"])
    with pytest.raises(InputError, match="--ignore"):
        select_rules([], ["nonsense-name"])
    assert find_rule("r96372-001") is find_rule("injection-without-drug") is not None


def test_default_profile_comes_from_sbr09() -> None:
    chooser = ProfileChooser()
    assert chooser.for_indicator("MB").name == "medicare"
    assert chooser.for_indicator("MA").name == "medicare"
    assert chooser.for_indicator("MC").name == "medicaid"
    assert chooser.for_indicator("CI").name == chooser.for_indicator("").name == "commercial"
    forced = ProfileChooser(builtin("medicaid"))
    assert forced.for_indicator("MB").name == "medicaid"


def test_profile_changes_severity_per_claim() -> None:
    text = wrap(subscriber("MB") + NO_DRUG + subscriber("CI", hl=3, member="M2")
                + claim("PCN2", [["SV1*HC:96372*40*UN*1***1"]]))
    got = rules_of(text, select=("R96372-001",))
    assert got == [("PCN1", "R96372-001", "error"), ("PCN2", "R96372-001", "warning")]
    forced = rules_of(text, select=("R96372-001",), profile="commercial")
    assert [s for *_, s in forced] == ["warning", "warning"]
    results = scan_text(text, ScanOptions(select=("R96372-001",)))
    assert [(r.profile, r.status) for r in results] == [("medicare", "held"),
                                                        ("commercial", "clean")]
    warn = scan_text(text, ScanOptions(select=("R96372-001",), fail_on=Severity.WARNING))
    assert [r.status for r in warn] == ["held", "held"]


def test_user_profile_extends_a_builtin(tmp_path: Path) -> None:
    path = tmp_path / "acme.toml"
    path.write_text('extends = "commercial"\n[severity]\n"injection-without-drug" = "info"\n'
                    '[settings]\nfacility_pos = ["99"]\n[rules]\nignore = ["R837"]\n')
    profile = load_profile(path)
    assert profile.name == "acme" and profile.severity["injection-without-drug"] is Severity.INFO
    assert profile.facility_pos == frozenset({"99"})
    assert profile.ndc_length == 11  # inherited
    text = wrap(subscriber("MB") + claim("PCN1", [["SV1*HC:96372*40*UN*1***1"]],
                                         charge="41"))
    got = rules_of(text, profile=str(path))
    assert ("PCN1", "R96372-001", "info") in got
    assert not any(rule.startswith("R837") for _, rule, _ in got)


@pytest.mark.parametrize("content, message", [
    ('extends = "medicare"\n[severity]\n"no-such-rule" = "error"\n', "unknown rule"),
    ('extends = "medicare"\n[rules]\nignore = ["R999"]\n', "no rule matches"),
    ('extends = "nothing"\n', "extends unknown profile"),
    ("this is [not toml", "not a valid TOML"),
    ('[severity]\n"R837-001" = "fatal"\n', "bad payer profile value"),
])
def test_bad_profiles_are_one_line_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        scan_text(wrap(NO_DRUG), ScanOptions(profile=str(path)))


def test_unknown_profile_name() -> None:
    with pytest.raises(InputError, match="unknown payer profile"):
        load_profile("tricare")


def test_patient_scope_rule_counts_across_claims_of_one_loop_only() -> None:
    def inj(cid: str, units: int) -> list[str]:
        return claim(cid, [[f"SV1*HC:96372*{40 * units}*UN*{units}***1"], KETOROLAC])

    same_loop = wrap(subscriber("CI") + inj("A", 3) + inj("B", 2))
    assert [(c, r) for c, r, _ in rules_of(same_loop, select=("R96372-040",))] == [
        ("B", "R96372-040")]
    other_loop = wrap(subscriber("CI") + inj("A", 3) + subscriber("CI", hl=3, member="M2")
                      + inj("B", 2))
    assert rules_of(other_loop, select=("R96372-040",)) == []


def test_findings_are_ordered_by_segment() -> None:
    body = claim("PCN1", [["SV1*HC:96372:25*40*UN*0***1:1"]], charge="99")
    results = scan_text(wrap(body))
    indexes = [f.location.segment_index for f in results[0].findings]
    assert indexes == sorted(indexes) and len(indexes) >= 4


def test_profile_drug_unit_limits_and_single_dose_overrides(tmp_path: Path) -> None:
    path = tmp_path / "tight.toml"
    path.write_text('extends = "medicare"\n[drug_unit_limits]\nJ1885 = 1\n'
                    '[single_dose]\nJ1885 = false\n')
    body = wrap(subscriber("MB") + claim("PCN1", [
        ["SV1*HC:J1885*25.01*UN*2***1", "LIN**N4*00409379501", "CTP****1*ML"],
        ["SV1*HC:96372*40*UN*1***1"]]))
    shipped = {rule for _, rule, _ in rules_of(body, profile="medicare")}
    assert "R96372-060" in shipped and "R96372-041" not in shipped  # J1885: JZ, limit 8
    tight = {rule for _, rule, _ in rules_of(body, profile=str(path))}
    assert "R96372-041" in tight and "R96372-060" not in tight
