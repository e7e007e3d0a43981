"""Payer policy: filing-limit arithmetic, policy lists in profiles, ICD-10-CM code sets."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edi837.icd10 import choose, load_code_file, package_set, shape_problem
from edi837.parse import iter_claims
from edi837.policy import FilingLimit
from edi837.profiles import builtin, load_profile
from edi837.rules.timely_filing import safe_from
from edi837.scan import ScanOptions, scan_text
from tests.scan.x12claims import claim, subscriber, wrap
from x12core.envelope import Envelope
from x12core.errors import InputError
from x12core.reader import SegmentReader

TWELVE = FilingLimit(12, None, 30, "")
NINETY = FilingLimit(None, 90, 30, "")


@pytest.mark.parametrize("service, deadline", [
    (date(2024, 3, 15), date(2025, 3, 15)),
    (date(2024, 2, 29), date(2025, 2, 28)),  # no Feb 29 next year: the month's last day
    (date(2023, 12, 31), date(2024, 12, 31)),
])
def test_months_limit_is_the_same_day_a_year_later(service: date, deadline: date) -> None:
    assert TWELVE.deadline(service) == deadline
    assert FilingLimit(1, None, 30, "").deadline(date(2025, 1, 31)) == date(2025, 2, 28)
    assert NINETY.deadline(date(2025, 1, 1)) == date(2025, 4, 1)


@given(st.dates(date(2020, 1, 1), date(2030, 12, 31)), st.integers(-800, 800),
       st.sampled_from([TWELVE, NINETY, FilingLimit(None, 365, 0, ""),
                        FilingLimit(6, None, 45, "")]))
def test_fast_path_agrees_with_the_deadline(batch: date, back: int, limit: FilingLimit) -> None:
    """Lines on or after safe_from() never need a finding; lines before it always do."""
    service = batch - timedelta(days=back)
    needs_look = (limit.deadline(service) - batch).days <= limit.warning_days
    assert needs_look == (service < safe_from(limit, batch))


def user_profile(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "acme-ma.toml"
    path.write_text('extends = "medicare"\nname = "acme-ma"\n' + body, encoding="utf-8")
    return path


POLICY_FILE = """
[settings]
filing_limit_days = 90
filing_limit_source = "ACME provider manual 2025 section 4"

[policy]
prior_authorization = ["high-cost-injectables", "acme-extra"]

[prior_authorization.acme-extra]
codes = ["J1885"]
source = "ACME prior-authorization list 2025"
effective = "2025-01-01"

