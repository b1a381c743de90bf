"""Search at scale on synthetic libraries made from the real units of the default library.

Units: texts recombine real sentences of the seed notice's units (three at random), vectors are
normalised mixtures of two real unit vectors plus a little noise, so no two units are duplicates.
For each size and backend prints build time (dense index, jieba tokens, total), memory (FAISS index + BM25 arrays; for Milvus Lite the process RSS growth), hybrid search p50/p95 (dense +
BM25 fused by RRF, the query embedding excluded: queries are real unit vectors perturbed) and recall@10
of the dense ranking against exact (flat) search.

    .venv/bin/python -m benchmarks.bench_scale --sizes 10000 100000 1000000 [--milvus-max 100000] [--queries 100]
        [--from-index index/search]   # real units from a built index instead of building one

"faiss default" is what the product builds at that size (exact flat up to Settings.ann_threshold units, IVF
above: index_store.dense_index), searched through the product's rankers and fusion; "faiss flat" the exact
index for comparison. RSS is the process's peak so far.

Not a test: figures for the record. Milvus Lite needs the extra: pip install -e ".[milvus]".
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
from pathlib import Path

import numpy as np


def rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def real_units():
    from assistant.config import load_settings
    from assistant.library.catalog import Library
    from assistant.retrieval.encoder import Encoder
    from assistant.retrieval.index_store import load_or_build

    settings = load_settings(index_dir=Path(tempfile.mkdtemp(prefix="bench-scale-")) / "index")
    library = Library(settings)
    library.sync()
    encoder = Encoder(settings, progress=False)
    index = load_or_build(settings, list(library.documents.values()), encoder, library.store, progress=False)
    vectors = index.faiss_index.reconstruct_n(0, index.faiss_index.ntotal)
    texts = [c.text for c in index.chunks]
    return texts, vectors


def synthesize(texts, vectors, n: int, rng: np.random.Generator):
    sentences = [s for t in texts for s in re.split(r"(?<=[。；！？])", t) if len(s) > 4]
    pick = rng.integers(0, len(sentences), size=(n, 3))
    out_texts = ["".join(sentences[j] for j in row) for row in pick]
    a, b = rng.integers(0, len(vectors), n), rng.integers(0, len(vectors), n)
    w = rng.uniform(0.5, 1.0, (n, 1)).astype(np.float32)
    out = w * vectors[a] + (1 - w) * vectors[b] + rng.normal(0, 0.02, (n, vectors.shape[1])).astype(np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out_texts, out.astype(np.float32)


def queries(texts, vectors, count: int, rng: np.random.Generator):
    idx = rng.integers(0, len(vectors), count)
    q = vectors[idx] + rng.normal(0, 0.03, (count, vectors.shape[1])).astype(np.float32)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    words = [texts[i][:12] for i in idx]  # a phrase from the unit the query is about
    return q.astype(np.float32), words


def rrf(a, b, k=60):
    scores: dict[int, float] = {}
    for ranking in (a, b):
        for r, d in enumerate(ranking, 1):
            scores[int(d)] = scores.get(int(d), 0) + 1 / (k + r)
    return sorted(scores, key=lambda d: -scores[d])[:10]


def pct(xs, p):
    return float(np.percentile(np.array(xs) * 1000, p))


def bench_faiss(kind: str, texts, vecs, qv, qw, exact_top):
    """kind "flat": the exact index; "default": what the product builds at this size (flat up to
    Settings.ann_threshold units, IVF above). Search goes through the product's own rankers and fusion."""
    import bm25s
    import faiss

    from assistant.config import Settings
    from assistant.retrieval.hybrid_search import bm25_ranking, dense_ranking, reciprocal_rank_fusion
    from assistant.retrieval.index_store import dense_index
    from assistant.retrieval.zh_tokenize import tokenize, tokenize_many

    threshold = len(vecs) if kind == "flat" else Settings.ann_threshold
    t0 = time.perf_counter()
    index = dense_index(vecs, vecs.shape[1], threshold)
    dense_s = time.perf_counter() - t0
    tokens = tokenize_many(texts)
    tok_s = time.perf_counter() - t0 - dense_s
    bm25 = bm25s.BM25()
    bm25.index(tokens, show_progress=False)
    del tokens
    build_s = time.perf_counter() - t0
    # Memory of what the search holds: the serialised FAISS index and the BM25 score arrays (RSS growth
    # is blurred by what the previous run freed).
    mem = (faiss.serialize_index(index).nbytes + sum(a.nbytes for a in bm25.scores.values()
                                                     if hasattr(a, "nbytes"))) / 2**20
    lat, recall = [], []
    for v, w, exact in zip(qv, qw, exact_top):
        t = time.perf_counter()
        ids, _ = dense_ranking(index, v, 50, None)
        lexical, _ = bm25_ranking(bm25, tokenize(w), 50, None)
        reciprocal_rank_fusion([ids.tolist(), lexical.tolist()])
        lat.append(time.perf_counter() - t)
        recall.append(len(set(ids[:10].tolist()) & exact) / 10)
    kind_name = type(index).__name__
    return build_s, dense_s, tok_s, mem, lat, recall, kind_name


