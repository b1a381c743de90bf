"""Search at scale on synthetic libraries made from the real units of the default library.

Units: texts recombine real sentences of the seed notice's units (three at random), vectors are
normalised mixtures of two real unit vectors plus a little noise, so no two units are duplicates.
For each size and backend prints build time, memory (FAISS index + BM25 arrays; for Milvus Lite the process RSS growth), hybrid search p50/p95 (dense +
BM25 fused by RRF, the query embedding excluded: queries are real unit vectors perturbed) and recall@10
of the dense ranking against exact (flat) search.

    .venv/bin/python -m benchmarks.bench_scale --sizes 10000 100000 [--milvus-max 100000] [--queries 100]

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
    import bm25s
    import faiss

    from assistant.retrieval.zh_tokenize import tokenize, tokenize_many

    t0 = time.perf_counter()
    if kind == "flat":
        index = faiss.IndexFlatIP(vecs.shape[1])
    else:
        index = faiss.IndexHNSWFlat(vecs.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
    index.add(vecs)
    if kind == "hnsw":
        index.hnsw.efSearch = 128
    dense_s = time.perf_counter() - t0
    bm25 = bm25s.BM25()
    bm25.index(tokenize_many(texts), show_progress=False)
    build_s = time.perf_counter() - t0
    # Memory of what the search holds: the serialised FAISS index and the BM25 score arrays (RSS growth
    # is blurred by what the previous run freed).
    mem = (faiss.serialize_index(index).nbytes + sum(a.nbytes for a in bm25.scores.values()
                                                     if hasattr(a, "nbytes"))) / 2**20
    lat, recall = [], []
    for v, w, exact in zip(qv, qw, exact_top):
        t = time.perf_counter()
        _, ids = index.search(v.reshape(1, -1), 50)
        tokens = [t for t in tokenize(w) if t in bm25.vocab_dict]
        scores = bm25.get_scores_from_ids([bm25.vocab_dict[t] for t in tokens]) if tokens else np.zeros(len(texts))
        lexical = np.argsort(-scores)[:50]
        rrf(ids[0], lexical)
        lat.append(time.perf_counter() - t)
        recall.append(len(set(ids[0][:10].tolist()) & exact) / 10)
    return build_s, dense_s, mem, lat, recall


def bench_milvus(texts, vecs, qv, qw, exact_top):
    from pymilvus import AnnSearchRequest, DataType, Function, FunctionType, MilvusClient, RRFRanker

    from assistant.retrieval.milvus_search import analyzer_params

    folder = Path(tempfile.mkdtemp(prefix="bench-milvus-"))
    r0, t0 = rss_mib(), time.perf_counter()
    client = MilvusClient(str(folder / "m.db"))
    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("text", DataType.VARCHAR, max_length=65535, enable_analyzer=True, analyzer_params=analyzer_params())
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=vecs.shape[1])
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["text"],
                                 output_field_names=["sparse"]))
    params = client.prepare_index_params()
    params.add_index("dense", index_type="HNSW", metric_type="IP", params={"M": 16, "efConstruction": 200})
    params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    client.create_collection("bench", schema=schema, index_params=params)
    for s in range(0, len(texts), 2000):
        client.insert("bench", [{"id": i, "text": texts[i], "dense": vecs[i].tolist()}
                                for i in range(s, min(s + 2000, len(texts)))])
    client.flush("bench")
    client.load_collection("bench")
    build_s, mem = time.perf_counter() - t0, rss_mib() - r0
    lat, recall = [], []
    for v, w, exact in zip(qv, qw, exact_top):
        t = time.perf_counter()
        client.hybrid_search("bench", [AnnSearchRequest([v.tolist()], "dense", {"metric_type": "IP", "params": {"ef": 128}}, 50),
                                       AnnSearchRequest([w], "sparse", {"metric_type": "BM25"}, 50)],
                             RRFRanker(60), limit=10)
        lat.append(time.perf_counter() - t)
        dense = client.search("bench", data=[v.tolist()], anns_field="dense", limit=10,
                              search_params={"metric_type": "IP", "params": {"ef": 128}})
        recall.append(len({h["id"] for h in dense[0]} & exact) / 10)
    client.close()
    return build_s, build_s, mem, lat, recall


def main() -> None:
    import faiss

    p = argparse.ArgumentParser()
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    p.add_argument("--milvus-max", type=int, default=100_000)
    p.add_argument("--queries", type=int, default=100)
    args = p.parse_args()
    rng = np.random.default_rng(0)
    texts, vectors = real_units()
    print(f"{len(texts)} real units, dim {vectors.shape[1]}; CPU cores {len(os.sched_getaffinity(0))}")
    print(f"{'units':>8s} {'backend':12s} {'build s':>8s} {'dense s':>8s} {'mem MiB':>8s} "
          f"{'p50 ms':>7s} {'p95 ms':>7s} {'recall@10':>9s}")
    for n in args.sizes:
        t, v = synthesize(texts, vectors, n, rng)
        qv, qw = queries(t, v, args.queries, rng)
        exact = faiss.IndexFlatIP(v.shape[1])
        exact.add(v)
        exact_top = [set(row.tolist()) for row in exact.search(qv, 10)[1]]
        del exact
        runs = [("faiss flat", lambda: bench_faiss("flat", t, v, qv, qw, exact_top)),
                ("faiss hnsw", lambda: bench_faiss("hnsw", t, v, qv, qw, exact_top))]
        if n <= args.milvus_max:
            runs.append(("milvus lite", lambda: bench_milvus(t, v, qv, qw, exact_top)))
        for name, run in runs:
            build_s, dense_s, mem, lat, recall = run()
            print(f"{n:8d} {name:12s} {build_s:8.1f} {dense_s:8.1f} {mem:8.0f} {pct(lat, 50):7.1f} "
                  f"{pct(lat, 95):7.1f} {np.mean(recall):9.3f}", flush=True)


if __name__ == "__main__":
    main()
