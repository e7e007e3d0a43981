"""``claimkit watch``: a real watcher process on temporary folders.

Every test starts the CLI as a subprocess (as a service would run it) and checks the
promises of the unattended pipeline: every input ends in exactly one of archive and
failed, every claim appears exactly once across the outboxes, no partial file is ever
visible in an outbox, a crash at any step resumes without writing anything twice, a
duplicate is recognised and transient errors are retried.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pipeline.retry import CRASH_POINTS
from x12core.census import count_claims
from x12core.reader import SegmentReader

ROOT = Path(__file__).resolve().parent.parent
F837 = ROOT / "fixtures" / "837p"
F835 = ROOT / "fixtures" / "835"
BAD = ROOT / "fixtures" / "bad"
OUTBOXES = ("out", "held", "acks", "reports")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMKIT_WATCH_")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def _args(base: Path, *more: str) -> list[str]:
    return [sys.executable, "-c", "from cli.app import main; main()", "watch",
            str(base / "in"), "--clean", str(base / "out"), "--held", str(base / "held"),
            "--reports", str(base / "reports"), "--archive", str(base / "archive"),
            "--failed", str(base / "failed"), "--state-dir", str(base / "state"),
            "--settle", "0.4", *more]


def _once(base: Path, *more: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_args(base, "--once", *more), cwd=ROOT, env=_env(**env),
                          capture_output=True, text=True, timeout=60)


def _parallel(runs: dict[str, tuple[Path, dict[str, str]]]) -> dict[str, tuple[int, str]]:
    """``watch --once`` in several folders at the same time: exit code and stderr of each."""
    procs = {key: subprocess.Popen(_args(base, "--once"), cwd=ROOT, env=_env(**env),
                                   stderr=subprocess.PIPE, text=True)
             for key, (base, env) in runs.items()}
    return {key: _finish(proc) for key, proc in procs.items()}


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    err = proc.communicate(timeout=90)[1]
    return proc.returncode, err


def _setup(tmp_path: Path, *files: Path) -> Path:
    (tmp_path / "in").mkdir(parents=True)
    for f in files:
        shutil.copy(f, tmp_path / "in" / f.name)
        os.utime(tmp_path / "in" / f.name, (time.time() - 5, time.time() - 5))
    return tmp_path


def _clm01s(paths: list[Path]) -> Counter[str]:
    ids: Counter[str] = Counter()
    for p in paths:
        ids.update(seg[1] for seg in SegmentReader(p) if seg.tag == "CLM")
    return ids


def _outputs(base: Path, pattern: str) -> list[Path]:
    return sorted(p for box in OUTBOXES if (base / box).is_dir()
                  for p in (base / box).glob(pattern) if p.is_file())


def _log(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def _check_delivery(base: Path, inputs: dict[str, Path]) -> None:
    """Each input in exactly one of archive/failed; each archived claim out exactly once."""
    archived = sorted(p for p in (base / "archive").rglob("*") if p.is_file())
    failed = sorted(p for p in (base / "failed").rglob("*")
                    if p.is_file() and not p.name.endswith(".reason.txt"))
    names = [p.name for p in archived + failed]
    assert sorted(names) == sorted(inputs), names
    assert not [p for p in (base / "in").iterdir() if p.is_file()]
    for p in failed:
        reason = p.with_name(p.name + ".reason.txt").read_text()
        assert reason.endswith("\n") and reason.count("\n") == 1
        assert p.name in reason or reason.startswith("duplicate:")
    sent = [p for p in archived if p.suffix == ".837"]
    outs = _outputs(base, "*.837")
    assert sum(count_claims(p).clm for p in outs) == sum(count_claims(p).clm for p in sent)
    assert _clm01s(outs) == _clm01s(sent)
    for box in OUTBOXES:  # no staging or temporary file left behind
        if (base / box).is_dir():
            assert [p.name for p in (base / box).iterdir() if p.name.startswith(".")] == []


class _OutboxReader(threading.Thread):
    """A concurrent reader: every file visible in an outbox must already be complete."""

    def __init__(self, base: Path) -> None:
        super().__init__(daemon=True)
        self.base = base
        self.stop = threading.Event()
        self.partial: list[str] = []
        self.looks = 0

    def run(self) -> None:
        while not self.stop.is_set():
            for box in OUTBOXES:
                folder = self.base / box
                if not folder.is_dir():
                    continue
                for p in folder.iterdir():
                    if p.name.startswith(".") or not p.is_file():
                        continue
                    self.looks += 1
                    data = p.read_bytes()
                    if p.suffix == ".json":
                        try:
                            json.loads(data)
                        except ValueError:
                            self.partial.append(p.name)
                    elif not _complete_x12(data):
                        self.partial.append(p.name)
            time.sleep(0.01)


def _complete_x12(data: bytes) -> bool:
    """Ends with an IEA and the segment terminator the last ISA declares (ISA16 + 1)."""
    start = data.rfind(b"ISA")
    if start < 0 or len(data) < start + 106:
        return False
    terminator = data[start + 105:start + 106]
    tail = data.rstrip(b" \r\n")
    return tail.endswith(terminator) and b"IEA" in tail[-40:]


def _wait(predicate, timeout: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_live_watcher_slow_writer_burst_duplicate_bad_file(tmp_path: Path) -> None:
    base = _setup(tmp_path)
    inbox = base / "in"
    reader = _OutboxReader(base)
    reader.start()
    proc = subprocess.Popen(_args(base, "--poll", "0.1"), cwd=ROOT, env=_env(),
                            stderr=subprocess.PIPE, text=True)
    try:
        assert _wait(lambda: (base / "state" / "watch.sqlite3").exists())
        # A writer that has written everything but still holds the file open (Linux).
        held_open = open(inbox / "open.837", "wb")  # noqa: SIM115
        held_open.write((F837 / "clean.837").read_bytes().replace(b"CKTEST", b"CKOPEN"))
        held_open.flush()
        # A slow writer: five parts, 0.15 s apart (each pause shorter than --settle).
        data = (F837 / "mixed.837").read_bytes()
        with open(inbox / "slow.837", "wb") as out:
            for k in range(5):
                out.write(data[k * len(data) // 5:(k + 1) * len(data) // 5])
                out.flush()
                time.sleep(0.15)
        # Several at once, an 835, a file that is not X12, temporary names never taken.
        for name in ("clean.837", "multi-interchange.837", "pipe-crlf.837"):
            shutil.copy(F837 / name, inbox / name)
        shutil.copy(F835 / "era.835", inbox / "era.835")
        shutil.copy(BAD / "not-x12.txt", inbox / "not-x12.txt")
        (inbox / "upload.part").write_bytes(data[:100])
        (inbox / ".hidden.837").write_bytes(data)
        assert _wait(lambda: sorted(p.name for p in inbox.iterdir() if p.is_file())
                     == [".hidden.837", "open.837", "upload.part"])
        held_open.close()
        assert _wait(lambda: not (inbox / "open.837").exists())
        # The same content again, under another name: a duplicate, never re-sent.
        shutil.copy(F837 / "mixed.837", inbox / "again.837")
        assert _wait(lambda: (base / "failed" / "duplicates" / "again.837").exists())
        (inbox / "upload.part").unlink()
        (inbox / ".hidden.837").unlink()
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
        reader.stop.set()
        reader.join()
    assert proc.returncode == 0, err
    assert reader.partial == [] and reader.looks > 0
    inputs = {n: F837 / n for n in ("slow.837", "open.837", "clean.837", "multi-interchange.837",
                                    "pipe-crlf.837", "again.837")}
    inputs |= {"era.835": F835 / "era.835", "not-x12.txt": BAD / "not-x12.txt"}
    _check_delivery(base, inputs)
    assert (base / "archive").rglob("slow.837")
    assert "not an X12 file" in (base / "failed" / "not-x12.txt.reason.txt").read_text()
    assert "duplicate" in (base / "failed" / "duplicates" / "again.837.reason.txt").read_text()
    assert len(list((base / "reports").glob("era.*.remit.json"))) == 1
    records = _log(err)
    files = {r["file"]: r for r in records if r["event"] == "file"}
    assert files["slow.837"]["outcome"] == "archived"
    assert files["slow.837"]["claims"] == 30 and files["slow.837"]["held"] == 19
    assert files["again.837"]["outcome"] == "duplicate"
    assert files["not-x12.txt"]["outcome"] == "failed"
    assert "upload.part" not in files and ".hidden.837" not in files
    assert {"file", "sha256", "claims", "held", "duration_s", "outcome"} <= set(
        files["clean.837"])
    status = subprocess.run(
        [sys.executable, "-c", "from cli.app import main; main()", "watch-status",
         "--state-dir", str(base / "state"), "-f", "json"],
        cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=30)
    counts = json.loads(status.stdout)["counts"]
    assert counts == {"queued": 0, "processing": 0, "done": 6, "failed": 1, "duplicate": 1}


def test_crash_at_every_step_resumes_without_loss_or_duplicates(tmp_path: Path) -> None:
    """A hard exit (os._exit, like SIGKILL) at each step, then a restart: same end state."""
    points = [p for p in CRASH_POINTS if p not in ("after-fail-move", "after-ingest")]
    bases = {}
    for point in points:
        bases[point] = _setup(tmp_path / point, F837 / "mixed.837")
    bases["bad"] = _setup(tmp_path / "bad", BAD / "not-x12.txt")
    crashed = _parallel({point: (base, {"CLAIMKIT_WATCH_CRASH_AT": point if point != "bad"
                                         else "after-fail-move"})
                         for point, base in bases.items()})
    for point, (code, err) in crashed.items():
        assert code == 99, (point, err)
    restarted = _parallel({point: (base, {}) for point, base in bases.items()})
    third = _parallel({"mid-publish": (bases["mid-publish"], {})})
    reference = None
    for point, base in bases.items():
        code, err = restarted[point]
        assert code == 1, (point, err)  # held claims / a failed file
        if point == "bad":
            _check_delivery(base, {"not-x12.txt": BAD / "not-x12.txt"})
            assert len(list((base / "failed").glob("*.reason.txt"))) == 1
            continue
        _check_delivery(base, {"mixed.837": F837 / "mixed.837"})
        names = sorted(p.relative_to(base).as_posix() for p in _outputs(base, "*"))
        assert reference is None or names == reference, point
        reference = names
        steps = [r.get("step") for r in _log(err) if r["event"] == "step"]
        assert steps[0].startswith("resume:"), (point, steps)
    # A third run finds nothing to do: nothing is written twice.
    assert third["mid-publish"][0] == 0
    assert not [r for r in _log(third["mid-publish"][1]) if r["event"] == "file"]
    tag = hashlib.sha256((F837 / "mixed.837").read_bytes()).hexdigest()[:12]
    assert reference == [f"held/mixed.{tag}.held.837", f"held/mixed.{tag}.held.json",
                         f"out/mixed.{tag}.clean.837"]


def test_transient_read_errors_are_retried_and_logged(tmp_path: Path) -> None:
    base = _setup(tmp_path, F837 / "clean.837")
    config = base / "claimkit.toml"
    config.write_text('[retry]\nattempts = 4\ninitial = 0.01\nmax = 0.05\njitter = 0.01\n'
                      '[scan]\nfail_on = "error"\n')
    log = base / "watch.log"
    run = _once(base, "--config", str(config), "--log", str(log),
                CLAIMKIT_WATCH_FAULT_READS="2")
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    records = _log(log.read_text())
    retries = [r for r in records if r["event"] == "retry"]
    assert [r["attempt"] for r in retries] == [1, 2]
    assert all("EAGAIN" in str(r["error"]) or "temporarily" in str(r["error"]) for r in retries)
    _check_delivery(base, {"clean.837": F837 / "clean.837"})


def test_transient_errors_past_the_policy_leave_the_file(
        tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline import retry

    base = _setup(tmp_path, F837 / "clean.837")
    config = base / "claimkit.toml"
    config.write_text('[retry]\nattempts = 2\ninitial = 0.01\nmax = 0.01\njitter = 0\n')
    monkeypatch.setenv("CLAIMKIT_WATCH_FAULT_READS", "5")
    monkeypatch.setitem(retry._faults, "reads", 0)
    run = cli(*_args(base, "--once", "--config", str(config))[3:])
    # The hash step gives up after two attempts: not the file's fault, left in the inbox.
    assert run.code == 2
    assert (base / "in" / "clean.837").exists()
    assert [r["attempt"] for r in _log(run.err) if r["event"] == "retry"] == [1]


def test_sigterm_finishes_the_current_file(tmp_path: Path) -> None:
    base = _setup(tmp_path)
    proc = subprocess.Popen(_args(base, "--acks", str(base / "acks")), cwd=ROOT, env=_env(),
                            stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    try:
        assert _wait(lambda: (base / "state" / "watch.sqlite3").exists())
        shutil.copy(F837 / "mixed.837", base / "in" / "mixed.837")
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if '"step": "processing"' in line:
                proc.send_signal(signal.SIGTERM)  # mid-file (pyx12 builds the 999)
                break
        rest = proc.communicate(timeout=30)[1]
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, rest
    _check_delivery(base, {"mixed.837": F837 / "mixed.837"})
    assert len(list((base / "acks").glob("mixed.*.999"))) == 1
    assert len(list((base / "acks").glob("mixed.*.277ca"))) == 1
    assert any('"event": "stop"' in line for line in rest.splitlines())


def test_config_errors_are_one_line_exit_2(tmp_path: Path, cli: Any) -> None:
    base = _setup(tmp_path, F837 / "clean.837")
    config = base / "claimkit.toml"
    args = _args(base, "--once", "--config", str(config))[3:]
    config.write_text('[watch]\nsettle = "soon"\n')
    run = cli(*args)
    assert run.code == 2
    assert run.err.count("\n") == 1 and "settle" in run.err
    config.write_text('[scan]\npayer_profile = "no-such-profile"\n')
    run = cli(*args)
    assert run.code == 2 and run.err.count("\n") == 1, run.err
    config.write_text('[sacn]\nfail_on = "error"\n')
    run = cli(*args)
    assert run.code == 2 and "unknown section [sacn]" in run.err
    assert (base / "in" / "clean.837").exists()  # nothing moved when the run cannot start


def test_ledger_step_ingests_each_file_once(tmp_path: Path, cli: Any) -> None:
    base = _setup(tmp_path, F837 / "clean.837")
    db = base / "ledger.db"
    run = cli(*_args(base, "--once", "--ledger", str(db))[3:])
    assert run.code in (0, 1), run.err
    assert not (base / "in" / "clean.837").exists()
    story = cli("ledger", "aging", "--db", db, "--as-of", "2025-04-01", "-f", "json")
    assert story.code == 0, story.err
    assert json.loads(story.out)["summary"]["open_claims"] == 10
    again = cli("ingest", "--db", db, *sorted(str(p) for p in (base / "archive").rglob("*.837")))
    assert again.code == 0 and "already in the ledger" in again.out


def test_crash_after_ingest_resumes_without_a_second_ingest(tmp_path: Path, cli: Any) -> None:
    """Killed after the ledger step, before the archive: the restart archives the file and
    the ledger holds each claim once (ingest is a no-op for a file already in)."""
    base = _setup(tmp_path, F837 / "clean.837")
    db = base / "ledger.db"
    crashed = _once(base, "--ledger", str(db), CLAIMKIT_WATCH_CRASH_AT="after-ingest")
    assert crashed.returncode == 99, crashed.stderr
    assert (base / "in" / "clean.837").exists()
    resumed = _once(base, "--ledger", str(db))
    assert resumed.returncode in (0, 1), resumed.stderr
    _check_delivery(base, {"clean.837": F837 / "clean.837"})
    aging = cli("ledger", "aging", "--db", db, "--as-of", "2025-04-01", "-f", "json")
    assert json.loads(aging.out)["summary"]["open_claims"] == 10


def test_journal_in_the_platform_state_dir(tmp_path: Path, cli: Any,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    base = _setup(tmp_path, F837 / "clean.837")
    args = _args(base, "--once")[3:]
    i = args.index("--state-dir")
    del args[i:i + 2]
    monkeypatch.setenv("XDG_STATE_HOME", str(base / "xdg"))
    run = cli(*args)
    assert run.code == 0, run.err
    assert (base / "xdg" / "claimkit" / "watch.sqlite3").exists()
    status = cli("watch-status", "-f", "json")
    assert status.code == 0
    assert json.loads(status.out)["counts"]["done"] == 1
    assert "done 1" in cli("watch-status").out


def test_process_file_python_api(tmp_path: Path) -> None:
    """The library call: same steps and journal as the watcher, no process needed."""
    from pipeline import load_config, process_file

    base = _setup(tmp_path, F837 / "mixed.837", F835 / "unbalanced.835")
    config = load_config(None, inbox=str(base / "in"), clean=str(base / "out"),
                         held=str(base / "held"), state_dir=str(base / "state"))
    outcome = process_file(base / "in" / "mixed.837", config)
    assert (outcome.outcome, outcome.kind, outcome.claims, outcome.held) == \
        ("archived", "837", 30, 19)
    assert [Path(p).parent.name for p in outcome.outputs] == ["out", "held", "held"]
    remit = process_file(base / "in" / "unbalanced.835", config)
    assert remit.outcome == "archived" and remit.needs_attention and "balance" in remit.reason
    report = json.loads(Path(remit.outputs[0]).read_text())
    assert report["summary"]["balanced"] is False
    shutil.copy(F837 / "mixed.837", base / "in" / "mixed.837")
    again = process_file(base / "in" / "mixed.837", config)
    assert again.outcome == "duplicate" and not (base / "in" / "mixed.837").exists()
    assert Path(again.dest or "").parent.name == "duplicates"


def test_sigkill_mid_split_then_restart(tmp_path: Path) -> None:
    """A real SIGKILL while the split is writing its staging files; the restart resumes."""
    base = _setup(tmp_path, F837 / "mixed.837", F837 / "clean.837")
    acks = ["--acks", str(base / "acks")]
    proc = subprocess.Popen(_args(base, *acks), cwd=ROOT, env=_env(),
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if '"step": "processing"' in line:
                proc.send_signal(signal.SIGKILL)  # pyx12 is building the 999
                break
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert not _outputs(base, "*")  # nothing published: the staging is hidden
    again = _once(base, *acks)
    assert again.returncode == 1, again.stderr
    assert any(r.get("step") == "resume:processing" for r in _log(again.stderr))
    _check_delivery(base, {"clean.837": F837 / "clean.837", "mixed.837": F837 / "mixed.837"})
    assert len(_outputs(base, "*.999")) == 2 and len(_outputs(base, "*.277ca")) == 2


def test_an_outbox_that_is_the_inbox_is_refused(tmp_path: Path, cli: Any) -> None:
    """Outputs written into the inbox would come back as new input and be sent again."""
    base = _setup(tmp_path, F837 / "clean.837")
    run = cli("watch", base / "in", "--clean", base / "in", "--held", base / "held", "--once",
              "--state-dir", base / "state")
    assert run.code == 2 and run.err.count("\n") == 1 and "--clean is the inbox" in run.err
    assert sorted(p.name for p in (base / "in").iterdir()) == ["clean.837"]
