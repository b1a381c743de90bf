"""The web chat: its /chat API through gradio_client (real model and index), the rendering helpers (answers
as the chat shows them, clean copy text, sources, units), downloads, the library view, browser uploads,
the Chinese page, feedback appends under concurrency, and `assistant serve` (busy port, --allow-upload)."""

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

from assistant.app.answer_store import AnswerStore, answer_id_in
from assistant.app.answer_view import answer_html, clean_text, conclusion, question_html
from assistant.app.chat_app import (
    ALL,
    category_choices,
    earlier_questions,
    lead_choices,
    sources_html,
    user_question,
)
from assistant.config import load_settings
from assistant.app.feedback import append_feedback, make_record, read_feedback
from assistant.app.sources_view import highlight
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
    answer = chat_client.predict("税务局牵头负责哪些任务？", api_name="/chat")
    assert isinstance(answer, str)
    found = task_markers(answer)
    assert found - expected == set(), f"cites rows not led by 广西税务局: {sorted(found - expected)}"
    assert expected - found == set(), f"misses rows led by 广西税务局: {sorted(expected - found)}"


@pytest.mark.slow
def test_lookup_question_quotes_the_deadline(chat_client):
    answer = chat_client.predict("带外线的供水工程要多少个工作日办完？", api_name="/chat")
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
    plain = chat_client.predict("税务局牵头负责哪些任务？", ALL, ALL, api_name="/chat")
    assert len(task_markers(plain)) > len(expected)


@pytest.mark.slow
def test_chat_full_lists_citations_with_quotes(chat_client):
    full = chat_client.predict("带外线的供水工程要多少个工作日办完？", api_name="/chat_full")
    refs = [c["ref"] for c in full["citations"]]
    assert "measure-32" in refs  # the measure, and (as the answering layer decides) the task row saying the same
    assert "12个工作日" in full["citations"][0]["quote"]
    assert {"doc", "doc_title", "ref", "label", "quote"} <= set(full["citations"][0])
    assert "hits" not in full and set(full) >= {"answer", "citations", "abstained", "intent"}


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
    for column in ("序号", "指标名称", "目标", "具体任务", "完成时限", "牵头单位", "配合单位"):
        assert f'data-label="{column}"' in html_text  # each cell names its column (cards on a phone)
    assert "回答：" in sources_html({notice.doc: notice}, answer, heading="回答：q")


def test_highlight_escapes_html_and_marks_abridged_quotes():
    text = "甲<b>乙</b>。第一句很长的内容。第二句也很长的内容。"
    marked = highlight(text, "第一句很长的内容。…第二句也很长的内容")
    assert "&lt;b&gt;" in marked and "<b>" not in marked
    assert marked.count("<mark>") == 2
    assert highlight(text, "不在文中的话") == highlight(text, "")


def _list_answer(notice, lead: str = "广西税务局") -> Answer:
    """A list answer shaped as the answering layer writes it: intro, a markdown table of markers, a note."""
    rows = [t for t in notice.tasks if lead in t.lead]
    table = ["| 序号 | 目标：具体任务（节选） | 完成时限 | 牵头单位 |", "|---|---|---|---|"]
    table += [f"| [{t.label}] | **{t.goal}**：{t.text[:20]}… | {t.deadline} | {'、'.join(t.lead)} |" for t in rows]
    markdown = "\n".join([f"任务清单中{lead}牵头的任务共 **{len(rows)} 项**，完整列出如下：", "", *table, "",
                          "（依据：逐行筛选。）"])
    citations = [Citation(notice.doc, notice.title, t.ref, t.label, t.text, f"{t.label} {t.category}·{t.goal}")
                 for t in rows]
    records = [{"doc": notice.doc, "doc_title": notice.title, "ref": t.ref, "label": t.label, "number": t.number,
                "category": t.category, "goal": t.goal, "task": t.text, "deadline": t.deadline,
                "lead": "、".join(t.lead), "support": "、".join(t.support)} for t in rows]
    return Answer(question="税务局牵头负责哪些任务？", answer=markdown, citations=citations, intent="list",
                  rows=records)


def test_a_list_answer_leads_with_its_count_and_shows_compact_folded_rows(notice):
    answer = _list_answer(notice)
    n = len(answer.rows)
    assert n == 19
    shown = AnswerStore().put(answer.question, answer)
    page = answer_html(shown, {notice.doc: notice})
    assert "\n" not in page  # one line: Gradio's markdown step passes it through
    assert page.index('class="conclusion">共 19 项<') < page.index("任务清单中")
    assert "<table" not in page and page.count('class="row"') == n  # every row, compact
    assert "展开全部 19 项" in page and page.index("展开全部") > page.index(answer.rows[4]["label"] + "<")
    for row in answer.rows:  # each row opens its unit
        assert f"#cite:{shown.id}:{notice.doc}:{row['ref']}\"" in page
    assert f"#sources:{shown.id}" in page and f"#copy:{shown.id}" in page
    assert answer_id_in({"role": "assistant", "content": page}) == shown.id
    assert answer_id_in([{"type": "text", "text": page}]) == shown.id


