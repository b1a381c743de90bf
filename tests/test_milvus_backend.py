"""Search on Milvus Lite (a real Milvus engine in the process) behind the searcher interface, compared with
the embedded FAISS + bm25s searcher over the same index (the seed notice) question by question: the same
rankings, scores and answers. (The whole library evaluation on both backend pairs: test_backend_parity.py.)

Skipped, with the reason, when pymilvus or milvus-lite cannot be imported (the optional extra
`pip install -e ".[milvus]"`).
"""

from __future__ import annotations

import time

import pytest

pytest.importorskip("pymilvus", reason="未安装 pymilvus（pip install -e \".[milvus]\"）/ pymilvus not installed")
pytest.importorskip("milvus_lite", reason="未安装 milvus-lite（pip install -e \".[milvus]\"）/ milvus-lite not installed")

pytestmark = pytest.mark.slow

QUESTIONS = (  # paraphrases, not the notice's wording
    "开一家公司要跑几个部门、几天能办完？",
    "带外线的供水工程要多少个工作日办完？",
    "商业纠纷官司平均多少天能结？",
    "企业怎么申请不动产登记？",
    "跨境贸易通关时间怎么压缩？",
    "中小投资者的权益怎么保护？",
    "纳税要花多长时间？",
    "政府采购有什么改革措施？",
)
ANSWER_QUESTIONS = (
    "开办一家企业需要几个工作日？",
    "带外线的供水工程要多少个工作日办完？",
    "税务局牵头负责哪些任务？",
    "第九部分实施保障讲了什么",
    "商业纠纷官司平均多少天能结？",
    "明天会下雨吗？",
)


@pytest.fixture(scope="module")
def milvus_settings(retrieval_settings, tmp_path_factory):
    uri = tmp_path_factory.mktemp("milvus") / "milvus.db"
    return retrieval_settings.with_overrides(search_backend="milvus", milvus_uri=str(uri))


@pytest.fixture(scope="module")
def milvus_searcher(milvus_settings, real_encoder, retrieval_index):
    from assistant.retrieval.hybrid_search import make_searcher
    from assistant.retrieval.milvus_search import MilvusSearcher

    started = time.perf_counter()
    searcher = make_searcher(milvus_settings, encoder=real_encoder, index=retrieval_index)
    assert isinstance(searcher, MilvusSearcher)
    print(f"\nMilvus Lite collection built: {len(retrieval_index)} units in {time.perf_counter() - started:.2f}s")
    return searcher


def _refs(hits):
    return [(h.doc, h.ref) for h in hits]


def _ranked(hits):
    return [(h.doc, h.ref, h.dense_rank, h.bm25_rank) for h in hits]


def test_dense_ranking_equals_faiss(hybrid_searcher, milvus_searcher):
    """Milvus' exact FLAT index (below ann_threshold, as FAISS' flat one) gives the same ranking and cosines."""
    import numpy as np

    for q in QUESTIONS:
        vector = hybrid_searcher.encoder.encode_queries([q])[0]
        faiss_ids, faiss_scores = hybrid_searcher._dense(vector, 50, None)
        milvus_ids, milvus_scores = milvus_searcher._dense(vector, 50, None)
        assert milvus_ids.tolist() == faiss_ids.tolist(), q
        assert np.array_equal(milvus_scores, faiss_scores), q


def test_bm25_ranking_equals_bm25s(hybrid_searcher, milvus_searcher):
    """Milvus' own BM25 function over the index's terms scores as bm25s does (synonym weight included)."""
    import numpy as np

    for q in (*QUESTIONS, *ANSWER_QUESTIONS, "住建厅牵头哪些任务？"):
        ids, scores = hybrid_searcher._lexical(q, 50, None)
        milvus_ids, milvus_scores = milvus_searcher._lexical(q, 50, None)
        assert milvus_ids.tolist() == ids.tolist(), q
        np.testing.assert_allclose(milvus_scores, scores, rtol=1e-5, err_msg=q)


def test_hybrid_hits_equal_faiss(hybrid_searcher, milvus_searcher):
    faiss_ms, milvus_ms = [], []
    for q in QUESTIONS:
        t = time.perf_counter()
        faiss_result = hybrid_searcher.search_detailed(q, k=10)
        faiss_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        result = milvus_searcher.search_detailed(q, k=10)
        milvus_ms.append((time.perf_counter() - t) * 1000)
        assert _ranked(result.hits) == _ranked(faiss_result.hits), q
        assert result.dense_top == pytest.approx(faiss_result.dense_top) and result.bm25_top > 0, q
        assert result.bm25_top == pytest.approx(faiss_result.bm25_top, rel=1e-5), q
    print(f"mean ms/query faiss {sum(faiss_ms) / len(faiss_ms):.1f}, milvus {sum(milvus_ms) / len(milvus_ms):.1f}")


