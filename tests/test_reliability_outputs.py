"""Issue 10, data loss: an output never replaces an input or a device; read-once inputs.

Every test here failed before the fix (``--out`` renamed a report over the input, or over
``/dev/null`` through a symlink; FIFOs hung).
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT

MIXED = FIXTURES / "837p" / "mixed.837"
ERA = FIXTURES / "835" / "era.835"


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    target = tmp_path / "A.837"
    shutil.copy(MIXED, target)
    return target


@pytest.fixture
def remit_file(tmp_path: Path) -> Path:
    target = tmp_path / "B.835"
    shutil.copy(ERA, target)
    return target


def _one_line_exit_2(result) -> None:
    assert result.code == 2, (result.code, result.err)
    assert result.err.count("\n") == 1, result.err
    assert "Traceback" not in result.err and "internal error" not in result.err


@pytest.mark.parametrize("how", ["same", "symlink", "hardlink", "relative"])
def test_scan_out_onto_input_is_refused(cli, batch: Path, tmp_path: Path, how: str,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    before = batch.read_bytes()
    target = batch
    if how == "symlink":
        target = tmp_path / "link.837"
        target.symlink_to(batch)
    elif how == "hardlink":
        target = tmp_path / "hard.837"
        os.link(batch, target)
    elif how == "relative":
        monkeypatch.chdir(tmp_path)
        target = Path("..") / tmp_path.name / "A.837"
    result = cli("scan", batch, "-f", "json", "--out", target)
    _one_line_exit_2(result)
    assert "never overwrites its input" in result.err
    assert batch.read_bytes() == before


def test_reconcile_out_onto_a_remit_is_refused(cli, batch: Path, remit_file: Path) -> None:
    before = remit_file.read_bytes()
    result = cli("reconcile", "--claims", batch, "--remits", remit_file, "--out", remit_file)
    _one_line_exit_2(result)
    assert remit_file.read_bytes() == before


def test_remit_and_audit_out_onto_input_are_refused(cli, batch: Path,
                                                    remit_file: Path) -> None:
    before = remit_file.read_bytes(), batch.read_bytes()
    _one_line_exit_2(cli("remit", remit_file, "--out", remit_file))
    _one_line_exit_2(cli("audit", "--claims", batch, "--out", batch))
    assert (remit_file.read_bytes(), batch.read_bytes()) == before


def test_validate_ack_or_out_onto_input_is_refused(cli, batch: Path) -> None:
    before = batch.read_bytes()
    _one_line_exit_2(cli("validate", batch, "--ack", batch))
    _one_line_exit_2(cli("validate", batch, "--out", batch))
    assert batch.read_bytes() == before


def test_out_onto_a_code_table_input_is_refused(cli, batch: Path, tmp_path: Path) -> None:
    profile = tmp_path / "payer.toml"
    profile.write_text('extends = "commercial"\n')
    before = profile.read_bytes()
    _one_line_exit_2(cli("scan", batch, "--payer-profile", profile, "--out", profile))
    assert profile.read_bytes() == before


def test_out_through_a_symlink_to_a_device_keeps_the_device(cli, batch: Path,
                                                             tmp_path: Path) -> None:
    # Before the fix the report was renamed over the path: a device node (or the symlink
    # standing for it) was replaced by a regular file.
    link = tmp_path / "null"
    link.symlink_to(os.devnull)
    result = cli("scan", batch, "-f", "json", "--out", link, "--exit-zero")
    assert result.code == 0, result.err
    assert link.is_symlink()
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod of a character device needs root")
def test_out_onto_a_character_device_writes_into_it(cli, batch: Path, tmp_path: Path) -> None:
    node = tmp_path / "mynull"
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # same device as /dev/null
    result = cli("scan", batch, "-f", "json", "--out", node, "--exit-zero")
    assert result.code == 0, result.err
    assert stat.S_ISCHR(node.stat().st_mode)


def test_out_onto_a_fifo_writes_into_it(cli, batch: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "report.pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = cli("scan", batch, "-f", "json", "--out", fifo, "--exit-zero")
    reader.join(10)
    assert result.code == 0, result.err
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert received and received[0].startswith(b'{\n  "schema_version"')


def test_out_dash_is_stdout(cli, batch: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("scan", batch, "-f", "json", "--out", "-", "--exit-zero")
    assert result.code == 0
    assert result.out.startswith('{\n  "schema_version"')
    assert not (tmp_path / "-").exists()


def test_out_naming_a_directory_is_one_line(cli, batch: Path, tmp_path: Path) -> None:
    _one_line_exit_2(cli("scan", batch, "--out", tmp_path))
    _one_line_exit_2(cli("remit", ERA, "--out", tmp_path))


def test_out_keeps_a_symlink_and_updates_its_target(cli, batch: Path, tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "report.json"
    link.symlink_to(real)
    assert cli("scan", batch, "-f", "json", "--out", link, "--exit-zero").code == 0
    assert link.is_symlink()
    assert real.read_text().startswith('{\n  "schema_version"')


def test_a_fifo_input_is_refused_at_once(cli, tmp_path: Path) -> None:
    fifo = tmp_path / "in.837"
    os.mkfifo(fifo)
    started = time.monotonic()
    result = cli("scan", fifo)
    _one_line_exit_2(result)
    assert "not a regular file" in result.err
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("command", ["scan", "remit", "validate", "split"])
def test_stdin_dash_is_refused_with_one_line(cli, command: str, tmp_path: Path) -> None:
    extra = ["--clean", tmp_path / "c", "--held", tmp_path / "h"] if command == "split" else []
    result = cli(command, "-", *extra)
    _one_line_exit_2(result)
    assert "standard input" in result.err


def test_a_file_name_with_a_newline_gives_one_line(cli, tmp_path: Path) -> None:
    odd = tmp_path / "bad\nname.837"
    odd.write_text("hello, not X12\n")
    result = cli("scan", odd)
    _one_line_exit_2(result)
    assert "bad\\nname.837" in result.err


def test_terminated_run_leaves_no_temporary_file(tmp_path: Path) -> None:
    """SIGTERM in the middle of writing a report removes the temporary file."""
    from fixtures.generate import main as generate

    big = tmp_path / "big.837"
    generate(["837", "--claims", "6000", "--seed", "5", "--out", str(big)])
    out = tmp_path / "report.json"
    proc = subprocess.Popen(
        [sys.executable, "-c", "from cli.app import main; main()", "scan", str(big),
         "-f", "json", "--out", str(out)], cwd=ROOT, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not list(tmp_path.glob(".report.json.*.tmp")) and time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        time.sleep(0.005)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))
    if proc.returncode == 128 + signal.SIGTERM:
        assert not out.exists()
        assert err.decode().count("\n") == 1
    else:  # the run finished before the signal came: the report is whole
        assert out.read_text().rstrip().endswith("}")


def test_ledger_views_never_write_over_the_ledger_or_a_fee_schedule(cli, batch: Path,
                                                                    tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    assert cli("ingest", "--db", db, batch).code == 0
    # Compare the rows, not the bytes: SQLite may checkpoint its WAL into the
    # main file whenever the ingest's connection is finally closed.
    before = _ledger_rows(db)
    for view in (["aging"], ["denials"], ["claim", "X"]):
        _one_line_exit_2(cli("ledger", *view, "--db", db, "-f", "json", "--out", db))
    fees = tmp_path / "fees.csv"
    fees.write_text("payer_id,code,modifier,allowed,effective_from,effective_to\n")
    _one_line_exit_2(cli("ledger", "underpaid", "--db", db, "--fee-schedule", fees,
                         "--out", fees))
    assert _ledger_rows(db) == before and fees.read_text().startswith("payer_id")


def _ledger_rows(db: Path) -> list[str]:
    import sqlite3

    with closing(sqlite3.connect(db)) as con:
        return list(con.iterdump())


def test_a_killed_writers_temporary_file_goes_with_the_next_write(tmp_path: Path) -> None:
    """SIGKILL leaves a hidden temporary file (nothing can remove it then); the next write
    of the same output removes those of writers of this host that are gone, and only
    those: a live writer's, another host's (shared storage) and other outputs' stay."""
    from x12core import fileio

    out = tmp_path / "report.json"
    host = fileio._host()
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
         "from x12core.fileio import atomic_write\n"
         "with atomic_write(sys.argv[2], 'w') as h:\n"
         "    h.write('half'); h.flush(); print('ready', flush=True); sys.stdin.read()",
         str(ROOT), str(out)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    orphan = [p.name for p in tmp_path.glob(".report.json.*.tmp")]
    assert len(orphan) == 1 and f".{host}-{proc.pid}." in orphan[0]  # left by the kill
    live = tmp_path / f".report.json.{host}-{os.getpid()}.abc.tmp"
    remote_host = tmp_path / f".report.json.otherhost-{proc.pid}.abc.tmp"
    other_output = tmp_path / f".other.json.{host}-{proc.pid}.abc.tmp"
    for path in (live, remote_host, other_output):
        path.write_text("in use")
    with fileio.atomic_write(out, "w") as handle:
        handle.write("whole")
    assert out.read_text() == "whole"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["report.json", live.name, remote_host.name, other_output.name])


