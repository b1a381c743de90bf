"""Fit the ranking weights (answering/ranking.py) on the development split only, and report Hit@1 of the
plain hybrid order beside the learned order.

    .venv/bin/python eval/calibrate_ranking.py [--write]

Questions: the seed gold set's dev lookups (eval/gold.jsonl) and, when present, the library gold set's
questions on dev documents (eval/library_gold.jsonl with eval/library_split.json). For each question whose
right unit is among the retrieved candidates, the candidates' features and the right one's index make one
listwise example. With --write the fitted weights go to assistant/data/ranking.json. The test split is
never read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SEED_DOC = "guangxi-2022-business-environment-action-plan"


def dev_questions() -> list[dict]:
    items = [json.loads(line) for line in (ROOT / "eval" / "gold.jsonl").read_text("utf-8").splitlines() if line.strip()]
    out = [g for g in items if g.get("split") == "dev" and g.get("type") == "lookup" and g.get("gold_refs")
           and not g.get("history")]
    library = ROOT / "eval" / "library_gold.jsonl"
    split = ROOT / "eval" / "library_split.json"
    if library.exists() and split.exists():
        # library_split.json: {"documents": [{"doc", "split", "kind", "files"}, …]}; a library question's
        # documents are its "docs", and its split field is already the split of those documents.
        dev_docs = {e["doc"] for e in json.loads(split.read_text("utf-8")).get("documents", []) if e["split"] == "dev"}
        for line in library.read_text("utf-8").splitlines():
            g = json.loads(line) if line.strip() else None
            if g and g.get("type") == "lookup" and g.get("gold_refs") and not g.get("history") \
                    and g.get("split") == "dev" and set(g.get("docs") or []) <= dev_docs:
                out.append(g)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write assistant/data/ranking.json")
    args = parser.parse_args()

    from assistant.answering.answerers.lookup import Lookup
    from assistant.answering.quotes import asked_value
    from assistant.answering.ranking import FEATURES, features, fit
    from assistant.config import load_settings
    from assistant.evaluation.library_eval import open_assistant

    from assistant.answering.service import Assistant

    # Each question in the library it is evaluated in: the seed set's over the seed notice alone (corpus/, the
    # default settings), the library set's over the evaluation library (every document of tests/data/library plus
    # the seed notice, staged once under index/eval-library). Ranks and word weights differ between the two, and
    # the weights must hold in both.
    library_bot = open_assistant(load_settings())
    seed_bot = Assistant(load_settings(), progress=False)
    groups, baseline, found = [], 0, 0
    questions = dev_questions()
    for item in questions:
        bot = library_bot if item.get("docs") else seed_bot
        lookup = next(a for a in bot.answerers if isinstance(a, Lookup))
        query = bot.understand(item["question"])
        hits = bot.context.search(query)[:8]
        candidates = sorted(lookup.candidates(query, hits, asked_value(query.text)), key=lambda c: c.rank)
        # library refs name their document ("doc:ref"); the seed set's refs are units of the seed notice
        gold = {r if ":" in r else f"{SEED_DOC}:{r}" for r in item["gold_refs"]}
        right = [i for i, c in enumerate(candidates) if f"{c.doc.doc}:{c.unit.ref}" in gold]
        if not right:
            continue
        found += 1
        baseline += right[0] == 0
        groups.append(([features(c) for c in candidates], right[0]))
    weights = fit(groups)
    learned = sum(ranked_first_right(rows, right, weights) for rows, right in groups)
    default = sum(ranked_first_right(rows, right, None) for rows, right in groups)
    n = max(1, len(questions))
    print(f"dev lookups: {len(questions)}; right unit among the candidates: {found}")
    print(f"Hit@1  hybrid order {baseline / n:.3f}   default weights {default / n:.3f}   learned {learned / n:.3f}")
    print("weights: " + ", ".join(f"{f}={w:.3f}" for f, w in zip(FEATURES, weights)))
    if args.write:
        path = ROOT / "assistant" / "data" / "ranking.json"
        path.write_text(json.dumps({"features": list(FEATURES), "weights": [round(w, 4) for w in weights],
                                    "fitted_on": f"{len(groups)} dev lookups"}, ensure_ascii=False, indent=1) + "\n",
                        "utf-8")
        print(f"written {path.relative_to(ROOT)}")
    return 0


def ranked_first_right(rows: list[list[float]], right: int, weights) -> bool:
    """Whether the right candidate scores highest (ties broken by retrieval order, as the product does)."""
    from assistant.answering.ranking import weighted

    scores = [round(weighted(r, weights), 6) for r in rows]
    best = max(range(len(rows)), key=lambda i: (scores[i], -i))
    return best == right


if __name__ == "__main__":
    raise SystemExit(main())
