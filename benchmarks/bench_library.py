"""Library benchmark (not a test): a library of 20 documents — add, index build, incremental add and remove,
warm answer latency per question kind, memory.

    .venv/bin/python benchmarks/bench_library.py [--questions N] [--keep DIR]

The 20 documents: the seed notice, the four regulations and the six excerpts of tests/data/library (11 real
documents), plus nine variants made here from the real texts by changing the title, place and year
("2021年广西…", "深圳市优化营商环境条例" …) so the library has the size of a province's collection. The
variants are for scale only; their content repeats the real documents', which makes retrieval harder, not
easier. Everything runs in a temporary folder; the project's corpus/ and index/ are left alone.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "data" / "library"
REGULATIONS = ["national-2019-regulation.md", "guangdong-2022-regulation.md", "beijing-2024-regulation.md",
               "jinan-2022-regulation.md"]
SEED = ROOT / "corpus" / "guangxi-2022-business-environment-action-plan.txt"

# (source file, new file name, [(old, new) replacements]) — variants for scale.
VARIANTS = [
    (SEED, "guangxi-2021-plan.txt", [("2022", "2021"), ("〔2021〕40号", "〔2021〕17号")]),
    (SEED, "guangxi-2023-plan.txt", [("2022", "2023"), ("〔2023〕40号", "〔2023〕25号")]),
    (DATA / "guangdong-2022-regulation.md", "shenzhen-regulation.md", [("广东省", "深圳市"), ("本省", "本市")]),
    (DATA / "beijing-2024-regulation.md", "shanghai-regulation.md", [("北京市", "上海市"), ("首都", "本市")]),
    (DATA / "jinan-2022-regulation.md", "qingdao-regulation.md", [("济南市", "青岛市")]),
    (DATA / "jinan-2022-regulation.md", "hangzhou-regulation.md", [("济南市", "杭州市"), ("山东省", "浙江省")]),
    (DATA / "guangdong-2022-regulation.md", "hainan-regulation.md", [("广东省", "海南省")]),
    (DATA / "beijing-2024-regulation.md", "tianjin-regulation.md", [("北京市", "天津市"), ("首都", "本市")]),
    (DATA / "national-2019-regulation.md", "national-draft.md", [("优化营商环境条例", "优化营商环境条例（征求意见稿）")]),
]
LOOKUPS = [
    "开办一家企业需要几个工作日？", "带外线的供水工程要多少个工作日办完？", "出口退税要多少天？", "不动产登记多长时间办完？",
    "政府采购不得限制外地企业", "企业注销有什么便利措施", "告知承诺制怎么实行", "政务服务事项可以网上办理吗",
    "对新业态实行包容审慎监管", "中小投资者的知情权怎么保障", "招标投标不得设置哪些限制", "涉企收费目录清单",
    "信用修复怎么办", "外商投资企业平等对待", "企业破产工作协调机制", "市场主体歇业制度",
]
STRUCTURED = ["税务局牵头负责哪些任务？", "市场监管局一共牵头几项任务？", "纳税方面11月30日前要完成哪些任务？",
              "国务院的条例一共有多少条？", "广东条例第二十条", "文库里有哪些文件？"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo, hi = int(pos), min(int(pos) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_sources(folder: Path) -> list[Path]:
    folder.mkdir(parents=True)
    files = [SEED] + [DATA / n for n in REGULATIONS] + sorted((DATA / "excerpts").glob("*.txt"))
    for source, name, replacements in VARIANTS:
        text = source.read_text("utf-8")
        for old, new in replacements:
            text = text.replace(old, new)
        path = folder / name
        path.write_text(text, "utf-8")
        files.append(path)
    return files


def timed(label: str, fn):
    started = time.perf_counter()
    value = fn()
    print(f"{label}: {time.perf_counter() - started:.2f} s")
    return value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="passes over the questions for latency")
    parser.add_argument("--keep", help="keep the library and index in this folder instead of a temp dir")
    args = parser.parse_args()

    from assistant.answering.service import Assistant
    from assistant.config import load_settings
    from assistant.library.catalog import Library
    from assistant.retrieval.encoder import Encoder
    from assistant.retrieval.index_store import load_or_build

    print(f"CPU cores usable: {len(os.sched_getaffinity(0))}, load average: {os.getloadavg()[0]:.2f}")
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-library-"))
    sources = make_sources(root / "sources")
    extra = sources.pop()  # added alone later, to time an incremental add
    settings = load_settings(library=root / "library", index_dir=root / "index")
    library = Library(settings)
    results = timed(f"library add of {len(sources)} files (read, parse, check, copy, catalogue)",
                    lambda: library.add(sources))
    assert all(r.status == "added" for r in results), [r.message for r in results if r.status != "added"]
    encoder = Encoder(settings, progress=False)
    timed("model load", lambda: encoder.dim)
    docs = list(library.documents.values())
    index = timed(f"index build, empty cache ({len(docs)} documents)",
                  lambda: load_or_build(settings, docs, encoder, library.store, progress=False))
    print(f"  {index.manifest.chunk_count} chunks, {index.manifest.encoded} encoded")

    added = timed(f"incremental add of 1 document ({extra.name})", lambda: library.add([extra]))
    assert added[0].status == "added", added[0].message
    docs = list(library.documents.values())
    index = timed("  index update after the add", lambda: load_or_build(settings, docs, encoder, library.store,
                                                                      progress=False))
    print(f"  {index.manifest.chunk_count} chunks, {index.manifest.encoded} encoded (only the new document's)")
    removed = timed("remove of 1 document", lambda: library.remove(added[0].doc))
    index = timed("  index update after the remove", lambda: load_or_build(
        settings, list(library.documents.values()), encoder, library.store, progress=False))
    print(f"  {index.manifest.chunk_count} chunks, {index.manifest.encoded} encoded; removed {removed.doc}")
    library.add([extra])
    docs = list(library.documents.values())
    load_or_build(settings, docs, encoder, library.store, progress=False)
    print(f"library now: {len(docs)} documents, {sum(len(d.units) for d in docs)} units")

    assistant = Assistant(settings, progress=False, library=library)
    assistant.warm_up()
    for q in LOOKUPS[:3] + STRUCTURED[:2]:
        assistant.ask(q)
    print(f"\nwarm answer latency, {args.repeat} passes (the whole ask: understanding, search, answer):")
    print(f"  {'kind':12s} {'n':>4s} {'p50 ms':>8s} {'p95 ms':>8s}")
    by_intent: dict[str, list[float]] = {}
    for _ in range(args.repeat):
        for q in LOOKUPS + STRUCTURED:
            started = time.perf_counter()
            answer = assistant.ask(q)
            by_intent.setdefault(answer.intent, []).append((time.perf_counter() - started) * 1000)
    for intent, times in sorted(by_intent.items()):
        print(f"  {intent:12s} {len(times):4d} {percentile(times, .5):8.1f} {percentile(times, .95):8.1f}")
    lookups = [t for i, ts in by_intent.items() if i == "lookup" for t in ts]
    if lookups:
        print(f"lookup p50 over the 20-document library: {statistics.median(lookups):.1f} ms")
    print(f"peak RSS: {rss_mb():.0f} MiB")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
