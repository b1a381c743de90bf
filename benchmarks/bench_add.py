"""Adding one document to a library of 1,000 (not a test): where the seconds go.

    .venv/bin/python -m benchmarks.bench_add [--docs 1000] [--keep DIR]

The library: copies of the real documents of tests/data/library (its .md files, excerpts/ and plans/) and
corpus/, each under its own file name and with one line of its own after the title, so each copy is a
distinct document (its own sha256; a tag on every long line, since files 95% alike are merged as one
document in two formats). So every chunk of a copy is new text: nothing comes from the embedding cache. Everything runs in a temporary folder.

Embeddings, honestly: the 1,000-document index is built with a stand-in encoder (a vector from the hash of
each text, model id "bench-hash"), because really embedding the copies would take this machine minutes and
the issue's target counts the new document's own embedding apart ("≤ 2 s plus its own embedding"). The
new document's embedding is timed separately with the real model. The stand-in changes nothing else: the
index update after the add does exactly the work it does with the real model, minus encoding.

Steps of the add: reading (read and parse the file in a worker process; the server those workers are forked
from starts with a process's first read, printed apart), catalogue (the rest of `Library.add`: the folder scan,
duplicate checks, the copy, SQLite), embedding (real model, the new document's chunks), index update
(`load_or_build`: chunks, vector cache, FAISS, BM25, files and checksums — an add extends the previous index,
index_store._write_added, without reading its chunk records (the index it returns reads them when first
used) or rewriting vectors.faiss (the new vectors go in the segment)), with its top functions by time. The library's documents are in memory before the add (this script read
them to build the index), as in a running server; a fresh `assistant library add` process reads the
catalogue once first. With --keep DIR a second run uses the library and index left there (minutes saved)
and adds one more document to them (an index kept from before index format 4 is first rebuilt, once).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import pstats
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "library"


def sources() -> list[Path]:
    files = sorted(DATA.glob("*.md")) + sorted((DATA / "excerpts").glob("*.txt")) + sorted((DATA / "plans").glob("*.txt"))
    return files + sorted((ROOT / "corpus").glob("*.txt"))


def variant(source: Path, n: int, folder: Path) -> Path:
    """Copy n of `source`: its own name and one line of its own after the title line."""
    # A tag on every long line: same_document() merges files whose units are 95% the same (one
    # document in two formats), so a copy must differ in most units to stay a document of its own.
    lines = [line + f"（样本{n}）" if len(line) > 20 else line for line in source.read_text("utf-8").splitlines()]
    lines.insert(1, f"（文库样本第{n}份，编号 BENCH-{n:05d}）")
    path = folder / f"{source.stem}-copy{n:05d}{source.suffix}"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


class HashEncoder:
    """Stand-in passage/query vectors: unit vectors seeded by the text's hash (no model)."""

    model_id = "bench-hash"
    dim = 384

    def _vec(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
        v = np.random.default_rng(seed).normal(size=self.dim).astype(np.float32)
        return v / np.linalg.norm(v)

    def encode_passages(self, texts):
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    encode_queries = encode_passages


def timed(fn):
    t = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--docs", type=int, default=1000)
    p.add_argument("--keep", type=Path, help="keep the library and index in this folder; a rerun uses them again")
    args = p.parse_args()

    from assistant.config import load_settings
    from assistant.ingest.budget import Budget
    from assistant.ingest.worker import parse_within
    from assistant.library.catalog import Library
    from assistant.retrieval.chunks import build_chunks
    from assistant.retrieval.index_store import load_or_build

    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-add-"))
    settings = load_settings(library=root / "library", index_dir=root / "index", cache_dir=ROOT / ".cache")
    folder = settings.library
    originals = sources()
    if not folder.is_dir():  # --keep of an earlier run: its library (and index) are used again
        folder.mkdir(parents=True)
        for n in range(args.docs):
            variant(originals[n % len(originals)], n, folder)
    library = Library(settings)
    _, sync_s = timed(library.sync)
    docs = list(library.documents.values())
    encoder = HashEncoder()
    index, build_s = timed(lambda: load_or_build(settings, docs, encoder, library.store, progress=False))
    print(f"library: {len(docs)} documents, {sum(len(d.units) for d in docs)} units, {index.manifest.chunk_count} chunks "
          f"(from {len(originals)} real documents); catalogue {sync_s:.1f} s, index {build_s:.1f} s")

    # a large document, not yet in (a rerun on a kept library adds the next number)
    extra = variant(DATA / "guangdong-2022-regulation.md", args.docs + len(docs), root)
    budget = Budget.from_settings(settings)
    # The first read of a process starts the reading workers' server (forkserver, readers imported once);
    # timed apart, so that "reading" is what each add's read costs (the add reads the file again itself).
    small = sorted((DATA / "excerpts").glob("*.txt"))[0]
    _, start_s = timed(lambda: parse_within(small, "probe", budget))
    parsed, read_s = timed(lambda: parse_within(extra, "probe", budget))
    results, add_s = timed(lambda: library.add([extra]))
    assert results[0].status == "added", results[0].message
    new_doc = library.documents[results[0].doc]
    texts = [c.text for c in build_chunks(new_doc)]

    from assistant.retrieval.encoder import Encoder

    real = Encoder(settings, progress=False)
    real.dim  # model load is not part of the add
    _, embed_s = timed(lambda: real.encode_passages(texts))

    docs = list(library.documents.values())
    profile = cProfile.Profile()
    profile.enable()
    index, index_s = timed(lambda: load_or_build(settings, docs, encoder, library.store, progress=False))
    profile.disable()

    print(f"\nadd of one document ({extra.name}: {len(new_doc.units)} units, {len(texts)} chunks) "
          f"to {len(docs) - 1} documents; the index update encoded {index.manifest.encoded} chunks with the stand-in")
    print(f"  {'step':40s} {'s':>7s}")
    print(f"  (the reading workers' server, started by a process's first read: {start_s:.2f} s)")
    for name, s in (("reading (read and parse)", read_s), ("catalogue (scan, checks, copy, SQLite)", add_s - read_s),
                    ("index update (all but encoding)", index_s), ("total without embedding", add_s + index_s),
                    ("embedding, real model (its own chunks)", embed_s)):
        print(f"  {name:40s} {s:7.2f}")
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(18)
    print("\nindex update, top functions by cumulative time:")
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[-2500:])
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
