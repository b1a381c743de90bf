"""The web chat (Gradio 6): questions in Chinese, answers with clickable citations, the sources of any
answer, downloads of list answers, per-answer feedback, and a library view.

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

The page: the answer is rendered by `answer_view` (conclusion first, compact rows, markers as links), the
sources by `sources_view`, downloads by `downloads`, the 文库 tab by `library_view`, browser uploads (only with
``allow_upload``) by `uploads`; `static/chat.js` runs in the page through the hidden ``ui-bridge`` component.
"""

from __future__ import annotations

import html
import json
import re
import sys
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from assistant.app import library_view as lib
from assistant.app import ui_text as T
from assistant.app.answer_store import AnswerStore, Shown, answer_id_in, message_text
from assistant.app.answer_view import answer_html, clean_text, pending_html, question_html
from assistant.app.concurrency import SharedLock, ask_concurrency, queue_size
from assistant.app.downloads import DownloadFolder, file_stem
from assistant.app.feedback import append_feedback, comment_problem, make_record
from assistant.app.library_tab import build_library_tab, upload_handler
from assistant.app.sources_view import (
    missing_unit_html,
    sources_html,
    unit_detail_html,
)
from assistant.app.uploads import MAX_UPLOAD_BYTES
from assistant.app.zh_page import ChinesePageMiddleware
from assistant.records import Answer
from assistant.understanding.normalize import clean_question, strip_unsafe

ALL = T.ALL
ALL_DOCS = T.ALL_DOCS
TITLE = T.TITLE
EXAMPLES = T.EXAMPLES

_STATIC = Path(__file__).resolve().parent / "static"
CSS = (_STATIC / "chat.css").read_text("utf-8")
# Rules Gradio's css= cannot express (page padding, container queries) go into the page head as they are.
HEAD = f'<style id="assistant-head-css">{(_STATIC / "head.css").read_text("utf-8")}</style>'

_FONTS = ["system-ui", "-apple-system", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC",
          "WenQuanYi Micro Hei", "sans-serif"]


def bridge_script() -> str:
    """chat.js with its Chinese words filled in."""
    script = (_STATIC / "chat.js").read_text("utf-8")
    for name, value in (("__GRADIO_WORDS__", T.GRADIO_WORDS), ("__UNIT_LOADING__", T.UNIT_LOADING),
                        ("__UNIT_MISSING__", T.UNIT_MISSING), ("__COPIED__", T.COPIED),
                        ("__COPY_FAILED__", T.COPY_FAILED), ("__API_DOCS__", T.API_DOCS)):
        script = script.replace(name, json.dumps(value, ensure_ascii=False))
    return script


BRIDGE_HTML = (
    '<dialog id="unit-dialog" aria-label="引用原文"><div class="ud-bar">'
    f'<button type="button" class="ud-close" aria-label="{T.UNIT_DIALOG_CLOSE}">{T.UNIT_DIALOG_CLOSE}</button>'
    '</div><div class="ud-body"></div></dialog><div id="ui-toast" role="status" aria-live="polite"></div>'
)


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


def filters_shown(assistant, lead: Any, category: Any, scope: Any) -> tuple[str, ...]:
    """The filters in effect, as a person reads them: 广西方案 · 广西税务局 · 纳税."""
    scope = _filter_value(scope)
    picked = (assistant.docs[scope].short_name or scope) if scope in assistant.docs else scope
    return tuple(f for f in (picked, _filter_value(lead), _filter_value(category)) if f)


def header_markdown(docs) -> str:
    names = "、".join(f"《{d.title}》" for d in list(docs.values())[:4]) + (" 等" if len(docs) > 4 else "")
    return (f"## {TITLE}\n"
            f"文库收录 {len(docs)} 份文件<span class=\"doc-list\">：{names}</span>。"
            "每个回答都标注出处（如 [任务70]、[措施（三十二）]），点标记即可查看原文。")


# ---------------------------------------------------------------------------------------------
# One browser session


