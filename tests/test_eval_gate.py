"""CI quality gate: the committed gold set through the product (`assistant` system), in-process, gated on the
TEST split only (the dev split is for tuning; eval/README.md has the split rule, the tags and the metric
definitions, assistant/evaluation/runner.py the code).

Thresholds on the test split:
    the issue's criteria                              the per-type gates
    colloquial+Traditional hit@1 >= 0.95              list F1 (micro) >= 0.95
    false-abstain rate (answerable) <= 0.02           lookup Hit@1 >= 0.90
    abstain rate (unanswerable) >= 0.90               fact answer accuracy >= 0.90
    follow-up accuracy >= 0.90                        count answer accuracy >= 0.90
    typo resolution >= 0.90
"""

from __future__ import annotations

import pytest

from assistant.config import project_root
from assistant.evaluation.report import criteria_table, overview_table, tag_table, type_table
from assistant.evaluation.runner import TYPES, EvalRun, by_split, load_gold, run_eval
from assistant.evaluation.systems import AssistantSystem, Resources

pytestmark = pytest.mark.slow

GOLD = project_root() / "eval" / "gold.jsonl"
SPLIT = "test"
# The criteria: (criterion, comparison, threshold), from runner.criteria on the test split.
CRITERIA_GATES: tuple[tuple[str, str, float], ...] = (
    ("colloquial_hit@1", ">=", 0.95),
    ("false_abstain_rate", "<=", 0.02),
    ("abstain_rate", ">=", 0.90),
    ("followup_acc", ">=", 0.90),
    ("typo_acc", ">=", 0.90),
)
# Per type: (type, metric, comparison, threshold), from runner.aggregate on the test split.
TYPE_GATES: tuple[tuple[str, str, str, float], ...] = (
    ("list", "f1_micro", ">=", 0.95),
    ("lookup", "hit@1", ">=", 0.90),
    ("fact", "answer_acc", ">=", 0.90),
    ("count", "answer_acc", ">=", 0.90),
)
# Which per-question flag shows a failure, to name the failing ids in the message.
_FAILED = {
    "f1_micro": lambda r: r.scores.get("f1", 0.0) < 1.0,
    "hit@1": lambda r: r.scores.get("hit@1", 0.0) < 1.0,
    "answer_acc": lambda r: r.scores.get("answer_acc", 0.0) < 1.0,
}


@pytest.fixture(scope="module")
def run(shared_assistant) -> EvalRun:
    """The session's real Assistant (tests/conftest.py), so the model is loaded once per test run. Both splits
    are answered (the report shows both); only the test split is gated."""
    gold = load_gold(GOLD)
    system = AssistantSystem(Resources(shared_assistant.settings, progress=False), assistant=shared_assistant)
    return run_eval(gold, [system], gold_path="eval/gold.jsonl")


def _tables(part: dict) -> str:
    parts = [criteria_table(part), overview_table(part), tag_table(part)]
    for kind in TYPES:
        if kind in part["systems"]["assistant"]:
            parts.append(f"{kind}:\n{type_table(part, kind)}")
    return "\n\n".join(p for p in parts if p)


def _ok(value: float | None, op: str, threshold: float) -> bool:
    if value is None:
        return False  # nothing to measure is a failure of the gold set, not a pass
    return value >= threshold if op == ">=" else value <= threshold


def _shown(ids: list[str]) -> str:
    return ", ".join(ids[:40]) + (f" … (+{len(ids) - 40})" if len(ids) > 40 else "")


def test_gold_set_gate(run: EvalRun) -> None:
    summary = run.summary()
    assert SPLIT in summary["splits"], "the gold file has no test split"
    part = summary["splits"][SPLIT]
    print(f"\n{SPLIT} split ({part['n']} questions):\n" + _tables(part))
    failures = []
    crit = part["criteria"]["assistant"]
    for name, op, threshold in CRITERIA_GATES:
        c = crit[name]
        if not _ok(c["value"], op, threshold):
            value = "–" if c["value"] is None else f"{c['value']:.3f}"
            failures.append(f"{name} = {value} over {c['n']}, needs {op} {threshold} (failing: {_shown(c['failed'])})")
    metrics = part["systems"]["assistant"]
    results = by_split(run.results["assistant"], SPLIT)
    for kind, metric, op, threshold in TYPE_GATES:
        value = metrics.get(kind, {}).get(metric)
        if _ok(value, op, threshold):
            continue
        ids = [r.id for r in results if r.type == kind and _FAILED[metric](r)]
        shown = "–" if value is None else f"{value:.3f}"
        failures.append(f"{kind} {metric} = {shown}, needs {op} {threshold} (failing: {_shown(ids)})")
    errors = [f"{r.id}: {r.error}" for r in run.results["assistant"] if r.error]
    if errors:
        failures.append(f"{len(errors)} questions raised: " + "; ".join(errors[:5]))
    assert not failures, f"quality gate failed on the {SPLIT} split:\n" + "\n".join(failures) + "\n\n" + _tables(part)
