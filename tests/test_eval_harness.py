"""The evaluation harness without the model: gold loading and its errors, scoring and aggregation with fake
systems, the JSON shape, the report files, naive-RAG span mapping and the `assistant eval` command's errors."""

from __future__ import annotations

import json
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


def test_committed_gold_loads() -> None:
    gold = load_gold(GOLD)
    assert len(gold) == 224
    counts = {t: sum(1 for g in gold if g.type == t) for t in ("lookup", "fact", "list", "count", "measure", "abstain")}
    assert counts == {"lookup": 54, "fact": 38, "list": 49, "count": 27, "measure": 28, "abstain": 28}


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
    assert "| canned |" in md and "## lookup (n=2)" in md and "![evaluation chart](latest.png)" in md
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
    assert args.systems == "bm25" and args.json and callable(args.func)
    assert main(["eval", "--gold", str(tmp_path / "missing.jsonl")]) == 2
    assert "文件不存在" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text(_line() + "\n{oops\n", encoding="utf-8")
    assert main(["eval", "--gold", str(bad)]) == 2
    assert "第2行" in capsys.readouterr().err
    assert main(["eval", "--gold", str(GOLD), "--systems", "nonsense"]) == 2
    assert "未知的系统" in capsys.readouterr().err
