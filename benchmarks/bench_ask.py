"""Benchmark `ask`: warm latency per intent over the gold questions, and cold CLI wall time.

Prints figures; not a test. Run: .venv/bin/python benchmarks/bench_ask.py [--rounds 3]
Targets on a 2-core machine: warm ask p50 <= 60 ms.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--gold", default=str(ROOT / "eval" / "gold.jsonl"))
    args = parser.parse_args()

    questions = [json.loads(line)["question"] for line in open(args.gold, encoding="utf-8") if line.strip()]

    start = time.perf_counter()
    cold = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "assistant"), "ask", "有外线的供水工程多久办结？", "--json"],
        capture_output=True, text=True, cwd=ROOT,
    )
    cold_s = time.perf_counter() - start
    assert cold.returncode == 0, cold.stderr

    from assistant.answering.service import Assistant

    t0 = time.perf_counter()
    assistant = Assistant(progress=False)
    assistant.warm_up()
    load_s = time.perf_counter() - t0

    per_intent: dict[str, list[float]] = defaultdict(list)
    every: list[float] = []
    for _ in range(args.rounds):
        for question in questions:
            t = time.perf_counter()
            answer = assistant.ask(question)
            ms = (time.perf_counter() - t) * 1000
            per_intent[answer.intent].append(ms)
            every.append(ms)

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"cold `assistant ask` wall time: {cold_s:.2f} s (model load, index load, one answer)")
    print(f"in-process load (model + index, warm-up query): {load_s:.2f} s")
    print(f"warm ask over {len(every)} calls ({len(questions)} questions x {args.rounds}): "
          f"p50 {statistics.median(every):.1f} ms, p95 {percentile(every, 0.95):.1f} ms")
    for intent, values in sorted(per_intent.items()):
        print(f"  {intent:8s} n={len(values):4d}  p50 {statistics.median(values):6.1f} ms  "
              f"p95 {percentile(values, 0.95):6.1f} ms")
    print(f"peak RSS: {peak_mb:.0f} MB")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
