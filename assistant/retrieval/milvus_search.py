"""Search on Milvus: the same searcher as hybrid_search.HybridSearcher, with the data held by Milvus.

One collection per index build holds, for every chunk, its position in the index (primary key), its
document id, its text and its passage vector. Milvus ranks both ways: dense vectors through an HNSW index
(inner product over L2-normalised vectors = cosine, as FAISS), and lexically through Milvus' own BM25
function over a jieba-analysed text field (a sparse vector field). Filters become Milvus expressions
(`doc in [...]`, or `id in [...]` for the task-row fields). The two rankings are fused by the searcher's
reciprocal-rank fusion, so hits, tie-break and raw scores have the same shape whichever backend ran;
`hybrid_search` does the fusion inside Milvus (RRFRanker) for callers that need only the fused ranking.

Vectors are the FAISS index's own (read back from it), which comes from the library's embedding cache:
nothing is embedded twice. The collection is named after the index's digests (chunks, model), so a
library change that rebuilds the FAISS index makes a new collection; older ones are dropped.

The client reaches Milvus Lite (a file path; the `milvus-lite` package) or a Milvus server or cluster
(http://host:19530) by the same URI.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.errors import UserError
from assistant.retrieval.hybrid_search import HybridSearcher, SearchFilters
from assistant.retrieval.index_store import LoadedIndex
from assistant.retrieval.zh_tokenize import normalize, tokenize_query_parts

PREFIX = "units_"


def analyzer_params() -> dict:
    """Milvus' jieba analyzer set up as the embedded BM25's tokenizer (zh_tokenize): search mode (words
    plus their dictionary 2/3-grams), jieba's dictionary plus the domain words and aliases, the same
    stopwords. Built from the same data files, so the two backends tokenize alike."""
    from assistant.retrieval.zh_tokenize import domain_words, stopwords, synonyms

    words = sorted({w for w in (*domain_words(), *synonyms().keys()) if len(w) > 1})
    return {
        "tokenizer": {"type": "jieba", "dict": ["_default_", *words], "mode": "search", "hmm": True},
        "filter": [{"type": "stop", "stop_words": sorted(stopwords())}],
    }

HNSW_PARAMS = {"M": 16, "efConstruction": 200}
INSERT_BATCH = 2000
MAX_TEXT_BYTES = 60_000  # VARCHAR limit is 65,535 bytes
INSTALL_HINT = '请安装 Milvus 扩展：pip install -e ".[milvus]"（即 pymilvus 与 milvus-lite）'


class MilvusBackendError(UserError, RuntimeError):
    """Milvus missing, unreachable or refusing a request; str(error) is a Chinese message."""


def _pymilvus():
    try:
        import pymilvus
    except ImportError as exc:
        raise MilvusBackendError(f"检索后端设为 milvus，但未安装 pymilvus。{INSTALL_HINT}") from exc
    return pymilvus


def connect(uri: str):
    """A MilvusClient for a file path (Milvus Lite) or a server URI, or a Chinese error."""
    pymilvus = _pymilvus()
    is_server = uri.startswith(("http://", "https://", "tcp://", "grpc://"))
    if not is_server:
        parent = Path(uri).expanduser().parent
        if not parent.is_dir():
            raise MilvusBackendError(f"Milvus Lite 数据文件所在的文件夹不存在：{parent}（请检查 milvus_uri）")
        try:
            import milvus_lite  # noqa: F401
        except ImportError as exc:
            raise MilvusBackendError(f"milvus_uri 是文件路径（Milvus Lite），但未安装 milvus-lite。{INSTALL_HINT}") from exc
    try:
        # A cluster with authentication: ASSISTANT_MILVUS_TOKEN="用户:密码" (kept out of config files).
        return pymilvus.MilvusClient(uri=uri, token=os.environ.get("ASSISTANT_MILVUS_TOKEN", ""), timeout=10)
    except Exception as exc:  # pymilvus raises MilvusException or grpc/OS errors
        where = "Milvus 服务" if is_server else "Milvus Lite 数据文件"
        raise MilvusBackendError(f"无法连接{where}：{uri}（{type(exc).__name__}: {str(exc)[:200]}）。"
                                 "请检查 milvus_uri（文件路径或 http://主机:19530）与服务是否已启动。") from exc


def collection_name(index: LoadedIndex) -> str:
    m = index.manifest
    digest = hashlib.sha256(f"{m.chunks_sha256}|{m.tokenizer_sha256}|{m.model_id}|{m.dim}".encode()).hexdigest()[:16]
    return PREFIX + digest


def _clip(text: str) -> str:
    raw = text.encode("utf-8")
    return text if len(raw) <= MAX_TEXT_BYTES else raw[:MAX_TEXT_BYTES].decode("utf-8", "ignore")


def build_collection(client, name: str, index: LoadedIndex) -> None:
    """Create and fill the collection of `index` (vectors read back from its FAISS index)."""
    pymilvus = _pymilvus()
    DataType, Function, FunctionType = pymilvus.DataType, pymilvus.Function, pymilvus.FunctionType
    schema = client.create_schema(auto_id=False, description=f"{index.manifest.model_id} {index.manifest.chunks_sha256}")
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("doc", DataType.VARCHAR, max_length=512)
    schema.add_field("text", DataType.VARCHAR, max_length=65_535, enable_analyzer=True,
                     analyzer_params=analyzer_params())
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=index.manifest.dim)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                                 input_field_names=["text"], output_field_names=["sparse"]))
    params = client.prepare_index_params()
    params.add_index("dense", index_type="HNSW", metric_type="IP", params=HNSW_PARAMS)
    params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    client.create_collection(name, schema=schema, index_params=params)
    n = len(index.chunks)
    vectors = index.faiss_index.reconstruct_n(0, n) if n else np.empty((0, index.manifest.dim), np.float32)
    for start in range(0, n, INSERT_BATCH):
        rows = [{"id": i, "doc": c.doc, "text": _clip(normalize(c.text)), "dense": vectors[i].tolist()}
                for i, c in enumerate(index.chunks[start:start + INSERT_BATCH], start=start)]
        client.insert(name, rows)
    client.flush(name)


def ensure_collection(client, index: LoadedIndex, progress: bool = False) -> str:
    """The collection of this index build, made when missing; collections of older builds are dropped."""
    name = collection_name(index)
    if not client.has_collection(name):
        if progress:
            print(f"正在把 {len(index.chunks)} 个检索单元写入 Milvus……", file=sys.stderr, flush=True)
        building = name + "_building"
        if client.has_collection(building):
            client.drop_collection(building)  # an interrupted build
        build_collection(client, building, index)
        client.rename_collection(building, name)
    for other in client.list_collections():
        if other.startswith(PREFIX) and other != name:
            client.drop_collection(other)
    client.load_collection(name)
    return name


def filter_expr(filters: SearchFilters | None, allowed: np.ndarray | None) -> str:
    """The Milvus boolean expression of the filters ('' = everything). Document scope becomes `doc in`;
    the task-row fields (agency names matched through synonyms, categories by substring, deadlines)
    are resolved by the searcher's own matcher into the allowed positions, sent as `id in`."""
    if allowed is None:
        return ""
    if filters is not None and not filters.rows_only and filters.docs is not None:
        docs = ", ".join(_quote(d) for d in sorted(filters.docs))
        return f"doc in [{docs}]"
    return f"id in [{', '.join(str(int(i)) for i in allowed)}]"


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ranking(result: Sequence[Sequence[dict]], positive: bool) -> tuple[np.ndarray, np.ndarray]:
    hits = result[0] if result else []
    ids = np.array([int(h["id"]) for h in hits], dtype=np.int64)
    scores = np.array([float(h["distance"]) for h in hits], dtype=np.float32)
    if positive:
        scores = np.abs(scores)  # Milvus Lite reports BM25 scores negated
    return ids, scores


