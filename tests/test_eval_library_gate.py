"""CI gate on the library evaluation's TEST documents (eval/library_split.json): the product over a library of every
document of tests/data/library plus the seed notice, with the real model; the library and its index are staged
once under the project's index dir (index/eval-library/) and reused by later runs.

The issue's targets are overall >= 0.90, false refusals <= 0.03, comparisons >= 0.85 and lookup Hit@1 of the
product's first citation >= the plain hybrid retrieval for every kind of document. Where the product does not
reach a target yet, the gate holds the level measured when the gate was written, less a small margin, so that a
regression fails; raise each floor to its target as the product gets there (eval/README.md, "Library set").
"""

from __future__ import annotations

import pytest

from assistant.config import load_settings
from assistant.evaluation.library_eval import TARGETS, markdown, open_assistant, run_library_eval

pytestmark = pytest.mark.slow

SPLIT = "test"
MARGIN = 0.03
# Measured on the test split when the gate was written (eval/reports/library-test.md); min(target, measured - margin).
MEASURED = {"overall": 0.917, "false_refusal_rate": 0.027, "comparison_acc": 0.875}
FLOORS = {
    "overall": min(TARGETS["overall"], MEASURED["overall"] - MARGIN),
    "comparison_acc": min(TARGETS["comparison_acc"], MEASURED["comparison_acc"] - MARGIN),
}
CEILINGS = {"false_refusal_rate": max(TARGETS["false_refusal_rate"], MEASURED["false_refusal_rate"] + MARGIN)}
# Hit@1 per kind of document: the product may fall behind hybrid by at most this much (0 = the target).
# Measured: regulations 0.960 vs 0.413, the law 0.923 vs 0.692, plans 1.000 vs 1.000 (n=8, both at the ceiling),
# excerpts 1.000 vs 0.800. No kind needs a slack.
HIT_SLACK: dict[str, float] = {}


@pytest.fixture(scope="module")
def summary():
    assistant = open_assistant(load_settings())
    run = run_library_eval(assistant.settings, SPLIT, assistant=assistant)
    return run.summary()


def test_library_gate_on_test_documents(summary) -> None:
    print("\n" + markdown(summary))
    failures = []
    for name, floor in FLOORS.items():
        if summary[name] is None or summary[name] < floor:
            failures.append(f"{name} = {summary[name]} < {floor:.3f}")
    for name, ceiling in CEILINGS.items():
        if summary[name] is None or summary[name] > ceiling:
            failures.append(f"{name} = {summary[name]} > {ceiling:.3f}")
    for kind, hit in summary["hit@1"].items():
        if kind == "all":
            continue
        slack = HIT_SLACK.get(kind, 0.0)
        if hit["product"] + slack < hit["hybrid"]:
            failures.append(f"hit@1 {kind}: product {hit['product']:.3f} < hybrid {hit['hybrid']:.3f} - {slack}")
    assert summary["errors"] == 0, f"{summary['errors']} questions raised"
    assert not failures, "library gate failed on the test documents:\n" + "\n".join(failures) + "\n\n" + markdown(summary)
