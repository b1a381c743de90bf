"""The embedding cache: vectors keyed by (model, chunk text hash), in its own SQLite file beside the
catalogue, so rebuilding a damaged catalogue re-encodes nothing. `vector_ok` is how the index checks a
vector read back (length, finite values, unit norm) before using it; a bad one is encoded again."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from assistant.library.integrity import check_or_set_aside

_SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    model TEXT NOT NULL,
    text_sha TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, text_sha)
);
"""


def vector_ok(vector: np.ndarray, dim: int | None) -> bool:
    """A cached vector fit to use: the model's length, finite, and of unit norm (the encoder normalises)."""
    if vector.ndim != 1 or (dim is not None and vector.shape[0] != dim) or vector.shape[0] == 0:
        return False
    if not np.isfinite(vector).all():
        return False
    return abs(float(np.linalg.norm(vector)) - 1.0) < 1e-3


class EmbeddingCache:
    def __init__(self, path: Path, read_only: bool = False, legacy: Path | None = None):
        self.path = Path(path)
        self.read_only = read_only or (self.path.is_file() and not self._writable())
        self._local = threading.local()
        self.messages: list[str] = []
        if self.read_only:
            return
        message = check_or_set_aside(self.path, "向量缓存", "已新建空缓存（文档片段将重新编码）")
        if message:
            self.messages.append(message)
        new = not self.path.is_file()
        with self._db() as db:
            db.executescript(_SCHEMA)
        if new and legacy is not None:
            self._import_legacy(legacy)

    def _writable(self) -> bool:
        import os

        return os.access(self.path, os.W_OK) and os.access(self.path.parent, os.W_OK)

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            if not self.read_only:
                db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
                with contextlib.suppress(sqlite3.DatabaseError):
                    db.execute("PRAGMA journal_mode = WAL")
            elif self.path.is_file():
                db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
            else:  # a read-only index folder without a cache: nothing cached, nothing kept
                db = sqlite3.connect(":memory:", check_same_thread=False)
                db.executescript(_SCHEMA)
            self._local.db = db
        return db

    def _import_legacy(self, legacy: Path) -> None:
        """Vectors cached inside the catalogue by earlier versions move here once."""
        with contextlib.suppress(sqlite3.DatabaseError):
            db = self._db()
            db.execute("ATTACH DATABASE ? AS old", (str(legacy),))
            try:
                if db.execute("SELECT 1 FROM old.sqlite_master WHERE name='embeddings'").fetchone():
                    with db:
                        db.execute("INSERT OR IGNORE INTO embeddings SELECT model, text_sha, vector FROM old.embeddings")
            finally:
                db.execute("DETACH DATABASE old")

    def cached_vectors(self, model: str, text_shas: Iterable[str]) -> dict[str, np.ndarray]:
        """The cached vectors of these texts (a blob of a wrong length comes back empty: vector_ok says no)."""
        shas = list(dict.fromkeys(text_shas))
        out: dict[str, np.ndarray] = {}
        db = self._db()
        for start in range(0, len(shas), 500):
            batch = shas[start:start + 500]
            for sha, blob in db.execute(
                    f"SELECT text_sha, vector FROM embeddings WHERE model=? AND text_sha IN ({','.join('?' * len(batch))})",
                    [model, *batch]):
                out[sha] = np.frombuffer(blob, dtype=np.float32) if len(blob) % 4 == 0 else np.zeros(0, np.float32)
        return out

    def cache_vectors(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        if self.read_only:
            return
        db = self._db()
        with db:
            db.executemany("INSERT OR REPLACE INTO embeddings (model, text_sha, vector) VALUES (?,?,?)",
                           [(model, sha, np.asarray(v, dtype=np.float32).tobytes()) for sha, v in vectors.items()])

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None