@dataclass
class Session:
    """Mutable per-session state (kept in a gr.State; events of the session share this object)."""

    busy: bool = False
    generation: int = 0  # bumped by clear: an answer still on its way to a cleared chat is dropped
    pending: dict | None = None  # the question being answered: question, filters, earlier questions
    rating: dict | None = None  # the answer last rated (for the optional comment): id, verdict


_QUESTION_DIV = re.compile(r'<div class="filters-used">.*?</div>', re.S)
_TAG = re.compile(r"<[^>]+>")


def user_question(message) -> str:
    """The question a user message holds (its text, without the filters line)."""
    text = _QUESTION_DIV.sub("", message_text(message))
    return html.unescape(_TAG.sub("", text.replace("<br>", "\n"))).strip()


def _role(message) -> str:
    return message.get("role", "") if isinstance(message, dict) else getattr(message, "role", "")


def earlier_questions(history: list) -> list[str]:
    return [q for q in (user_question(m) for m in history if _role(m) == "user") if q]


def _is_pending(message) -> bool:
    return 'class="pending"' in message_text(message)


def _feedback_file(assistant, feedback_file: Path | str | None) -> Path:
    if feedback_file is not None:
        return Path(feedback_file)
    settings = getattr(assistant, "settings", None)
    if settings is None:
        from assistant.config import load_settings

        settings = load_settings()
    return Path(settings.feedback_file)


