"""Unit tests of the evaluation metrics on hand-made cases (no model, no index)."""

from __future__ import annotations

import pytest

from assistant.evaluation import metrics as em

# --- number-aware containment ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "expected", "ok"),
    [
        ("共有17项任务", "17", True),
        ("共有170项任务", "17", False),
        ("共有117项任务", "17", False),
        ("有外线供水工程，12个工作日内办结", "2个工作日", False),
        ("无外线供水工程，2个工作日内办结", "2个工作日", True),
        ("无外线，2个工作日；有外线，12个工作日", "2个工作日", True),  # one clean occurrence is enough
        ("有外线供气工程，14个工作日内办结", "4个工作日", False),
        ("压缩至 12 个工作日", "12个工作日", True),  # spaces are removed before comparing
        ("压缩至１２个工作日", "12个工作日", True),  # full-width digits fold
        ("压缩至**12个工作日**", "12个工作日", True),  # markdown emphasis is not content
        ("完成时限 2023 年 1 月 20 日", "2023年1月20日", True),
        ("完成时限 2023年1月201日", "2023年1月20日", False),
        ("力争投放“桂惠贷”3000亿元", "3000亿元", True),
        ("力争投放13000亿元", "3000亿元", False),
        ("平均停电时间不超过4.75小时", "4.75小时", True),
        ("平均停电时间不超过14.75小时", "4.75小时", False),
        ("比例0.5", "5", False),  # a decimal's tail is not the number 5
        ("比例5.5", "5", False),
        ("实施“一照通办”", "一照通办", True),  # no digits: plain substring
        ("实施“一址多照”", "一照通办", False),
        ("", "17", False),
    ],
)
def test_contains_number_aware(answer: str, expected: str, ok: bool) -> None:
    assert em.contains_number_aware(answer, expected) is ok


def test_find_number_aware_offsets() -> None:
    assert em.find_number_aware("2个工作日和12个工作日", "2个工作日") == [0]
    assert em.find_number_aware("12个工作日", "2个工作日") == []
    assert em.find_number_aware("abc", "") == []


# --- counts ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "count", "ok"),
    [
        ("共 5 项任务。", "5", True),
        ("完成时限为2022年11月5日", "5", False),  # a date's day is not a count
        ("增长5%", "5", False),  # nor a percentage
        ("增长５％", "5", False),
        ("提高5个百分点", "5", False),
        ("截至2022-11-05", "5", False),
        ("共有 5 项 [任务5]", "5", True),
        ("见 [任务5] 与 [措施（五）]", "5", False),  # a citation names a row, it counts nothing
        ("任务5、序号: 5、第5项", "5", False),
        ("共17项", "17", True),
        ("共170项", "17", False),
        ("2022年11月30日前完成，共30项", "30", True),
        ("2022年11月30日前完成", "30", False),
        ("11月30日前完成", "11", False),
        ("桂政办发〔2022〕40号", "40", False),
        ("全年5项", "5", True),  # 年 before a number is only a date when a digit precedes it
        ("共 05 项", "5", True),
    ],
)
def test_contains_count(answer: str, count: str, ok: bool) -> None:
    assert em.contains_count(answer, count) is ok


def test_standalone_numbers() -> None:
    text = "2022年11月30日前，共 17 项（占 8.5%），见[任务17]、序号: 3，另有 2 项"
    assert em.standalone_numbers(text) == ["17", "2"]


def test_answer_correct_needs_every_string() -> None:
    answer = "无外线2个工作日内办结；有外线12个工作日内办结。"
    assert em.answer_correct(answer, ["2个工作日", "12个工作日"])
    assert not em.answer_correct(answer, ["2个工作日", "14个工作日"])
    assert em.answer_correct(answer, [])  # vacuous
    assert em.answer_correct("共 5 项", ["5"], count=True)
    assert not em.answer_correct("2022年11月5日", ["5"], count=True)


# --- ranked retrieval -----------------------------------------------------------------------------------


