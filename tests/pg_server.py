"""A throwaway PostgreSQL server for tests: Debian's binaries, a temporary folder, a Unix socket, a free port.

initdb refuses to run as root, so under root the server runs as `nobody` in a folder it owns."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


def pg_bin() -> Path | None:
    """The folder of initdb/pg_ctl (newest installed version), or None."""
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True):
        if (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found and shutil.which("pg_ctl") else None


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Yields a `postgresql://` URL of a fresh database; stops the server and removes its folder after."""
    binaries = pg_bin()
    assert binaries is not None
    root = Path(tempfile.mkdtemp(prefix="assistant-pg-"))
    data, port = root / "data", _free_port()
    as_user: list[str] = []
    user = os.environ.get("USER") or "postgres"
    if os.geteuid() == 0:
        as_user, user = ["runuser", "-u", "nobody", "--"], "nobody"
        shutil.chown(root, "nobody")
    root.chmod(0o755)

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True, timeout=120)

    try:
        run(str(binaries / "initdb"), "-D", str(data), "-U", user, "-A", "trust", "-E", "UTF8", "--no-sync")
        run(str(binaries / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "-o",
            f"-k {root} -p {port} -h '' -F", "start")
        try:
            # A Chinese collation (ICU) where the server has it, so text order differs from SQLite's unless the
            # store asks for code-point order.
            created = [str(binaries / "createdb"), "-h", str(root), "-p", str(port), "-U", user]
            try:
                run(*created, "-T", "template0", "--locale-provider=icu", "--icu-locale=zh-CN", "library")
            except subprocess.CalledProcessError:
                run(*created, "library")
            yield f"postgresql://{user}@/library?host={root}&port={port}"
        finally:
            run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)
