"""The evaluation harness without the model: gold loading and its errors, the dev/test split and the tags,
scoring and aggregation (per type, per split, per tag, the issue's criteria) with fake systems, the JSON shape,
the report files, naive-RAG span mapping, the `assistant eval` command's errors, and that no test copies a
gold question."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

from assistant.config import load_settings, project_root
from assistant.evaluation.runner import GoldFileError, GoldItem, load_gold, run_eval
from assistant.evaluation.systems import Span, System, document_text, parse_system_names, refs_in, split_text
from assistant.records import Answer, Citation, Hit

GOLD = project_root() / "eval" / "gold.jsonl"


def _line(**over) -> str:
    rec = {"id": "lookup-001", "type": "lookup", "question": "问题？", "gold_refs": ["task-1"], "answer_contains": [], "notes": ""}
    rec.update(over)
    return json.dumps(rec, ensure_ascii=False)


# --- gold loading ---------------------------------------------------------------------------------------


def _gold_rules():
    """eval/gold_rules.py is a standalone script, not a package module: load it by path (once)."""
    if "gold_rules" not in sys.modules:
        spec = importlib.util.spec_from_file_location("gold_rules", project_root() / "eval" / "gold_rules.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["gold_rules"] = module  # its dataclasses look their module up while being defined
        spec.loader.exec_module(module)
    return sys.modules["gold_rules"]


def test_committed_gold_loads() -> None:
    gold = load_gold(GOLD)
    assert len(gold) == 369
    counts = {t: sum(1 for g in gold if g.type == t) for t in ("lookup", "fact", "list", "count", "measure", "abstain")}
    assert counts == {"lookup": 86, "fact": 80, "list": 73, "count": 42, "measure": 32, "abstain": 56}
    tags = {t: sum(1 for g in gold if t in g.tags) for t in ("followup", "typo", "document", "tempting")}
    assert tags["followup"] >= 25 and tags["typo"] >= 20 and tags["document"] >= 15 and tags["tempting"] >= 20
    assert all(bool(g.history) == ("followup" in g.tags) for g in gold)


def test_committed_gold_split_is_fixed_by_id() -> None:
    """Every item has the split its id gives (odd number dev, even test), about half of every type in each."""
    gold = load_gold(GOLD)
    for g in gold:
        number = int(re.search(r"-(\d+)$", g.id).group(1))
        assert g.split == ("dev" if number % 2 else "test"), g.id
    for kind in ("lookup", "fact", "list", "count", "measure", "abstain"):
        test = sum(1 for g in gold if g.type == kind and g.split == "test")
        dev = sum(1 for g in gold if g.type == kind and g.split == "dev")
        assert abs(test - dev) <= 1, kind
    for tag in ("colloquial", "traditional", "typo", "followup", "document", "tempting"):
        assert min(sum(1 for g in gold if tag in g.tags and g.split == s) for s in ("dev", "test")) >= 6, tag


def test_committed_gold_passes_gold_rules_check(capsys) -> None:
    rules = _gold_rules()
    assert rules.check(GOLD) == 0, capsys.readouterr().out
    assert rules.split_of("lookup-001") == "dev" and rules.split_of("abstain-056") == "test"


def test_gold_rules_document_rules() -> None:
    rules = _gold_rules()
    st = rules.load_structure()
    assert st.counts() == {"parts": 9, "measures": 41, "tasks": 199, "categories": 21}
    assert rules.eval_doc("doc: measures") == ([], ["41"])
    assert rules.eval_doc("doc: measures part=3 | x") == ([], ["7"])
    refs, _ = rules.eval_doc("doc: outline")
    assert refs[0] == "preamble" and refs[-1] == "measure-41" and len(refs) == 42
    with pytest.raises(ValueError):
        rules.eval_doc("doc: chapters")


def test_gold_rules_check_catches_a_moved_split_and_bad_tags(tmp_path: Path, capsys) -> None:
    rules = _gold_rules()
    base = {"id": "lookup-001", "type": "lookup", "question": "开个公司刻章要钱吗？", "gold_refs": ["task-7"],
            "answer_contains": [], "notes": "x"}
    cases = [
        ({"split": "test"}, "the id rule gives 'dev'"),
        ({"split": "dev", "tags": ["slang"]}, "tags"),
        ({"split": "dev", "tags": ["followup"]}, "followup and a non-empty history"),
        ({"split": "dev", "tags": ["typo"]}, "错字"),
        ({"split": "dev", "tags": ["fullwidth"]}, "fullwidth"),
    ]
    for extra, message in cases:
        path = tmp_path / "gold.jsonl"
        path.write_text(json.dumps({**base, **extra}, ensure_ascii=False) + "\n", encoding="utf-8")
        assert rules.check(path) == 1
        assert message in capsys.readouterr().out


def test_missing_gold_file(tmp_path: Path) -> None:
    with pytest.raises(GoldFileError, match="文件不存在"):
        load_gold(tmp_path / "nope.jsonl")


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{not json", "不是合法的 JSON"),
        ("[1, 2]", "JSON 对象"),
        (_line(type="riddle"), "未知的题型"),
        (json.dumps({"id": "x", "type": "lookup", "question": "q"}), "缺少字段"),
        (_line(gold_refs=["Task 3"]), "引用格式不对"),
        (_line(gold_refs=[{"doc": "a", "ref": "task-1"}, "task-2"]), "要么都写明文档"),
        (_line(gold_refs="task-1"), "gold_refs"),
        (_line(type="abstain"), "abstain 题的 gold_refs 应为空"),
        (_line(type="fact", answer_contains=[]), "answer_contains 不能为空"),
        (_line(type="count", answer_contains=["五"]), "应为数字"),
        (_line(split="train"), "字段 split"),
        (_line(tags=["slang"]), "未知的标签"),
        (_line(tags="typo"), "字段 tags"),
        (_line(tags=["followup"]), "history"),
        (_line(history="上一个问题"), "字段 history"),
    ],
)
def test_malformed_gold_names_the_line(tmp_path: Path, bad: str, message: str) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text(_line() + "\n\n" + bad + "\n", encoding="utf-8")
    with pytest.raises(GoldFileError, match=message) as info:
        load_gold(path)
    assert info.value.line == 3
    assert "第3行" in str(info.value)


def test_duplicate_ids_and_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text(_line() + "\n" + _line(question="另一个？") + "\n", encoding="utf-8")
    with pytest.raises(GoldFileError, match="重复"):
        load_gold(path)
    path.write_text("\n\n", encoding="utf-8")
    with pytest.raises(GoldFileError, match="没有题目"):
        load_gold(path)


# --- scoring with fake systems --------------------------------------------------------------------------

GOLD_ITEMS = [
    GoldItem("lookup-001", "lookup", "L1", ("task-2",), ()),
    GoldItem("lookup-002", "lookup", "L2", ("task-7", "measure-2"), ()),
    GoldItem("fact-001", "fact", "F1", ("task-59",), ("12个工作日",)),
    GoldItem("list-001", "list", "S1", ("task-1", "task-2", "task-3"), ()),
    GoldItem("count-001", "count", "C1", ("task-1", "task-2"), ("2",)),
    GoldItem("measure-001", "measure", "M1", ("measure-32",), ()),
    GoldItem("abstain-001", "abstain", "A1", (), ()),
    GoldItem("abstain-002", "abstain", "A2", (), ()),
]


class Canned(System):
    name = "canned"

    def __init__(self, answers: dict[str, Answer]) -> None:
        self.answers = answers

    def answer(self, question: str) -> Answer:
        if question == "boom":
            raise RuntimeError("kaput")
        return self.answers.get(question) or Answer(question=question, answer="")


class CannedWithHistory(Canned):
    """Answers a follow-up by its history: the key is "earlier question|question"."""

    def __init__(self, answers: dict[str, Answer]) -> None:
        super().__init__(answers)
        self.seen: list[tuple[str, list[str] | None]] = []

    def answer(self, question: str, scope: str | None = None, history: list[str] | None = None) -> Answer:
        self.seen.append((question, history))
        key = "|".join([*(history or []), question])
        return self.answers.get(key) or super().answer(question)


def _answer(q: str, text: str = "", hits=(), cited=(), abstained: bool = False) -> Answer:
    return Answer(
        question=q,
        answer=text,
        hits=[Hit(ref=r, score=1.0) for r in hits],
        citations=[Citation(doc="d", doc_title="", ref=r, label=r, quote="") for r in cited],
        abstained=abstained,
    )


def _fake_run():
    answers = {
        "L1": _answer("L1", hits=["task-2", "task-3"]),
        "L2": _answer("L2", hits=["task-1", "measure-2", "task-7"]),
        "F1": _answer("F1", text="有外线供水工程，12个工作日内办结。"),
        "S1": _answer("S1", cited=["task-1", "task-2", "task-9"]),
        "C1": _answer("C1", text="共 2 项：[任务1][任务2]", cited=["task-1", "task-2"]),
        "M1": _answer("M1", hits=["task-70"], abstained=True),
        "A1": _answer("A1", abstained=True),
        "A2": _answer("A2", text="……"),
    }
    return run_eval(GOLD_ITEMS, [Canned(answers)], gold_path="fake", log=lambda m: None)


def test_aggregate_per_type() -> None:
    summary = _fake_run().summary()
    m = summary["systems"]["canned"]
    assert set(m) == {"lookup", "measure", "fact", "list", "count", "abstain"}
    assert m["lookup"]["hit@1"] == 0.5
    assert m["lookup"]["recall@5"] == 1.0
    assert m["lookup"]["mrr@10"] == 0.75
    assert m["measure"]["hit@1"] == 0.0 and m["measure"]["false_abstain_rate"] == 1.0
    assert m["fact"]["answer_acc"] == 1.0
    assert m["list"]["precision_micro"] == pytest.approx(0.6667, abs=1e-4)
    assert m["list"]["recall_micro"] == pytest.approx(0.6667, abs=1e-4)
    assert m["list"]["exact_set"] == 0.0
    assert m["count"]["answer_acc"] == 1.0 and m["count"]["exact_set"] == 1.0
    assert m["abstain"]["abstain_rate"] == 0.5
    assert m["abstain"]["false_abstain_rate"] == pytest.approx(1 / 6, abs=1e-4)  # over answerable questions
    assert m["lookup"]["n"] == 2 and m["abstain"]["n"] == 2


def test_metric_names_per_type() -> None:
    m = _fake_run().summary()["systems"]["canned"]
    common = {"n", "p50_ms", "p95_ms", "false_abstain_rate"}
    assert set(m["lookup"]) == common | {"hit@1", "recall@5", "mrr@10"}
    assert set(m["measure"]) == set(m["lookup"])
    assert set(m["fact"]) == common | {"answer_acc"}
    sets = {"precision_micro", "recall_micro", "f1_micro", "f1_macro", "exact_set"}
    assert set(m["list"]) == common | sets
    assert set(m["count"]) == common | sets | {"answer_acc"}
    assert set(m["abstain"]) == common | {"abstain_rate"}


def test_failing_question_is_recorded_not_fatal() -> None:
    gold = [GoldItem("fact-001", "fact", "boom", ("task-1",), ("5项",)), GOLD_ITEMS[0]]
    run = run_eval(gold, [Canned({"L1": _answer("L1", hits=["task-2"])})], log=lambda m: None)
    results = run.results["canned"]
    assert "kaput" in results[0].error and results[0].scores["answer_acc"] == 0.0
    assert results[1].scores["hit@1"] == 1.0
    assert run.summary()["overall"]["canned"]["errors"] == 1


# --- splits, tags and the criteria -------------------------------------------------------------

SPLIT_ITEMS = [
    # test split
    GoldItem("lookup-002", "lookup", "注册公司要几天？", ("task-1",), (), split="test", tags=("colloquial",)),
    GoldItem("lookup-004", "lookup", "註冊公司要幾天？", ("task-1",), (), split="test", tags=("colloquial", "traditional")),
    GoldItem("fact-002", "fact", "接天然气拉外线多久？", ("task-70",), ("14个工作日",), split="test", tags=("colloquial",)),
    GoldItem("fact-004", "fact", "那供气呢？", ("task-70",), ("14个工作日",), split="test", tags=("followup",),
             history=("有外线的供水多久？",)),
    GoldItem("list-002", "list", "那配合的呢？", ("task-1", "task-2"), (), split="test", tags=("followup",),
             history=("税务局牵头哪些？",)),
    GoldItem("count-002", "count", "人设厅牵头几项？", ("task-16", "task-17"), ("2",), split="test", tags=("typo",)),
    GoldItem("fact-006", "fact", "开般企业几个工做日？", ("task-1",), ("1个工作日",), split="test", tags=("typo",)),
    GoldItem("fact-008", "fact", "一共几条措施？", (), ("41",), split="test", tags=("document",)),
    GoldItem("abstain-002", "abstain", "办执照要什么材料？", (), (), split="test", tags=("tempting",)),
    GoldItem("abstain-004", "abstain", "asdf", (), (), split="test"),
    # dev split
    GoldItem("lookup-001", "lookup", "刻章要钱吗？", ("task-7",), (), split="dev", tags=("colloquial",)),
    GoldItem("abstain-001", "abstain", "房租能减免吗？", (), (), split="dev", tags=("tempting",)),
]


def _split_run():
    answers = {
        "注册公司要几天？": _answer("", hits=["task-1", "task-3"]),
        "註冊公司要幾天？": _answer("", hits=["task-3", "task-1"]),  # right unit second: a miss
        # right number, right unit: correct, counted in colloquial hit@1 (a fact with gold refs)
        "接天然气拉外线多久？": _answer("", text="有外线供气14个工作日。", hits=["task-70"]),
        # the follow-up is answered only with its history
        "有外线的供水多久？|那供气呢？": _answer("", text="有外线供气14个工作日。", hits=["task-70"]),
        "那供气呢？": _answer("", text="有外线供水12个工作日。", hits=["task-69"]),
        "税务局牵头哪些？|那配合的呢？": _answer("", cited=["task-1"]),  # not the whole set: not correct
        "人设厅牵头几项？": _answer("", text="共 2 项", cited=["task-16", "task-17"]),
        # the right string from the wrong row: answer_acc 1 but not correct
        "开般企业几个工做日？": _answer("", text="1个工作日", hits=["task-59"]),
        "一共几条措施？": _answer("", text="共 41 条措施"),
        "办执照要什么材料？": _answer("", text="营业执照……", hits=["task-13"]),  # answered: a miss
        "asdf": _answer("", abstained=True),
        "刻章要钱吗？": _answer("", abstained=True),  # a false abstention, dev split
        "房租能减免吗？": _answer("", abstained=True),
    }
    system = CannedWithHistory(answers)
    return run_eval(SPLIT_ITEMS, [system], gold_path="fake", log=lambda m: None), system


def test_followup_history_reaches_the_system() -> None:
    run, system = _split_run()
    assert ("那供气呢？", ["有外线的供水多久？"]) in system.seen
    assert ("注册公司要几天？", None) in system.seen  # no history: the keyword is not passed at all
    by_id = {r.id: r for r in run.results["canned"]}
    assert by_id["fact-004"].scores["correct"] == 1.0
    assert by_id["fact-004"].split == "test" and by_id["fact-004"].tags == ("followup",)


def test_correct_per_type() -> None:
    run, _ = _split_run()
    correct = {r.id: r.scores["correct"] for r in run.results["canned"]}
    assert correct == {
        "lookup-002": 1.0, "lookup-004": 0.0, "fact-002": 1.0, "fact-004": 1.0, "list-002": 0.0, "count-002": 1.0,
        "fact-006": 0.0, "fact-008": 1.0, "abstain-002": 0.0, "abstain-004": 1.0, "lookup-001": 0.0, "abstain-001": 1.0,
    }
    by_id = {r.id: r for r in run.results["canned"]}
    assert by_id["fact-006"].scores["answer_acc"] == 1.0 and by_id["fact-006"].scores["hit@1"] == 0.0
    assert "hit@1" not in by_id["fact-008"].scores  # a document fact without refs is judged by its answer


def test_criteria_per_split() -> None:
    run, _ = _split_run()
    summary = run.summary()
    assert list(summary["splits"]) == ["test", "dev", "all"]
    test = summary["splits"]["test"]["criteria"]["canned"]
    assert test["colloquial_hit@1"] == {"value": pytest.approx(2 / 3, abs=1e-4), "n": 3, "failed": ["lookup-004"]}
    assert test["false_abstain_rate"]["value"] == 0.0 and test["false_abstain_rate"]["n"] == 8
    assert test["abstain_rate"] == {"value": 0.5, "n": 2, "failed": ["abstain-002"]}
    assert test["followup_acc"] == {"value": 0.5, "n": 2, "failed": ["list-002"]}
    assert test["typo_acc"] == {"value": 0.5, "n": 2, "failed": ["fact-006"]}
    dev = summary["splits"]["dev"]["criteria"]["canned"]
    assert dev["false_abstain_rate"] == {"value": 1.0, "n": 1, "failed": ["lookup-001"]}
    assert dev["followup_acc"] == {"value": None, "n": 0, "failed": []}  # nothing to measure is not a score
    everything = summary["splits"]["all"]["criteria"]["canned"]
    assert everything["colloquial_hit@1"]["n"] == 4 and everything["abstain_rate"]["n"] == 3


def test_summary_shape_with_splits_and_tags() -> None:
    run, _ = _split_run()
    summary = run.summary()
    assert summary["gold"]["splits"] == {"dev": 2, "test": 10}
    assert summary["gold"]["tags"] == {"colloquial": 4, "traditional": 1, "typo": 2, "followup": 2, "document": 1,
                                       "tempting": 2}
    # the top level stays the all-questions view, so older readers of the JSON keep working
    assert summary["systems"] == summary["splits"]["all"]["systems"]
    assert summary["overall"]["canned"]["n"] == 12
    test = summary["splits"]["test"]
    assert test["n"] == 10 and test["types"] == {"lookup": 2, "fact": 4, "list": 1, "count": 1, "abstain": 2}
    assert test["systems"]["canned"]["lookup"]["hit@1"] == 0.5
    assert test["overall"]["canned"]["n"] == 10
    tags = test["tags"]["canned"]
    assert tags["followup"] == {"n": 2, "correct": 0.5, "hit@1": 1.0, "false_abstain_rate": 0.0}
    assert tags["tempting"] == {"n": 1, "correct": 0.0, "abstain_rate": 0.0}
    assert tags["colloquial"]["hit@1"] == pytest.approx(2 / 3, abs=1e-4)
    json.dumps(summary)  # serialisable as is


def test_gold_without_splits_reports_all_only() -> None:
    summary = _fake_run().summary()
    assert list(summary["splits"]) == ["all"] and "splits" in summary["gold"] and summary["gold"]["splits"] == {}
    assert summary["splits"]["all"]["criteria"]["canned"]["followup_acc"]["value"] is None


def test_report_shows_the_test_split_first(tmp_path: Path) -> None:
    from assistant.evaluation.report import markdown_report, write_report

    run, _ = _split_run()
    summary = run.summary()
    md = markdown_report(summary, chart="latest.png")
    test_at = md.index("## Test split")
    assert test_at < md.index("## Dev split") < md.index("## Overview, all questions") < md.index("## lookup")
    assert "colloquial+Traditional hit@1 (n=3; >= 0.95)" in md and "| canned | 0.667 | 0.000 | 0.500 | 0.500 | 0.500 |" in md
    assert "followup (n=2)" in md and "- follow-up acc: list-002" not in md  # misses are listed for `assistant` only
    written = write_report(summary, tmp_path, run.results)
    details = [json.loads(line) for line in (tmp_path / "latest_details.jsonl").read_text("utf-8").splitlines()]
    assert {d["split"] for d in details} == {"dev", "test"} and details[3]["tags"] == ["followup"]
    assert json.loads((tmp_path / "latest.json").read_text("utf-8"))["splits"]["test"]["n"] == 10
    assert len(written) == 4


def test_cli_text_report_lists_test_first() -> None:
    from assistant.app.cli_eval import text_report

    run, _ = _split_run()
    text = text_report(run.summary())
    assert text.index("== test") < text.index("== dev") < text.index("== 全部题目")


# --- the gold questions stay out of the tests ------------------------------------------------------------


def test_no_test_copies_a_gold_question() -> None:
    """Tests use paraphrases, never the gold questions themselves (follow-ups are judged with their history,
    so their short elliptical questions are not looked for)."""
    leaks = _gold_rules().leaks(project_root() / "tests", GOLD)
    leaks += _library_check().leaks(project_root() / "tests")
    shown = "\n".join(f"{Path(f).name}: {iid} {q}" for f, iid, q in leaks)
    assert not leaks, f"{len(leaks)} gold questions copied into tests:\n{shown}"


# --- the library set, split by document ------------------------------------------------------------------

LIBRARY_GOLD = project_root() / "eval" / "library_gold.jsonl"


def _library_check():
    """eval/library_gold_check.py, loaded by path (a standalone script like gold_rules.py)."""
    if "library_gold_check" not in sys.modules:
        spec = importlib.util.spec_from_file_location("library_gold_check",
                                                      project_root() / "eval" / "library_gold_check.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["library_gold_check"] = module
        spec.loader.exec_module(module)
    return sys.modules["library_gold_check"]


def test_library_gold_loads_and_is_split_by_document() -> None:
    from assistant.evaluation.library_set import load_split

    gold = load_gold(LIBRARY_GOLD)
    split = load_split()
    assert len(gold) >= 300 and len({d for g in gold for d in g.docs}) >= 15
    assert {split.split_of_doc("beijing-2020-regulation"), split.split_of_doc("beijing-2024-regulation")} == {"test"}
    for side in ("dev", "test"):
        assert {"regulation", "plan", "excerpt"} <= {split.kind[d] for d in split.docs(side)}, side
    for g in gold:
        sides = {split.split_of_doc(d) for d in g.docs}
        if sides:
            assert g.split == ("test" if "test" in sides else "dev"), g.id
    assert {g.category for g in gold if g.split == "test"} == {g.category for g in gold if g.split == "dev"}


def test_library_gold_passes_its_check(capsys) -> None:
    assert _library_check().check() == 0, capsys.readouterr().out


def test_library_check_catches_a_wrong_string_and_a_missing_ref(tmp_path: Path) -> None:
    check = _library_check()
    items = check.read_gold()
    value = next(i for i in items if i["category"] == "value")
    bad = dict(value, answer_contains=["九十九个工作日"])
    split = check.read_split()
    doc_split = {e["doc"]: e["split"] for e in split["documents"]}
    assert any("not in the text" in e for e in check.check_item(bad, split, doc_split))
    ghost = dict(value, gold_refs=[value["gold_refs"][0].rpartition(":")[0] + ":article-999"])
    assert any("does not exist" in e for e in check.check_item(ghost, split, doc_split))
    wrong_side = dict(value, split="dev" if value["split"] == "test" else "test")
    assert any("split" in e for e in check.check_item(wrong_side, split, doc_split))


def test_compare_scoring_needs_every_document() -> None:
    from assistant.evaluation.runner import score_answer

    item = GoldItem("comparison-001", "compare", "两地分别怎么规定？", ("a:article-1", "b:article-2"), (),
                    category="comparison", docs=("a", "b"))
    both = Answer(question="q", answer="…", citations=[Citation(doc="a", doc_title="", ref="article-1", label="", quote=""),
                                                       Citation(doc="b", doc_title="", ref="article-2", label="", quote="")])
    one = Answer(question="q", answer="…", citations=[Citation(doc="a", doc_title="", ref="article-1", label="", quote="")])
    assert score_answer(item, both, "s", 1.0).scores["correct"] == 1.0
    half = score_answer(item, one, "s", 1.0)
    assert half.scores["correct"] == 0.0 and half.scores["doc_recall"] == 0.5


def test_report_files(tmp_path: Path) -> None:
    from assistant.evaluation.report import markdown_report, write_report

    run = _fake_run()
    summary = run.summary()
    written = write_report(summary, tmp_path, run.results)
    names = sorted(p.name for p in written)
    assert names == ["latest.json", "latest.md", "latest.png", "latest_details.jsonl"]
    assert (tmp_path / "latest.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((tmp_path / "latest.json").read_text("utf-8"))["systems"]["canned"]["fact"]["answer_acc"] == 1.0
    md = markdown_report(summary, chart="latest.png")
    assert "| canned |" in md and "## lookup (n=2, all questions)" in md and "![evaluation chart](latest.png)" in md
    assert len((tmp_path / "latest_details.jsonl").read_text("utf-8").splitlines()) == len(GOLD_ITEMS)


# --- systems registry and naive-RAG spans ---------------------------------------------------------------


def test_parse_system_names() -> None:
    assert parse_system_names(None) == ["assistant", "bm25", "dense", "hybrid", "naive_rag"]
    assert parse_system_names("bm25, dense,bm25") == ["bm25", "dense"]
    with pytest.raises(ValueError, match="未知的系统"):
        parse_system_names("bm25,gpt")


def test_split_text_covers_with_overlap() -> None:
    text = ("甲" * 120 + "\n") * 20
    spans = split_text(text, size=500, overlap=100)
    assert spans[0].start == 0 and spans[-1].end == len(text)
    for a, b in zip(spans, spans[1:]):
        assert b.start < a.end  # overlapping
        assert a.end - a.start <= 500
        assert text[a.end - 1] == "\n"  # cut at a line break
    with pytest.raises(ValueError):
        split_text(text, size=100, overlap=100)


def test_document_text_spans_cover_every_row_and_measure() -> None:
    from assistant.ingest.document import parse_document

    settings = load_settings()
    notice = parse_document(settings.library / "guangxi-2022-business-environment-action-plan.txt", "seed")
    text, spans = document_text(notice)
    by_ref = {s.ref: s for s in spans}
    assert len(notice.tasks) == 199 and {f"task-{n}" for n in range(1, 200)} <= set(by_ref)
    assert {f"measure-{n}" for n in range(1, 42)} <= set(by_ref) and len(by_ref) == len(spans)
    m32 = text[by_ref["measure-32"].start : by_ref["measure-32"].end]
    assert m32.startswith("（三十二）") and "14个工作日" in m32
    row = text[by_ref["task-70"].start : by_ref["task-70"].end]
    assert row.startswith("70\t获得用水用气")
    assert refs_in(Span(by_ref["task-70"].start, by_ref["task-70"].start + 5), spans) == ["task-70"]
    assert refs_in(Span(by_ref["measure-32"].end, by_ref["measure-32"].end + 1), spans) == []  # the line break


# --- the command ----------------------------------------------------------------------------------------


def test_cli_eval_registered_and_user_errors(tmp_path: Path, capsys) -> None:
    from assistant.app.cli import build_parser, main

    args = build_parser().parse_args(["eval", "--systems", "bm25", "--json", "--report", str(tmp_path)])
    assert args.systems == "bm25" and args.json and callable(args.func) and args.split == "all"
    assert build_parser().parse_args(["eval", "--split", "test"]).split == "test"
    assert main(["eval", "--gold", str(tmp_path / "missing.jsonl")]) == 2
    assert "文件不存在" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text(_line() + "\n{oops\n", encoding="utf-8")
    assert main(["eval", "--gold", str(bad)]) == 2
    assert "第2行" in capsys.readouterr().err
    assert main(["eval", "--gold", str(GOLD), "--systems", "nonsense"]) == 2
    assert "未知的系统" in capsys.readouterr().err


def test_cli_eval_library_set_user_errors(tmp_path: Path, capsys) -> None:
    from assistant.app.cli import build_parser, main

    args = build_parser().parse_args(["eval", "--set", "library", "--split", "dev"])
    assert args.gold_set == "library" and args.split == "dev"
    assert build_parser().parse_args(["eval"]).gold_set == "seed"
    assert main(["eval", "--set", "library", "--gold", str(tmp_path / "missing.jsonl")]) == 2
    assert "文件不存在" in capsys.readouterr().err


def test_library_scores_reports_and_dev_failures(tmp_path: Path) -> None:
    """library_eval without the model: first-citation correctness, per category / kind, Hit@1 beside the
    baseline, and the dev failures file."""
    from assistant.evaluation.library_eval import LibraryRun, write_reports
    from assistant.evaluation.library_set import LibrarySplit
    from assistant.evaluation.runner import score_answer

    split = LibrarySplit({"a": "dev", "b": "dev"}, {"a": "regulation", "b": "plan"}, {}, {})
    gold = [
        GoldItem("lookup-001", "lookup", "甲？", ("a:article-1",), (), category="lookup", docs=("a",), split="dev"),
        GoldItem("lookup-002", "lookup", "乙？", ("b:item-2",), (), category="lookup", docs=("b",), split="dev"),
        GoldItem("refusal-001", "abstain", "丙？", (), (), category="refusal", split="dev"),
    ]

    def cite(doc, ref):
        return Citation(doc=doc, doc_title="", ref=ref, label="", quote="")

    # the product cites the right unit first for 甲 (its ranked hits disagree: citations count), not for 乙
    answers = [
        Answer(question="甲？", answer="…", citations=[cite("a", "article-1")], hits=[Hit(ref="article-9", score=1, doc="a")]),
        Answer(question="乙？", answer="…", citations=[cite("b", "item-3"), cite("b", "item-2")]),
        Answer(question="丙？", answer="没有", abstained=True),
    ]
    product = [score_answer(g, a, "assistant", 1.0) for g, a in zip(gold, answers)]
    hybrid = [score_answer(g, Answer(question=g.question, answer="", hits=[Hit(ref=g.gold_refs[0].split(":")[1], score=1,
                                                                                 doc=g.docs[0])]), "hybrid", 1.0)
              for g in gold[:2]]
    run = LibraryRun(gold, product, hybrid, split, {"assistant": 1.0}, "dev")
    s = run.summary()
    assert s["overall"] == pytest.approx(2 / 3, abs=1e-3) and s["false_refusal_rate"] == 0.0
    assert s["categories"]["lookup"] == {"n": 2, "correct": 0.5}
    assert s["hit@1"]["regulation"] == {"n": 1, "product": 1.0, "hybrid": 1.0}
    assert s["hit@1"]["plan"] == {"n": 1, "product": 0.0, "hybrid": 1.0}
    names = sorted(p.name for p in write_reports(run, tmp_path))
    assert names == ["library-dev-failures.md", "library-dev.json", "library-dev.md"]
    failures = (tmp_path / "library-dev-failures.md").read_text(encoding="utf-8")
    assert "lookup-002" in failures and "lookup-001" not in failures