def build_app(assistant, feedback_file: Path | str | None = None, allow_upload: bool = False,
              max_upload_bytes: int = MAX_UPLOAD_BYTES) -> gr.Blocks:
    """The chat app around a warmed-up (or lazily warming) Assistant.

    Launch it with `launch_app` (Gradio 6 takes css at launch time). `allow_upload` shows the staff upload in
    the 文库 tab (off by default; `assistant serve --allow-upload`).
    """
    feedback_path = _feedback_file(assistant, feedback_file)
    ask_lock = SharedLock()  # questions run side by side (shared); a library reload runs alone (exclusive)
    store = AnswerStore()
    folder = DownloadFolder()
    claim_lock = threading.Lock()

    def docs():
        return assistant.docs  # replaced on reload (an upload): always read it fresh

    def ask(question: str, lead: Any = None, category: Any = None, scope: Any = None,
            history: list[str] | None = None) -> Answer:
        question = strip_unsafe(question) if isinstance(question, str) else question  # printable, serialisable
        with ask_lock.shared():
            return assistant.ask(question, lead=_filter_value(lead), category=_filter_value(category),
                                 scope=_filter_value(scope), history=history or None)

    def safe_ask(question: str, lead: Any, category: Any, scope: Any = None,
                 history: list[str] | None = None) -> Answer:
        try:
            return ask(question, lead, category, scope, history)
        except Exception as exc:  # a bug must not kill the session; log it and say so in Chinese
            traceback.print_exc(file=sys.stderr)
            return Answer(question=question, answer=T.ERROR_ANSWER.format(kind=type(exc).__name__),
                          abstained=True, intent="error")

    # --- what the sources column shows for one answer -------------------------------------------

    def download_updates(shown: Shown | None):
        rows = shown.answer.rows if shown else []
        if not rows:
            return gr.update(visible=False, value=None), gr.update(visible=False, value=None)
        if not shown.files:
            asked = shown.answer.query.text if getattr(shown.answer, "query", None) is not None else shown.question
            csv_path, xlsx_path = folder.make(shown.id, rows, file_stem(asked, len(rows)))
            shown.files = {"csv": str(csv_path), "xlsx": str(xlsx_path)}
        n = len(rows)
        return (gr.update(visible=True, value=shown.files["csv"], label=f"{T.DOWNLOAD_CSV}（{n} 行）"),
                gr.update(visible=True, value=shown.files["xlsx"], label=f"{T.DOWNLOAD_XLSX}（{n} 行）"))

    def sources_for(shown: Shown | None) -> str:
        if shown is None:
            return sources_html(docs(), None)
        n = len(shown.answer.citations)
        heading = (f'回答：<span class="q">{html.escape(shown.question)}</span>'
                   + (f"（引用 {n} 处）" if n else ""))
        return sources_html(docs(), shown.answer, heading=heading)

    def sources_outputs(shown: Shown | None):
        csv_update, xlsx_update = download_updates(shown)
        return sources_for(shown), csv_update, xlsx_update

    def last_shown(history: list) -> Shown | None:
        for message in reversed(history or []):
            if _role(message) == "assistant":
                found = store.get(answer_id_in(message))
                if found:
                    return found
        return None

    # --- asking: the question shows at once, the answer replaces "正在检索…" ----------------------

    def start(question: str, history: list | None, lead: Any, category: Any, scope: Any, session: Session):
        history = list(history or [])
        question = (question or "").strip()
        if session.busy:
            gr.Warning(T.BUSY)
            return gr.skip(), gr.skip()
        if not question:
            gr.Warning(T.EMPTY_QUESTION)
            return gr.skip(), gr.skip()
        problem = clean_question(question).error
        if problem:  # too long: say so and keep the text in the box to shorten
            gr.Warning(problem)
            return gr.skip(), gr.skip()
        return _queue_question(question, history, lead, category, scope, session), ""

    def _queue_question(question, history, lead, category, scope, session: Session) -> list:
        filters = filters_shown(assistant, lead, category, scope)
        session.busy = True
        session.pending = {"question": question, "lead": lead, "category": category, "scope": scope,
                           "filters": filters,
                           "generation": session.generation, "before": earlier_questions(history)}
        history.append({"role": "user", "content": question_html(question, filters)})
        history.append({"role": "assistant", "content": pending_html()})
        return history

    def finish(history: list | None, session: Session):
        pending = session.pending
        skip = (gr.skip(),) * 4
        if not pending:
            return skip
        with claim_lock:  # a second click's chain sees the same pending question: one of them answers it
            if pending.get("claimed"):
                return skip
            pending["claimed"] = True
        try:
            answer = safe_ask(pending["question"], pending["lead"], pending["category"], pending["scope"],
                              pending["before"])
            shown = store.put(pending["question"], answer, pending["filters"])
            if session.generation != pending["generation"]:
                return skip  # the chat was cleared meanwhile
            history = list(history or [])
            message = {"role": "assistant", "content": answer_html(shown, docs())}
            if history and _is_pending(history[-1]):
                history[-1] = message
            else:
                history.append(message)
            return (history, *sources_outputs(shown))
        except Exception:  # never leave the session stuck on "正在检索…"
            traceback.print_exc(file=sys.stderr)
            history = [m for m in (history or []) if not _is_pending(m)]
            gr.Warning(T.ERROR_ANSWER.format(kind="显示"))
            return (history, *skip[1:])
        finally:
            if session.pending is pending:
                session.pending = None
                session.busy = False

    # --- retry, undo, clear ----------------------------------------------------------------------

    def _user_index(history: list, index) -> int | None:
        i = index[0] if isinstance(index, (list, tuple)) else index
        if i is None:
            return None
        i = min(int(i), len(history) - 1)
        while i >= 0 and _role(history[i]) != "user":
            i -= 1
        return i if i >= 0 else None

    def retry(history: list | None, lead: Any, category: Any, scope: Any, session: Session, data: gr.RetryData):
        history = list(history or [])
        if session.busy:
            gr.Warning(T.BUSY)
            return gr.skip()
        at = _user_index(history, data.index)
        if at is None:
            return gr.skip()
        question = user_question(history[at])
        return _queue_question(question, history[:at], lead, category, scope, session)

    def undo(history: list | None, session: Session, data: gr.UndoData):
        history = list(history or [])
        if session.busy:
            gr.Warning(T.BUSY)
            return (gr.skip(),) * 5
        at = _user_index(history, data.index)
        if at is None:
            return (gr.skip(),) * 5
        question = user_question(history[at])
        history = history[:at]
        shown = last_shown(history)
        return (history, question, *sources_outputs(shown))

    def clear(session: Session):
        session.generation += 1
        session.busy = False
        session.pending = None
        session.rating = None
        return ([], "", *sources_outputs(None), gr.update(visible=False), "", "")

    # --- sources of any answer, units, copy ------------------------------------------------------

    def show_sources(evt: gr.EventData):
        """chat.js: 查看来源 on any answer → that answer's sources and downloads."""
        data = evt._data if isinstance(evt._data, dict) else {}
        shown = store.get(str(data.get("answer_id") or ""))
        if shown is None:
            gr.Warning(T.UNIT_MISSING)
            return (gr.skip(),) * 3
        return sources_outputs(shown)

    def unit_detail(request) -> str:
        """Server function (chat.js): [answer id or "-", doc, ref] → the unit in full, the quote marked."""
        try:
            answer_id, doc_id, ref = (list(request) + ["", "", ""])[:3]
        except TypeError:
            return missing_unit_html()
        doc = docs().get(doc_id)
        unit = doc.unit(ref) if doc else None
        if unit is None:
            return missing_unit_html()
        quote = ""
        shown = store.get(answer_id)
        if shown:
            quote = next((c.quote for c in shown.answer.citations if c.doc == doc_id and c.ref == ref), "")
        return unit_detail_html(doc, unit, quote)

    def copy_text(request) -> str:
        """Server function (chat.js): answer id → the answer as clean text."""
        answer_id = request[0] if isinstance(request, (list, tuple)) and request else request
        shown = store.get(str(answer_id or ""))
        return clean_text(shown, docs()) if shown else ""

    # --- feedback on one answer ------------------------------------------------------------------

    def _rated(history: list, data: gr.LikeData) -> Shown | None:
        found = store.get(answer_id_in(data.value))
        if found is None:
            i = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
            if i is not None and 0 <= int(i) < len(history or []):
                found = store.get(answer_id_in(history[int(i)]))
        return found

    def _write(shown: Shown, verdict: str, comment: str) -> str | None:
        refs = [f"{c.doc}:{c.ref}" for c in shown.answer.citations]
        record = make_record(shown.question, shown.answer.answer, refs, verdict, comment or "")
        try:
            append_feedback(feedback_path, record)
        except OSError as exc:
            return T.FEEDBACK_FAILED.format(error=exc)
        return None

    def like(history: list | None, session: Session, data: gr.LikeData):
        shown = _rated(history or [], data)
        if shown is None:
            return gr.update(visible=True), T.FEEDBACK_NO_ANSWER, gr.skip()
        if data.liked not in (True, False):  # un-rated: nothing to write
            session.rating = None
            return gr.update(visible=False), T.FEEDBACK_REMOVED, ""
        verdict = "up" if data.liked is True else "down"
        error = _write(shown, verdict, "")
        if error:
            return gr.update(visible=True), error, gr.skip()
        session.rating = {"id": shown.id, "verdict": verdict}
        message = T.FEEDBACK_SAVED_UP if verdict == "up" else T.FEEDBACK_SAVED_DOWN
        return gr.update(visible=True), message, ""

    def comment(text: str, session: Session):
        text = (text or "").strip()
        rating = session.rating
        shown = store.get(rating["id"]) if rating else None
        if shown is None:
            return gr.skip(), T.FEEDBACK_NO_ANSWER
        if not text:
            return gr.skip(), T.FEEDBACK_PROMPT
        problem = comment_problem(text)  # too long: say so, keep the text to shorten
        if problem:
            return gr.skip(), problem
        error = _write(shown, rating["verdict"], text)
        if error:
            return gr.skip(), error
        return "", T.FEEDBACK_COMMENT_SAVED

    # --- API endpoints (plain functions, typed, for gradio_client) ------------------------------

    def chat(question: str, lead: str = ALL, category: str = ALL, scope: str = ALL) -> str:
        """提问并返回带引用标记（如 [任务70]、[措施（三十二）]）的 Markdown 回答。lead：牵头单位筛选；category：指标名称筛选；scope：只在这份文档中回答（文档编号或标题中的词）；“全部”或空表示不筛选。"""
        return safe_ask(question or "", lead, category, scope).answer

    def chat_full(question: str, lead: str = ALL, category: str = ALL, scope: str = ALL) -> dict:
        """提问并返回完整结果：answer（Markdown）、citations（doc/doc_title/ref/label/quote）、abstained、intent。"""
        result = safe_ask(question or "", lead, category, scope).to_dict()
        result.pop("hits", None)
        return result

    def scope_to(doc_id: str | None):
        doc = docs().get(doc_id or "")
        if doc is None:
            return gr.skip(), gr.skip()
        gr.Info(T.SCOPED_TO.format(title=doc.title))
        return gr.update(value=doc.doc), gr.Tabs(selected="chat")

    def refreshed():
        """After an upload: everything that lists the documents, agencies or categories."""
        return (header_markdown(docs()), lib.documents_frame(docs()),
                gr.update(choices=document_choices(assistant)), gr.update(choices=lead_choices(assistant)),
                gr.update(choices=category_choices(assistant)))

    # --- layout --------------------------------------------------------------------------------

    with gr.Blocks(title=TITLE, analytics_enabled=False, fill_width=True) as app:
        session_state = gr.State(Session())
        header = gr.Markdown(header_markdown(docs()), elem_id="page-head")
        with gr.Tabs(selected="chat", elem_id="tabs") as tabs:
            with gr.Tab(T.TAB_CHAT, id="chat", elem_id="tab-chat"):
                with gr.Row(equal_height=False, elem_id="main-row"):
                    with gr.Column(scale=5, min_width=340, elem_id="chat-column"):
                        chatbot = gr.Chatbot(
                            label=T.CHAT_LABEL, show_label=False, elem_id="chat", height="min(64vh, 620px)", min_height=320,
                            feedback_options=("Like", "Dislike"), buttons=[], autoscroll=False,
                            placeholder=T.CHAT_PLACEHOLDER, layout="bubble", group_consecutive_messages=False,
                        )
                        with gr.Row(elem_id="ask-row"):
                            question_box = gr.Textbox(
                                label=T.QUESTION_LABEL, show_label=False, placeholder=T.QUESTION_PLACEHOLDER, elem_id="question",
                                scale=5, lines=1, max_lines=4, autofocus=True, submit_btn=False,
                            )
                            ask_btn = gr.Button(T.ASK, variant="primary", elem_id="ask", scale=1, min_width=72)
                        filters_line = gr.Markdown("", elem_id="filters-line")
                        with gr.Row(visible=False, elem_id="feedback-row") as feedback_row:
                            feedback_status = gr.Markdown("", elem_id="feedback-status")
                            comment_box = gr.Textbox(label=T.FEEDBACK_COMMENT_LABEL, show_label=False, placeholder=T.FEEDBACK_PROMPT,
                                                     elem_id="feedback-comment", scale=4, max_lines=4)
                            comment_btn = gr.Button(T.FEEDBACK_SUBMIT, elem_id="feedback-submit", size="sm",
                                                    min_width=80, scale=1)
                    with gr.Column(scale=4, min_width=340, elem_id="sources-section"):
                        gr.Markdown(f"#### {T.SOURCES_TITLE}", elem_id="sources-title")
                        with gr.Row(elem_id="download-row"):
                            csv_btn = gr.DownloadButton(T.DOWNLOAD_CSV, visible=False, elem_id="download-csv",
                                                        size="sm")
                            xlsx_btn = gr.DownloadButton(T.DOWNLOAD_XLSX, visible=False, elem_id="download-xlsx",
                                                         size="sm")
                        sources = gr.HTML(sources_html(docs(), None), elem_id="sources-panel")
                with gr.Accordion(T.FILTERS, open=False, elem_id="filters"):
                    gr.Markdown(T.FILTERS_NOTE, elem_id="filters-note")
                    with gr.Row():
                        scope_dd = gr.Dropdown(choices=document_choices(assistant), value=ALL,
                                               label=T.SCOPE_LABEL, elem_id="doc-picker", filterable=True)
                        lead_dd = gr.Dropdown(choices=lead_choices(assistant), value=ALL, label=T.LEAD_LABEL,
                                              elem_id="lead-filter", filterable=True)
                        category_dd = gr.Dropdown(choices=category_choices(assistant), value=ALL,
                                                  label=T.CATEGORY_LABEL, elem_id="category-filter",
                                                  filterable=True)
                    clear_filters_btn = gr.Button(T.CLEAR_FILTERS, size="sm", elem_id="clear-filters")
                gr.Markdown(f"#### {T.EXAMPLES_TITLE}")
                example_buttons: list[tuple[gr.Button, str]] = []
                for who, questions in EXAMPLES.items():
                    with gr.Row(elem_classes="example-group"):
                        gr.Markdown(f"**{who}**", elem_classes="example-who")
                        for q in questions:
                            example_buttons.append((gr.Button(q, size="sm", variant="secondary"), q))

            with gr.Tab(T.TAB_LIBRARY, id="library", elem_id="tab-library"):
                library = build_library_tab(docs, folder, allow_upload, max_upload_bytes)

        bridge = gr.HTML(BRIDGE_HTML, elem_id="ui-bridge", js_on_load=bridge_script(),
                         server_functions=[unit_detail, copy_text], apply_default_css=False)

        # --- events --------------------------------------------------------------------------------
        ask_inputs = [question_box, chatbot, lead_dd, category_dd, scope_dd, session_state]
        finish_outputs = [chatbot, sources, csv_btn, xlsx_btn]
        private = dict(api_visibility="private")
        answer_step = dict(api_visibility="private", concurrency_id="ask", concurrency_limit=ask_concurrency())
        # The first step is quick (it shows the question and "正在检索…"); it is queued only so that its
        # toasts (empty question, still answering) reach the page, without a concurrency limit.
        quick = dict(api_visibility="private", concurrency_limit=None, show_progress="hidden")
        for trigger in (ask_btn.click, question_box.submit):
            trigger(start, ask_inputs, [chatbot, question_box], trigger_mode="multiple", **quick).then(
                finish, [chatbot, session_state], finish_outputs, **answer_step)
        for button, q in example_buttons:
            button.click(lambda history, lead, category, scope, session, q=q:
                         start(q, history, lead, category, scope, session)[0],
                         [chatbot, lead_dd, category_dd, scope_dd, session_state], chatbot,
                         trigger_mode="multiple", **quick).then(
                finish, [chatbot, session_state], finish_outputs, **answer_step)
        chatbot.retry(retry, [chatbot, lead_dd, category_dd, scope_dd, session_state], chatbot, **quick).then(
            finish, [chatbot, session_state], finish_outputs, **answer_step)
        chatbot.undo(undo, [chatbot, session_state], [chatbot, question_box, sources, csv_btn, xlsx_btn], **quick)
        chatbot.clear(clear, [session_state], [chatbot, question_box, sources, csv_btn, xlsx_btn, feedback_row,
                                               feedback_status, comment_box], **quick)
        chatbot.like(like, [chatbot, session_state], [feedback_row, feedback_status, comment_box], **private)
        comment_btn.click(comment, [comment_box, session_state], [comment_box, feedback_status], **private)
        comment_box.submit(comment, [comment_box, session_state], [comment_box, feedback_status], **private)
        bridge.show_sources(show_sources, None, [sources, csv_btn, xlsx_btn], **private)

        def describe_filters(lead, category, scope):
            shown = filters_shown(assistant, lead, category, scope)
            return f"当前筛选：{' · '.join(shown)}（对之后的每个问题有效）" if shown else ""

        for dd in (lead_dd, category_dd, scope_dd):
            dd.change(describe_filters, [lead_dd, category_dd, scope_dd], filters_line, queue=False, **private)
        clear_filters_btn.click(lambda: (ALL, ALL, ALL), None, [lead_dd, category_dd, scope_dd], queue=False,
                                **private)

        app.load(*library.on_load, **private)
        library.scope_button.click(scope_to, library.doc_picker, [scope_dd, tabs], **private)
        if allow_upload:
            refreshed_parts = [header, library.docs_table, scope_dd, lead_dd, category_dd]
            library.upload_button.click(
                upload_handler(assistant, ask_lock, max_upload_bytes, refreshed, len(refreshed_parts)),
                library.upload_files, [library.upload_status, library.upload_files, *refreshed_parts],
                concurrency_id="upload", concurrency_limit=1, **private).then(*library.after_import, **private)

        gr.api(chat, api_name="chat", concurrency_id="ask", concurrency_limit=ask_concurrency())
        gr.api(chat_full, api_name="chat_full", concurrency_id="ask", concurrency_limit=ask_concurrency())
    app.allow_upload = allow_upload
    app.max_upload_bytes = max_upload_bytes
    app.ask_lock = ask_lock  # the API (app/api) answers under the same lock
    return app


