"""The output contract: JSON Schemas for every JSON output (x12core/schemas, docs/output.md).

Every command's JSON, JSONL and CSV output on the bundled fixtures is validated
against its schema here (and every CLI run of the whole suite is validated by the
``cli`` fixture, tests/schema_check.py). ``tests/schema_fields.json`` records each
schema's fields per version: removing or renaming a field (or making a required one
optional) without a new ``x-version`` fails; new fields are recorded with
``CLAIMKIT_UPDATE_SCHEMA_FIELDS=1 pytest tests/test_schemas.py``.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.conftest import FIXTURES, ROOT
from tests.schema_check import check_csv, check_document, check_rows, row_fields
from x12core import schemas
from x12core.errors import ClaimkitError
from x12core.findings import CATEGORIES

SNAPSHOT = ROOT / "tests" / "schema_fields.json"
DOC = ROOT / "docs" / "output.md"
MIXED, CLEAN = FIXTURES / "837p" / "mixed.837", FIXTURES / "837p" / "clean.837"
ERA, UNBALANCED = FIXTURES / "835" / "era.835", FIXTURES / "835" / "unbalanced.835"
EXPECTED = {"scan", "remit", "reconcile", "audit", "validate", "split", "split-report",
            "explain", "rules", "data-status", "ingest", "ledger-claim", "ledger-aging",
            "ledger-denials", "ledger-underpaid", "watch-status", "manifest"}


# -- the schemas themselves ---------------------------------------------------

def test_every_output_has_a_schema_and_each_is_draft_2020_12() -> None:
    assert set(schemas.names()) == EXPECTED
    for name in schemas.names():
        schema = schemas.load(name)
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        version = schema["x-version"]
        assert isinstance(version, int) and version >= 1
        assert schema["$id"] == f"urn:claimkit:schema:{name}:{version}", name
        assert schema["properties"]["schema_version"] == {
            **schema["properties"]["schema_version"], "const": version}
        assert "schema_version" in schema["required"]
        assert schema["title"] and schema["description"] and schema["x-command"]
        if "row" in schema.get("$defs", {}):
            Draft202012Validator.check_schema(schemas.row_schema(name))


def test_shared_definitions_are_the_same_everywhere() -> None:
    """One finding, one money, one category vocabulary: the copies in each file agree."""
    seen: dict[str, tuple[str, Any]] = {}
    for name in schemas.names():
        for key, value in schemas.load(name).get("$defs", {}).items():
            if key in ("finding", "envelope_finding", "money", "category", "severity"):
                first = seen.setdefault(key, (name, value))
                assert value == first[1], f"$defs.{key} of {name} differs from {first[0]}'s"
    assert set(seen["category"][1]["enum"]) == set(CATEGORIES)
    assert len(seen["category"][1]["enum"]) == len(CATEGORIES)


def test_loader_names_versions_and_errors() -> None:
    assert schemas.normalise("data status") == "data-status"
    assert schemas.normalise("Split --report") == "split-report"
    assert schemas.stamp("scan") == {"schema_version": schemas.version("scan")}
    with pytest.raises(ClaimkitError, match="nope: no such schema"):
        schemas.load("nope")
    with pytest.raises(ClaimkitError, match=r"not a valid scan document .*summary"):
        schemas.validate("scan", {"schema_version": 1})


# -- what the commands write --------------------------------------------------

def _json(cli, *args: Any) -> dict[str, Any]:
    r = cli(*args)
    assert r.code in (0, 1), r.err
    return json.loads(r.out)


def _assert_valid(name: str, doc: Any, row: bool = False) -> None:
    assert schemas.errors(name, doc, row=row) == [], name


CASES = {
    "scan": [("scan", MIXED, "--format", "json"), ("scan", CLEAN, MIXED, "-f", "json"),
             ("scan", FIXTURES / "837p" / "bad-envelope.837", "-f", "json"),
             ("scan", FIXTURES / "837p" / "x222a2.837", "-f", "json", "--validate")],
    "remit": [("remit", ERA, "-f", "json"), ("remit", UNBALANCED, "-f", "json"),
              ("remit", FIXTURES / "835" / "multi-payer.835", "-f", "json")],
    "reconcile": [("reconcile", "--claims", MIXED, "--remits", ERA, "-f", "json")],
    "audit": [("audit", "--claims", MIXED, "-f", "json", "--exit-zero"),
              ("audit", "--claims", MIXED, "--remits", ERA, "-f", "json", "--exit-zero")],
    "validate": [("validate", MIXED, CLEAN, "-f", "json", "--jobs", "1")],
    "explain": [("explain", "CO-16", "M119", "-f", "json"), ("explain", "45", "-f", "json"),
                ("explain", "CO-999", "-f", "json")],
    "rules": [("rules", "-f", "json"), ("rules", "R96372-001", "-f", "json")],
}


@pytest.mark.parametrize(("name", "args"), [(n, a) for n, cases in CASES.items()
                                            for a in cases],
                         ids=lambda v: v if isinstance(v, str) else None)
def test_each_command_json_follows_its_schema(cli, name: str, args: tuple) -> None:
    doc = _json(cli, *args)
    assert next(iter(doc)) == "schema_version"
    assert doc["schema_version"] == schemas.version(name)
    _assert_valid(name, doc)
    assert schemas.undeclared(name, doc) == [], "fields missing from the schema and docs"


ROWS = {
    "scan": ("scan", MIXED, "--validate"),
    "remit": ("remit", UNBALANCED),
    "reconcile": ("reconcile", "--claims", MIXED, "--remits", ERA),
    "audit": ("audit", "--claims", MIXED, "--remits", ERA, "--exit-zero"),
    "validate": ("validate", MIXED, "--jobs", "1"),
    "rules": ("rules",),
    "explain": ("explain", "CO-16", "M119"),
}


@pytest.mark.parametrize("name", sorted(ROWS))
def test_jsonl_rows_and_csv_columns_follow_the_row_schema(cli, name: str) -> None:
    r = cli(*ROWS[name], "-f", "jsonl")
    assert r.code in (0, 1), r.err
    rows = [json.loads(line) for line in r.out.splitlines()]
    assert rows
    for row in rows:
        _assert_valid(name, row, row=True)
        assert schemas.undeclared(name, row, row=True) == []
    r = cli(*ROWS[name], "-f", "csv")
    header = next(csv.reader(io.StringIO(r.out)))
    declared, patterns = row_fields(name)
    assert [c for c in header if c not in declared
            and not any(p.match(c) for p in patterns)] == []


def test_split_summary_and_report_follow_their_schemas(cli, tmp_path: Path) -> None:
    report = tmp_path / "held.json"
    summary = _json(cli, "split", MIXED, "--clean", tmp_path / "c.837", "--held",
                    tmp_path / "h.837", "--report", report, "--ack", tmp_path / "a.999",
                    "--claim-ack", tmp_path / "a.277", "-f", "json")
    _assert_valid("split", summary)
    assert summary["schema_version"] == schemas.version("split")
    doc = json.loads(report.read_text())
    _assert_valid("split-report", doc)
    assert schemas.undeclared("split-report", doc) == []
    assert schemas.undeclared("split", summary) == []
    assert doc["schema_version"] == schemas.version("split-report")
    plain = _json(cli, "split", CLEAN, "--clean", tmp_path / "c2.837", "--held",
                  tmp_path / "h2.837", "-f", "json")  # nothing held, nothing asked for
    _assert_valid("split", plain)
    assert plain["held"]["file"] is None and plain["report"] is None


def test_data_status_schema_takes_the_documented_layout() -> None:
    """`claimkit data status -f json` (issue 11): the layout docs/output.md shows."""
    doc = {"schema_version": 1, "store": "/home/u/.local/share/claimkit/refdata.sqlite",
           "today": "2026-08-15",
           "datasets": [{"kind": "ncci-ptp", "title": "NCCI PTP practitioner edits",
                         "version": "v322r0",
                         "effective": {"start": "2026-07-01", "end": "2026-09-30"},
                         "rows": 2_600_000, "in_force_today": True,
                         "sources": ["ccipra-v322r0-f1.zip!ccipra-v322r0-f1.txt"],
                         "sha256": ["0" * 64], "installed_at": "2026-07-02T08:00:00+00:00",
                         "license": ""}],
           "stale": [{"kind": "ncci-mue", "title": "NCCI MUE practitioner",
                      "reason": "no table in force on 2026-08-15"}]}
    _assert_valid("data-status", doc)
    assert schemas.undeclared("data-status", doc) == []
    assert schemas.undeclared("data-status", {**doc, "new": 1}) == ["new"]
    bad = copy.deepcopy(doc)
    bad["datasets"][0]["sha256"] = ["xyz"]
    assert schemas.errors("data-status", bad)


# -- the schemas catch what scripts would trip on -----------------------------

@pytest.fixture(scope="module")
def scan_doc() -> dict[str, Any]:
    from edi837.report import scan_report
    from edi837.scan import Scanner, ScanOptions
    from x12core.render import render

    out = io.StringIO()
    report, _ = scan_report([Scanner(ScanOptions()).scan(MIXED)])
    render(report, "json", out, schema="scan")
    return json.loads(out.getvalue())


def test_scan_schema_catches_renames_removals_and_wrong_types(scan_doc) -> None:
    _assert_valid("scan", scan_doc)
    held = next(c for c in scan_doc["claims"] if c["findings"])

    def broken(change) -> list[str]:
        doc = copy.deepcopy(scan_doc)
        change(doc, next(c for c in doc["claims"] if c["claim_id"] == held["claim_id"]))
        return schemas.errors("scan", doc)

    assert broken(lambda d, c: c.update(pcn=c.pop("claim_id")))  # renamed
    assert broken(lambda d, c: d["summary"].pop("held"))  # removed
    assert broken(lambda d, c: c["findings"][0].pop("file_line"))
    assert broken(lambda d, c: c.update(charge=60.0))  # money as a number
    assert broken(lambda d, c: c["findings"][0].update(category="drugs"))  # not a category
    assert broken(lambda d, c: c.update(status="rejected"))
    assert broken(lambda d, c: d.update(schema_version=99))
    # Extra fields are allowed: adding one is not a breaking change.
    assert not broken(lambda d, c: (c.update(extra=1), d["summary"].update(more=2)))


def test_the_suite_runner_rejects_output_that_breaks_its_schema(scan_doc) -> None:
    good = json.dumps(scan_doc)
    check_document("scan", good, "scan x")
    bad = copy.deepcopy(scan_doc)
    del bad["claims"][0]["status"]
    with pytest.raises(AssertionError, match="breaks schema scan"):
        check_document("scan", json.dumps(bad), "scan x")
    with pytest.raises(AssertionError, match="no schema 'ledger'"):
        check_document("ledger", good, "ledger x")
    with pytest.raises(AssertionError, match="row schema"):
        check_rows("scan", json.dumps({"claim_id": "X"}) + "\n", "scan x -f jsonl")
    with pytest.raises(AssertionError, match="not fields of the scan row schema"):
        check_csv("scan", "claim_id,pcn\nA,B\n", "scan x -f csv")


# -- no field removed or renamed without a new version ------------------------

def current() -> dict[str, Any]:
    return {n: {"version": schemas.version(n), "fields": schemas.fields(n)}
            for n in schemas.names()}


def compare(recorded: dict[str, Any], now: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(breaking changes, additions to record) between the snapshot and the schemas.

    Breaking, within one version: a field gone (removed or renamed), a required field
    made optional, a field that may now take a JSON type it could not take before.
    """
    breaking, additions = [], []
    for name, old in recorded.items():
        new = now.get(name)
        if new is None:
            breaking.append(f"schema {name} was removed")
            continue
        if new["version"] < old["version"]:
            breaking.append(f"{name}: version went down ({old['version']} -> "
                            f"{new['version']})")
        elif new["version"] > old["version"]:
            additions.append(f"{name}: new version {new['version']}")
            continue
        where = f"{name} v{old['version']}"
        gone = sorted(set(old["fields"]) - set(new["fields"]))
        if gone:
            breaking.append(f"{where}: field(s) removed or renamed: {', '.join(gone)}")
        changed = []
        for path, text in old["fields"].items():
            if path not in new["fields"]:
                continue
            was_required, was_types = schemas.parse_field(text)
            is_required, is_types = schemas.parse_field(new["fields"][path])
            if was_required and not is_required:
                breaking.append(f"{where}: no longer required: {path}")
            elif "any" not in was_types and is_types - was_types:
                breaking.append(f"{where}: {path} may now be "
                                f"{'|'.join(sorted(is_types - was_types))}")
            elif text != new["fields"][path]:
                changed.append(path)
        added = sorted(set(new["fields"]) - set(old["fields"])) + changed
        if added:
            additions.append(f"{name}: new or tightened field(s): {', '.join(added)}")
    additions += [f"new schema {n}" for n in now if n not in recorded]
    return breaking, additions


