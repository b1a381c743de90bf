"""The embedded dense index turns approximate (IVF) above settings.ann_threshold units and stays exact below."""

from __future__ import annotations

import faiss
import numpy as np
import pytest

from assistant.retrieval.hybrid_search import HybridSearcher, SearchFilters, dense_ranking
from assistant.retrieval.index_store import build_index, dense_index, ivf_params


def test_ivf_params_grow_with_the_square_root():
    assert ivf_params(0) == (1, 1)
    assert ivf_params(100) == (2, 2)  # at least 39 training points per list
    assert ivf_params(20_000) == (512, 86)
    nlist, nprobe = ivf_params(1_000_000)
    assert nlist == 4000 and nprobe == 667
    for n in (50, 5_000, 100_000, 3_000_000):
        nlist, nprobe = ivf_params(n)
        assert 1 <= nprobe <= nlist <= max(1, n // 39)


def test_threshold_keeps_flat_below_and_ivf_above():
    vectors = np.random.default_rng(0).normal(size=(400, 16)).astype(np.float32)
    faiss.normalize_L2(vectors)
    assert isinstance(dense_index(vectors, 16, 400), faiss.IndexFlatIP)
    ivf = dense_index(vectors, 16, 399)
    assert isinstance(ivf, faiss.IndexIVFFlat) and ivf.ntotal == 400
    assert np.allclose(ivf.reconstruct(7), vectors[7])  # the direct map filtered search relies on
    # A filtered search on the approximate index ranks the allowed vectors exactly, as the flat index does.
    flat = dense_index(vectors, 16, 400)
    allowed = np.arange(0, 400, 3, dtype=np.int64)
    ids_a, scores_a = dense_ranking(ivf, vectors[5], 10, allowed)
    ids_f, scores_f = dense_ranking(flat, vectors[5], 10, allowed)
    assert ids_a.tolist() == ids_f.tolist() and np.allclose(scores_a, scores_f, atol=1e-5)


@pytest.mark.slow
def test_approximate_index_of_the_real_library_keeps_the_top_hit(retrieval_settings, seed_library, real_encoder,
                                                                 hybrid_searcher, tmp_path):
    settings = retrieval_settings.with_overrides(index_dir=tmp_path / "index", ann_threshold=100)
    index = build_index(settings, list(seed_library.documents.values()), real_encoder, seed_library.store,
                        progress=False)
    assert isinstance(index.faiss_index, faiss.IndexIVFFlat)
    assert index.faiss_index.ntotal == len(hybrid_searcher.index.chunks)
    approx = HybridSearcher(settings, encoder=real_encoder, index=index)
    for question in ("出口退税要多久", "哪些任务由税务局牵头", "开办企业时间压缩", "获得电力", "工程建设项目审批"):
        for mode in ("hybrid", "dense"):
            assert approx.search(question, mode=mode)[0].ref == hybrid_searcher.search(question, mode=mode)[0].ref
    filters = SearchFilters(lead="税务局")
    assert ([h.ref for h in approx.search("纳税", filters=filters)]
            == [h.ref for h in hybrid_searcher.search("纳税", filters=filters)])
    # A changed threshold makes the index stale: the next load rebuilds the kind the settings ask for.
    from assistant.retrieval.index_store import read_manifest, search_dir, stale_reasons

    manifest = read_manifest(search_dir(settings))
    docs = list(seed_library.documents.values())
    assert manifest.dense == "ivf" and stale_reasons(manifest, docs, real_encoder, 100) == []
    assert any("flat" in r for r in stale_reasons(manifest, docs, real_encoder, 50_000))


def test_chunk_tokens_reuse_known_texts(monkeypatch):
    from assistant.retrieval import index_store

    seen = []
    monkeypatch.setattr(index_store, "tokenize_many", lambda texts: seen.extend(texts) or [[t] for t in texts])
    out = index_store.chunk_tokens(["甲", "乙", "乙"], {"甲": ["x"]})
    assert out == [["x"], ["乙"], ["乙"]] and seen == ["乙"]
    assert index_store.previous_tokens(None) == {}


@pytest.mark.slow
def test_rebuild_tokenizes_only_new_texts(retrieval_settings, seed_library, real_encoder, tmp_path, monkeypatch):
    from assistant.retrieval import index_store

    settings = retrieval_settings.with_overrides(index_dir=tmp_path / "index")
    docs = list(seed_library.documents.values())
    first = build_index(settings, docs, real_encoder, seed_library.store, progress=False)
    seen = []
    real = index_store.tokenize_many
    monkeypatch.setattr(index_store, "tokenize_many", lambda texts: seen.extend(texts) or real(texts))
    second = build_index(settings, docs, real_encoder, seed_library.store, progress=False)
    assert seen == []
    assert second.bm25.vocab_dict == first.bm25.vocab_dict
    assert np.array_equal(second.bm25.scores["data"], first.bm25.scores["data"])
