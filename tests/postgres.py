"""A throwaway PostgreSQL server for the tests: the system's server binaries (Debian's `postgresql`
package, which `make test` installs), a fresh cluster in a temporary folder, reachable only on a
Unix socket there, trust authentication, removed when the tests end.

PostgreSQL refuses to run as root; as root (CI) the server runs as `nobody`."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROLE = "stream"  # the cluster's superuser, the one the tests connect as


def server_binaries() -> Path:
    """The newest installed PostgreSQL's bin/ folder (Debian keeps them off PATH)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if not found and shutil.which("initdb"):
        found = [Path(shutil.which("initdb"))]
    if not found:
        raise RuntimeError(
            "The PostgreSQL gradebook tests start their own server and need PostgreSQL's server "
            "programs (initdb, pg_ctl). Debian/Ubuntu: sudo apt-get install postgresql "
            "(`make test` installs it when run as root)."
        )
    return found[-1].parent


def _as_server_user(folder: Path) -> list[str]:
    """The command prefix that runs the server as a non-root user owning ``folder``."""
    if os.geteuid() != 0:
        return []
    nobody = pwd.getpwnam("nobody")
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, nobody.pw_uid, nobody.pw_gid)
    return [
        "setpriv",
        f"--reuid={nobody.pw_uid}",
        f"--regid={nobody.pw_gid}",
        "--clear-groups",
        "--",
    ]


@contextlib.contextmanager
def throwaway_server() -> Iterator[str]:
    """Start a cluster; yields the folder of its socket (a URL's ``host``)."""
    binaries = server_binaries()
    # Not under pytest's tmp folder: as root that is private to root, and the server runs as
    # nobody. Its own private folder, handed to the server's user.
    folder = Path(tempfile.mkdtemp(prefix="stream-postgres-"))
    data, socket = folder / "data", folder / "socket"
    socket.mkdir()
    as_user = _as_server_user(folder)
    try:
        _start(binaries, as_user, data, socket, folder / "log")
        try:
            yield str(socket)
        finally:
            subprocess.run(
                [*as_user, binaries / "pg_ctl", "-D", data, "-m", "immediate", "stop"],
                capture_output=True,
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _start(binaries: Path, as_user: list[str], data: Path, socket: Path, log: Path) -> None:
    initdb = [binaries / "initdb", "-D", data, "-U", ROLE, "--auth=trust", "-E", "UTF8"]
    # No TCP; fsync off: a cluster that lives for one test run need not survive a power cut.
    options = f"-c listen_addresses='' -k {socket} -c fsync=off -c max_connections=200"
    pg_ctl = [binaries / "pg_ctl", "-D", data, "-o", options, "-w", "-l", log, "start"]
    for command in (initdb, pg_ctl):
        done = subprocess.run([*as_user, *command], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(
                f"The throwaway PostgreSQL server did not start ({command[0].name}):\n"
                f"{done.stdout}{done.stderr}{log.read_text() if log.exists() else ''}"
            )


def new_database(socket: str, name: str) -> str:
    """Create database ``name`` on the server at ``socket``; its SQLAlchemy URL."""
    import psycopg

    with psycopg.connect(host=socket, user=ROLE, dbname="postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://{ROLE}@/{name}?host={socket}"