def test_no_field_is_removed_or_renamed_without_a_new_version() -> None:
    recorded = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    now = current()
    breaking, additions = compare(recorded, now)
    assert not breaking, (
        "a script reading these outputs would break: " + "; ".join(breaking)
        + ". Keep the field, or raise the schema's x-version (and $id, schema_version) "
        "and say so in docs/output.md.")
    if additions and os.environ.get("CLAIMKIT_UPDATE_SCHEMA_FIELDS"):
        SNAPSHOT.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n",
                            encoding="utf-8")
        return
    assert not additions, ("record the schema changes in tests/schema_fields.json: "
                           "CLAIMKIT_UPDATE_SCHEMA_FIELDS=1 pytest tests/test_schemas.py ("
                           + "; ".join(additions) + ")")


def test_the_field_guard_fails_on_a_rename_and_passes_on_a_version_bump() -> None:
    recorded = current()
    version = recorded["scan"]["version"]
    renamed = copy.deepcopy(recorded)
    fields = renamed["scan"]["fields"]
    fields["claims[].pcn"] = fields.pop("claims[].claim_id")
    assert compare(recorded, renamed)[0] == [
        f"scan v{version}: field(s) removed or renamed: claims[].claim_id"]
    loosened = copy.deepcopy(recorded)
    loosened["remit"]["fields"]["summary.balanced"] = "optional boolean"
    assert compare(recorded, loosened)[0] == [
        f"remit v{recorded['remit']['version']}: no longer required: summary.balanced"]
    retyped = copy.deepcopy(recorded)
    retyped["scan"]["fields"]["claims[].charge"] = "required number|string|null"
    assert compare(recorded, retyped)[0] == [f"scan v{version}: claims[].charge may now be number"]
    bumped = copy.deepcopy(renamed)
    bumped["scan"]["version"] += 1
    assert compare(recorded, bumped) == ([], [f"scan: new version {version + 1}"])
    added = copy.deepcopy(recorded)
    added["audit"]["fields"]["summary.new_thing"] = "optional integer"
    added["audit"]["fields"]["summary.claims"] = "required integer"  # unchanged
    assert compare(recorded, added) == ([], ["audit: new or tightened field(s): "
                                             "summary.new_thing"])