def launch_app(app: gr.Blocks, host: str = "127.0.0.1", port: int = 7860, prevent_thread_lock: bool = False,
               quiet: bool = True, **kwargs):
    """Launch with this app's CSS, theme and Chinese page (Gradio 6 takes css/theme in launch(), not Blocks()).

    Uploads are refused unless the app was built with ``allow_upload`` (then files up to its size limit).
    The queue answers `ask_concurrency()` questions at once and holds up to `queue_size()` more (a client past
    that is told the server is busy), telling waiting pages their place once a second rather than at every
    start (which costs the event loop time per waiting page); errors other than gr.Error reach the page
    without their text (which can hold paths or object reprs)."""
    allow_upload = getattr(app, "allow_upload", False)
    app.queue(max_size=queue_size(), default_concurrency_limit=ask_concurrency(), status_update_rate=1.0)
    options = dict(
        server_name=host, server_port=port, prevent_thread_lock=prevent_thread_lock, quiet=quiet,
        css=CSS, ssr_mode=False, show_error=False, footer_links=["api"],
        theme=gr.themes.Default(font=_FONTS, font_mono=["ui-monospace", "Menlo", "Consolas", "monospace"]),
        max_file_size=getattr(app, "max_upload_bytes", MAX_UPLOAD_BYTES) if allow_upload else 0,
        head=HEAD, app_kwargs={"middleware": [Middleware(ChinesePageMiddleware)]},
    )
    options.update(kwargs)
    return app.launch(**options)


def mount_app(app: gr.Blocks, server, path: str = "/", **kwargs):
    """Mount the chat on a FastAPI app (the API's, app/api/server.py) with what launch_app gives it: the queue,
    the CSS, theme and Chinese page, uploads only when allowed, no error texts."""
    allow_upload = getattr(app, "allow_upload", False)
    app.queue(max_size=queue_size(), default_concurrency_limit=ask_concurrency(), status_update_rate=1.0)
    server.add_middleware(ChinesePageMiddleware)
    options = dict(
        css=CSS, ssr_mode=False, show_error=False, footer_links=["api"], head=HEAD,
        theme=gr.themes.Default(font=_FONTS, font_mono=["ui-monospace", "Menlo", "Consolas", "monospace"]),
        max_file_size=getattr(app, "max_upload_bytes", MAX_UPLOAD_BYTES) if allow_upload else 0,
    )
    options.update(kwargs)
    return gr.mount_gradio_app(server, app, path=path, **options)
