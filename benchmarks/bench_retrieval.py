"""Retrieval benchmark (not a test): index build time, warm search latency per mode, peak memory.

    .venv/bin/python benchmarks/bench_retrieval.py [--queries N] [--repeat R]

Builds into a temporary index directory (the project's index/ is left alone) with the model already
loaded, so the build time is chunking + encoding + FAISS + BM25 + checksums.
Latency is per query, single-threaded, after a warm-up; the query embedding is included for dense and
hybrid (nothing is memoised). Queries: tests/data/retrieval_questions.jsonl plus one question per measure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    pos = (len(ordered) - 1) * q
    lo, hi = int(pos), min(int(pos) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def load_queries(notice, limit: int) -> list[str]:
    path = ROOT / "tests" / "data" / "retrieval_questions.jsonl"
    queries = [json.loads(line)["q"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    queries += [f"{m.title}有哪些具体要求？" for m in notice.of_kind("measure")]
    queries += [f"{t.goal}由谁牵头？" for t in notice.tasks]
    return queries[:limit]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=150, help="number of distinct queries (>= 100)")
    parser.add_argument("--repeat", type=int, default=1, help="passes over the queries per mode")
    args = parser.parse_args()

    from assistant.config import load_settings
    from assistant.retrieval.encoder import Encoder
    from assistant.retrieval.hybrid_search import MODES, HybridSearcher
    from assistant.library.catalog import Library
    from assistant.retrieval.index_store import build_index, load_index, search_dir

    print(f"CPU cores usable: {len(os.sched_getaffinity(0))}, load average: {os.getloadavg()[0]:.2f}")
    tmp = Path(tempfile.mkdtemp(prefix="bench-index-"))
    settings = load_settings(index_dir=tmp / "index")
    library = Library(settings)
    library.sync()
    docs = list(library.documents.values())
    notice = docs[0]

    t0 = time.perf_counter()
    encoder = Encoder(settings, progress=False)
    dim = encoder.dim  # loads the model
    print(f"model load: {time.perf_counter() - t0:.2f} s  ({encoder.model_id}, dim {dim})")

    t0 = time.perf_counter()
    built = build_index(settings, docs, encoder, cache=None, progress=False)  # no cache: every chunk encoded
    build_s = time.perf_counter() - t0
    print(f"index build: {build_s:.2f} s  ({built.manifest.chunk_count} chunks)")

    t0 = time.perf_counter()
    index = load_index(search_dir(settings))
    print(f"index load (checksums verified): {(time.perf_counter() - t0) * 1000:.1f} ms")

    searcher = HybridSearcher(settings, encoder=encoder, index=index)
    queries = load_queries(notice, args.queries)
    for q in queries[:5]:  # warm-up: first-call costs (torch kernels, jieba dictionary)
        for mode in MODES:
            searcher.search(q, k=10, mode=mode)

    print(f"\nwarm latency over {len(queries)} queries x {args.repeat} pass(es), k=10:")
    print(f"  {'mode':7s} {'p50 ms':>8s} {'p95 ms':>8s} {'mean ms':>8s} {'max ms':>8s}")
    for mode in ("dense", "bm25", "hybrid"):
        times = []
        for _ in range(args.repeat):
            for q in queries:
                t0 = time.perf_counter()
                searcher.search(q, k=10, mode=mode)
                times.append((time.perf_counter() - t0) * 1000)
        print(
            f"  {mode:7s} {percentile(times, 0.5):8.2f} {percentile(times, 0.95):8.2f} "
            f"{statistics.fmean(times):8.2f} {max(times):8.2f}"
        )

    tracemalloc.start()
    for q in queries[:50]:
        searcher.search(q, k=10, mode="hybrid")
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"\npeak RSS of this process (model + index + searches): {rss_mb():.0f} MiB")
    print(f"peak Python-heap allocation during 50 hybrid searches (tracemalloc): {traced_peak / 1024:.0f} KiB")
    import shutil

    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