def test_hnsw_above_ann_threshold(milvus_settings, hybrid_searcher, retrieval_index, tmp_path):
    """Above ann_threshold the collection's dense index is HNSW (approximate), its top hit still FAISS' top."""
    from assistant.retrieval.milvus_search import MilvusSearcher

    settings = milvus_settings.with_overrides(ann_threshold=10, milvus_uri=str(tmp_path / "hnsw.db"))
    searcher = MilvusSearcher(settings, encoder=hybrid_searcher.encoder, index=retrieval_index)
    assert searcher.dense_index == "HNSW"
    for q in QUESTIONS[:3]:
        assert _refs(searcher.search(q, k=1, mode="dense")) == _refs(hybrid_searcher.search(q, k=1, mode="dense")), q
    searcher.client.close()


def test_milvus_fusion_inside_milvus(milvus_searcher):
    """hybrid_search (two AnnSearchRequests, RRFRanker) fuses to the same set as the searcher's own RRF."""
    for q in QUESTIONS[:3]:
        inside = [milvus_searcher.chunks[i].key for i, _ in milvus_searcher.hybrid_search(q, k=10)]
        outside = _refs(milvus_searcher.search(q, k=10))
        assert len(set(inside) & set(outside)) >= 8, q


def test_doc_and_field_filters(hybrid_searcher, milvus_searcher, seed_doc):
    from assistant.retrieval.hybrid_search import SearchFilters

    scoped = milvus_searcher.search("营商环境", k=5, filters=SearchFilters(docs=frozenset({seed_doc.doc})))
    assert scoped and {h.doc for h in scoped} == {seed_doc.doc}
    assert milvus_searcher.search("营商环境", k=5, filters=SearchFilters(docs=frozenset({"不存在的文件"}))) == []
    # a document id that needs quoting in the expression
    assert milvus_searcher.search("营商环境", k=5, filters=SearchFilters(docs=frozenset({'a"b\\c'}))) == []
    rows = SearchFilters(lead="税务局")
    faiss_rows = _refs(hybrid_searcher.search("纳税", k=50, filters=rows))
    milvus_rows = _refs(milvus_searcher.search("纳税", k=50, filters=rows))
    assert milvus_rows and set(milvus_rows) == set(faiss_rows)
    assert all(ref.startswith("task") for _, ref in milvus_rows)


def test_answers_on_both_backends(shared_assistant, milvus_settings):
    """Question by question the answers (text, citations, abstention) are the same on both backends."""
    from assistant.answering.service import Assistant
    from assistant.retrieval.milvus_search import MilvusSearcher

    on_milvus = Assistant(milvus_settings, progress=False)
    assert isinstance(on_milvus.searcher, MilvusSearcher)
    differ = []
    for q in ANSWER_QUESTIONS:
        a, b = shared_assistant.ask(q), on_milvus.ask(q)
        cites_a, cites_b = [(c.doc, c.ref) for c in a.citations], [(c.doc, c.ref) for c in b.citations]
        if (b.abstained, b.answer, cites_b) != (a.abstained, a.answer, cites_a):
            differ.append(f"{q}: faiss {cites_a[:2]} milvus {cites_b[:2]}")
    assert not differ, "\n".join(differ)


def test_bad_uri_is_a_chinese_error(retrieval_settings, real_encoder, retrieval_index, tmp_path):
    from assistant.retrieval.hybrid_search import make_searcher
    from assistant.retrieval.milvus_search import MilvusBackendError

    missing_dir = retrieval_settings.with_overrides(search_backend="milvus",
                                                    milvus_uri=str(tmp_path / "no" / "such" / "m.db"))
    with pytest.raises(MilvusBackendError, match="文件夹不存在"):
        make_searcher(missing_dir, encoder=real_encoder, index=retrieval_index)
    no_server = retrieval_settings.with_overrides(search_backend="milvus", milvus_uri="http://127.0.0.1:9")
    with pytest.raises(MilvusBackendError, match="无法连接Milvus 服务"):
        make_searcher(no_server, encoder=real_encoder, index=retrieval_index)


def test_backend_setting_from_environment(monkeypatch):
    from assistant.config import ConfigError, load_settings

    monkeypatch.setenv("ASSISTANT_SEARCH_BACKEND", "milvus")
    monkeypatch.setenv("ASSISTANT_MILVUS_URI", "http://milvus:19530")
    settings = load_settings()
    assert (settings.search_backend, settings.resolved_milvus_uri) == ("milvus", "http://milvus:19530")
    monkeypatch.setenv("ASSISTANT_SEARCH_BACKEND", "elastic")
    with pytest.raises(ConfigError, match="未知的检索后端"):
        load_settings()
