"""The clearinghouse edit families beyond their case files: the run index, files of one
run, profile switches and installed tables answering through the same lookups."""

from __future__ import annotations

import pickle
from pathlib import Path

from edi837.edit_tables import specific_codes
from edi837.run_index import RunIndex
from edi837.scan import Scanner, ScanOptions, scan_text
from edi837.tables import Tables
from tests.scan.x12claims import claim, wrap
from x12core.findings import Severity

KET = ["SV1*HC:J1885*25.01*UN*2***1", "LIN**N4*00409379501", "CTP****1*ML"]


def test_run_index_spills_to_disk_past_its_bound() -> None:
    index = RunIndex(limit=100)
    for n in range(1000):
        index.put(f"k{n}", f"C{n}")
    assert len(index._memory) <= 100 and index.spilled >= 900
    assert all(index.get(f"k{n}") == f"C{n}" for n in range(0, 1000, 37))
    assert index.get("k5000") is None
    index.close()


def test_run_index_keeps_what_was_written_last_and_the_newest_value() -> None:
    index = RunIndex(limit=10)
    for n in range(30):
        index.put(f"k{n}", n)
        index.put("k0", f"again {n}")  # written on every round: it stays in memory
    assert "k0" in index._memory and index.get("k0") == "again 29"
    index.put("k3", "new")  # spilled earlier: written again, the new value wins
    assert index.get("k3") == "new"
    entries = dict(index.items())
    assert len(entries) == 30 and entries["k3"] == "new" and entries["k29"] == 29
    index.close()


def test_run_index_keeps_pickled_entries_as_they_came_and_finds_many_at_once() -> None:
    """A parallel run's parent holds the chunk tasks' entries pickled; a lookup of many
    keys asks the disk in batches and hands back the pickles, wherever they are."""
    index = RunIndex(limit=50)
    for n in range(2000):
        entry = {"sig": f"C{n}", ("mue", "P"): n}
        index.put(f"k{n}", pickle.dumps(entry) if n % 2 else entry)
    assert index.spilled > 1900
    wanted = [f"k{n}" for n in range(0, 2000, 3)] + ["absent"]
    found = index.get_many(wanted)
    assert sorted(found) == sorted(wanted[:-1])
    assert all(pickle.loads(found[f"k{n}"]) == {"sig": f"C{n}", ("mue", "P"): n}
               for n in range(0, 2000, 3))
    assert index.get("k7") == {"sig": "C7", ("mue", "P"): 7}  # unpickled for the rules
    assert index.get("k1999") == {"sig": "C1999", ("mue", "P"): 1999}  # ... in memory too
    assert dict(index.items())["k8"] == {"sig": "C8", ("mue", "P"): 8}
    assert all(isinstance(v, bytes) for _, v in index.pickled())
    index.close()


def _file(tmp_path: Path, name: str, body: list[str]) -> Path:
    path = tmp_path / name
    path.write_text(wrap(body))
    return path


def test_duplicates_and_units_add_up_across_files_of_a_run(tmp_path: Path) -> None:
    inj3 = ["SV1*HC:96372*120*UN*3***1"]
    inj2 = ["SV1*HC:96372*80*UN*2***1"]
    first = _file(tmp_path, "a.837", claim("PCNA", [KET, inj3]))
    second = _file(tmp_path, "b.837", [*claim("PCNB", [KET, inj3]), *claim("PCNC", [inj2])])
    scanner = Scanner(ScanOptions(select=("R837-090", "R96372-040")))
    a = [f for r in scanner.scan(first) for f in r.findings]
    b = {r.claim.id: [f.rule for f in r.findings] for r in scanner.scan(second)}
    assert a == []
    assert b["PCNB"].count("R837-090") == 1  # the drug line repeats file a's claim
    assert "R96372-040" in b["PCNB"]  # 3 + 3 units of 96372 on one date: over the MUE of 4
    alone = Scanner(ScanOptions(select=("R837-090",)))
    assert [f for r in alone.scan(second) for f in r.findings if r.claim.id == "PCNB"] == []


def test_a_profile_raises_line_control_missing(tmp_path: Path) -> None:
    profile = tmp_path / "strict.toml"
    profile.write_text('extends = "commercial"\n[severity]\n"line-control-missing" = "warning"\n')
    body = claim("PCN1", [[*KET, "NO-REF"], ["SV1*HC:96372*40*UN*1***1"]])
    default = scan_text(wrap(body), ScanOptions(select=("R837-003",)))
    raised = scan_text(wrap(body), ScanOptions(profile=str(profile), select=("R837-003",)))
    assert [f.severity for r in default for f in r.findings] == [Severity.INFO]
    assert [f.severity for r in raised for f in r.findings] == [Severity.WARNING]


def test_an_installed_hcpcs_file_names_more_specific_codes(tmp_path: Path) -> None:
    hcpcs = tmp_path / "hcpcs.csv"
    hcpcs.write_text("HCPC,SHORT DESCRIPTION,ADD DT,TERM DT\n"
                     "J9041,Inj bortezomib 0.1 mg,20050101,\n"
                     "J1885,Ketorolac tromethamine inj,19930101,\n")
    shipped = Tables.load()
    installed = Tables.load(hcpcs_file=hcpcs)
    assert specific_codes(shipped, "BORTEZOMIB 2.5MG SC", None) == ("", ())
    assert specific_codes(installed, "BORTEZOMIB 2.5MG SC", None) == ("BORTEZOMIB", ("J9041",))
    assert specific_codes(installed, "KETOROLAC 30MG IM", None)[1] == ("J1885",)
