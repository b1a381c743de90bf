"""The web chat: its /chat API through gradio_client (real model and index), the rendering helpers,
feedback appends under concurrency, and `assistant serve` on a busy port."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from assistant.app.chat_app import (
    ALL,
    category_choices,
    chat_message,
    highlight,
    lead_choices,
    sources_html,
)
from assistant.config import load_settings
from assistant.app.feedback import append_feedback, make_record, read_feedback
from assistant.records import Answer, Citation

ROOT = Path(__file__).resolve().parents[1]
TASK_MARKER = re.compile(r"\[任务(\d+)\]")


@pytest.fixture(scope="module")
def notice(seed_doc):
    return seed_doc


def task_markers(markdown: str) -> set[int]:
    return {int(n) for n in TASK_MARKER.findall(markdown)}


# --------------------------------------------------------------------------------------------------
# The /chat endpoint, called as a client would


@pytest.mark.slow
def test_list_question_cites_every_row_led_by_the_tax_bureau(chat_client, notice):
    expected = {t.number for t in notice.tasks if any("广西税务局" in a for a in t.lead)}
    assert len(expected) >= 10  # the parsed table really has them (19 in the 2022 notice)
    answer = chat_client.predict("哪些任务由税务局牵头？", api_name="/chat")
    assert isinstance(answer, str)
    found = task_markers(answer)
    assert found - expected == set(), f"cites rows not led by 广西税务局: {sorted(found - expected)}"
    assert expected - found == set(), f"misses rows led by 广西税务局: {sorted(expected - found)}"


@pytest.mark.slow
def test_lookup_question_quotes_the_deadline(chat_client):
    answer = chat_client.predict("有外线的供水工程多久办结？", api_name="/chat")
    assert "12个工作日" in answer
    assert "[措施（三十二）]" in answer


@pytest.mark.slow
def test_out_of_scope_question_abstains(chat_client):
    answer = chat_client.predict("广东省开办企业要几天？", api_name="/chat")
    assert "未涉及" in answer or "没有" in answer
    full = chat_client.predict(question="广东省开办企业要几天？", api_name="/chat_full")
    assert full["abstained"] is True


@pytest.mark.slow
def test_filters_apply_to_the_question(chat_client, notice):
    expected = {t.number for t in notice.tasks if "广西税务局" in t.lead and t.category == "纳税"}
    answer = chat_client.predict(question="有哪些任务？", lead="广西税务局", category="纳税", api_name="/chat")
    assert task_markers(answer) == expected
    # "全部" means no filter: the same question as plain /chat
    plain = chat_client.predict("哪些任务由税务局牵头？", ALL, ALL, api_name="/chat")
    assert len(task_markers(plain)) > len(expected)


@pytest.mark.slow
def test_chat_full_lists_citations_with_quotes(chat_client):
    full = chat_client.predict("有外线的供水工程多久办结？", api_name="/chat_full")
    refs = [c["ref"] for c in full["citations"]]
    assert refs and refs[0] == "measure-32"
    assert "12个工作日" in full["citations"][0]["quote"]
    assert "hits" not in full


# --------------------------------------------------------------------------------------------------
# Rendering helpers (no model needed)


def test_filter_choices_come_from_the_table(notice, shared_assistant):
    leads = lead_choices(shared_assistant)
    assert leads[0] == (ALL, ALL)
    counts = [sum(1 for t in notice.tasks if value in t.lead) for _, value in leads[1:]]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
    assert {v for _, v in leads[1:]} == {a for t in notice.tasks for a in t.lead}
    cats = category_choices(shared_assistant)
    assert cats[0] == (ALL, ALL)
    assert [v for _, v in cats[1:]] == list(dict.fromkeys(t.category for t in notice.tasks))


def test_sources_panel_shows_rows_and_marks_the_quote(notice):
    row = notice.unit("task-70")
    measure = notice.unit("measure-32")
    quote = "有外线供水工程，12个工作日内办结。"
    answer = Answer(
        question="q",
        answer="…[措施（三十二）] … [任务70]",
        citations=[
            Citation(notice.doc, notice.title, "measure-32", "措施（三十二）", quote,
                     "措施（三十二）巩固提升供水供气改革成果"),
            Citation(notice.doc, notice.title, "task-70", "任务70", "有外线工程的，14个工作日内办结。",
                     "任务70 获得用水用气·巩固提升供气改革成果"),
        ],
    )
    html_text = sources_html({notice.doc: notice}, answer)
    assert f"<mark>{quote}</mark>" in html_text
    assert "<mark>有外线工程的，14个工作日内办结。</mark>" in html_text
    for column in ("序号", "指标名称", "目标", "具体任务", "完成时限", "牵头单位", "配合单位"):
        assert f"<th>{column}</th>" in html_text
    assert row.deadline in html_text and row.lead[0] in html_text
    assert measure.title in html_text
    footer = chat_message(answer)
    assert footer.startswith(answer.answer) and "引用（2）" in footer
    assert len(TASK_MARKER.findall(footer)) == 1  # the 引用 list adds no markers of its own


def test_highlight_escapes_html_and_marks_abridged_quotes():
    text = "甲<b>乙</b>。第一句很长的内容。第二句也很长的内容。"
    marked = highlight(text, "第一句很长的内容。…第二句也很长的内容")
    assert "&lt;b&gt;" in marked and "<b>" not in marked
    assert marked.count("<mark>") == 2
    assert highlight(text, "不在文中的话") == highlight(text, "")


# --------------------------------------------------------------------------------------------------
# Feedback


def _record(i: int, who: str) -> dict:
    # long enough that a torn write would show up as a broken line
    return make_record(f"问题{who}-{i}", "回答" * 2000 + f"{who}-{i}", [f"task-{i}"], "up" if i % 2 else "down",
                       comment=f"意见{who}-{i}")


def _append_many(path: str, who: str, n: int, go: threading.Event) -> None:
    go.wait(timeout=60)
    for i in range(n):
        append_feedback(path, _record(i, who))


# The same appends from a separate process that imports only the feedback module (fast to start).
_WORKER = """
import os, sys, time
from assistant.app.feedback import append_feedback, make_record
path, who, n, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
while not os.path.exists(go):  # start together with the other writers
    time.sleep(0.005)