def test_the_field_index_follows_refs_conditions_and_rows() -> None:
    scan = schemas.fields("scan")
    assert scan["claims[].findings[].rule"] == "required string"
    assert scan["claims[].charge"] == "required null|string"  # money ($ref) or null
    assert scan["claims[].status"] == "required string"  # enum
    assert scan["file_findings[].interchange"] == "required string"  # through allOf
    assert scan["file_findings[].line_number"] == "required integer|null"
    assert scan["#row.claim_id"] == "required string"
    remit = schemas.fields("remit")
    assert remit["#row.reason"] == "required string"  # required when record = adjustment
    assert remit["findings[].difference"] == "optional string"
    assert schemas.fields("audit")["summary.remits"] == "required object"  # with remit files
    assert schemas.parse_field("optional integer|null") == (False, {"integer", "null"})


# -- claimkit schema and the documentation ------------------------------------

def test_schema_command_prints_lists_and_refuses(cli) -> None:
    r = cli("schema", "scan")
    assert r.code == 0 and json.loads(r.out) == schemas.load("scan")
    assert r.out == (ROOT / "x12core" / "schemas" / "scan.schema.json").read_text()
    assert json.loads(cli("schema", "data", "status").out)["$id"].startswith(
        "urn:claimkit:schema:data-status:")
    rows = json.loads(cli("schema", "remit", "--rows").out)
    assert rows["$ref"] == "#/$defs/row" and "row" in rows["$defs"]
    listing = cli("schema")
    assert listing.code == 0
    assert [line.split()[0] for line in listing.out.splitlines()] == list(schemas.names())
    bad = cli("schema", "ledger")
    assert bad.code == 2 and bad.out == ""
    assert bad.err.count("\n") == 1 and "ledger: no such schema" in bad.err


def test_docs_describe_every_schema_and_the_readme_points_at_them() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name in schemas.names():
        assert f"`claimkit schema {name}`" in text, name
        assert f"urn:claimkit:schema:{name}:{schemas.version(name)}" in text, name
    for category in CATEGORIES:
        assert f"`{category}`" in text, category
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/output.md" in readme and "../shared" not in readme
    assert "claimkit schema" in readme


def test_printing_a_schema_does_not_import_jsonschema() -> None:
    """Writing and printing schemas never imports `jsonschema` (start-up time of every
    command: render stamps schema_version through x12core.schemas)."""
    import subprocess
    import sys

    code = ("import sys\nfrom cli.app import main\nsys.argv = ['claimkit', 'schema', 'scan']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "assert 'jsonschema' not in sys.modules, 'jsonschema imported'\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["x-version"] == schemas.version("scan")
