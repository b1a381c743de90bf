"""Calibrate the evidence floor (answering/service.py EVIDENCE_FLOOR) on the development split only.

    .venv/bin/python eval/calibrate_evidence.py [--gold eval/gold.jsonl]

For every dev question routed to retrieval, the best coverage among the retrieved units is computed once
(answering/evidence.py); then each candidate floor is scored by the abstentions it would add on answerable
questions (false abstentions) and on unanswerable ones. The test split is never read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", default=str(ROOT / "eval" / "gold.jsonl"))
    args = parser.parse_args()

    from assistant.answering.service import Assistant
    from assistant.config import load_settings

    assistant = Assistant(load_settings(), progress=False)
    dev = [g for g in (json.loads(line) for line in Path(args.gold).read_text("utf-8").splitlines() if line.strip())
           if g.get("split") == "dev" and not g.get("history")]
    rows = []
    for item in dev:
        text = assistant.understand(item["question"]).text
        answer = assistant.ask(item["question"])
        if answer.intent not in ("lookup", "abstain"):
            continue  # answered from the database or the document model: no evidence floor involved
        result = assistant.searcher.search_detailed(text, k=8)
        terms = assistant.evidence.terms(text)
        best = max((assistant.evidence.coverage(terms, (h.doc, h.ref)) for h in result.hits), default=0.0)
        rows.append((item["type"] == "abstain", best))
    answerable = [c for a, c in rows if not a]
    unanswerable = [c for a, c in rows if a]
    print(f"dev questions through retrieval: {len(answerable)} answerable, {len(unanswerable)} unanswerable")
    print(f"{'floor':>6} {'false abstain':>14} {'abstain caught':>15}")
    for step in range(0, 41, 2):
        floor = step / 100
        fa = sum(c < floor for c in answerable) / max(1, len(answerable))
        caught = sum(c < floor for c in unanswerable) / max(1, len(unanswerable))
        print(f"{floor:6.2f} {fa:14.3f} {caught:15.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
