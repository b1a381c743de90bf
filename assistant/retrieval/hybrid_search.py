"""Hybrid retrieval: FAISS dense ranking + bm25s lexical ranking, fused with reciprocal-rank fusion.

Filters restrict the candidate set *before* ranking (an IDSelector for FAISS, a mask for BM25), so a
filtered search ranks only allowed chunks instead of post-filtering a truncated list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Literal, NamedTuple

import faiss
import numpy as np

from assistant.config import Settings
from assistant.ingest.agencies import short_name
from assistant.records import Chunk, Document, Hit
from assistant.retrieval.index_store import (ChunkFields, EncoderLike, LoadedIndex, VectorCache, check_compatible,
                                             load_or_build)
from assistant.retrieval.zh_tokenize import normalize, synonyms, tokenize_query_parts, use_frozen_dictionary

Mode = Literal["hybrid", "dense", "bm25"]
MODES: tuple[str, ...] = ("hybrid", "dense", "bm25")


# --- filters --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchFilters:
    """Restrict search to task rows. Agency and category match by substring, so 市场监管局 matches
    自治区市场监管局 and 用水用气 matches 获得用水用气; colloquial agency aliases (住建厅) are expanded via
    the synonym table. Any filter set excludes measure/meta/preamble chunks."""

    lead: str | None = None
    support: str | None = None
    agency: str | None = None  # lead or support
    category: str | None = None
    deadline_from: date | None = None  # inclusive
    deadline_to: date | None = None  # inclusive
    docs: frozenset[str] | None = None  # only these documents (a question's scope); any unit kind

    def is_empty(self) -> bool:
        return not any(
            (self.lead, self.support, self.agency, self.category, self.deadline_from, self.deadline_to)
        ) and self.docs is None

    @property
    def rows_only(self) -> bool:
        return any((self.lead, self.support, self.agency, self.category, self.deadline_from, self.deadline_to))


@lru_cache(maxsize=256)
def _agency_needles(name: str) -> tuple[str, ...]:
    base = normalize(name.strip()).removeprefix("广西壮族")  # 广西壮族自治区X → 自治区X
    needles = {base, short_name(base)}
    for needle in list(needles):
        needles.update(synonyms().get(needle, ()))
    return tuple(sorted(needles))


def agency_matches(wanted: str, names: Sequence[str]) -> bool:
    needles = _agency_needles(wanted)
    return any(n in normalize(name) for name in names for n in needles)


def fields_match(f: ChunkFields, filters: SearchFilters) -> bool:
    if not filters.rows_only:
        return True
    if f.category is None:  # not a task row
        return False
    if filters.lead and not agency_matches(filters.lead, f.lead):
        return False
    if filters.support and not agency_matches(filters.support, f.support):
        return False
    if filters.agency and not agency_matches(filters.agency, f.lead + f.support):
        return False
    if filters.category:
        wanted = normalize(filters.category.strip())
        if wanted not in normalize(f.category):
            return False
    if filters.deadline_from or filters.deadline_to:
        if f.deadline is None:
            return False
        if filters.deadline_from and f.deadline < filters.deadline_from:
            return False
        if filters.deadline_to and f.deadline > filters.deadline_to:
            return False
    return True


def allowed_ids(chunks: Sequence[Chunk], fields: Sequence[ChunkFields], filters: SearchFilters | None) -> np.ndarray | None:
    """Chunk ids passing the filters, or None meaning 'everything'."""
    if filters is None or filters.is_empty():
        return None
    return np.array([i for i, (c, f) in enumerate(zip(chunks, fields))
                     if (filters.docs is None or c.doc in filters.docs) and fields_match(f, filters)], dtype=np.int64)


# --- fusion ---------------------------------------------------------------------------------------------


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]],
    k: int = 60,
    weights: Sequence[float] | None = None,
    tie_break: Mapping[int, float] | None = None,
) -> list[tuple[int, float]]:
    """RRF (Cormack et al. 2009): score(d) = Σ_r w_r / (k + rank_r(d)), ranks 1-based.

    Returns (doc, score) best first. Equal scores are ordered by `tie_break` (higher first), then by the
    smaller doc id, so results are deterministic.
    """
    if weights is None:
        weights = [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError("weights and rankings differ in length")
    scores: dict[int, float] = {}
    for weight, ranking in zip(weights, rankings):
        for rank, doc in enumerate(ranking, start=1):
            scores[doc] = scores.get(doc, 0.0) + weight / (k + rank)
    secondary = tie_break or {}
    # Rounding makes sums that differ only by float association compare equal.
    return sorted(scores.items(), key=lambda kv: (-round(kv[1], 12), -secondary.get(kv[0], 0.0), kv[0]))


def normalized_score_sum(scored: Sequence[tuple[Sequence[int], Sequence[float], float | None]]) -> dict[int, float]:
    """Σ over rankers of (score - floor) / (top - floor), each ranker given as (ids best first, scores,
    floor); floor None means the list's last score (min-max). A document absent from a list gets 0 there.

    Used only to break RRF ties. With two rankers ties are common — ranks (1, 2) and (2, 1) fuse to the
    same score — and ranks alone cannot order them, whereas the scores can: a BM25 #1 far ahead of its
    #2 is stronger evidence than a dense #1 a hair ahead (e5 cosines are compressed into ~0.80–0.92).
    """
    total: dict[int, float] = {}
    for ids, values, floor in scored:
        if len(ids) == 0:
            continue
        top = float(values[0])
        bottom = float(values[-1]) if floor is None else float(floor)
        span = top - bottom
        for doc, value in zip(ids, values):
            norm = (float(value) - bottom) / span if span > 0 else 1.0
            total[int(doc)] = total.get(int(doc), 0.0) + norm
    return total


# --- rankers --------------------------------------------------------------------------------------------


def dense_ranking(
    index: faiss.Index, query_vector: np.ndarray, depth: int, allowed: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """(ids, cosine scores) best first, restricted to `allowed` through a FAISS IDSelector. The order is
    `exact_order`'s, whatever index found the candidates."""
    q = np.ascontiguousarray(query_vector.reshape(1, -1), dtype=np.float32)
    total = index.ntotal if allowed is None else len(allowed)
    depth = min(depth, total)
    if depth <= 0:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    fetch = depth + RESCORE_MARGIN
    while True:
        fetch = min(fetch, total)
        ids, raw = _dense_candidates(index, q, fetch, allowed)
        ranked = exact_order(ids, raw, index.reconstruct_batch(ids) if len(ids) else np.empty((0, q.shape[1])),
                             q[0], depth, complete=fetch >= total or len(ids) < fetch)
        if ranked is not None:
            return ranked
        fetch *= 2


