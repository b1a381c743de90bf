"""Search on Milvus: the same searcher as hybrid_search.HybridSearcher, with the data held by Milvus.

One collection per index build holds, for every chunk, its position in the index (primary key), its
document id, its text, its BM25 terms and its passage vector. Milvus ranks both ways: dense vectors by inner
product over L2-normalised vectors (= cosine, as FAISS) through an exact FLAT index while the library is
small enough for the embedded flat index (`ann_threshold`) and HNSW above it, and lexically through Milvus'
own BM25 function (a sparse vector field). Filters become Milvus expressions (`doc in [...]`, or `id in
[...]` for the task-row fields). The two rankings are fused by the searcher's reciprocal-rank fusion, so
hits, tie-break and raw scores have the same shape whichever backend ran; `hybrid_search` does the fusion
inside Milvus (RRFRanker) for callers that need only the fused ranking.

The answers must not depend on the backend (tests/test_backend_parity.py runs the library evaluation on
both), so Milvus' BM25 sees exactly the terms the embedded BM25 indexes: the index's own tokens
(zh_tokenize: Python jieba in search mode with the domain dictionary and stopwords; the index keeps them in
tokens.json), each written as the hex digits of its UTF-8 bytes, so that Milvus' `standard` analyzer
keeps every term whole (Milvus' Rust jieba cuts differently from Python's jieba and has no whitespace
analyzer). The BM25 index takes bm25s' k1 and b; Milvus' formula is bm25s' Lucene one times (k1 + 1),
which the searcher divides out, and the synonym expansion's weight is given by repeating terms (a query
term counts once per occurrence in both). Ties are ordered by position, as the embedded rankers do.

Vectors are the FAISS index's own (read back from it), which comes from the library's embedding cache:
nothing is embedded twice. The collection is named after the index's digests (chunks, model), so a
library change that rebuilds the FAISS index makes a new collection; older ones are dropped.

The client reaches Milvus Lite (a file path; the `milvus-lite` package) or a Milvus server or cluster
(http://host:19530) by the same URI.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.errors import UserError
from assistant.retrieval.hybrid_search import RESCORE_MARGIN, HybridSearcher, SearchFilters, exact_order
from assistant.retrieval.index_store import BM25_DIR, LoadedIndex, dense_kind, saved_tokens
from assistant.retrieval.zh_tokenize import tokenize_many, tokenize_query_parts

PREFIX = "units_"
# Every term is one run of hex digits, which the standard analyzer keeps whole (no lowercasing needed).
ANALYZER = {"tokenizer": "standard"}
BM25_DEFAULTS = {"k1": 1.5, "b": 0.75}  # bm25s' defaults, for an index whose parameters cannot be read
HNSW_PARAMS = {"M": 16, "efConstruction": 200}
INSERT_BATCH = 2000
MAX_LIMIT = 16_384  # the most hits one Milvus search returns
MAX_TEXT_BYTES = 60_000  # VARCHAR limit is 65,535 bytes (a unit's terms: ~5,000 tokens; the longest here 7 KB)
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


def term(token: str) -> str:
    """A BM25 term as Milvus' analyzer sees it: the hex digits of the token's UTF-8 bytes."""
    return token.encode("utf-8").hex()


def terms_text(tokens: Sequence[str], repeat: int = 1) -> str:
    return " ".join(term(t) for t in tokens for _ in range(repeat))


def index_tokens(index: LoadedIndex) -> list[list[str]]:
    """The BM25 tokens of every chunk, as the embedded index holds them (tokens.json and the segments of
    documents added since), or tokenized afresh with the same tokenizer when an index has no readable copy."""
    tokens = saved_tokens(index)
    return tokens if tokens is not None else tokenize_many([c.text for c in index.chunks])


def bm25_params(index: LoadedIndex) -> dict[str, float]:
    """k1 and b of the embedded BM25 index (bm25s' saved parameters)."""
    try:
        saved = json.loads((index.path / BM25_DIR / "params.index.json").read_text(encoding="utf-8"))
        return {"k1": float(saved["k1"]), "b": float(saved["b"])}
    except (OSError, ValueError, KeyError, TypeError):
        return dict(BM25_DEFAULTS)


def dense_index_kind(index: LoadedIndex, settings: Settings) -> str:
    """FLAT (exact, as the embedded flat index) up to ann_threshold units, HNSW above."""
    return "FLAT" if dense_kind(len(index.chunks), settings.ann_threshold) == "flat" else "HNSW"


def collection_name(index: LoadedIndex, dense: str = "HNSW") -> str:
    m = index.manifest
    bm25 = bm25_params(index)
    key = f"{m.chunks_sha256}|{m.tokenizer_sha256}|{m.model_id}|{m.dim}|{dense}|{bm25['k1']}|{bm25['b']}|hexterms"
    return PREFIX + hashlib.sha256(key.encode()).hexdigest()[:16]


def _clip(text: str) -> str:
    raw = text.encode("utf-8")
    return text if len(raw) <= MAX_TEXT_BYTES else raw[:MAX_TEXT_BYTES].decode("utf-8", "ignore")


def _clip_terms(text: str) -> str:
    return text if len(text) <= MAX_TEXT_BYTES else text[:MAX_TEXT_BYTES].rsplit(" ", 1)[0]


def build_collection(client, name: str, index: LoadedIndex, dense: str = "HNSW") -> None:
    """Create and fill the collection of `index` (vectors read back from its FAISS index, terms from its
    BM25 tokens)."""
    pymilvus = _pymilvus()
    DataType, Function, FunctionType = pymilvus.DataType, pymilvus.Function, pymilvus.FunctionType
    schema = client.create_schema(auto_id=False, description=f"{index.manifest.model_id} {index.manifest.chunks_sha256}")
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("doc", DataType.VARCHAR, max_length=512)
    schema.add_field("text", DataType.VARCHAR, max_length=65_535)
    schema.add_field("terms", DataType.VARCHAR, max_length=65_535, enable_analyzer=True, analyzer_params=ANALYZER)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=index.manifest.dim)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                                 input_field_names=["terms"], output_field_names=["sparse"]))
    params = client.prepare_index_params()
    params.add_index("dense", index_type=dense, metric_type="IP", params=HNSW_PARAMS if dense == "HNSW" else {})
    bm25 = bm25_params(index)
    params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                     params={"bm25_k1": bm25["k1"], "bm25_b": bm25["b"]})
    client.create_collection(name, schema=schema, index_params=params)
    n = len(index.chunks)
    vectors = index.faiss_index.reconstruct_n(0, n) if n else np.empty((0, index.manifest.dim), np.float32)
    tokens = index_tokens(index)
    for start in range(0, n, INSERT_BATCH):
        rows = [{"id": i, "doc": c.doc, "text": _clip(c.text), "terms": _clip_terms(terms_text(tokens[i])),
                 "dense": vectors[i].tolist()}
                for i, c in enumerate(index.chunks[start:start + INSERT_BATCH], start=start)]
        client.insert(name, rows)
    client.flush(name)


