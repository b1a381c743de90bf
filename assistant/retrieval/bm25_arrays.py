"""Query a saved bm25s index from its arrays, without importing bm25s (and, through it, scipy).

bm25s stores the eager BM25 score matrix as CSC arrays (data, indices, indptr: one column per token) plus
the vocabulary and parameters. Scoring a query is then a sum of the columns of its tokens — exactly what
bm25s's numpy backend does in `get_scores_from_ids`. Reading the arrays directly saves ~0.4 s of imports
on every cold `assistant ask`; tests/test_fast_paths.py checks the scores equal bm25s's own.

Index builds write these files with numpy (`bm25_build`, bit for bit bm25s's scores). A saved index this
reader does not know (another format, or a variant with a non-occurrence array such as BM25L/BM25+) is
loaded through bm25s instead.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

_PARAMS = "params.index.json"
_VOCAB = "vocab.index.json"
_ARRAYS = ("data", "indices", "indptr")
_NONOCCURRENCE = "nonoccurrence_array.index.npy"
# Variants whose saved matrix holds the whole score (no per-query non-occurrence term).
_PLAIN_METHODS = ("lucene", "robertson", "atire")


class SavedBm25:
    """The parts of `bm25s.BM25` the searcher uses: `vocab_dict`, `scores` and `get_scores_from_ids`."""

    def __init__(self, vocab: dict[str, int], data: np.ndarray, indices: np.ndarray, indptr: np.ndarray,
                 num_docs: int, dtype: str = "float32"):
        self.vocab_dict = vocab
        self.scores = {"data": data, "indices": indices, "indptr": indptr, "num_docs": num_docs}
        self.dtype = dtype

    def get_scores_from_ids(self, query_tokens_ids) -> np.ndarray:
        ids = np.asarray(query_tokens_ids, dtype=np.int64)
        indptr = self.scores["indptr"]
        if ids.size and int(ids.max()) >= len(indptr) - 1:
            raise ValueError("query token id outside the index vocabulary")
        data, indices = self.scores["data"], self.scores["indices"]
        scores = np.zeros(self.scores["num_docs"], dtype=np.dtype(self.dtype))
        for start, end in zip(indptr[ids], indptr[ids + 1]):
            np.add.at(scores, indices[start:end], data[start:end])
        return scores


def load_bm25(directory: Path | str):
    """The saved index in `directory`: a SavedBm25 when it is a plain eager index, else bm25s.BM25."""
    directory = Path(directory)
    params = json.loads((directory / _PARAMS).read_text(encoding="utf-8"))
    plain = (isinstance(params, dict) and params.get("method") in _PLAIN_METHODS
             and not (directory / _NONOCCURRENCE).exists())
    if not plain:
        import bm25s

        return bm25s.BM25.load(str(directory), show_progress=False)
    vocab = json.loads((directory / _VOCAB).read_text(encoding="utf-8"))
    arrays = [np.load(directory / f"{name}.csc.index.npy", allow_pickle=False) for name in _ARRAYS]
    return SavedBm25(vocab, *arrays, num_docs=int(params["num_docs"]), dtype=str(params.get("dtype", "float32")))