def test_a_killed_writer_not_yet_reaped_counts_as_gone(tmp_path: Path) -> None:
    """Killed but not yet waited for by its parent (a zombie): its temporary file goes."""
    from x12core import fileio

    proc = subprocess.Popen(["sleep", "60"])
    try:
        orphan = tmp_path / f".out.txt.{fileio._host()}-{proc.pid}.abc.tmp"
        orphan.write_text("half")
        proc.kill()
        deadline = time.monotonic() + 10
        while fileio._alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        with fileio.atomic_write(tmp_path / "out.txt", "w") as handle:
            handle.write("whole")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]
    finally:
        proc.kill()
        proc.wait(timeout=30)


def test_a_killed_runs_spool_directory_goes_with_the_next_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Local workers write a remit's JSON items to a run's spool directory, which the run
    removes; one killed outright leaves it, and the next run removes it (only those of
    this host's runs that are gone)."""
    import tempfile

    from x12core import fileio

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    host = fileio._host()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    dead = tmp_path / f"claimkit-remit-{host}-{gone.pid}-abc"
    live = tmp_path / f"claimkit-remit-{host}-{os.getppid()}-abc"
    other = tmp_path / f"claimkit-remit-otherhost-{gone.pid}-abc"
    for path in (dead, live, other):
        path.mkdir()
        (path / "chunk.json").write_text("items")
    new = Path(fileio.spool_directory("remit"))
    assert new.parent == tmp_path and new.is_dir()
    assert new.name.startswith(f"claimkit-remit-{host}-{os.getpid()}-")
    assert not dead.exists() and live.exists() and other.exists()


def _record_syncs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every rename and fsync, in order: ("replace", target) and ("fsync", "dir:PATH"
    or "file")."""
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        mode = os.fstat(fd).st_mode
        events.append(("fsync", f"dir:{os.readlink(f'/proc/self/fd/{fd}')}"
                       if stat.S_ISDIR(mode) else "file"))
        real_fsync(fd)

    def replace(src: str, dst: str) -> None:
        real_replace(src, dst)
        events.append(("replace", str(dst)))

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    return events


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads /proc/self/fd")
def test_a_written_output_and_a_watched_files_move_survive_a_power_loss(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rename that makes an output visible is durable before the call returns: the
    file is fsynced before the rename and its directory after (POSIX: a rename is made
    durable by the directory's fsync). ``claimkit watch`` records a step in its journal
    only after such a call, so a power loss can never leave the journal ahead of the
    files."""
    from pipeline.files import move
    from x12core.fileio import atomic_write

    events = _record_syncs(monkeypatch)
    target = tmp_path / "out" / "report.json"
    target.parent.mkdir()
    with atomic_write(target) as handle:
        handle.write("{}")
    assert events == [("fsync", "file"), ("replace", str(target)),
                      ("fsync", f"dir:{target.parent}")]
    events.clear()
    inbox, archive = tmp_path / "inbox", tmp_path / "archive"
    inbox.mkdir()
    (inbox / "a.837").write_text("ISA")
    move(inbox / "a.837", archive / "a.837")
    assert events == [("replace", str(archive / "a.837")), ("fsync", f"dir:{archive}"),
                      ("fsync", f"dir:{inbox}")]
    assert (archive / "a.837").read_text() == "ISA"
