"""Noticing, cheaply, that the library changed under a running server (`assistant library add/remove` in
another process, a file dropped into the library folder): the catalogue's version (one indexed row) and the
library folder's modification time, read before each question."""

from __future__ import annotations

import os
from pathlib import Path


class LibraryWatch:
    def __init__(self, library):
        self.library = library
        self._seen = self.stamp()

    def stamp(self) -> tuple[int, int]:
        try:
            version = self.library.store.version()
        except Exception:  # noqa: BLE001 - a database busy or gone: compare again next time
            version = -1
        try:
            mtime = os.stat(Path(self.library.folder)).st_mtime_ns
        except OSError:
            mtime = 0
        return version, mtime

    def changed(self) -> bool:
        """True once per change seen since the last call (or `mark`)."""
        now = self.stamp()
        if now == self._seen:
            return False
        self._seen = now
        return True

    def mark(self) -> None:
        """The caller has just loaded the library as it is now."""
        self._seen = self.stamp()