def ensure_collection(client, index: LoadedIndex, progress: bool = False, dense: str = "HNSW") -> str:
    """The collection of this index build, made when missing; collections of older builds are dropped."""
    name = collection_name(index, dense)
    if not client.has_collection(name):
        if progress:
            print(f"正在把 {len(index.chunks)} 个检索单元写入 Milvus……", file=sys.stderr, flush=True)
        building = name + "_building"
        if client.has_collection(building):
            client.drop_collection(building)  # an interrupted build
        build_collection(client, building, index, dense)
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


def _ranking(result: Sequence[Sequence[dict]], bm25_scale: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(ids, scores) of one query's hits, best first and equal scores by position, as the embedded rankers
    order them. BM25 scores (Milvus Lite reports them negated) are divided by `bm25_scale` to bm25s' values."""
    hits = result[0] if result else []
    ids = np.array([int(h["id"]) for h in hits], dtype=np.int64)
    raw = [float(h["distance"]) for h in hits]
    scores = np.array(raw if bm25_scale is None else [abs(v) / bm25_scale for v in raw], dtype=np.float32)
    order = np.lexsort((ids, -scores))
    return ids[order], scores[order]


def weight_repeats(weight: float) -> tuple[int, int]:
    """(repeats of the query's own terms, repeats of the expansion terms) whose ratio is `weight`: Milvus
    counts a query term once per occurrence, so repeating terms weights them (0.7 → 10 and 7)."""
    ratio = Fraction(weight).limit_denominator(20)
    if ratio <= 0:
        return 1, 0
    return ratio.denominator, ratio.numerator


def lexical_query(query: str, weight: float) -> tuple[str, int]:
    """The terms Milvus' BM25 gets for a question — the question's own tokens and the synonym expansion
    (the notice's wording of colloquial aliases and phrases), weighted as the embedded BM25 weights them —
    and the factor the scores carry from the repeats. ("", 1) when the question has no term."""
    own, extra = tokenize_query_parts(query)
    own_times, extra_times = weight_repeats(weight)
    text = " ".join(t for t in (terms_text(own, own_times), terms_text(extra, extra_times)) if t)
    return text, own_times


class MilvusSearcher(HybridSearcher):
    """HybridSearcher whose two rankers run in Milvus. `search` and `search_detailed` keep their
    signatures and typed results; the FAISS index stays the source of chunks, fields and vectors."""

    ef: int = 128  # HNSW search breadth (≥ depth)

    def __init__(self, settings: Settings, **kwargs) -> None:
        super().__init__(settings, **kwargs)
        self.uri = settings.resolved_milvus_uri
        self.client = connect(self.uri)
        self.dense_index = dense_index_kind(self.index, settings)
        self.bm25_scale = bm25_params(self.index)["k1"] + 1.0  # Milvus' BM25 = bm25s' Lucene BM25 × (k1 + 1)
        try:
            self.collection = ensure_collection(self.client, self.index, progress=kwargs.get("progress", False),
                                                dense=self.dense_index)
        except MilvusBackendError:
            raise
        except Exception as exc:
            raise MilvusBackendError(f"Milvus 建立检索集合失败：{type(exc).__name__}: {str(exc)[:300]}") from exc
        self._local = threading.local()  # the filters of the search running in this thread

    def search_detailed(self, query, k=10, filters=None, mode="hybrid"):
        self._local.filters = filters  # read by the rankers below (docs scope → `doc in` expression)
        try:
            return super().search_detailed(query, k, filters, mode)
        finally:
            self._local.filters = None

    def _dense_params(self, depth: int) -> dict:
        return {"metric_type": "IP", "params": {"ef": max(self.ef, depth)} if self.dense_index == "HNSW" else {}}

    def _search(self, data, field: str, params: dict, depth: int, allowed: np.ndarray | None,
                output: Sequence[str] = ("id",)):
        try:
            return self.client.search(self.collection, data=data, anns_field=field, limit=depth,
                                      search_params=params, output_fields=list(output),
                                      filter=filter_expr(getattr(self._local, "filters", None), allowed))
        except Exception as exc:
            raise MilvusBackendError(f"Milvus 检索失败：{type(exc).__name__}: {str(exc)[:300]}") from exc

    def _ranked(self, data, field: str, params: dict, depth: int, allowed: np.ndarray | None,
                bm25_scale: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The best `depth` by score, equal scores by position, as the embedded rankers cut: Milvus returns
        a tie group in any order, so it is asked for more until the group at the cut is whole."""
        limit = depth
        while True:
            fetch = min(limit + depth, MAX_LIMIT)
            ids, scores = _ranking(self._search(data, field, params, fetch, allowed), bm25_scale)
            if len(ids) < fetch or fetch == MAX_LIMIT or len(ids) <= depth or scores[-1] < scores[depth - 1]:
                return ids[:depth], scores[:depth]
            limit = fetch * 2

    def _dense(self, vector: np.ndarray, depth: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        depth = min(depth, len(self.index.chunks) if allowed is None else len(allowed))
        if depth <= 0:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        query = np.asarray(vector, np.float32)
        total, fetch = len(self.index.chunks) if allowed is None else len(allowed), depth + RESCORE_MARGIN
        while True:  # candidates from Milvus, ordered as the embedded ranker orders them (exact_order)
            fetch = min(fetch, total, MAX_LIMIT)
            result = self._search([query.tolist()], "dense", self._dense_params(fetch), fetch, allowed,
                                  output=("id", "dense"))
            hits = result[0] if result else []
            ids = np.array([int(h["id"]) for h in hits], dtype=np.int64)
            raw = np.array([float(h["distance"]) for h in hits], dtype=np.float32)
            vectors = np.array([h["entity"]["dense"] if "entity" in h else h["dense"] for h in hits],
                               dtype=np.float32).reshape(len(hits), -1)
            ranked = exact_order(ids, raw, vectors, query, depth,
                                 complete=fetch >= min(total, MAX_LIMIT) or len(ids) < fetch)
            if ranked is not None:
                return ranked
            fetch *= 2

    def _lexical(self, query: str, depth: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        text, repeats = lexical_query(query, self.synonym_weight)
        if not text or (allowed is not None and len(allowed) == 0):
            return np.empty(0, np.int64), np.empty(0, np.float32)
        ids, scores = self._ranked([text], "sparse", {"metric_type": "BM25"}, depth, allowed,
                                   bm25_scale=self.bm25_scale * repeats)
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
        requests = [pymilvus.AnnSearchRequest([vector], "dense", self._dense_params(depth), depth, expr=expr or None)]
        text, _ = lexical_query(query, self.synonym_weight)
        if text:
            requests.append(pymilvus.AnnSearchRequest([text], "sparse", {"metric_type": "BM25"}, depth,
                                                      expr=expr or None))
        result = self.client.hybrid_search(self.collection, requests, pymilvus.RRFRanker(self.settings.rrf_k),
                                           limit=k, output_fields=["id"])
        return [(int(h["id"]), float(h["distance"])) for h in result[0]]
