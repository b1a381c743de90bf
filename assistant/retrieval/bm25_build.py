"""Build the BM25 score matrix with numpy, and extend it when chunks are added, in the files bm25s saves.

bm25s builds its matrix with a Python loop over the chunks (seconds for a library of 1,000 documents) and
cannot add to a saved index. Here the corpus is kept as term counts — per term (a CSC column) the chunks it
occurs in and how often — plus each chunk's length, saved beside bm25s's files. Adding chunks at the end of
the library appends their counts to each column; the scores (which depend on every chunk through the idf
and the average length) are then recomputed for the whole matrix in a few vectorised steps.

The scores are bm25s's "lucene" variant with its defaults (k1 1.5, b 0.75), computed with the same
floating-point steps, so they are bit for bit what `bm25s.BM25().index(tokens)` gives
(tests/test_index_incremental.py checks it); `bm25_arrays.load_bm25` reads the files as before.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.retrieval.bm25_arrays import SavedBm25

K1, B, DELTA = 1.5, 0.75, 0.5  # bm25s's defaults (delta unused by lucene, saved as bm25s does)
_TF = "tf.csc.index.npy"
_LENGTHS = "lengths.index.npy"


@dataclass(frozen=True)
class TermCounts:
    """The tokenized corpus: vocab (token → column, first appearance order), per column the rows (chunks)
    in ascending order and their term frequencies, and each chunk's token count."""

    vocab: dict[str, int]
    indptr: np.ndarray  # int64, len(vocab) + 1
    rows: np.ndarray  # int32
    tf: np.ndarray  # float32
    lengths: np.ndarray  # int64, one per chunk

    @property
    def num_docs(self) -> int:
        return len(self.lengths)


def _pairs(tokens: list[list[str]], vocab: dict[str, int], first_row: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, cols, tf) of the distinct (chunk, term) pairs of `tokens`, extending `vocab` in place."""
    ids: list[int] = []
    lengths = []
    for toks in tokens:
        lengths.append(len(toks))
        for t in toks:
            i = vocab.get(t)
            if i is None:
                i = vocab[t] = len(vocab)
            ids.append(i)
    rows = np.repeat(np.arange(first_row, first_row + len(tokens), dtype=np.int64), lengths)
    cols = np.asarray(ids, dtype=np.int64)
    width = max(len(vocab), 1)
    keys, tf = np.unique(rows * width + cols, return_counts=True)
    return (keys // width).astype(np.int64), (keys % width).astype(np.int64), tf.astype(np.float32)


def _assemble(vocab: dict[str, int], rows: np.ndarray, cols: np.ndarray, tf: np.ndarray,
              lengths: np.ndarray) -> TermCounts:
    order = np.argsort(cols, kind="stable")  # pairs come row by row: rows stay ascending in each column
    counts = np.bincount(cols, minlength=len(vocab)) if len(cols) else np.zeros(len(vocab), np.int64)
    indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return TermCounts(vocab, indptr, rows[order].astype(np.int32), tf[order], np.asarray(lengths, dtype=np.int64))


def _without_empty(vocab: dict[str, int], indptr: np.ndarray) -> tuple[dict[str, int], np.ndarray]:
    """Drop the trailing empty "" column added for bm25s's empty token (it is added again after)."""
    last = len(vocab) - 1
    if vocab.get("") == last and indptr[-1] == indptr[-2]:
        vocab = {t: i for t, i in vocab.items() if i != last}
        indptr = indptr[:-1]
    return vocab, indptr


def _with_empty(counts: TermCounts) -> TermCounts:
    """bm25s gives an empty library one empty document and puts "" in every vocabulary (an empty column)."""
    if "" in counts.vocab:
        return counts
    vocab = {**counts.vocab, "": len(counts.vocab)}
    return TermCounts(vocab, np.append(counts.indptr, counts.indptr[-1]), counts.rows, counts.tf, counts.lengths)


def count_terms(tokens: list[list[str]]) -> TermCounts:
    tokens = tokens or [[""]]
    vocab: dict[str, int] = {}
    rows, cols, tf = _pairs(tokens, vocab, 0)
    return _with_empty(_assemble(vocab, rows, cols, tf, np.array([len(t) for t in tokens], dtype=np.int64)))


