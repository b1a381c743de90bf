"""Ingestion at scale: an add extends the index (segments, FAISS add, BM25 counts) and gives what a full
build gives; a removal rebuilds; a corrupt segment is caught; an interrupted build resumes from the cache;
the BM25 matrix built in numpy is bm25s's own. Real documents (tests/data/library/excerpts), the real model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import faiss
import numpy as np
import pytest

from assistant.retrieval.bm25_build import append_terms, count_terms, scores
from assistant.retrieval.hybrid_search import HybridSearcher, SearchFilters
from assistant.retrieval.index_store import (IndexCorruptError, build_index, load_index, load_or_build,
                                             read_manifest, search_dir)
from assistant.retrieval.zh_tokenize import tokenize_many

DATA = Path(__file__).parent / "data" / "library"
EXCERPTS = sorted((DATA / "excerpts").glob("*.txt"))
QUESTIONS = ("营商环境", "行政审批办事程序", "政务公开任务清单", "招商引资措施", "房管服务工作要点", "政府工作报告任务分解")


def _bm25s_columns(tokens):
    import bm25s

    retriever = bm25s.BM25()
    retriever.index(tokens, show_progress=False)
    s = retriever.scores
    return {t: (s["indices"][s["indptr"][i]:s["indptr"][i + 1]], s["data"][s["indptr"][i]:s["indptr"][i + 1]])
            for t, i in retriever.vocab_dict.items() if i < len(s["indptr"]) - 1}


def test_numpy_bm25_is_bm25s_bit_for_bit_and_append_equals_count():
    texts = [line for path in EXCERPTS for line in path.read_text("utf-8").splitlines() if line.strip()]
    tokens = tokenize_many(texts)
    counts = count_terms(tokens)
    data = scores(counts)
    expected = _bm25s_columns(tokens)
    assert set(expected) == set(counts.vocab) - {""}
    for token, (rows, values) in expected.items():
        j = counts.vocab[token]
        a, b = counts.indptr[j], counts.indptr[j + 1]
        assert np.array_equal(counts.rows[a:b], rows) and np.array_equal(data[a:b], values), token
    appended = append_terms(count_terms(tokens[:-7]), tokens[-7:])
    assert appended.vocab == counts.vocab
    for name in ("indptr", "rows", "tf", "lengths"):
        assert np.array_equal(getattr(appended, name), getattr(counts, name)), name
    assert np.array_equal(scores(appended), data)


def _library(tmp_path: Path, name: str, files, **overrides):
    from assistant.config import load_settings
    from assistant.library.catalog import Library

    folder = tmp_path / name / "library"
    folder.mkdir(parents=True)
    for f in files:
        shutil.copy(f, folder / f.name)
    settings = load_settings(library=folder, index_dir=tmp_path / name / "index", **overrides)
    library = Library(settings)
    library.sync()
    return settings, library


def _same_search(a: HybridSearcher, b: HybridSearcher) -> None:
    assert [c.key for c in a.chunks] == [c.key for c in b.chunks]
    assert a.index.fields == b.index.fields
    for q in QUESTIONS:
        for mode in ("hybrid", "dense", "bm25"):
            ha, hb = a.search(q, k=10, mode=mode), b.search(q, k=10, mode=mode)
            assert [(h.doc, h.ref, h.dense_rank, h.bm25_rank) for h in ha] == [(h.doc, h.ref, h.dense_rank, h.bm25_rank) for h in hb]
            assert np.allclose([h.score for h in ha], [h.score for h in hb], rtol=0, atol=1e-6), (q, mode)
    filtered = SearchFilters(docs=frozenset({a.chunks[-1].doc}))
    assert [h.ref for h in a.search("任务", filters=filtered)] == [h.ref for h in b.search("任务", filters=filtered)]


@pytest.mark.slow
def test_add_extends_the_index_as_a_full_build_would(tmp_path, real_encoder, monkeypatch):
    from assistant.retrieval import index_store

    monkeypatch.setattr(index_store, "MAX_SEGMENT_SHARE", 1.0)  # a small library: each add is a large share
    settings, library = _library(tmp_path, "inc", EXCERPTS[:4])
    first = load_or_build(settings, list(library.documents.values()), real_encoder, library.store, progress=False)
    assert first.manifest.segments == []
    before = len(first.chunks)

    for n, extra in enumerate(EXCERPTS[4:6], start=1):  # two adds: two segments
        assert library.add([extra])[0].status == "added"
        docs = list(library.documents.values())
        index = load_or_build(settings, docs, real_encoder, library.store, progress=False)
        assert len(index.manifest.segments) == n
        assert index.manifest.encoded == index.manifest.segments[-1]["chunks"]  # only the new document's chunks
        assert index_store.saved_tokens(index) == tokenize_many([c.text for c in index.chunks])
    # Milvus builds its BM25 over the same tokens, read (not tokenized again) with the added segments.
    from assistant.retrieval import milvus_search

    with monkeypatch.context() as patched:
        patched.setattr(milvus_search, "tokenize_many", lambda texts: pytest.fail("tokenized again"))
        assert milvus_search.index_tokens(index) == index_store.saved_tokens(index)
    assert len(index.chunks) > before
    reloaded = load_or_build(settings, docs, real_encoder, library.store, progress=False, rebuild=False)
    assert reloaded.manifest.built_at == index.manifest.built_at  # fresh: no rebuild on the next start

    full = build_index(settings.with_overrides(index_dir=tmp_path / "full"), docs, real_encoder, library.store,
                       progress=False)
    assert full.manifest.chunks_sha256 == reloaded.manifest.chunks_sha256
    assert reloaded.bm25.vocab_dict == full.bm25.vocab_dict
    for part in ("data", "indices", "indptr"):
        assert np.array_equal(reloaded.bm25.scores[part], full.bm25.scores[part]), part
    n = len(full.chunks)
    assert np.array_equal(reloaded.faiss_index.reconstruct_n(0, n), full.faiss_index.reconstruct_n(0, n))
    _same_search(HybridSearcher(settings, encoder=real_encoder, index=reloaded),
                 HybridSearcher(settings, encoder=real_encoder, index=full))

    # A damaged segment is caught like any other index file.
    segment = next((search_dir(settings) / "segments").glob("*.chunks.json"))
    segment.write_text(segment.read_text("utf-8").replace("任务", "仼务", 1), "utf-8")
    with pytest.raises(IndexCorruptError):
        load_index(search_dir(settings))

    # A removal (and the damaged index) lead to a whole new index, equal to a fresh build.
    library.remove(docs[1].doc)
    docs = list(library.documents.values())
    rebuilt = load_or_build(settings, docs, real_encoder, library.store, progress=False)
    assert rebuilt.manifest.segments == [] and rebuilt.manifest.encoded == 0
    fresh = build_index(settings.with_overrides(index_dir=tmp_path / "full2"), docs, real_encoder, library.store,
                        progress=False)
    _same_search(HybridSearcher(settings, encoder=real_encoder, index=rebuilt),
                 HybridSearcher(settings, encoder=real_encoder, index=fresh))


@pytest.mark.slow
def test_add_to_an_ivf_index_goes_into_its_trained_lists(tmp_path, real_encoder, monkeypatch):
    from assistant.retrieval import index_store

    monkeypatch.setattr(index_store, "MAX_SEGMENT_SHARE", 1.0)
    settings, library = _library(tmp_path, "ivf", EXCERPTS[:5], ann_threshold=10)
    first = load_or_build(settings, list(library.documents.values()), real_encoder, library.store, progress=False)
    assert isinstance(first.faiss_index, faiss.IndexIVFFlat) and first.manifest.dense == "ivf"
    centroids = first.faiss_index.quantizer.reconstruct_n(0, first.faiss_index.nlist)
    library.add([EXCERPTS[5]])
    docs = list(library.documents.values())
    index = load_or_build(settings, docs, real_encoder, library.store, progress=False)
    assert len(index.manifest.segments) == 1 and index.manifest.dense_trained == len(first.chunks)
    assert isinstance(index.faiss_index, faiss.IndexIVFFlat) and index.faiss_index.ntotal == len(index.chunks)
    assert np.array_equal(index.faiss_index.quantizer.reconstruct_n(0, index.faiss_index.nlist), centroids)
    reloaded = load_index(search_dir(settings))
    full = build_index(settings.with_overrides(index_dir=tmp_path / "ivf-full", ann_threshold=10_000), docs,
                       real_encoder, library.store, progress=False)
    n = len(full.chunks)
    assert np.allclose(reloaded.faiss_index.reconstruct_n(0, n), full.faiss_index.reconstruct_n(0, n))
    assert np.array_equal(reloaded.bm25.scores["data"], full.bm25.scores["data"])
    approx = HybridSearcher(settings, encoder=real_encoder, index=reloaded)
    exact = HybridSearcher(settings, encoder=real_encoder, index=full)
    for q in QUESTIONS:
        assert approx.search(q, mode="dense")[0].ref == exact.search(q, mode="dense")[0].ref


class FailingEncoder:
    """The real encoder that fails after `batches` passage batches (a build killed midway)."""

    def __init__(self, inner, batches: int):
        self.inner, self.batches, self.texts = inner, batches, []

    model_id = property(lambda self: self.inner.model_id)
    dim = property(lambda self: self.inner.dim)

    def encode_queries(self, texts):
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts):
        if self.batches == 0:
            raise KeyboardInterrupt
        self.batches -= 1
        self.texts += texts
        return self.inner.encode_passages(texts)


@pytest.mark.slow
def test_interrupted_build_resumes_from_the_cache(tmp_path, real_encoder, monkeypatch):
    from assistant.retrieval import index_store

    monkeypatch.setattr(index_store, "ENCODE_BATCH", 2)  # small documents, several batches
    settings, library = _library(tmp_path, "resume", EXCERPTS[:3])
    docs = list(library.documents.values())
    killed = FailingEncoder(real_encoder, batches=2)
    with pytest.raises(KeyboardInterrupt):
        build_index(settings, docs, killed, library.store, progress=False)
    assert len(killed.texts) == 4 and not search_dir(settings).exists()
    rerun = FailingEncoder(real_encoder, batches=10_000)
    index = build_index(settings, docs, rerun, library.store, progress=False)
    assert rerun.texts and set(rerun.texts).isdisjoint(killed.texts)  # the first two batches came from the cache
    assert index.manifest.encoded == len(set(c.text for c in index.chunks)) - 4 == len(rerun.texts)
    assert json.loads((search_dir(settings) / "manifest.json").read_text("utf-8"))["encoded"] == index.manifest.encoded
    assert read_manifest(search_dir(settings)).chunk_count == len(index.chunks)
