"""A throwaway PostgreSQL cluster for the ledger tests: initdb, pg_ctl start, stop.

Runs the server binaries found on PATH (or in /usr/lib/postgresql/*/bin). PostgreSQL
refuses to run as root, so under root (CI) the cluster belongs to an unprivileged
user (``postgres`` when it exists, else ``nobody``) and only the server processes
switch to it; a normal user runs it as themselves. fsync is off: the cluster is
thrown away at the end of the session.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = ("PostgreSQL server binaries (initdb, pg_ctl) not found: the ledger tests need "
                "them -- apt-get install postgresql (or put PostgreSQL's bin folder on PATH)")
USER = "claimkit"


def find_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_user() -> tuple[Callable[[], None] | None, pwd.struct_passwd | None]:
    if os.geteuid() != 0:
        return None, None
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue

        def demote(entry: pwd.struct_passwd = entry) -> None:
            os.setgroups([])
            os.setgid(entry.pw_gid)
            os.setuid(entry.pw_uid)

        return demote, entry
    raise RuntimeError("running as root and no unprivileged user (postgres, nobody) to run "
                       "PostgreSQL as")


@dataclass
class PgServer:
    base: Path
    port: int
    pg_ctl: str
    demote: Callable[[], None] | None

    @property
    def url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/postgres"

    def database_url(self, name: str) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        subprocess.run([self.pg_ctl, "-D", str(self.base / "data"), "-m", "immediate", "stop"],
                       preexec_fn=self.demote, capture_output=True, check=False, cwd="/")
        shutil.rmtree(self.base, ignore_errors=True)


def start() -> PgServer:
    """initdb into a fresh temporary folder and start the server on a free local port."""
    initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
    if not initdb or not pg_ctl:
        raise FileNotFoundError(INSTALL_HINT)
    demote, entry = _as_user()
    base = Path(tempfile.mkdtemp(prefix="claimkit-pg-"))
    if entry is not None:
        os.chown(base, entry.pw_uid, entry.pw_gid)
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    run = dict(preexec_fn=demote, capture_output=True, text=True, env=env, cwd="/")
    done = subprocess.run([initdb, "-D", str(base / "data"), "-U", USER, "--auth=trust",
                           "-E", "UTF8", "--no-sync", "--no-instructions"], **run)  # type: ignore[call-overload]
    if done.returncode:
        raise RuntimeError(f"initdb failed: {done.stderr.strip()[-500:]}")
    port = free_port()
    options = (f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off")
    done = subprocess.run([pg_ctl, "-D", str(base / "data"), "-o", options, "-l",
                           str(base / "server.log"), "-w", "-t", "60", "start"], **run)  # type: ignore[call-overload]
    if done.returncode:
        log = (base / "server.log").read_text(errors="replace")[-800:]
        raise RuntimeError(f"pg_ctl start failed: {done.stderr.strip()} {log}")
    return PgServer(base, port, pg_ctl, demote)
