"""The web chat (Gradio 6): questions in Chinese, answers with citations, a sources panel, feedback.

    from assistant.answering.service import Assistant
    from assistant.app.chat_app import build_app, launch_app
    assistant = Assistant(); assistant.warm_up()
    launch_app(build_app(assistant), host="127.0.0.1", port=7860)

API (named endpoint ``/chat``; lead and category are optional, "全部" or "" means no filter)::

    from gradio_client import Client
    client = Client("http://127.0.0.1:7860/")
    markdown = client.predict("哪些任务由税务局牵头？", api_name="/chat")
    markdown = client.predict("有哪些任务？", "广西税务局", "纳税", api_name="/chat")
    markdown = client.predict(question="有哪些任务？", lead="广西税务局", category="纳税", api_name="/chat")

It returns ``Answer.answer``: markdown with inline markers such as [任务70] and [措施（三十二）].
``/chat_full`` takes the same arguments and returns the whole answer as a dict (answer, citations with
ref/title/quote, abstained, intent).
"""

from __future__ import annotations

import html
import re
import sys
import threading
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.app.feedback import append_feedback, make_record
from assistant.records import Answer, Citation, Document, Unit

ALL = "全部"
ALL_DOCS = "全部文档"
TITLE = "政策问答助手 · 优化营商环境政策文库"

EXAMPLES: dict[str, list[str]] = {
    "企业": ["开办企业几个工作日能办完？", "有外线的供水工程多久办结？"],
    "政府工作人员": [
        "哪些任务由税务局牵头？",
        "南宁海关配合哪些任务？",
        "11月30日前要完成的纳税任务有哪些？",
        "市场监管局牵头多少项？",
    ],
    "评估人员": ["第（十四）条讲什么？", "文库里有哪些文件？"],
}

TASK_COLUMNS = ("序号", "指标名称", "目标", "具体任务", "完成时限", "牵头单位", "配合单位")

CSS = """
#sources-panel table.task-table { border-collapse: collapse; width: 100%; font-size: 13px; }
#sources-panel table.task-table th, #sources-panel table.task-table td {
  border: 1px solid var(--border-color-primary); padding: 4px 6px; vertical-align: top; text-align: left;
}
#sources-panel table.task-table th { background: var(--background-fill-secondary); white-space: nowrap; }
#sources-panel td.num { white-space: nowrap; font-weight: 600; }
#sources-panel table.task-table td:nth-child(2) { min-width: 4em; }
#sources-panel table.task-table td:nth-child(3) { min-width: 5em; }
#sources-panel table.task-table td:nth-child(4) { min-width: 11em; }
#sources-panel table.task-table td:nth-child(5) { min-width: 5em; }
#sources-panel table.task-table td:nth-child(6), #sources-panel table.task-table td:nth-child(7) { min-width: 5.5em; }
#sources-panel .measure { margin: 8px 0 12px; font-size: 14px; line-height: 1.7; }
#sources-panel .measure-title { font-weight: 600; margin-bottom: 2px; }
#sources-panel mark { background: #fff3a3; color: inherit; padding: 0 1px; }
#sources-panel h4 { margin: 10px 0 6px; }
#sources-panel .empty { color: var(--body-text-color-subdued); }
.example-group { gap: 6px !important; justify-content: flex-start !important; flex-wrap: wrap !important; }
.example-group > div, .example-group > button { flex: 0 0 auto !important; min-width: 0 !important; width: auto !important; }
.example-group .prose p { margin: 4px 0 !important; }
.example-who { width: 7em !important; }
"""


# ---------------------------------------------------------------------------------------------
# Choices for the filters


def lead_choices(assistant) -> list[tuple[str, str]]:
    """(label, value) pairs: 全部 first, then lead agencies by how many tasks they lead (most first)."""
    counts = assistant.library.store.agency_names()
    return [(ALL, ALL)] + [(f"{name}（{n}项）", name) for name, n, _ in counts if n]


def category_choices(assistant) -> list[tuple[str, str]]:
    """(label, value) pairs: 全部 first, then the categories (指标名称) in table order."""
    return [(ALL, ALL)] + [(f"{name}（{n}项）", name) for name, n in assistant.library.store.categories()]


def document_choices(assistant) -> list[tuple[str, str]]:
    """The document picker: 全部文档, then each document by its short name and title."""
    return [(ALL_DOCS, ALL)] + [(f"{d.short_name}：{d.title}", d.doc) for d in assistant.docs.values()]


def _filter_value(value: Any) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return None if value in ("", ALL) else value


# ---------------------------------------------------------------------------------------------
# Rendering


