"""Load test of the chat server (prints figures; not a test).

    .venv/bin/python benchmarks/bench_load.py [--levels 10,25,50] [--duration 30] [--warmup 3]
                                              [--api /chat] [--url http://127.0.0.1:PORT/] [-- serve options]

Starts `assistant serve` on a free local port (the project's library and index, as a user would run it),
waits for its ready line, then for each level runs that many gradio_client threads (one Client each, on this
same machine) that ask gold questions (eval/gold.jsonl, shuffled with a fixed seed, every intent) back to
back for `--duration` seconds. Per level it prints completed questions per second, p50/p95/max latency,
errors, the CPU each question cost the server and the clients, and the peak RSS of the serving process and
every process it started. gradio_client builds a new httpx client for every request, and with it an SSL
context that loads the CA bundle (~100 ms of CPU per question on the 2-core machine, more than the server
spends answering); the server is plain http on 127.0.0.1, so the clients are made with ssl_verify=False
(nothing to verify) unless --ssl-verify asks for the default. With
--url it measures a server that is already running (no RSS then unless --pid is given); with --root the
server of another checkout (same virtual environment), for before/after figures on one machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


# --- the serving process and its children, from /proc -------------------------------------------------


def process_tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except OSError:
            continue
    return out


def rss_mb(pids: list[int]) -> float:
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            continue
    return total / 1024


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return total / CLOCK_TICKS


class RssSampler(threading.Thread):
    def __init__(self, pid: int | None):
        super().__init__(daemon=True)
        self.pid, self.peak, self._done = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self._done.is_set() and self.pid:
            self.peak = max(self.peak, rss_mb(process_tree(self.pid)))
            self._done.wait(0.25)

    def stop(self) -> float:
        self._done.set()
        self.join()
        return self.peak


# --- clients --------------------------------------------------------------------------------------------


def make_clients(url: str, n: int, ssl_verify: bool) -> list:
    from gradio_client import Client

    clients: list = []
    lock = threading.Lock()

    def one():
        client = Client(url, verbose=False, download_files=False, ssl_verify=ssl_verify)
        with lock:
            clients.append(client)

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return clients


def run_level(clients: list, questions: list[str], api: str, duration: float, warmup: float) -> dict:
    start_at = time.perf_counter() + 0.5
    measure_from, stop_at = start_at + warmup, start_at + warmup + duration
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def worker(i: int, client) -> None:
        k = i * 7919
        while time.perf_counter() < start_at:
            time.sleep(0.01)
        while True:
            now = time.perf_counter()
            if now >= stop_at:
                return
            question = questions[k % len(questions)]
            k += 1
            t = time.perf_counter()
            try:
                result = client.predict(question, api_name=api)
                ok = isinstance(result, (str, dict)) and bool(result)
                error = None if ok else f"empty result for {question!r}"
            except Exception as exc:  # noqa: BLE001 - counted, not raised
                error = f"{type(exc).__name__}: {str(exc)[:120]}"
            done = time.perf_counter()
            if t >= measure_from and done <= stop_at:
                with lock:
                    if error:
                        errors.append(error)
                    else:
                        latencies.append(done - t)

    threads = [threading.Thread(target=worker, args=(i, c), daemon=True) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=duration + warmup + 120)
    return {"latencies": latencies, "errors": errors}


# --- main -----------------------------------------------------------------------------------------------


def start_server(root: Path, extra: list[str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1", "ASSISTANT_HOME": str(root)}
    cmd = [sys.executable, "-m", "assistant", "serve", "--port", str(port), *extra]
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    t0 = time.perf_counter()
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if "已就绪" in line:
            print(f"server ready in {time.perf_counter() - t0:.1f} s: {line.strip()}")
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()  # keep draining
            return proc, f"http://127.0.0.1:{port}/"
    raise SystemExit("the server did not start:\n" + "".join(lines[-30:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="10,25,50", help="client counts, comma separated")
    parser.add_argument("--duration", type=float, default=30.0, help="measured seconds per level")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds at the start of a level")
    parser.add_argument("--api", default="/chat", help="endpoint: /chat or /chat_full")
    parser.add_argument("--url", help="measure this running server instead of starting one")
    parser.add_argument("--pid", type=int, help="with --url: the server's pid, for RSS and CPU")
    parser.add_argument("--no-query-cache", action="store_true",
                        help="start the server with its memory of recent query vectors off (ASSISTANT_QUERY_CACHE=0): "
                             "every retrieval question is encoded, as if no question were ever asked twice")
    parser.add_argument("--ssl-verify", action="store_true",
                        help="clients as gradio_client makes them by default: every request builds an SSL context "
                             "with the CA bundle (~100 ms CPU per question on this machine, even for http://)")
    parser.add_argument("--gold", default=str(ROOT / "eval" / "gold.jsonl"))
    parser.add_argument("--root", default=str(ROOT),
                        help="the checkout whose server to start (another commit, unpacked with git archive)")
    parser.add_argument("serve_args", nargs="*", help="extra `assistant serve` options (after --)")
    args = parser.parse_args()

    gold = [json.loads(line) for line in Path(args.gold).read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [g["question"] for g in gold if not g.get("history")]
    random.Random(7).shuffle(questions)

    proc = None
    if args.url:
        url, pid = args.url, args.pid
    else:
        if args.no_query_cache:
            os.environ["ASSISTANT_QUERY_CACHE"] = "0"
        proc, url = start_server(Path(args.root).resolve(), args.serve_args)
        pid = proc.pid
    try:
        print(f"machine: {os.cpu_count()} cores; {len(questions)} gold questions, api {args.api}, "
              f"{args.duration:g} s per level after {args.warmup:g} s warm-up; clients with "
              f"ssl_verify={args.ssl_verify}")
        if pid:
            print(f"server RSS at rest: {rss_mb(process_tree(pid)):.0f} MB")
        summary = []
        for level in [int(x) for x in args.levels.split(",") if x.strip()]:
            clients = make_clients(url, level, args.ssl_verify)
            load0 = os.getloadavg()[0]
            cpu0 = cpu_seconds(process_tree(pid)) if pid else 0.0
            own0 = time.process_time()
            sampler = RssSampler(pid)
            sampler.start()
            result = run_level(clients, questions, args.api, args.duration, args.warmup)
            peak = sampler.stop()
            cpu = (cpu_seconds(process_tree(pid)) - cpu0) if pid else float("nan")
            own = time.process_time() - own0
            lat = result["latencies"]
            rate = len(lat) / args.duration
            done = max(1, len(lat) + len(result["errors"])) * (args.duration + args.warmup) / args.duration
            row = (f"{level:3d} clients: {rate:6.1f} q/s  p50 {statistics.median(lat) if lat else float('nan'):.3f} s  "
                   f"p95 {percentile(lat, 0.95):.3f} s  max {max(lat, default=float('nan')):.3f} s  "
                   f"errors {len(result['errors'])}  peak RSS {peak:.0f} MB  "
                   f"CPU per question: server {1000 * cpu / done:.0f} ms, clients {1000 * own / done:.0f} ms  "
                   f"(load average {load0:.1f} -> {os.getloadavg()[0]:.1f})")
            print(row, flush=True)
            for error in sorted(set(result["errors"]))[:5]:
                print(f"      error: {error}")
            summary.append(row)
            for client in clients:
                try:
                    client.close()
                except Exception:  # noqa: BLE001
                    pass
    finally:
        if proc is not None:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
