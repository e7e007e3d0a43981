"""The cause map: coverage, contract vocabulary, §C.3 classification, precedence, overlays."""

from __future__ import annotations

from pathlib import Path

import pytest

from remit835.causes import CauseMap, default_map
from x12core.errors import InputError
from x12core.findings import CATEGORY_SET


def _words(text: str) -> list[str]:
    return text.split()


# Every CARC and RARC in reference §C.4/§C.5 (the tables' first column).
REFERENCE_CARCS = _words("""1 2 3 66 23 45 59 94 104 131 223 253 100 169 13 24 26 27 31 32 33 34 109 140 177
200 258 B9 B11 15 39 95 197 198 242 243 288 11 40 49 50 51 53 55 56 116 150 167 272 B22 4 5 6 7 9
10 14 58 146 181 182 189 199 B16 60 97 107 190 234 236 B15 B20 35 119 149 151 152 222 273 B5 90
114 154 280 16 110 148 163 164 206 207 208 226 227 250 251 252 B12 A1 18 B13 29 19 20 21 22 129
136 209 270 275 276 8 12 54 111 170 171 172 183 184 185 B7 96 204 256 B1 133 193 125""")
REFERENCE_RARCS = _words("""M119 N815 N816 N846 N847 N848 M70 M123 N350 MA95 N349 N161 N169 N426 N448
N773 N348 M14 M15 M80 N19 N20 N390 N431 N525 N702 N703 N628 N122 N362 N430 N435 N640 M53 N345 M86
M20 M51 N56 M78 N822 N823 N519 N837 N657 M81 N180 M77 M97 N428 N115 N386 N569 M76 MA63 N10 N425
N130 N30 MA130 N211 N704 N517 N380 N779 N34 M54 M79 N382 N329 MA27 MA61 N850 N290 N264 N265 N286
N296 N297 MA102 M136 N95 N570 N767 N104 M62 N54 N41 N630 N4 MA04 N479 N111 N522 N705 N706 M127
N102 MA01 MA13 MA18 MA07 N781 N782 N432 N807 N123""")


@pytest.fixture(scope="module")
def causes() -> CauseMap:
    return default_map()


def test_map_covers_the_reference_codes(causes: CauseMap) -> None:
    assert len(REFERENCE_CARCS) >= 130 and len(REFERENCE_RARCS) >= 100
    assert [c for c in REFERENCE_CARCS if c not in causes.carcs] == []
    assert [r for r in REFERENCE_RARCS if r not in causes.rarcs] == []


def test_every_entry_speaks_the_contract_vocabulary(causes: CauseMap) -> None:
    assert causes.source and causes.effective
    for info in [*causes.carcs.values(), *causes.rarcs.values()]:
        assert info.meaning, info.code
        assert info.category in CATEGORY_SET or (info.alert and not info.category), info.code
        assert info.category not in {"structure", "balancing", "unmapped"}, info.code
        if info.kind == "CARC":
            assert info.category, info.code  # a CARC always has a category
    for category in sorted(CATEGORY_SET - {"structure", "balancing"}):
        assert causes.default_action(category), category  # every root cause says what to do


def test_deactivated_codes_are_kept_with_their_end_dates(causes: CauseMap) -> None:
    assert {c: causes.carcs[c].end for c in ("15", "B5", "125")} == {
        "15": "2018-05-01", "B5": "2016-05-01", "125": "2013-11-01"}
    assert causes.classify("CO", "15").category == "authorization"