def _dense_candidates(index: faiss.Index, q: np.ndarray, depth: int,
                      allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    approximate = isinstance(index, faiss.IndexIVF)
    if allowed is None:
        params = None
    else:
        if approximate and len(allowed) <= EXACT_FILTERED_MAX:
            return _exact_among(index, q, depth, allowed)
        params = (faiss.SearchParametersIVF(sel=faiss.IDSelectorBatch(allowed), nprobe=index.nprobe) if approximate
                  else faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed)))
    scores, ids = index.search(q, depth, params=params)
    keep = ids[0] >= 0
    return ids[0][keep], scores[0][keep]


# A filter on an approximate index leaves few allowed vectors in the probed lists (a document's units
# sit in a handful of lists), so up to this many allowed units are ranked exactly instead.
EXACT_FILTERED_MAX = 200_000
# Candidates fetched beyond the depth, and how far apart two engines' float32 sums of the same products
# may be (a few ulps): see exact_order.
RESCORE_MARGIN = 16
SCORE_EPS = 1e-5


def _exact_among(index: faiss.Index, q: np.ndarray, depth: int, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    vectors = index.reconstruct_batch(np.ascontiguousarray(allowed, dtype=np.int64))
    scores = vectors @ q[0]
    top = np.argpartition(-scores, depth - 1)[:depth] if depth < len(scores) else np.arange(len(scores))
    top = top[np.lexsort((allowed[top], -scores[top]))]
    return allowed[top].astype(np.int64), scores[top].astype(np.float32)


def exact_order(ids: np.ndarray, raw: np.ndarray, vectors: np.ndarray, query: np.ndarray, depth: int,
                complete: bool) -> tuple[np.ndarray, np.ndarray] | None:
    """The best `depth` candidates by cosine recomputed in float64, equal ones by position, or None when
    the candidates may lack one of them (more exist and the weakest fetched is within SCORE_EPS of the
    cut). An engine's float32 sum of the same products depends on its SIMD order (FAISS and Milvus differ
    by an ulp), and so does the order of equal scores: recomputing makes the ranking the same whichever
    engine found the candidates (search on Milvus, milvus_search.py)."""
    ids = np.asarray(ids, dtype=np.int64)
    if not complete and len(raw) > depth and float(raw[-1]) >= float(raw[depth - 1]) - SCORE_EPS:
        return None
    exact = np.asarray(vectors, dtype=np.float64) @ np.asarray(query, dtype=np.float64)
    order = np.lexsort((ids, -exact))[:depth]
    return ids[order], exact[order].astype(np.float32)


def bm25_ranking(
    bm25,
    tokens: Sequence[str],
    depth: int,
    allowed: np.ndarray | None,
    extra_tokens: Sequence[str] = (),
    extra_weight: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """(ids, BM25 scores) best first; documents sharing no query term are not ranked at all.

    `extra_tokens` (synonym expansions) add `extra_weight` × their BM25 score, so an expansion helps a
    query that lacks the notice's wording without outvoting the words the user actually typed.
    """
    vocab = bm25.vocab_dict
    scores = None
    for group, weight in ((tokens, 1.0), (extra_tokens, extra_weight)):
        token_ids = [vocab[t] for t in group if t in vocab]
        if not token_ids or weight == 0:
            continue
        part = np.asarray(bm25.get_scores_from_ids(token_ids), dtype=np.float32)
        scores = part * weight if scores is None else scores + part * weight
    if scores is None:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    if allowed is not None:
        masked = np.zeros_like(scores)
        masked[allowed] = scores[allowed]
        scores = masked
    candidates = np.flatnonzero(scores > 0)
    if len(candidates) > depth:  # a common word matches most of a large library: sort only the best
        values = scores[candidates]
        kth = np.partition(values, len(values) - depth)[len(values) - depth]
        candidates = candidates[values >= kth]  # ties at the cut kept, so the order below is unchanged
    order = candidates[np.lexsort((candidates, -scores[candidates]))][:depth]
    return order.astype(np.int64), scores[order]


# --- searcher -------------------------------------------------------------------------------------------


class SearchResult(NamedTuple):
    """Ranked hits and the best raw score of each ranker that ran (None when it did not run)."""

    hits: list[Hit]
    dense_top: float | None  # cosine of the nearest chunk
    bm25_top: float | None  # BM25 score of the best lexical match (0.0: no shared term)


class HybridSearcher:
    """One object per process: holds the encoder and the loaded index; `search` is thread-safe."""

    # Fusion depth per ranker: deep enough that filtered or lexically weak queries still fuse, shallow
    # enough that the long tail of the dense ranking (every chunk gets a cosine) adds no noise.
    depth: int = 50
    # Weight of synonym-expansion tokens relative to the user's own words in BM25 (see bm25_ranking).
    synonym_weight: float = 0.7

    def __init__(
        self,
        settings: Settings,
        *,
        encoder: EncoderLike | None = None,
        index: LoadedIndex | None = None,
        docs: list[Document] | None = None,
        cache: VectorCache | None = None,
        progress: bool = False,
        rebuild: bool = True,
        dense_weight: float = 1.0,
        bm25_weight: float = 1.0,
    ) -> None:
        self.settings = settings
        use_frozen_dictionary(settings.cache_dir)  # queries need not load jieba's whole dictionary
        if encoder is None:
            from assistant.retrieval.encoder import Encoder  # heavy import: only when the caller gave none

            encoder = Encoder(settings, progress=progress)
        if index is None:
            if docs is None:
                raise ValueError("HybridSearcher needs the library's documents or a loaded index")
            index = load_or_build(settings, docs, encoder, cache, progress=progress, rebuild=rebuild)
        else:
            check_compatible(index.manifest, encoder)
        self.encoder = encoder
        self.index = index
        self.weights = (float(dense_weight), float(bm25_weight))
        self._keys = [c.key for c in index.chunks]
        self._key_to_id = {key: i for i, key in enumerate(self._keys)}

    @property
    def chunks(self) -> list[Chunk]:
        return self.index.chunks

    def chunk(self, ref: str, doc: str | None = None) -> Chunk | None:
        if doc is None:
            found = [c for c in self.index.chunks if c.ref == ref]
            return found[0] if found else None
        i = self._key_to_id.get((doc, ref))
        return None if i is None else self.index.chunks[i]

    # The two rankers; a backend holding the data elsewhere (milvus_search.MilvusSearcher) overrides these
    # and keeps the fusion, the tie-break and the typed results.
    def _dense(self, vector: np.ndarray, depth: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        return dense_ranking(self.index.faiss_index, vector, depth, allowed)

    def _lexical(self, query: str, depth: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        own, extra = tokenize_query_parts(query)
        return bm25_ranking(self.index.bm25, own, depth, allowed, extra_tokens=extra,
                            extra_weight=self.synonym_weight)

    def search(
        self, query: str, k: int = 10, filters: SearchFilters | None = None, mode: Mode = "hybrid"
    ) -> list[Hit]:
        return self.search_detailed(query, k, filters, mode).hits

    def search_detailed(
        self, query: str, k: int = 10, filters: SearchFilters | None = None, mode: Mode = "hybrid"
    ) -> SearchResult:
        """Hits plus each ranker's best raw score, from one query embedding (the answer layer uses the
        raw scores to tell an unrelated question from a related one)."""
        if mode not in MODES:
            raise ValueError(f"未知的检索模式: {mode}（可选 hybrid、dense、bm25）")
        if k <= 0 or not query or not query.strip():
            return SearchResult([], None, None)
        allowed = allowed_ids(self.index.chunks, self.index.fields, filters)
        if allowed is not None and len(allowed) == 0:
            return SearchResult([], None, None)
        depth = max(self.depth, k)
        keys = self._keys

        dense_ids = dense_scores = bm25_ids = bm25_scores = None
        if mode in ("hybrid", "dense"):
            vector = self.encoder.encode_queries([query])[0]  # applies the model's query prompt
            dense_ids, dense_scores = self._dense(vector, depth, allowed)
        if mode in ("hybrid", "bm25"):
            bm25_ids, bm25_scores = self._lexical(query, depth, allowed)

        dense_top = float(dense_scores[0]) if dense_scores is not None and len(dense_scores) else None
        bm25_top = float(bm25_scores[0]) if bm25_scores is not None and len(bm25_scores) else None
        if mode == "dense":
            hits = [
                Hit(keys[i][1], float(s), dense_rank=r, bm25_rank=None, doc=keys[i][0])
                for r, (i, s) in enumerate(zip(dense_ids[:k], dense_scores[:k]), start=1)
            ]
            return SearchResult(hits, dense_top, bm25_top)
        if mode == "bm25":
            hits = [
                Hit(keys[i][1], float(s), dense_rank=None, bm25_rank=r, doc=keys[i][0])
                for r, (i, s) in enumerate(zip(bm25_ids[:k], bm25_scores[:k]), start=1)
            ]
            return SearchResult(hits, dense_top, bm25_top)

        dense_list, bm25_list = dense_ids.tolist(), bm25_ids.tolist()
        dense_rank = {doc: r for r, doc in enumerate(dense_list, start=1)}
        bm25_rank = {doc: r for r, doc in enumerate(bm25_list, start=1)}
        fused = reciprocal_rank_fusion(
            [dense_list, bm25_list],
            k=self.settings.rrf_k,
            weights=self.weights,
            # BM25 scores start at 0 (no shared term); cosines have no natural floor, so min-max.
            tie_break=normalized_score_sum([(dense_ids, dense_scores, None), (bm25_ids, bm25_scores, 0.0)]),
        )
        hits = [
            Hit(keys[doc][1], float(score), dense_rank=dense_rank.get(doc), bm25_rank=bm25_rank.get(doc),
                doc=keys[doc][0])
            for doc, score in fused[:k]
        ]
        return SearchResult(hits, dense_top, bm25_top)


def make_searcher(settings: Settings, **kwargs) -> HybridSearcher:
    """The searcher of the configured backend (settings.search_backend), same interface and results."""
    if settings.search_backend == "milvus":
        from assistant.retrieval.milvus_search import MilvusSearcher

        return MilvusSearcher(settings, **kwargs)
    return HybridSearcher(settings, **kwargs)
