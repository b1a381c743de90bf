"""CI quality gate: the committed gold set through the product (`assistant` system), in-process.

Thresholds (eval/README.md has the gold set; assistant/eval_runner.py the metric definitions):
    list F1 (micro) >= 0.95      lookup Hit@1 >= 0.90      fact answer accuracy >= 0.90
    count answer accuracy >= 0.90      abstain rate >= 0.85      false-abstain rate (all others) <= 0.05
"""

from __future__ import annotations

import pytest

from assistant.config import project_root
from assistant.evaluation.report import overview_table, type_table
from assistant.evaluation.runner import TYPES, EvalRun, load_gold, run_eval
from assistant.evaluation.systems import AssistantSystem, Resources

pytestmark = pytest.mark.slow

GOLD = project_root() / "eval" / "gold.jsonl"
# (type, metric, comparison, threshold); false_abstain_rate under "abstain" is over all answerable questions.
GATES: tuple[tuple[str, str, str, float], ...] = (
    ("list", "f1_micro", ">=", 0.95),
    ("lookup", "hit@1", ">=", 0.90),
    ("fact", "answer_acc", ">=", 0.90),
    ("count", "answer_acc", ">=", 0.90),
    ("abstain", "abstain_rate", ">=", 0.85),
    ("abstain", "false_abstain_rate", "<=", 0.05),
)
# Which per-question flag shows a failure, to name the failing ids in the message.
_FAILED = {
    "f1_micro": lambda r: r.scores.get("f1", 0.0) < 1.0,
    "hit@1": lambda r: r.scores.get("hit@1", 0.0) < 1.0,
    "answer_acc": lambda r: r.scores.get("answer_acc", 0.0) < 1.0,
    "abstain_rate": lambda r: not r.abstained,
    "false_abstain_rate": lambda r: r.abstained,
}


@pytest.fixture(scope="module")
def run(shared_assistant) -> EvalRun:
    """The session's real Assistant (tests/conftest.py), so the model is loaded once per test run."""
    gold = load_gold(GOLD)
    system = AssistantSystem(Resources(shared_assistant.settings, progress=False), assistant=shared_assistant)
    return run_eval(gold, [system], gold_path="eval/gold.jsonl")


def _tables(summary: dict) -> str:
    parts = [overview_table(summary)]
    for kind in TYPES:
        if kind in summary["systems"]["assistant"]:
            parts.append(f"{kind}:\n{type_table(summary, kind)}")
    return "\n\n".join(parts)


def test_gold_set_gate(run: EvalRun) -> None:
    summary = run.summary()
    metrics = summary["systems"]["assistant"]
    print("\n" + _tables(summary))
    results = run.results["assistant"]
    failures = []
    for kind, metric, op, threshold in GATES:
        value = metrics[kind][metric]
        ok = value >= threshold if op == ">=" else value <= threshold
        if ok:
            continue
        pool = [r for r in results if (r.type != "abstain" if metric == "false_abstain_rate" else r.type == kind)]
        ids = [r.id for r in pool if _FAILED[metric](r)]
        shown = ", ".join(ids[:15]) + (" …" if len(ids) > 15 else "")
        failures.append(f"{kind} {metric} = {value:.3f}, needs {op} {threshold} (failing: {shown})")
    errors = [f"{r.id}: {r.error}" for r in results if r.error]
    if errors:
        failures.append(f"{len(errors)} questions raised: " + "; ".join(errors[:5]))
    assert not failures, "quality gate failed:\n" + "\n".join(failures) + "\n\n" + _tables(summary)