# Codes the contract's category table names, and the word it gives them.
CONTRACT = [
    ("CO", "16", ("N349",), "drug-link"), ("CO", "16", ("M119",), "drug-data"),
    ("CO", "16", ("N815",), "drug-data"), ("CO", "16", ("N816",), "drug-data"),
    ("CO", "16", ("N846",), "drug-data"), ("CO", "16", ("N847",), "drug-data"),
    ("CO", "16", ("N848",), "drug-data"), ("CO", "16", ("M123",), "drug-data"),
    ("CO", "16", ("N350",), "drug-data"), ("CO", "4", (), "modifier"),
    ("CO", "4", ("N519",), "modifier"), ("CO", "16", ("N822",), "modifier"),
    ("CO", "97", (), "bundling"), ("CO", "234", (), "bundling"), ("CO", "236", (), "bundling"),
    ("CO", "97", ("N20",), "bundling"), ("CO", "97", ("M14",), "bundling"),
    ("CO", "97", ("M80",), "bundling"), ("CO", "181", (), "coding"), ("CO", "182", (), "coding"),
    ("CO", "189", (), "coding"), ("CO", "16", ("N657",), "coding"),
    ("CO", "16", ("M51",), "coding"), ("CO", "16", ("N56",), "coding"),
    ("CO", "151", (), "units"), ("CO", "151", ("N362",), "units"),
    ("CO", "5", (), "place-of-service"), ("CO", "58", (), "place-of-service"),
    ("CO", "16", ("M77",), "place-of-service"), ("CO", "58", ("M97",), "place-of-service"),
    ("CO", "11", (), "diagnosis"), ("CO", "146", (), "diagnosis"), ("CO", "167", (), "diagnosis"),
    ("CO", "16", (), "missing-information"), ("CO", "27", (), "eligibility"),
    ("CO", "31", (), "eligibility"), ("CO", "109", (), "eligibility"),
    ("CO", "197", (), "authorization"), ("CO", "198", (), "authorization"),
    ("CO", "15", (), "authorization"), ("CO", "50", (), "medical-necessity"),
    ("CO", "55", (), "medical-necessity"), ("CO", "56", (), "medical-necessity"),
    ("CO", "252", (), "documentation"), ("CO", "252", ("N706",), "documentation"),
    ("CO", "18", (), "duplicate"), ("OA", "18", (), "duplicate"), ("CO", "29", (), "timely-filing"),
    ("CO", "22", (), "coordination-of-benefits"), ("OA", "23", (), "coordination-of-benefits"),
    ("CO", "B7", (), "provider-enrollment"), ("CO", "185", (), "provider-enrollment"),
    ("CO", "16", ("N290",), "provider-enrollment"), ("CO", "96", (), "non-covered"),
    ("CO", "204", (), "non-covered"), ("CO", "45", (), "contractual"),
    ("CO", "253", (), "contractual"), ("PR", "1", (), "patient-responsibility"),
    ("PR", "2", (), "patient-responsibility"), ("PR", "3", (), "patient-responsibility"),
    ("OA", "133", (), "pending"),
]


@pytest.mark.parametrize("group,carc,rarcs,category", CONTRACT)
def test_contract_table_codes(causes: CauseMap, group: str, carc: str, rarcs: tuple[str, ...],
                              category: str) -> None:
    assert causes.classify(group, carc, rarcs).category == category


# §C.3, rule by rule: (group, CARC, RARCs) -> (category, denial, words the action must use)
C3 = [
    # 1. PR-1/2/3/66: patient responsibility, routine.
    ("PR", "1", (), "patient-responsibility", False, "bill the patient"),
    ("PR", "66", (), "patient-responsibility", False, "bill the patient"),
    # 2. contractual and pricing write-downs are not denials; PR-45 is billable to the patient.
    ("CO", "45", (), "contractual", False, "write off"),
    ("CO", "253", (), "contractual", False, "sequestration"),
    ("CO", "59", (), "pricing", False, "modifier 51"),
    ("CO", "131", (), "contractual", False, "write off"),
    ("CO", "104", (), "contractual", False, "withhold"),
    ("CO", "94", (), "pricing", False, "post it"),
    ("CO", "223", (), "pricing", False, "post it"),
    ("OA", "23", (), "coordination-of-benefits", False, "post it"),
    ("PR", "45", (), "patient-responsibility", False, "bill the patient"),
    # 3. CO-16 is missing-information by default; a RARC refines it.
    ("CO", "16", ("M119",), "drug-data", True, "NDC"),
    ("CO", "16", ("N290",), "provider-enrollment", True, "NPI"),
    # 5. PR with a denial reason: a denial the patient is liable for.
    ("PR", "50", (), "medical-necessity", True, "bill the patient"),
    ("PR", "96", (), "non-covered", True, "bill the patient"),
    ("PR", "204", (), "non-covered", True, "bill the patient"),
    # 6. duplicate, pending.
    ("OA", "18", (), "duplicate", True, "Do not resubmit"),
    ("OA", "133", (), "pending", False, "wait"),
    # 7. CO-16 + MA130 (or the N211/N704 alerts): return as unprocessable, new claim, no appeal.
    ("CO", "16", ("MA130",), "missing-information", True, "submit a new claim"),
    ("CO", "16", ("N211",), "missing-information", True, "no appeal rights"),
    ("CO", "16", ("M119", "N704"), "drug-data", True, "Returned as unprocessable"),
    ("CO", "16", ("MA130", "M119"), "drug-data", True, "new claim"),
]


@pytest.mark.parametrize("group,carc,rarcs,category,denial,words", C3)
def test_c3_classification(causes: CauseMap, group: str, carc: str, rarcs: tuple[str, ...],
                           category: str, denial: bool, words: str) -> None:
    cause = causes.classify(group, carc, rarcs)
    assert (cause.category, cause.denial) == (category, denial)
    assert words.lower() in cause.action.lower()


def test_unprocessable_names_the_fix_and_forbids_appeal(causes: CauseMap) -> None:
    cause = causes.classify("CO", "16", ("MA130", "M119"))
    assert cause.unprocessable and "M119" in cause.action and "not an appeal" in cause.action
    assert not causes.classify("CO", "16", ("M119",)).unprocessable
    assert not causes.classify("CO", "50", ("MA130",)).unprocessable  # only with CARC 16


