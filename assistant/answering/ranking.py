"""Which retrieved unit answers first: retrieval rank and evidence combined by weights learned on the
development documents (eval/calibrate_ranking.py writes assistant/data/ranking.json).

A listwise model on six features: the fused retrieval rank, the dense and BM25 ranks, how much of the
question the unit says (support, coverage), and whether it states the kind of value asked for. The
retrieval rank is one of the features, so where evidence says nothing new the retrieval order stands.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from assistant.records import Document, Hit, Unit

FEATURES = ("retrieval", "dense", "bm25", "support", "coverage", "value")
# Before calibration: evidence first, retrieval order breaking ties (the behaviour the weights replace).
_DEFAULT = {"weights": [0.5, 0.0, 0.0, 4.0, 0.0, 1.0]}


@dataclass(frozen=True)
class Candidate:
    doc: Document
    unit: Unit
    hit: Hit
    rank: int  # 1-based, in the fused retrieval ranking
    support: float
    coverage: float
    value: bool  # states the kind of value asked (always True when none is asked)

    @property
    def key(self) -> tuple[str, str]:
        return (self.doc.doc, self.unit.ref)


def features(c: Candidate) -> list[float]:
    return [1.0 / c.rank, 1.0 / (c.hit.dense_rank or 50), 1.0 / (c.hit.bm25_rank or 50), c.support, c.coverage,
            1.0 if c.value else 0.0]


@lru_cache(maxsize=1)
def _weights() -> tuple[float, ...]:
    try:
        raw = json.loads(resources.files("assistant").joinpath("data/ranking.json").read_text("utf-8"))
    except FileNotFoundError:
        raw = _DEFAULT
    weights = raw.get("weights") or _DEFAULT["weights"]
    if len(weights) != len(FEATURES) or not all(math.isfinite(w) for w in weights):
        weights = _DEFAULT["weights"]
    return tuple(float(w) for w in weights)


def weighted(row: list[float], weights: tuple[float, ...] | list[float] | None = None) -> float:
    w = weights or _weights()
    return sum(a * b for a, b in zip(w, row))


def score(c: Candidate, weights: tuple[float, ...] | None = None) -> float:
    return weighted(features(c), weights)


def ranked(candidates: list[Candidate], weights: tuple[float, ...] | None = None) -> list[Candidate]:
    """Best first; equal scores keep the retrieval order."""
    return sorted(candidates, key=lambda c: (-round(score(c, weights), 6), c.rank))


def fit(groups: list[tuple[list[list[float]], int]], l2: float = 0.01, steps: int = 3000, rate: float = 0.5
        ) -> list[float]:
    """Listwise logistic fit: for each question, the softmax over its candidates' scores should put the right
    one (index) first. Plain gradient descent: a handful of features needs nothing more."""
    n = len(FEATURES)
    w = [0.0] * n
    w[0] = 1.0  # start from the retrieval order
    for _ in range(steps):
        grad = [l2 * x for x in w]
        for rows, right in groups:
            scores = [sum(a * b for a, b in zip(w, r)) for r in rows]
            top = max(scores)
            exps = [math.exp(s - top) for s in scores]
            total = sum(exps)
            for j in range(n):
                expected = sum(e * r[j] for e, r in zip(exps, rows)) / total
                grad[j] += (expected - rows[right][j]) / len(groups)
        w = [x - rate * g for x, g in zip(w, grad)]
    return w
