"""An add costs what the new document costs: the catalogue's documents in memory follow the store's own writes
(only the written documents read again, another process's writes still seen), the index update reads no
previous chunk record (the index it returns reads them when used, checked against the manifest) and leaves
vectors.faiss as it was (the new vectors in the segment), and a few new chunks are cut with the frozen
dictionary exactly as the full tokenizer cuts them. Real documents
(tests/data/library/excerpts), the real model."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.library.store import LibraryStore

DATA = Path(__file__).parent / "data" / "library"
EXCERPTS = sorted((DATA / "excerpts").glob("*.txt"))


def _library(tmp_path: Path, files):
    from assistant.config import load_settings
    from assistant.library.catalog import Library

    folder = tmp_path / "library"
    folder.mkdir(parents=True)
    for f in files:
        shutil.copy(f, folder / f.name)
    settings = load_settings(library=folder, index_dir=tmp_path / "index")
    library = Library(settings)
    library.sync()
    return settings, library


def _full_loads(monkeypatch) -> tuple[list[int], object]:
    """Counts the reads of the whole catalogue (not those of a few documents); returns (calls, the uncounted read)."""
    calls: list[int] = []
    original = LibraryStore._load_documents

    def counting(db, only=None):
        if only is None:
            calls.append(1)
        return original(db, only)

    monkeypatch.setattr(LibraryStore, "_load_documents", staticmethod(counting))
    return calls, original


def test_documents_in_memory_follow_own_writes_and_see_others(tmp_path, monkeypatch):
    settings, library = _library(tmp_path, EXCERPTS[:2])
    store = library.store
    assert len(library.documents) == 2
    full, read_all = _full_loads(monkeypatch)

    def fresh():  # what another process reads from the database
        return read_all(LibraryStore(store.path)._db())

    added = library.add([EXCERPTS[2]])[0]
    assert added.status == "added" and full == []  # the add read only its own document again
    assert list(library.documents) == list(fresh()) and library.documents == fresh()
    first = next(iter(library.documents))
    store.set_sources(first, [["a.txt", "0" * 64]])
    store.put(library.documents[first], "test")  # written again: it moves to the end, as the rowid does
    assert full == [] and list(library.documents) == list(fresh()) and library.documents == fresh()

    other = LibraryStore(store.path)  # another process writes: this one reads the whole catalogue again
    other.set_short_names({added.doc: "别名"})
    assert library.documents[added.doc].short_name == "别名" and len(full) == 1
    other.delete(first)
    store.set_short_names({added.doc: "又一名"})  # its cache is behind the database: not patched, read again
    assert first not in library.documents and library.documents == fresh() and len(full) == 2


@pytest.mark.slow
def test_add_reads_no_previous_chunk_record_and_the_index_reads_them_when_used(tmp_path, real_encoder, monkeypatch):
    from assistant.retrieval import index_store
    from assistant.retrieval.index_store import IndexCorruptError, build_index, load_index, load_or_build, search_dir

    monkeypatch.setattr(index_store, "MAX_SEGMENT_SHARE", 1.0)  # a small library: each add is a large share
    settings, library = _library(tmp_path, EXCERPTS[:3])
    load_or_build(settings, list(library.documents.values()), real_encoder, library.store, progress=False)
    vectors = search_dir(settings) / "vectors.faiss"
    before = vectors.stat().st_ino
    assert library.add([EXCERPTS[3]])[0].status == "added"
    docs = list(library.documents.values())
    with monkeypatch.context() as patched:
        patched.setattr(index_store, "_read_records", lambda *a, **k: pytest.fail("chunk records read"))
        added = load_or_build(settings, docs, real_encoder, library.store, progress=False)
    assert len(added.manifest.segments) == 1 and len(added) == added.manifest.chunk_count
    assert vectors.stat().st_ino == before  # shared with the previous index: the new vectors are in the segment

    full = build_index(settings.with_overrides(index_dir=tmp_path / "full"), docs, real_encoder, library.store,
                       progress=False)
    reloaded = load_index(search_dir(settings))
    assert added.chunks == full.chunks == reloaded.chunks
    assert added.fields == full.fields and any(f.lead for f in added.fields)
    # The BM25 arrays it holds are those it wrote (not read back): what loading the index gives.
    assert added.bm25.vocab_dict == reloaded.bm25.vocab_dict == full.bm25.vocab_dict
    for part in ("data", "indices", "indptr", "num_docs"):
        assert np.array_equal(added.bm25.scores[part], reloaded.bm25.scores[part]), part
        assert np.array_equal(added.bm25.scores[part], full.bm25.scores[part]), part
    n = full.manifest.chunk_count  # loading adds the segment's vectors: the vectors of a full build, in order
    assert np.array_equal(added.faiss_index.reconstruct_n(0, n), full.faiss_index.reconstruct_n(0, n))
    assert np.array_equal(reloaded.faiss_index.reconstruct_n(0, n), full.faiss_index.reconstruct_n(0, n))

    # Read after the load, the records are checked against the manifest: a replaced file is not taken.
    assert library.add([EXCERPTS[4]])[0].status == "added"
    later = load_or_build(settings, list(library.documents.values()), real_encoder, library.store, progress=False)
    segment = search_dir(settings) / index_store._segment_files(later.manifest.segments[-1]["name"])[0]
    segment.write_text(segment.read_text("utf-8").replace("任务", "仼务", 1), "utf-8")
    with pytest.raises(IndexCorruptError):
        later.chunks


def test_a_few_chunks_are_cut_with_the_frozen_dictionary_as_the_full_tokenizer_cuts_them(tmp_path, monkeypatch):
    from assistant.retrieval import zh_tokenize as z

    texts = [line for path in EXCERPTS[:2] for line in path.read_text("utf-8").splitlines() if line.strip()]
    full = z._get_tokenizer()
    expected = [z._cut(full, t) for t in texts]
    z.write_frozen_dictionary(z.frozen_dictionary_path(tmp_path))
    monkeypatch.setattr(z, "_frozen_dir", tmp_path)
    monkeypatch.setattr(z, "_query_tok", None)
    monkeypatch.setattr(z, "_tokenizer", None)  # a fresh process: the full tokenizer not loaded
    loader = z._get_tokenizer
    monkeypatch.setattr(z, "_get_tokenizer", lambda: pytest.fail("full tokenizer loaded"))
    assert sum(map(len, texts)) <= z.FROZEN_BATCH_CHARS
    assert z.tokenize_many(texts) == expected
    monkeypatch.setattr(z, "FROZEN_BATCH_CHARS", 10)  # in bulk the full tokenizer cuts
    monkeypatch.setattr(z, "_get_tokenizer", loader)
    assert z.tokenize_many(texts) == expected and z._tokenizer is not None
