"""Retrieval quality on paraphrased, colloquial questions (real model, real FAISS, real bm25s).

Questions live in tests/data/retrieval_questions.jsonl, one {"q": …, "gold": [refs]} per line. `gold` lists
every chunk that states the answer (often the task row and the measure that repeats it); a question
counts as found at k when any gold ref is among the top k.
    Recall@5 = share of questions with a gold ref in the top 5
    Hit@1    = share of questions whose top hit is a gold ref
    MRR      = mean of 1 / rank of the first gold ref (0 when absent from the top 10)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

QUESTIONS = Path(__file__).parent / "data" / "retrieval_questions.jsonl"


def load_questions() -> list[dict]:
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    for row in rows:
        assert isinstance(row["q"], str) and row["q"].strip() and row["gold"], row
    return rows


def evaluate(searcher, questions: list[dict], mode: str) -> dict:
    found5 = hit1 = rr = 0.0
    misses = []
    for row in questions:
        refs = [h.ref for h in searcher.search(row["q"], k=10, mode=mode)]
        gold = set(row["gold"])
        found5 += bool(gold & set(refs[:5]))
        hit1 += bool(refs) and refs[0] in gold
        rank = next((i for i, ref in enumerate(refs, start=1) if ref in gold), None)
        rr += 1 / rank if rank else 0.0
        if not refs or refs[0] not in gold:
            misses.append(f"{row['q']} gold={row['gold']} got={refs[:5]}")
    n = len(questions)
    return {"recall@5": found5 / n, "hit@1": hit1 / n, "mrr": rr / n, "misses": misses}


@pytest.fixture(scope="module")
def figures(hybrid_searcher):
    questions = load_questions()
    return len(questions), {mode: evaluate(hybrid_searcher, questions, mode) for mode in ("dense", "bm25", "hybrid")}


def test_question_set_is_large_and_well_formed(hybrid_searcher):
    questions = load_questions()
    assert len(questions) >= 40
    refs = {c.ref for c in hybrid_searcher.chunks}
    assert all(set(q["gold"]) <= refs for q in questions)
    assert len({q["q"] for q in questions}) == len(questions)


def test_hybrid_recall_and_hit_rate(figures):
    n, by_mode = figures
    lines = [f"retrieval quality over {n} questions:"]
    for mode, m in by_mode.items():
        lines.append(f"  {mode:7s} Recall@5={m['recall@5']:.3f}  Hit@1={m['hit@1']:.3f}  MRR={m['mrr']:.3f}")
    report = "\n".join(lines + ["hybrid top-1 misses:", *("  " + x for x in by_mode["hybrid"]["misses"])])
    print("\n" + report)
    hybrid = by_mode["hybrid"]
    assert hybrid["recall@5"] >= 0.97, report
    assert hybrid["hit@1"] >= 0.90, report


def test_fusion_is_not_worse_than_either_ranker(figures):
    _, by_mode = figures
    best_single = max(by_mode["dense"]["mrr"], by_mode["bm25"]["mrr"])
    assert by_mode["hybrid"]["mrr"] >= best_single - 0.01, {m: v["mrr"] for m, v in by_mode.items()}
