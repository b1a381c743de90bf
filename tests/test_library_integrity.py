"""Interrupted work and damaged files (issue 20): a copy killed midway and an interrupted index swap leave
nothing behind at the next start; a damaged cached vector is encoded again; a damaged catalogue page is
found at start and the catalogue rebuilt from the library folder without re-encoding, each with a message."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from assistant.config import load_settings
from assistant.library.catalog import Library
from assistant.retrieval.index_store import build_index, load_or_build, search_dir

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "library"
SMALL = ("national-2019-online-government-services-provisions.md", "kaifeng-2022-regulation.md")


class CountingEncoder:
    """A deterministic stand-in for the sentence model (unit vectors from each text's hash): these tests are
    about files, not about retrieval quality. It counts the texts it encodes."""

    model_id = "counting-test-encoder"
    dim = 16

    def __init__(self):
        self.encoded: list[str] = []

    def encode_passages(self, texts):
        self.encoded += list(texts)
        out = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            v = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
            out.append(v / np.linalg.norm(v))
        return np.stack(out) if out else np.zeros((0, self.dim), np.float32)

    encode_queries = encode_passages


@pytest.fixture
def library(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in SMALL:
        shutil.copyfile(DATA / name, folder / name)
    settings = load_settings(library=folder, index_dir=tmp_path / "index")
    library = Library(settings)
    library.sync()
    return library


def _build(library, encoder):
    return load_or_build(library.settings, list(library.documents.values()), encoder, library.store, progress=False)


_KILLED_ADD = """
import os, signal, sys
from pathlib import Path
real_replace = os.replace

def killed_before_rename(source, target):  # the copy is written, not yet verified-and-renamed: die here
    if ".part-" in str(source):
        os.kill(os.getpid(), signal.SIGKILL)
    return real_replace(source, target)

os.replace = killed_before_rename
from assistant.config import load_settings
from assistant.library.catalog import Library
Library(load_settings(library=sys.argv[1], index_dir=sys.argv[2])).add([sys.argv[3]])
"""


def test_a_copy_killed_midway_is_removed_at_next_start(library):
    """`library add` killed (SIGKILL) while its copy sits under the temporary name: the library never shows
    the file, and the next start removes the leftover."""
    settings = library.settings
    added = subprocess.run([sys.executable, "-c", _KILLED_ADD, str(settings.library), str(settings.index_dir),
                            str(DATA / "dezhou-2021-regulation.md")], cwd=ROOT, timeout=300, capture_output=True)
    assert added.returncode == -9, added.stderr
    assert list(library.folder.glob(".dezhou-2021-regulation.md.part-*"))
    assert not (library.folder / "dezhou-2021-regulation.md").exists()
    docs_before = list(library.documents)
    restarted = Library(settings)
    restarted.sync()
    assert not list(library.folder.glob(".*.part-*"))
    assert list(restarted.documents) == docs_before


def test_an_interrupted_index_swap_is_cleaned_at_next_start(library):
    encoder = CountingEncoder()
    built = _build(library, encoder)
    target = search_dir(library.settings)
    aside = target.parent / f".{target.name}.old-99999-1"  # renamed aside by a swap killed before its cleanup
    shutil.copytree(target, aside)
    temp = target.parent / f".{target.name}.tmp-killed"  # a build killed while writing
    temp.mkdir()
    (temp / "vectors.faiss").write_bytes(b"half")
    encoder.encoded.clear()
    loaded = _build(library, encoder)
    assert not aside.exists() and not temp.exists()
    assert loaded.manifest.built_at == built.manifest.built_at and not encoder.encoded  # loaded, not rebuilt


def test_a_damaged_cached_vector_is_encoded_again(library, capsys):
    encoder = CountingEncoder()
    _build(library, encoder)
    cache = library.store.embeddings.path
    assert cache.name == "embeddings.sqlite" and cache.is_file()  # its own file, beside the catalogue
    with sqlite3.connect(cache) as db:
        sha, blob = db.execute("SELECT text_sha, vector FROM embeddings LIMIT 1").fetchone()
        bad = np.frombuffer(blob, dtype=np.float32).copy()
        bad[3] = np.nan
        db.execute("UPDATE embeddings SET vector=? WHERE text_sha=?", (bad.tobytes(), sha))
        sha2 = db.execute("SELECT text_sha FROM embeddings WHERE text_sha != ? LIMIT 1", (sha,)).fetchone()[0]
        db.execute("UPDATE embeddings SET vector=? WHERE text_sha=?", (b"\x00" * 12, sha2))  # wrong length
    encoder.encoded.clear()
    capsys.readouterr()
    build_index(library.settings, list(library.documents.values()), encoder, library.store, progress=False)
    assert "向量缓存中有 2 个向量已损坏" in capsys.readouterr().err
    assert len(encoder.encoded) == 2
    again = library.store.cached_vectors(encoder.model_id, [sha, sha2])
    assert all(np.isfinite(v).all() and v.shape == (16,) for v in again.values())


def test_a_damaged_catalogue_page_is_rebuilt_from_the_folder(library, capsys):
    encoder = CountingEncoder()
    _build(library, encoder)
    docs = {d: doc.title for d, doc in library.documents.items()}
    library.store.close()
    path = library.store.path
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 4 * page
    data[page:3 * page] = os.urandom(2 * page)  # pages 2 and 3: catalogue b-tree pages
    path.write_bytes(bytes(data))

    restarted = Library(library.settings)
    messages = restarted.sync()
    assert any("文库数据库已损坏" in m and "重建" in m for m in messages), messages
    assert {d: doc.title for d, doc in restarted.documents.items()} == docs
    assert list(path.parent.glob("library.sqlite.damaged-*"))  # kept for inspection
    encoder.encoded.clear()
    _build(restarted, encoder)
    assert not encoder.encoded  # the embedding cache was untouched: nothing encoded again