def append_terms(counts: TermCounts, tokens: list[list[str]]) -> TermCounts:
    """The counts of the corpus followed by `tokens` (new chunks at the end): what count_terms of the whole
    corpus gives, without going over the old chunks' tokens again or sorting the old pairs."""
    if not tokens:
        return counts
    vocab, indptr = _without_empty(dict(counts.vocab), counts.indptr)
    old_terms = len(indptr) - 1
    rows, cols, tf = _pairs(tokens, vocab, counts.num_docs)
    new = _assemble(vocab, rows, cols, tf, np.array([len(t) for t in tokens], dtype=np.int64))
    # Every new chunk comes after every old one, so each column is its old entries followed by its new ones:
    # each new entry goes in at the end of its column in the old arrays (np.insert keeps the order of
    # entries inserted at one place). Few large temporaries: page faults cost as much as the copying.
    old_indptr = np.concatenate([indptr, np.full(len(vocab) - old_terms, indptr[-1], dtype=np.int64)])
    at = np.repeat(old_indptr[1:], np.diff(new.indptr))
    return _with_empty(TermCounts(vocab, old_indptr + new.indptr, np.insert(counts.rows, at, new.rows),
                                  np.insert(counts.tf, at, new.tf), np.concatenate([counts.lengths, new.lengths])))


def scores(counts: TermCounts) -> np.ndarray:
    """The BM25 matrix data (aligned with rows/indptr), float32, the same steps as bm25s's lucene scoring."""
    n = counts.num_docs
    df = np.diff(counts.indptr)
    idf = np.zeros(len(df), dtype=np.float32)
    for i, d in enumerate(df.tolist()):
        if d:
            idf[i] = math.log(1 + (n - d + 0.5) / (d + 0.5))
    avg = counts.lengths.mean()
    # The same float64 steps per entry as bm25s (tf's float32 widened exactly), with the length norm made per
    # chunk and few temporaries (each new array of a large library's entries costs page faults as much as
    # the arithmetic).
    out = (K1 * ((1 - B) + B * counts.lengths / avg))[counts.rows]
    np.add(out, counts.tf, out=out)
    np.divide(counts.tf, out, out=out)
    out *= np.repeat(idf.astype(np.float64), df)
    return out.astype(np.float32)


def save_terms(directory: Path, counts: TermCounts) -> SavedBm25:
    """bm25s's files (params, vocab, data/indices/indptr) plus the counts that let the next add extend them;
    returns what `load_bm25` of the directory gives, without reading it back."""
    directory.mkdir(parents=True, exist_ok=True)
    import importlib.metadata as md

    try:
        version = md.version("bm25s")
    except md.PackageNotFoundError:
        version = None
    params = {"k1": K1, "b": B, "delta": DELTA, "method": "lucene", "idf_method": "lucene", "dtype": "float32",
              "int_dtype": "int32", "num_docs": counts.num_docs, "version": version, "backend": "numpy"}
    (directory / "params.index.json").write_text(json.dumps(params, indent=4), encoding="utf-8")
    (directory / "vocab.index.json").write_text(json.dumps(counts.vocab, ensure_ascii=False), encoding="utf-8")
    data = scores(counts)
    np.save(directory / "data.csc.index.npy", data)
    np.save(directory / "indices.csc.index.npy", counts.rows)
    np.save(directory / "indptr.csc.index.npy", counts.indptr)
    np.save(directory / _TF, counts.tf)
    np.save(directory / _LENGTHS, counts.lengths)
    return SavedBm25(counts.vocab, data, counts.rows, counts.indptr, num_docs=counts.num_docs)


def load_terms(directory: Path) -> TermCounts | None:
    """The counts saved by save_terms, or None (an index saved by bm25s itself, or unreadable files)."""
    try:
        vocab = json.loads((directory / "vocab.index.json").read_text(encoding="utf-8"))
        indptr = np.load(directory / "indptr.csc.index.npy", allow_pickle=False)
        rows = np.load(directory / "indices.csc.index.npy", allow_pickle=False)
        tf = np.load(directory / _TF, allow_pickle=False)
        lengths = np.load(directory / _LENGTHS, allow_pickle=False)
    except (OSError, ValueError):
        return None
    if len(indptr) != len(vocab) + 1 or len(rows) != len(tf) or indptr[-1] != len(rows):
        return None
    return TermCounts(vocab, indptr.astype(np.int64, copy=False), rows.astype(np.int32, copy=False),
                      tf.astype(np.float32, copy=False), lengths.astype(np.int64, copy=False))