def test_markers_become_links_and_a_lookup_leads_with_its_value(notice):
    quote = "有外线供水工程，12个工作日内办结。"
    answer = Answer(
        question="带外线的供水工程要多少个工作日办完？", intent="lookup",
        answer=f"“{quote}”[措施（三十二）]\n\n出处：措施（三十二）\n\n相关内容：\n- [任务70] …",
        citations=[Citation(notice.doc, notice.title, "measure-32", "措施（三十二）", quote, "措施（三十二）巩固…"),
                   Citation(notice.doc, notice.title, "task-70", "任务70", "有外线工程的，14个工作日内办结。", "任务70")],
    )
    assert conclusion(answer) == "12个工作日"
    shown = AnswerStore().put(answer.question, answer)
    page = answer_html(shown, {notice.doc: notice})
    assert page.index("12个工作日</div>") < page.index("“有外线")
    assert f'href="#cite:{shown.id}:{notice.doc}:measure-32"' in page and ">措施（三十二）</a>" in page
    assert f'href="#cite:{shown.id}:{notice.doc}:task-70"' in page
    assert "[措施（三十二）]" not in page
    # an answer that already starts with its conclusion gets no second one
    counted = Answer(question="q", answer="**共 3 项。** 任务清单中…", intent="count", rows=[{}, {}, {}])
    assert conclusion(counted) == ""
    assert conclusion(Answer(question="q", answer="本通知未涉及", abstained=True)) == ""


def test_the_copy_is_clean_text_with_every_row_in_full(notice):
    answer = _list_answer(notice)
    shown = AnswerStore().put(answer.question, answer, ("广西税务局",))
    text = clean_text(shown, {notice.doc: notice})
    assert text.startswith("问题：税务局牵头负责哪些任务？\n筛选：广西税务局\n结论：共 19 项")
    for marker in ("**", "<", "|", "…", "---"):
        assert marker not in text, marker
    for row in answer.rows:
        line = next(line for line in text.splitlines() if line.startswith(row["label"] + "｜"))
        assert row["task"] in line and f"配合单位：{row['support'] or '—'}" in line and row["deadline"] in line


def test_user_messages_give_back_their_questions():
    history = [{"role": "user", "content": question_html("那配合的呢？<b>", ("广西税务局", "纳税"))},
               {"role": "assistant", "content": "<div class=\"answer\">…</div>"},
               {"role": "user", "content": [{"type": "text", "text": question_html("第二个问题")}]}]
    assert user_question(history[0]) == "那配合的呢？<b>"
    assert earlier_questions(history) == ["那配合的呢？<b>", "第二个问题"]


def test_a_unit_opens_with_its_duties_and_the_quote_marked(notice):
    from assistant.app.sources_view import unit_detail_html

    row = notice.unit("task-70")
    page = unit_detail_html(notice, row, "有外线工程的，14个工作日内办结。")
    for part in (notice.title, "任务70", row.category, row.goal, row.deadline, row.lead[0], "配合单位",
                 "<mark>有外线工程的，14个工作日内办结。</mark>"):
        assert part in page, part
    measure = unit_detail_html(notice, notice.unit("measure-32"), "有外线供水工程，12个工作日内办结。")
    assert "措施（三十二）" in measure and "七、" in measure  # the heading above it
    assert "<mark>有外线供水工程，12个工作日内办结。</mark>" in measure


# --------------------------------------------------------------------------------------------------
# Downloads, the library view, uploads, the Chinese page


def test_downloads_hold_every_row_and_column(notice, tmp_path):
    import csv

    from openpyxl import load_workbook

    from assistant.app.downloads import table, write_csv, write_xlsx

    rows = _list_answer(notice).rows
    rows[0] = {**rows[0], "其他:备注": "=1+1", "task": "=HYPERLINK(\"x\")"}  # an extra column, formula-like text
    headers, values = table(rows)
    # readable names only: the document as 《…》 and the unit as 任务N, no file stem or internal ref
    assert headers == ["文档", "单元", "序号", "指标名称", "目标", "具体任务", "完成时限", "牵头单位", "配合单位", "备注"]
    with (write_csv(rows, tmp_path / "rows.csv")).open(encoding="utf-8-sig", newline="") as fh:
        got = list(csv.reader(fh))
    assert got[0] == headers and len(got) == 1 + len(rows)
    assert got[1][5] == "'=HYPERLINK(\"x\")" and got[1][-1] == "'=1+1"  # never run as formulas
    assert all(r[0] == f"《{notice.title}》" and r[1].startswith("任务") for r in got[1:])
    assert not any(notice.doc in cell or cell.startswith("task-") for r in got[1:] for cell in r)
    sheet = load_workbook(write_xlsx(rows, tmp_path / "rows.xlsx")).active
    cells = [[c.value for c in r] for r in sheet.iter_rows()]
    assert cells[0] == headers and len(cells) == 1 + len(rows)
    assert cells[1][5] == "=HYPERLINK(\"x\")" and sheet.cell(2, 6).data_type == "s"
    assert [r[8] or "" for r in cells[1:]] == [r["support"] for r in rows]
    names = table(rows, {"deadline": "承诺时限"})[0]  # a document's own header for a column
    assert "承诺时限" in names and "完成时限" not in names