def citation_label(c: Citation) -> str:
    return c.label or c.title or c.ref


def citations_footer(citations: list[Citation]) -> str:
    """A compact 引用 line appended under an answer in the chat (no [..] markers, so they are not doubled)."""
    if not citations:
        return ""
    items = []
    for c in citations:
        label = citation_label(c)
        title = c.title or ""
        # titles start with their label ("任务70 获得用水用气·…"); keep only the descriptive part
        rest = title[len(label):].strip(" ·") if title.startswith(label) else title
        items.append(f"{label}{'（' + rest + '）' if rest else ''}")
    joined = "；".join(html.escape(i) for i in items)
    # folded, so a long list answer stays readable; the sources panel shows the rows in full
    return f"\n\n<details><summary>📎 引用（{len(citations)}）</summary>\n\n{joined}\n\n</details>"


def chat_message(answer: Answer) -> str:
    return answer.answer + citations_footer(answer.citations)


_QUOTE_SPLIT = re.compile(r"[…]+|\.\.\.+|[。；;！？!?]")


def _spans(text: str, quote: str) -> list[tuple[int, int]]:
    """Character spans of `text` covered by `quote` (exactly, or piece by piece when abridged)."""
    quote = (quote or "").strip()
    if not quote:
        return []
    at = text.find(quote)
    if at >= 0:
        return [(at, at + len(quote))]
    spans = []
    for piece in _QUOTE_SPLIT.split(quote):
        piece = piece.strip(" ，,、")
        if len(piece) < 4:
            continue
        at = text.find(piece)
        if at >= 0:
            spans.append((at, at + len(piece)))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def highlight(text: str, quote: str) -> str:
    """`text` as HTML, with the quoted part(s) wrapped in <mark>."""
    out, pos = [], 0
    for start, end in _spans(text, quote):
        out.append(html.escape(text[pos:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _agencies(names: tuple[str, ...], raw: str) -> str:
    return "、".join(names) if names else (raw or "—")


def task_table_html(rows: list[tuple[Unit, str]]) -> str:
    head = "".join(f"<th>{c}</th>" for c in TASK_COLUMNS)
    body = []
    for row, quote in rows:
        cells = [
            f'<td class="num">{row.number}</td>',
            f"<td>{html.escape(row.category)}</td>",
            f"<td>{highlight(row.goal, quote)}</td>",
            f"<td>{highlight(row.text, quote)}</td>",
            f"<td>{html.escape(row.deadline)}</td>",
            f"<td>{html.escape(_agencies(row.lead, row.lead_raw))}</td>",
            f"<td>{html.escape(_agencies(row.support, row.support_raw))}</td>",
        ]
        body.append(f'<tr id="{html.escape(row.ref)}">' + "".join(cells) + "</tr>")
    return f'<table class="task-table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def unit_html(unit: Unit, quote: str) -> str:
    title = f"{html.escape(unit.label)}{html.escape(unit.title)}"
    duty = "；".join(x for x in (f"牵头单位：{'、'.join(unit.lead)}" if unit.lead else "",
                                 f"配合单位：{'、'.join(unit.support)}" if unit.support else "",
                                 f"完成时限：{unit.deadline}" if unit.deadline else "") if x)
    duty_html = f'<div class="duty">{html.escape(duty)}</div>' if duty else ""
    return (
        f'<div class="measure" id="{html.escape(unit.ref)}"><div class="measure-title">{title}</div>'
        f"<div>{highlight(unit.text, quote)}</div>{duty_html}</div>"
    )


EMPTY_SOURCES = '<div class="empty">提问后，这里显示回答所引用的原文（任务清单行、措施、条文，引用句以黄色标出）。</div>'


def sources_html(docs: dict[str, Document], answer: Answer | None) -> str:
    """The sources panel, per document: cited task rows as a table, other cited units with the quote marked."""
    if answer is None:
        return EMPTY_SOURCES
    if not answer.citations:
        return '<div class="empty">本次回答没有引用原文。</div>'
    by_doc: dict[str, list[Citation]] = {}
    for c in answer.citations:
        by_doc.setdefault(c.doc, []).append(c)
    out = []
    for doc_id, citations in by_doc.items():
        doc = docs.get(doc_id)
        if doc is None:
            continue
        tasks, others = [], []
        for c in citations:
            unit = doc.unit(c.ref)
            if unit is None:
                continue
            if unit.kind == "task":
                tasks.append((unit, c.quote))
            elif unit.kind == "meta":
                others.append(f'<div class="measure"><div class="measure-title">{html.escape(c.title or c.label)}</div>'
                              f"<div><mark>{html.escape(c.quote)}</mark></div></div>")
            else:
                others.append(unit_html(unit, c.quote))
        section = [f"<h4>《{html.escape(doc.title)}》</h4>"] if len(by_doc) > 1 or len(docs) > 1 else []
        if tasks:
            section.append(f"<h4>任务清单（{len(tasks)} 项）</h4>" + task_table_html(tasks))
        if others:
            section.append("".join(others))
        out.append("".join(section))
    return "".join(out) or '<div class="empty">本次回答没有引用原文。</div>'


# ---------------------------------------------------------------------------------------------
# The app


def _feedback_file(assistant, feedback_file: Path | str | None) -> Path:
    if feedback_file is not None:
        return Path(feedback_file)
    settings = getattr(assistant, "settings", None)
    if settings is None:
        from assistant.config import load_settings

        settings = load_settings()
    return Path(settings.feedback_file)


def build_app(assistant, feedback_file: Path | str | None = None) -> gr.Blocks:
    """The chat app around a warmed-up (or lazily warming) Assistant.

    Launch it with `launch_app` (Gradio 6 takes css at launch time).
    """
    docs = assistant.docs
    feedback_path = _feedback_file(assistant, feedback_file)
    ask_lock = threading.Lock()  # one question at a time through the model, whichever endpoint

    def ask(question: str, lead: Any = None, category: Any = None, scope: Any = None) -> Answer:
        with ask_lock:
            return assistant.ask(question, lead=_filter_value(lead), category=_filter_value(category),
                                 scope=_filter_value(scope))

    def safe_ask(question: str, lead: Any, category: Any, scope: Any = None) -> Answer:
        try:
            return ask(question, lead, category, scope)
        except Exception as exc:  # a bug must not kill the session; log it and say so in Chinese
            traceback.print_exc(file=sys.stderr)
            return Answer(question=question, answer=f"抱歉，处理这个问题时出错了（{type(exc).__name__}），请换一种问法或稍后再试。",
                          abstained=True, intent="error")

    # --- events -------------------------------------------------------------------------------

    def respond(question: str, history: list | None, lead: str, category: str, scope: str):
        history = list(history or [])
        question = (question or "").strip()
        if not question:
            return history, gr.update(), gr.update(), gr.update(), gr.update(value="请输入问题。")
        answer = safe_ask(question, lead, category, scope)
        picked = docs[scope].short_name if _filter_value(scope) in docs else None
        filters = [f for f in (picked, _filter_value(lead), _filter_value(category)) if f]
        shown_question = question + (f"\n\n<sub>筛选：{' · '.join(filters)}</sub>" if filters else "")
        history.append({"role": "user", "content": shown_question})
        history.append({"role": "assistant", "content": chat_message(answer)})
        last = {"question": question, "answer": answer.answer, "refs": [f"{c.doc}:{c.ref}" for c in answer.citations]}
        return history, "", sources_html(docs, answer), last, gr.update(value="")

    def clear():
        return [], sources_html(docs, None), None, "", ""

    def give_feedback(verdict: str):
        def handler(last: dict | None, comment: str):
            if not last:
                return gr.update(), "请先提问，再评价回答。"
            record = make_record(last["question"], last["answer"], last["refs"], verdict, comment or "")
            try:
                append_feedback(feedback_path, record)
            except OSError as exc:
                return gr.update(), f"反馈未能保存：{exc}"
            word = "👍 有帮助" if verdict == "up" else "👎 没帮助"
            return "", f"已记录反馈（{word}），谢谢！"

        return handler

    # --- API endpoints (plain functions, typed, for gradio_client) ------------------------------

    def chat(question: str, lead: str = ALL, category: str = ALL, scope: str = ALL) -> str:
        """提问并返回带引用标记（如 [任务70]、[措施（三十二）]）的 Markdown 回答。lead：牵头单位筛选；category：指标名称筛选；scope：只在这份文档中回答（文档编号或标题中的词）；“全部”或空表示不筛选。"""
        return safe_ask(question or "", lead, category, scope).answer

    def chat_full(question: str, lead: str = ALL, category: str = ALL, scope: str = ALL) -> dict:
        """提问并返回完整结果：answer（Markdown）、citations（doc/doc_title/ref/label/quote）、abstained、intent。"""
        result = safe_ask(question or "", lead, category, scope).to_dict()
        result.pop("hits", None)
        return result

    # --- layout --------------------------------------------------------------------------------

    with gr.Blocks(title=TITLE, analytics_enabled=False, fill_width=True) as app:
        titles = "、".join(f"《{d.title}》" for d in list(docs.values())[:4]) + (" 等" if len(docs) > 4 else "")
        gr.Markdown(
            f"## {TITLE}\n"
            f"文库收录 {len(docs)} 份文件：{titles}。每个回答都标注出处，如 [任务70]、[措施（三十二）]、[第二十条]，"
            "右侧显示引用原文。"
        )
        last_state = gr.State(None)
        with gr.Row(equal_height=False):
            with gr.Column(scale=5, min_width=480):
                chatbot = gr.Chatbot(
                    label="对话", elem_id="chat", height=470, feedback_options=None,
                    placeholder="请在下方输入问题，或点击示例问题。", buttons=["copy"],
                )
                with gr.Row():
                    question_box = gr.Textbox(
                        show_label=False, placeholder="请输入问题，例如：开办企业几个工作日能办完？",
                        elem_id="question", scale=5, lines=1, max_lines=4, autofocus=True,
                    )
                    ask_btn = gr.Button("提问", variant="primary", elem_id="ask", scale=1, min_width=80)
                    clear_btn = gr.Button("清空对话", elem_id="clear", scale=1, min_width=80)
                with gr.Row():
                    scope_dd = gr.Dropdown(
                        choices=document_choices(assistant), value=ALL, label="只在这份文档中回答",
                        elem_id="doc-picker", filterable=True,
                    )
                    lead_dd = gr.Dropdown(
                        choices=lead_choices(assistant), value=ALL, label="按牵头单位筛选（作用于下一个问题）",
                        elem_id="lead-filter", filterable=True,
                    )
                    category_dd = gr.Dropdown(
                        choices=category_choices(assistant), value=ALL, label="按指标名称筛选（作用于下一个问题）",
                        elem_id="category-filter", filterable=True,
                    )
                with gr.Row():
                    up_btn = gr.Button("👍 有帮助", elem_id="feedback-up", size="sm", min_width=60)
                    down_btn = gr.Button("👎 没帮助", elem_id="feedback-down", size="sm", min_width=60)
                    comment_box = gr.Textbox(
                        show_label=False, placeholder="对上一个回答的补充意见（可选），然后点 👍 或 👎",
                        elem_id="feedback-comment", scale=4,
                    )
                feedback_status = gr.Markdown("", elem_id="feedback-status")
                gr.Markdown("#### 示例问题")
                example_buttons: list[tuple[gr.Button, str]] = []
                for who, questions in EXAMPLES.items():
                    with gr.Row(elem_classes="example-group"):
                        gr.Markdown(f"**{who}**", elem_classes="example-who")
                        for q in questions:
                            example_buttons.append((gr.Button(q, size="sm", variant="secondary"), q))
            with gr.Column(scale=4, min_width=360):
                gr.Markdown("#### 引用来源")
                sources = gr.HTML(EMPTY_SOURCES, elem_id="sources-panel", max_height=780)

        inputs = [question_box, chatbot, lead_dd, category_dd, scope_dd]
        outputs = [chatbot, question_box, sources, last_state, feedback_status]
        common = dict(api_visibility="private", concurrency_id="ask", concurrency_limit=2)
        ask_btn.click(respond, inputs, outputs, **common)
        question_box.submit(respond, inputs, outputs, **common)
        for button, q in example_buttons:
            button.click(lambda q=q: q, None, question_box, api_visibility="private", queue=False).then(
                respond, inputs, outputs, **common
            )
        clear_btn.click(clear, None, [chatbot, sources, last_state, comment_box, feedback_status],
                        api_visibility="private", queue=False)
        up_btn.click(give_feedback("up"), [last_state, comment_box], [comment_box, feedback_status],
                     api_visibility="private")
        down_btn.click(give_feedback("down"), [last_state, comment_box], [comment_box, feedback_status],
                       api_visibility="private")

        gr.api(chat, api_name="chat", concurrency_id="ask", concurrency_limit=2)
        gr.api(chat_full, api_name="chat_full", concurrency_id="ask", concurrency_limit=2)
    return app


def launch_app(app: gr.Blocks, host: str = "127.0.0.1", port: int = 7860, prevent_thread_lock: bool = False,
               quiet: bool = True, **kwargs):
    """Launch with this app's CSS (Gradio 6 takes css/theme in launch(), not in Blocks())."""
    options = dict(
        server_name=host, server_port=port, prevent_thread_lock=prevent_thread_lock, quiet=quiet,
        css=CSS, ssr_mode=False, show_error=True, footer_links=["api"],
    )
    options.update(kwargs)
    return app.launch(**options)