def lexical_query(query: str) -> str:
    """The text Milvus' analyzer sees for a question: the normalised question followed by the notice's
    wording of its colloquial aliases and phrases (the synonym expansion the embedded BM25 adds)."""
    _, extra = tokenize_query_parts(query)
    return " ".join([normalize(query), *extra])


class MilvusSearcher(HybridSearcher):
    """HybridSearcher whose two rankers run in Milvus. `search` and `search_detailed` keep their
    signatures and typed results; the FAISS index stays the source of chunks, fields and vectors."""

    ef: int = 128  # HNSW search breadth (≥ depth)

    def __init__(self, settings: Settings, **kwargs) -> None:
        super().__init__(settings, **kwargs)
        self.uri = settings.resolved_milvus_uri
        self.client = connect(self.uri)
        try:
            self.collection = ensure_collection(self.client, self.index, progress=kwargs.get("progress", False))
        except MilvusBackendError:
            raise
        except Exception as exc:
            raise MilvusBackendError(f"Milvus 建立检索集合失败：{type(exc).__name__}: {str(exc)[:300]}") from exc
        self._filters: SearchFilters | None = None

    def search_detailed(self, query, k=10, filters=None, mode="hybrid"):
        self._filters = filters  # read by the rankers below (docs scope → `doc in` expression)
        return super().search_detailed(query, k, filters, mode)

    def _search(self, data, field: str, params: dict, depth: int, allowed: np.ndarray | None):
        try:
            return self.client.search(self.collection, data=data, anns_field=field, limit=depth,
                                      search_params=params, filter=filter_expr(self._filters, allowed),
                                      output_fields=["id"])
        except Exception as exc:
            raise MilvusBackendError(f"Milvus 检索失败：{type(exc).__name__}: {str(exc)[:300]}") from exc

    def _dense(self, vector: np.ndarray, depth: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        depth = min(depth, len(self.index.chunks) if allowed is None else len(allowed))
        if depth <= 0:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        params = {"metric_type": "IP", "params": {"ef": max(self.ef, depth)}}
        result = self._search([np.asarray(vector, np.float32).tolist()], "dense", params, depth, allowed)
        return _ranking(result, positive=False)

    def _lexical(self, query: str, depth: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        result = self._search([lexical_query(query)], "sparse", {"metric_type": "BM25"}, depth, allowed)
        ids, scores = _ranking(result, positive=True)
        keep = scores > 0
        return ids[keep], scores[keep]

    def hybrid_search(self, query: str, k: int = 10, filters: SearchFilters | None = None) -> list[tuple[int, float]]:
        """(chunk position, fused score) best first, fused inside Milvus: two AnnSearchRequests + RRFRanker."""
        pymilvus = _pymilvus()
        from assistant.retrieval.hybrid_search import allowed_ids

        allowed = allowed_ids(self.index.chunks, self.index.fields, filters)
        if allowed is not None and len(allowed) == 0:
            return []
        expr = filter_expr(filters, allowed)
        depth = max(self.depth, k)
        vector = np.asarray(self.encoder.encode_queries([query])[0], np.float32).tolist()
        requests = [
            pymilvus.AnnSearchRequest([vector], "dense", {"metric_type": "IP", "params": {"ef": max(self.ef, depth)}},
                                      depth, expr=expr or None),
            pymilvus.AnnSearchRequest([lexical_query(query)], "sparse", {"metric_type": "BM25"}, depth, expr=expr or None),
        ]
        result = self.client.hybrid_search(self.collection, requests, pymilvus.RRFRanker(self.settings.rrf_k),
                                           limit=k, output_fields=["id"])
        return [(int(h["id"]), float(h["distance"])) for h in result[0]]