for i in range(n):
    rec = make_record(f"问题{who}-{i}", "回答" * 2000 + f"{who}-{i}", [f"task-{i}"], "up" if i % 2 else "down",
                      comment=f"意见{who}-{i}")
    append_feedback(path, rec)
"""


def test_feedback_record_fields(tmp_path):
    path = tmp_path / "deep" / "folder" / "feedback.jsonl"  # parent folders are created
    append_feedback(path, make_record("开办企业几个工作日能办完？", "答 [任务1]", ["task-1"], "up", "  很好  "))
    (rec,) = read_feedback(path)
    assert set(rec) == {"time", "question", "answer", "refs", "verdict", "comment"}
    assert rec["verdict"] == "up" and rec["refs"] == ["task-1"] and rec["comment"] == "很好"
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$", rec["time"])
    with pytest.raises(ValueError):
        make_record("q", "a", [], "meh")


def test_concurrent_feedback_from_threads_and_processes(tmp_path):
    path = tmp_path / "feedback.jsonl"
    earlier = '{"time":"2022-06-20T00:00:00+08:00","question":"早先的","answer":"a","refs":[],"verdict":"up","comment":""}'
    path.write_text(earlier, "utf-8")  # an earlier line, even one without its final newline, is kept
    per_worker = 25
    go_file = tmp_path / "go"
    go = threading.Event()
    threads = [threading.Thread(target=_append_many, args=(str(path), f"t{k}", per_worker, go)) for k in range(4)]
    procs = [subprocess.Popen([sys.executable, "-c", _WORKER, str(path), f"p{k}", str(per_worker), str(go_file)],
                              cwd=ROOT) for k in range(3)]
    for worker in threads:
        worker.start()
    time.sleep(0.5)  # let the processes import and wait at the start line
    go_file.touch()
    go.set()
    for worker in threads:
        worker.join(timeout=120)
    assert all(p.wait(timeout=120) == 0 for p in procs)
    lines = path.read_text("utf-8").splitlines()
    assert lines[0] == earlier
    records = [json.loads(line) for line in lines]  # every line intact and parseable
    assert len(records) == 1 + 7 * per_worker
    seen = {r["question"] for r in records[1:]}
    assert seen == {f"问题{w}-{i}" for w in [f"t{k}" for k in range(4)] + [f"p{k}" for k in range(3)]
                    for i in range(per_worker)}
    for r in records[1:]:
        assert r["answer"].endswith(r["question"].removeprefix("问题"))


# --------------------------------------------------------------------------------------------------
# `assistant serve`


def test_serve_defaults_to_localhost():
    from assistant.app.cli import build_parser

    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port) == ("127.0.0.1", 7860)


def test_serve_on_a_busy_port_exits_2_with_a_chinese_message():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        env = dict(os.environ, PYTHONIOENCODING="utf-8")
        result = subprocess.run(
            [sys.executable, "-m", "assistant.app.cli", "serve", "--port", str(port)],
            capture_output=True, text=True, encoding="utf-8", timeout=120, cwd=ROOT, env=env,
        )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert f"端口 {port} 已被占用" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