def bench_milvus(texts, vecs, qv, qw, exact_top):
    from pymilvus import AnnSearchRequest, DataType, Function, FunctionType, MilvusClient, RRFRanker

    from assistant.retrieval.milvus_search import ANALYZER, terms_text
    from assistant.retrieval.zh_tokenize import tokenize, tokenize_many

    folder = Path(tempfile.mkdtemp(prefix="bench-milvus-"))
    r0, t0 = rss_mib(), time.perf_counter()
    client = MilvusClient(str(folder / "m.db"))
    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    # The searcher's scheme (milvus_search.py): Milvus' BM25 over the embedded tokenizer's terms.
    schema.add_field("text", DataType.VARCHAR, max_length=65535, enable_analyzer=True, analyzer_params=ANALYZER)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=vecs.shape[1])
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["text"],
                                 output_field_names=["sparse"]))
    params = client.prepare_index_params()
    params.add_index("dense", index_type="HNSW", metric_type="IP", params={"M": 16, "efConstruction": 200})
    params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                     params={"bm25_k1": 1.5, "bm25_b": 0.75})
    client.create_collection("bench", schema=schema, index_params=params)
    for s in range(0, len(texts), 2000):
        batch = tokenize_many(texts[s:s + 2000])
        client.insert("bench", [{"id": i, "text": terms_text(batch[i - s]), "dense": vecs[i].tolist()}
                                for i in range(s, min(s + 2000, len(texts)))])
    client.flush("bench")
    client.load_collection("bench")
    build_s, mem = time.perf_counter() - t0, rss_mib() - r0
    lat, recall = [], []
    for v, w, exact in zip(qv, qw, exact_top):
        t = time.perf_counter()
        client.hybrid_search("bench", [AnnSearchRequest([v.tolist()], "dense", {"metric_type": "IP", "params": {"ef": 128}}, 50),
                                       AnnSearchRequest([terms_text(tokenize(w)) or "0"], "sparse", {"metric_type": "BM25"}, 50)],
                             RRFRanker(60), limit=10)
        lat.append(time.perf_counter() - t)
        dense = client.search("bench", data=[v.tolist()], anns_field="dense", limit=10,
                              search_params={"metric_type": "IP", "params": {"ef": 128}})
        recall.append(len({h["id"] for h in dense[0]} & exact) / 10)
    client.close()
    return build_s, build_s, 0.0, mem, lat, recall, "HNSW"


def main() -> None:
    import faiss

    p = argparse.ArgumentParser()
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    p.add_argument("--milvus-max", type=int, default=100_000)
    p.add_argument("--queries", type=int, default=100)
    p.add_argument("--flat-max", type=int, default=1_000_000, help="largest size the exact index is also timed at")
    p.add_argument("--from-index", type=Path, help="real units from a built index's search/ folder (no model needed)")
    args = p.parse_args()
    rng = np.random.default_rng(0)
    if args.from_index:
        from assistant.retrieval.index_store import load_index

        built = load_index(args.from_index)  # chunks.json and the segments of documents added since
        vectors = built.faiss_index.reconstruct_n(0, built.faiss_index.ntotal)
        texts = [c.text for c in built.chunks]
    else:
        texts, vectors = real_units()
    print(f"{len(texts)} real units, dim {vectors.shape[1]}; CPU cores {len(os.sched_getaffinity(0))}")
    print(f"{'units':>8s} {'backend':14s} {'index':13s} {'build s':>8s} {'dense s':>8s} {'tokens s':>8s} "
          f"{'mem MiB':>8s} {'RSS MiB':>8s} {'p50 ms':>7s} {'p95 ms':>7s} {'recall@10':>9s}")
    for n in args.sizes:
        t, v = synthesize(texts, vectors, n, rng)
        qv, qw = queries(t, v, args.queries, rng)
        exact = faiss.IndexFlatIP(v.shape[1])
        exact.add(v)
        exact_top = [set(row.tolist()) for row in exact.search(qv, 10)[1]]
        del exact
        runs = [("faiss default", lambda: bench_faiss("default", t, v, qv, qw, exact_top))]
        if n <= args.flat_max:
            runs.append(("faiss flat", lambda: bench_faiss("flat", t, v, qv, qw, exact_top)))
        if n <= args.milvus_max:
            runs.append(("milvus lite", lambda: bench_milvus(t, v, qv, qw, exact_top)))
        for name, run in runs:
            build_s, dense_s, tok_s, mem, lat, recall, kind = run()
            print(f"{n:8d} {name:14s} {kind:13s} {build_s:8.1f} {dense_s:8.1f} {tok_s:8.1f} {mem:8.0f} "
                  f"{peak_rss_mib():8.0f} {pct(lat, 50):7.1f} {pct(lat, 95):7.1f} {np.mean(recall):9.3f}", flush=True)


if __name__ == "__main__":
    main()