def test_library_view_filters_the_task_table(notice):
    from assistant.app import library_view as lib

    taxes = lib.select_tasks(notice, lead="广西税务局")
    assert [t.number for t in taxes] == [t.number for t in notice.tasks if "广西税务局" in t.lead]
    both = lib.select_tasks(notice, lead="广西税务局", category="纳税", deadline="2022年11月30日")
    assert both and all(t.category == "纳税" and t.deadline == "2022年11月30日" for t in both)
    helpers = lib.select_tasks(notice, support="南宁海关")
    assert helpers and all("南宁海关" in t.support for t in helpers)
    assert lib.select_tasks(notice, text="出口退税") and all("出口退税" in t.text + t.goal
                                                           for t in lib.select_tasks(notice, text="出口退税"))
    frame = lib.tasks_frame(notice, taxes)
    assert list(frame.columns) == ["序号", "指标名称", "目标", "具体任务", "完成时限", "牵头单位", "配合单位"]
    assert len(frame) == len(taxes)
    choices = lib.filter_choices(notice)
    assert choices["lead"][0] == "自治区市场监管局" or len(choices["lead"]) > 10
    assert "纳税" in choices["category"] and "2022年11月30日" in choices["deadline"]
    outline = lib.outline_html(notice)
    assert outline.count('class="cite"') >= 41 + 9 and "任务清单 199 项" in outline
    docs = lib.documents_frame({notice.doc: notice})
    assert docs.iloc[0]["文号"] == "桂政办发〔2022〕40号"


class _FakeAssistant:
    """An assistant around a real Library, without the model: records reloads."""

    def __init__(self, library):
        self.library = library
        self.docs = dict(library.documents)
        self.reloads = 0

    def reload(self):
        self.reloads += 1
        self.docs = dict(self.library.documents)

    def warm_up(self):
        pass


def test_upload_checks_like_library_add_and_leaves_the_library_unchanged_on_a_bad_file(tmp_path):
    import shutil

    from assistant.app.uploads import import_files
    from assistant.library.catalog import Library

    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(ROOT / "corpus" / "guangxi-2022-business-environment-action-plan.txt", folder)
    library = Library(load_settings(library=folder, index_dir=tmp_path / "index"))
    library.sync()
    fake = _FakeAssistant(library)
    before = (sorted(library.documents), sorted(p.name for p in folder.iterdir()))
    bad = tmp_path / "扫描件.pdf"
    bad.write_bytes(b"%PDF-1.4\n%garbage that is no pdf at all\n")
    big = tmp_path / "大文件.txt"
    big.write_bytes("第一条 内容。\n".encode() * 200)
    odd = tmp_path / "表格.et"
    odd.write_bytes(b"\xd0\xcf\x11\xe0")
    status, changed = import_files(fake, [str(bad), str(big), str(odd)], max_bytes=1000)
    assert not changed and fake.reloads == 0
    assert "无法读取文件 扫描件.pdf" in status and "大文件.txt 超过 1000 B" not in status
    assert "大文件.txt 超过" in status and "不支持的文件类型 .et" in status and "文库没有变化" in status
    assert (sorted(library.documents), sorted(p.name for p in folder.iterdir())) == before

    good = ROOT / "tests" / "data" / "library" / "excerpts" / "03-xiamen-2019-yingshang-ruogancuoshi.txt"
    status, changed = import_files(fake, [str(good)])
    assert changed and fake.reloads == 1 and len(fake.docs) == 2
    assert "已导入：03-xiamen-2019-yingshang-ruogancuoshi.txt" in status and "文库现有 2 份文档" in status


def test_the_page_is_served_in_chinese():
    from assistant.app.zh_page import localize_page

    page = b'<!doctype html>\n<html\n\tlang="en"\n\tstyle="margin: 0"\n>\n\t<head>\n\t\t<meta charset="utf-8" />'
    out = localize_page(page).decode()
    assert '<html lang="zh-CN"' in out and 'lang="en"' not in out and 'style="margin: 0"' in out
    assert out.index("<head>") < out.index("Navigator.prototype") < out.index("<meta")


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
    append_feedback(path, make_record("开办一家企业需要几个工作日？", "答 [任务1]", ["task-1"], "up", "  很好  "))
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


def test_serve_defaults_to_localhost_without_uploads():
    from assistant.app.cli import build_parser

    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.allow_upload) == ("127.0.0.1", 7860, False)
    args = build_parser().parse_args(["serve", "--allow-upload", "--upload-limit-mb", "5"])
    assert args.allow_upload and args.upload_limit_mb == 5


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
