"""One writer at a time across processes: an advisory flock on a directory itself, so no lock file is left
lying around. Shared by the library (catalogue writes) and the index (builds); both lock the index folder."""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path


@contextlib.contextmanager
def locked_directory(path: Path):
    """Hold an exclusive lock on `path` (created if missing). Raises OSError when it cannot be created or
    opened (a read-only parent): callers turn that into their own message."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