[covered_diagnoses.vitamin-b12]
drugs = ["J3420"]
codes = ["D51"]
source = "ACME B-12 policy"
effective = "2025-01-01"
"""


def test_user_profile_sets_limit_lists_and_replaces_a_shipped_list(tmp_path: Path) -> None:
    profile = load_profile(user_profile(tmp_path, POLICY_FILE))
    policy = profile.policy
    assert policy.filing_limit is not None and policy.filing_limit.days == 90
    assert {"J0897", "J1885"} <= set(policy.prior_auth)
    (b12,) = policy.covered["J3420"]
    assert b12.codes == ("D51",) and b12.source == "ACME B-12 policy"
    assert "J0897" in policy.covered  # the other shipped lists stay
    text = wrap(subscriber("MB") + claim("PCN1", [
        ["SV1*HC:J1885:JZ*12*UN*2***1", "DTP*472*D8*20241201"],
        ["SV1*HC:J3420*18*UN*1***2", "DTP*472*D8*20250301"],
        ["SV1*HC:96372*48*UN*2***1:2", "DTP*472*D8*20250301"],
        ["SV1*HC:J1885:JZ*12*UN*2***1", "DTP*472*D8*20250301"]], hi="HI*ABK:M5450*ABF:E538"))
    found = {(f.rule, f.location.line_number)
             for r in scan_text(text, ScanOptions(profile=str(profile.path),
                                                  select=("R837-04",)))
             for f in r.findings}
    # 2024-12-01 is 104 days before 2025-03-15: past 90 days. ACME needs an authorization
    # for J1885 from 2025-01-01 (line 4, not line 1). E53.8 is not on ACME's B-12 list
    # (it is on the LCD's).
    assert found == {("R837-040", 1), ("R837-042", 4), ("R837-043", 2)}
    medicare = scan_text(text, ScanOptions(profile="medicare", select=("R837-04",)))
    assert [f.rule for r in medicare for f in r.findings] == []


@pytest.mark.parametrize("body, message", [
    ('[policy]\nprior_authorization = ["nope"]\n', "unknown list 'nope'"),
    ("[settings]\nfiling_limit_days = 90\nfiling_limit_months = 3\n", "not both"),
    ('[settings]\nfiling_limit_months = "12"\n', "filing_limit_months: '12' is not of type 'integer'"),
    ('[policy]\ncovered_diagnoses = ["x"]\n[covered_diagnoses.x]\ndrugs = ["J3420"]\n'
     'codes = ["51D"]\nsource = "s"\neffective = 2025-01-01\n', "not an ICD-10-CM code"),
    ('[policy]\ncovered_diagnoses = ["x"]\n[covered_diagnoses.x]\ndrugs = ["J3420"]\n'
     'codes = ["D51"]\neffective = 2025-01-01\n', "needs source"),
    ('[policy]\nprior_authorization = ["x"]\n[prior_authorization.x]\ncodes = ["J08"]\n'
     'source = "s"\neffective = "soon"\n', "not a 5-character HCPCS"),
])
def test_bad_policy_data_is_a_one_line_input_error(tmp_path: Path, body: str,
                                                   message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_profile(user_profile(tmp_path, body))


def test_builtin_profiles_carry_sourced_limits_and_lists() -> None:
    for name in ("medicare", "medicaid", "commercial"):
        policy = builtin(name).policy
        assert policy.filing_limit is not None and policy.filing_limit.source
        assert all(p.source and p.effective for p in policy.lists)
    assert builtin("medicare").policy.prior_auth == {}  # original Medicare: none
    assert "J0897" in builtin("commercial").policy.prior_auth


@pytest.mark.parametrize("name", ["medicare", "medicaid", "commercial"])
def test_builtin_profiles_match_the_profile_schema(name: str) -> None:
    # The scan reads its shipped profiles without the schema check (jsonschema's import
    # costs every start); this is where they are held to it.
    from edi837.profiles import PROFILE_DIR, SCHEMA
    from x12core.fileio import read_toml

    read_toml(PROFILE_DIR / f"{name}.toml", "payer profile", SCHEMA)


def test_a_user_profile_is_still_checked_against_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('extends = "medicare"\n[settings]\nndc_required = "yes"\n')
    with pytest.raises(InputError, match=r"settings\.ndc_required"):
        load_profile(path)


def test_parser_reads_batch_id_date_and_prior_authorizations() -> None:
    text = wrap(subscriber() + claim("PCN1", [
        ["SV1*HC:J0897*3200*UN*60***1", "REF*G1*LINEPA1"], ["SV1*HC:96372*48*UN*1***1"]],
        extra=["REF*G1*CLAIMPA1"]))
    env = Envelope(SegmentReader(io.BytesIO(text.encode())), "t")
    (c,) = [c for body in env for c in iter_claims(body, body.transaction, "t")]
    assert (c.batch_id, c.batch_date, c.batch_day) == ("BATCH0001", "20250315",
                                                       date(2025, 3, 15))
    assert c.prior_authorization == "CLAIMPA1"
    assert [ln.prior_authorization for ln in c.lines] == ["LINEPA1", ""]


# -- ICD-10-CM ------------------------------------------------------------------

@pytest.mark.parametrize("code, problem", [
    ("M5450", ""), ("C4A9", ""), ("S0100XA", ""), ("Z23", ""),
    ("M54.50", "decimal point"), ("m5450", "upper case"), ("M5", "3 to 7"),
    ("5450", "not an ICD-10-CM code"), ("M54500000", "3 to 7"), ("", "empty"),
])
def test_shape(code: str, problem: str) -> None:
    got = shape_problem(code)
    assert (problem in got) if problem else got == ""


def test_packaged_release_knows_headers_and_its_year() -> None:
    codes = package_set()
    assert codes is not None and len(codes.billable) > 70_000
    assert {"M5450", "E119", "S0100XA", "Z23"} <= codes.billable
    assert "M545" not in codes.billable and codes.more_specific("M545").startswith("M545")
    assert codes.start is not None and codes.end is not None
    assert codes.start.month == 10 and codes.start.day == 1
    assert (codes.end - codes.start).days in (364, 365)


def test_cms_code_file_sets_the_fiscal_year_and_wins_for_its_dates(tmp_path: Path) -> None:
    path = tmp_path / "icd10cm_codes_2024.txt"
    path.write_text("A000    Cholera due to Vibrio cholerae 01, biovar cholerae\n"
                    "M545    Low back pain\nE119    Type 2 diabetes mellitus\n")
    fy2024 = load_code_file(path)
    assert (fy2024.start, fy2024.end) == (date(2023, 10, 1), date(2024, 9, 30))
    shipped = package_set()
    assert shipped is not None
    assert choose((fy2024, shipped), date(2024, 1, 15)) == (fy2024, True)
    assert choose((fy2024, shipped), date(2025, 12, 1)) == (shipped, True)
    assert choose((fy2024,), date(2026, 1, 1)) == (fy2024, False)
    bad = tmp_path / "icd10cm_codes_2023.txt"
    bad.write_text("not a code list\n")
    with pytest.raises(InputError, match="icd10cm_codes_YYYY"):
        load_code_file(bad)


def test_cli_icd10_file_judges_its_year(cli, tmp_path: Path) -> None:
    codes = tmp_path / "icd10cm_codes_2024.txt"
    codes.write_text("M545    Low back pain\n")
    batch = tmp_path / "b.837"
    batch.write_text(wrap(subscriber() + claim("PCN1", [
        ["SV1*HC:99213*40*UN*1***1", "DTP*472*D8*20240115"]], hi="HI*ABK:M545")))
    # The packaged release (FY2026) does not cover 2024-01-15: M545 is a warning there.
    plain = cli("scan", batch, "--select", "R837-024", "-f", "json")
    assert '"severity": "warning"' in plain.out and plain.code == 0
    # FY2024's own list knows M545 (the file says so): no finding.
    r = cli("scan", batch, "--select", "R837-024", "--icd10-file", codes)
    assert r.code == 0 and "0 error(s), 0 warning(s)" in r.out
    missing = cli("scan", batch, "--icd10-file", tmp_path / "none.txt")
    assert missing.code == 2 and "none.txt: no such file" in missing.err


def test_the_documented_example_profile_loads() -> None:
    """docs/audit.md shows docs/examples/acme-ma.toml: it must stay a valid profile."""
    path = Path(__file__).resolve().parents[2] / "docs" / "examples" / "acme-ma.toml"
    profile = load_profile(path)
    limit = profile.policy.filing_limit
    assert profile.name == "acme-ma" and limit is not None
    assert (limit.days, limit.months, limit.warning_days) == (90, None, 14)
    assert {"J1050", "J3301", "J0897"} <= set(profile.policy.prior_auth)
    assert profile.policy.covered["J3420"][0].source.startswith("ACME")
