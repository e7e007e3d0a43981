"""`claimkit audit` on generated batches: every number checked against the generator's truth.

Two batches (BHT04 2025-03-15 and 2025-04-15) of one seed, with their 835s. The
truth names each claim's payer, billing provider, defect and 835 outcome, so the
expected scorecard is computed from it independently of the scan: claims per
row, claims with findings (exactly the defective ones), claims per audit group
(from the rule each defect key maps to, tests/scan/test_ground_truth.py), claims
remitted and claims with a denial.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import html as lxml_html

from edi837.engine import find_rule
from edi837.scan import ScanOptions, scan_file
from fixtures import generate
from reconcile.audit import build_scorecard
from reconcile.audit_groups import OTHER, load_groups
from tests.scan.test_ground_truth import DETECTS

SEED, PER_BATCH = 4242, 250
BATCHES = (("2025-03-15", 0), ("2025-04-15", PER_BATCH))


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict:
    d = tmp_path_factory.mktemp("audit")
    claims, remits, truth = [], [], []
    for n, (day, first) in enumerate(BATCHES):
        kw = {"claims": PER_BATCH, "seed": SEED, "batch_date": day, "first_claim": first}
        generate.write_837(d / f"b{n}.837", **kw)
        generate.write_835(d / f"b{n}.835", **kw)
        generate.write_truth(d / f"b{n}.jsonl", **kw)
        claims.append(str(d / f"b{n}.837"))
        remits.append(str(d / f"b{n}.835"))
        for line in (d / f"b{n}.jsonl").read_text().splitlines():
            record = json.loads(line)
            if record["record"] == "claim" and record["remit_role"] != "unmatched-remit":
                truth.append({**record, "batch": day})
    return {"dir": d, "claims": claims, "remits": remits, "truth": truth,
            "card": build_scorecard(claims, remits)}


def rows(card, dimension: str) -> dict[str, dict]:
    return {r["key"]: r for r in card.records() if r["dimension"] == dimension}


KEY_OF = {"provider": "billing_npi", "payer": "payer_id", "batch": "batch"}


def key_groups() -> dict[str, set[str]]:
    """Audit groups of the rules that detect each defect key."""
    groups = load_groups()
    out: dict[str, set[str]] = {}
    for rule_id, keys in DETECTS.items():
        r = find_rule(rule_id)
        group = groups.by_rule.get(rule_id) or groups.by_category.get(r.category, OTHER)
        for key in keys:
            out.setdefault(key, set()).add(group)
    return out


@pytest.mark.parametrize("dimension", ["provider", "payer", "batch"])
def test_claims_and_findings_per_row_match_the_truth(data: dict, dimension: str) -> None:
    got = rows(data["card"], dimension)
    field = KEY_OF[dimension]
    expected = Counter(r[field] for r in data["truth"])
    assert {k: v["claims"] for k, v in got.items()} == dict(expected)
    defective = Counter(r[field] for r in data["truth"] if r["defects"])
    assert {k: v["claims_with_findings"] for k, v in got.items()} == \
        {k: defective.get(k, 0) for k in expected}
    per_key = key_groups()
    for key, row in got.items():
        mine = [r for r in data["truth"] if r[field] == key and r["defects"]]
        for group in load_groups().order:
            surely = sum(1 for r in mine if per_key[r["defects"][0]] == {group})
            maybe = sum(1 for r in mine if group in per_key[r["defects"][0]])
            assert surely <= row["claims_with"][group] <= maybe, (key, group)


def test_policy_group_counts_exactly_the_policy_defects(data: dict) -> None:
    overall = rows(data["card"], "overall")["all"]
    policy = {"timely-filing", "missing-prior-auth", "non-covered-diagnosis"}
    expected = sum(1 for r in data["truth"] if set(r["defects"]) & policy)
    assert expected >= 5  # the batches exercise it
    assert overall["claims_with"]["policy"] == expected
    assert overall["categories"].get("timely-filing", 0) >= sum(
        1 for r in data["truth"] if r["defects"] == ["timely-filing"])


def test_clean_and_held_add_up_per_batch_like_scan(data: dict) -> None:
    card = data["card"]
    for path, (day, _) in zip(data["claims"], BATCHES, strict=True):
        results = list(scan_file(path, ScanOptions()))
        row = rows(card, "batch")[day]
        assert row["clean"] == sum(1 for r in results if not r.held)
        assert row["held"] == sum(1 for r in results if r.held)
        assert row["clean"] + row["held"] == PER_BATCH
    overall = rows(card, "overall")["all"]
    assert overall["clean"] >= sum(1 for r in data["truth"] if not r["defects"])
    assert overall["findings_per_100"] == round(100 * overall["findings_total"] / 500, 1)


def test_batches_are_the_trend_in_date_order(data: dict) -> None:
    batches = [r for r in data["card"].records() if r["dimension"] == "batch"]
    assert [r["key"] for r in batches] == [day for day, _ in BATCHES]
    assert all(r["batch_ids"] for r in batches)


@pytest.mark.parametrize("dimension", ["overall", "provider", "payer", "batch"])
def test_remitted_and_denials_match_the_truth(data: dict, dimension: str) -> None:
    got = rows(data["card"], dimension)
    field = KEY_OF.get(dimension)

    def key(r: dict) -> str:
        return r[field] if field else "all"

    remitted = Counter(key(r) for r in data["truth"] if r["status"] != "unpaid")
    denied = Counter(key(r) for r in data["truth"]
                     if r["denial_categories"] and r["status"] in ("denied", "partial"))
    for k, row in got.items():
        assert row["remitted"] == remitted.get(k, 0), k
        assert row["claims_with_denial"] == denied.get(k, 0), k
        assert row["denial_rate"] == round(denied.get(k, 0) / remitted[k], 4)


def test_denied_dollars_partition_and_top_causes(data: dict) -> None:
    card = data["card"]
    overall = rows(card, "overall")["all"]
    for dimension in ("provider", "payer", "batch"):
        total = sum(Decimal(r["denied"]) for r in rows(card, dimension).values())
        assert total == Decimal(overall["denied"]) > 0
    causes = card.summary()["remits"]["denied_by_category"]
    amounts = [Decimal(c["amount"]) for c in causes]
    assert amounts == sorted(amounts, reverse=True)
    assert [c["category"] for c in overall["top_causes"]] == \
        [c["category"] for c in causes[:3]]
    truth_categories = {c for r in data["truth"] for c in r["denial_categories"]}
    assert {c["category"] for c in causes} <= truth_categories


def test_without_remits_no_denial_columns(data: dict) -> None:
    card = build_scorecard(data["claims"][:1])
    record = card.records()[0]
    assert "denial_rate" not in record and "remits" not in card.summary()
    assert record["claims"] == PER_BATCH


def test_cli_formats_and_exit_codes(cli, data: dict, tmp_path: Path) -> None:
    a, b = data["claims"]
    ra, rb = data["remits"]
    r = cli("audit", "-c", a, "-c", b, "-r", ra, "-r", rb)
    assert r.code == 1  # claims are held, as `scan` would say
    assert "Trend by batch date (BHT04)" in r.out and "2025-04-15" in r.out
    assert "denial" in r.out.lower() and "top root causes" in r.out
    doc = json.loads(cli("audit", a, b, ra, "--format", "json", "--exit-zero").out)
    assert doc["summary"]["claims"] == 2 * PER_BATCH and doc["summary"]["remit_files"] == 1
    assert {row["dimension"] for row in doc["rows"]} == {"overall", "provider", "payer",
                                                         "batch"}
    csv = cli("audit", "-c", a, "--format", "csv").out.splitlines()
    assert csv[0].startswith("dimension,key,name,claims,clean")
    assert len(csv) == 1 + len(build_scorecard([a]).records())
    out = tmp_path / "audit.html"
    assert cli("audit", "-c", a, "-r", ra, "-f", "html", "-o", out, "--exit-zero").code == 0
    page = lxml_html.fromstring(out.read_text(encoding="utf-8"))
    ids = {s.get("id") for s in page.iter("section")}
    assert {"totals", "groups", "remits", "causes", "provider", "payer", "trend", "batch",
            "legend"} <= ids
    assert not page.xpath("//script")


@pytest.mark.parametrize("args, message", [
    (["-c", "missing.837"], "missing.837: no such file"),
    (["-r", "{remit}"], "needs at least one 837P claim file"),
    (["-c", "{remit}"], "not an 837 claim file"),
    (["-c", "{claims}", "-r", "{claims}"], "835"),
])
def test_bad_input_is_one_line_and_exit_2(cli, data: dict, args: list[str],
                                          message: str) -> None:
    filled = [a.format(remit=data["remits"][0], claims=data["claims"][0]) for a in args]
    r = cli("audit", *filled)
    assert r.code == 2 and message in r.err and len(r.err.strip().splitlines()) == 1


def test_every_rule_falls_in_a_named_audit_group() -> None:
    from edi837.engine import all_rules

    groups = load_groups()
    assert set(groups.by_rule) <= {r.id for r in all_rules()}
    for r in all_rules():
        assert (groups.by_rule.get(r.id) or groups.by_category.get(r.category)), r.id
    assert groups.by_category["timely-filing"] == groups.by_category["authorization"] == \
        groups.by_category["medical-necessity"] == "policy"
    assert groups.by_rule["R837-023"] == "code-accuracy"