def test_hit_at_k() -> None:
    ranked = ["task-3", "task-70", "measure-32"]
    assert em.hit_at_k(ranked, ["task-70"], 1) == 0.0
    assert em.hit_at_k(ranked, ["task-70"], 2) == 1.0
    assert em.hit_at_k(ranked, ["task-3", "task-9"], 1) == 1.0
    assert em.hit_at_k([], ["task-3"], 1) == 0.0


def test_recall_at_k() -> None:
    ranked = ["task-1", "task-2", "task-3", "task-4", "task-5", "task-6"]
    assert em.recall_at_k(ranked, ["task-2", "task-6"], 5) == 0.5
    assert em.recall_at_k(ranked, ["task-2", "task-6"], 6) == 1.0
    assert em.recall_at_k(ranked, ["task-2", "task-2"], 5) == 1.0  # gold duplicates count once
    assert em.recall_at_k(ranked, [], 5) == 0.0


def test_reciprocal_rank() -> None:
    ranked = [f"task-{i}" for i in range(1, 13)]
    assert em.reciprocal_rank(ranked, ["task-1"]) == 1.0
    assert em.reciprocal_rank(ranked, ["task-4", "task-2"]) == 0.5  # first gold ref found wins
    assert em.reciprocal_rank(ranked, ["task-10"], 10) == pytest.approx(0.1)
    assert em.reciprocal_rank(ranked, ["task-11"], 10) == 0.0  # beyond the cut-off
    assert em.reciprocal_rank([], ["task-1"]) == 0.0


# --- set metrics ----------------------------------------------------------------------------------------


def test_set_score() -> None:
    s = em.set_score(["task-1", "task-2", "task-9", "task-1"], ["task-1", "task-2", "task-3", "task-4"])
    assert (s.tp, s.fp, s.fn) == (2, 1, 2)
    assert s.precision == pytest.approx(2 / 3)
    assert s.recall == pytest.approx(0.5)
    assert s.f1 == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))
    assert not s.exact
    exact = em.set_score(["task-2", "task-1"], ["task-1", "task-2"])
    assert exact.exact and exact.f1 == 1.0


def test_set_score_edge_cases() -> None:
    nothing_cited = em.set_score([], ["task-1"])
    assert (nothing_cited.precision, nothing_cited.recall, nothing_cited.f1) == (0.0, 0.0, 0.0)
    both_empty = em.set_score([], [])
    assert both_empty.exact and both_empty.f1 == 1.0
    all_wrong = em.set_score(["task-5"], ["task-1"])
    assert all_wrong.f1 == 0.0


def test_summarize_sets_micro_vs_macro() -> None:
    big = em.set_score([f"task-{i}" for i in range(1, 11)], [f"task-{i}" for i in range(1, 11)])  # perfect, 10
    small = em.set_score(["task-50"], ["task-60"])  # all wrong, 1
    s = em.summarize_sets([big, small])
    assert s.precision_micro == pytest.approx(10 / 11)
    assert s.recall_micro == pytest.approx(10 / 11)
    assert s.f1_micro == pytest.approx(10 / 11)
    assert s.f1_macro == pytest.approx(0.5)
    assert s.exact_set == pytest.approx(0.5)
    empty = em.summarize_sets([])
    assert empty.f1_micro == 0.0 and empty.exact_set == 0.0


# --- aggregates -----------------------------------------------------------------------------------------


def test_rate_and_mean() -> None:
    assert em.rate([True, False, True, True]) == 0.75
    assert em.rate([]) == 0.0
    assert em.mean([1.0, 2.0]) == 1.5
    assert em.mean([]) == 0.0


def test_percentile_matches_numpy_linear() -> None:
    np = pytest.importorskip("numpy")
    values = [12.0, 3.5, 40.0, 7.0, 7.0, 90.0, 1.0]
    for q in (0, 5, 50, 95, 100):
        assert em.percentile(values, q) == pytest.approx(float(np.percentile(values, q)))
    assert em.percentile([], 50) == 0.0
    assert em.percentile([4.0], 95) == 4.0
    with pytest.raises(ValueError):
        em.percentile([1.0], 101)