def test_protected_patient_is_never_billed(causes: CauseMap) -> None:
    cause = causes.classify("PR", "2", ("N782",))
    assert cause.category == "patient-responsibility" and "Do not bill" in cause.action


def test_alerts_never_set_the_category(causes: CauseMap) -> None:
    assert causes.classify("CO", "16", ("MA01", "N20")).category == "bundling"
    assert causes.classify("CO", "16", ("MA01",)).category == "missing-information"
    assert causes.classify("CO", "45", ("N20",)).category == "contractual"  # 45 is not refined


def test_unknown_codes_are_unmapped_not_dropped(causes: CauseMap) -> None:
    cause = causes.classify("CO", "Z99", ("N9999",))
    assert (cause.category, cause.mapped, cause.denial) == ("unmapped", False, True)
    assert "Z99" in cause.matched and "--causes" in cause.action
    # An unknown remark on a known code falls back to the code.
    assert causes.classify("CO", "16", ("N9999",)).category == "missing-information"


def test_reversal_keeps_the_code_category_and_says_to_net_it(causes: CauseMap) -> None:
    # Negated amounts in the code's own category net against the original (§B.7).
    cause = causes.classify("CO", "16", ("M119",), reversal=True)
    assert (cause.category, cause.denial, cause.reversal) == ("drug-data", True, True)
    assert "pair it with the corrected claim" in cause.action
    assert causes.classify("CO", "16", ("M119",)).reversal is False


def test_most_specific_match_wins(tmp_path: Path) -> None:
    overlay = tmp_path / "o.toml"
    overlay.write_text("""
[[combo]]
group = "CO"
carc = "97"
rarc = "N20"
category = "modifier"
action = "group+carc+rarc"

[[combo]]
carc = "97"
rarc = "M15"
category = "coding"
action = "carc+rarc"

[[combo]]
group = "OA"
carc = "97"
category = "duplicate"
action = "group+carc"
""")
    causes = CauseMap.load(overlay)
    assert causes.classify("CO", "97", ("N20",)).action == "group+carc+rarc"
    assert causes.classify("PI", "97", ("N20",)).action != "group+carc+rarc"  # base 97+N20
    assert causes.classify("OA", "97", ("M15",)).action == "carc+rarc"  # beats OA-97
    assert causes.classify("OA", "97", ()).action == "group+carc"
    assert causes.classify("CO", "97", ()).category == "bundling"  # the CARC alone
    assert causes.classify("OA", "97", ("N20",)).category == "bundling"  # 97+N20 base combo


def test_overlay_merges_field_by_field(tmp_path: Path) -> None:
    overlay = tmp_path / "mine.toml"
    overlay.write_text("""
[carc.45]
action = "Post to the contractual account 4500."

[carc.Z9]
meaning = "our payer's private code for a missing referral"
category = "authorization"

[rarc.M119]
category = "drug-link"
""")
    causes = CauseMap.load(overlay)
    c45 = causes.classify("CO", "45")
    assert (c45.category, c45.action) == ("contractual", "Post to the contractual account 4500.")
    assert causes.classify("CO", "Z9").category == "authorization"
    assert causes.classify("CO", "16", ("M119",)).category == "drug-link"
    assert "mine.toml" in causes.origin
    assert default_map().classify("CO", "45").action != c45.action  # the base is untouched


@pytest.mark.parametrize("text,words", [
    ("[carc.45]\ncategory = \"money\"\n", "unknown category 'money'"),
    ("[carc.45]\ncore = 7\n", "carc.45.core: 7 is greater than the maximum of 4"),
    ("[carc.45\n", "TOML"),
    ("[[combo]]\nrarc = \"N20\"\n", "combo.0: 'carc' is a required property"),
    ("[carc.45]\ndenial = \"no\"\n", "carc.45.denial: 'no' is not of type 'boolean'"),
    ("category = {a = 1}\n", "category.a: 1 is not of type 'object'"),
    ("carc = \"x\"\n", "carc: 'x' is not of type 'object'"),
    ("[carc.16]\ncore = \"x\"\n", "carc.16.core: 'x' is not of type 'integer'"),
])
def test_bad_overlay_is_one_clear_error(tmp_path: Path, text: str, words: str) -> None:
    overlay = tmp_path / "bad.toml"
    overlay.write_text(text)
    with pytest.raises(InputError, match=r"bad\.toml") as err:
        CauseMap.load(overlay)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_missing_overlay(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        CauseMap.load(tmp_path / "nope.toml")


def test_the_shipped_map_matches_its_schema() -> None:
    # remit reads its shipped map without the schema check (jsonschema's import costs
    # every start); this is where it is held to it. Overlays are still checked (above).
    from remit835.causes import DEFAULT_MAP, SCHEMA
    from x12core.fileio import read_toml

    read_toml(DEFAULT_MAP, "cause map", SCHEMA)
