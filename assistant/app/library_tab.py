"""The 文库 tab: the documents with their metadata, a document's outline (each entry opens its unit), its task
rows in a sortable, searchable table with filters and downloads, a button that scopes the chat to the
document, and (only when the server allows it) adding documents from the browser.

`build_library_tab` is called inside the app's gr.Tabs; it wires its own events and returns what the chat tab
needs to wire the rest (the picker's value, the upload's refresh).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr

from assistant.app import library_view as lib
from assistant.app import ui_text as T
from assistant.app.downloads import DownloadFolder
from assistant.app.task_table import task_table_html
from assistant.app.uploads import ACCEPTED, limit_text, run_import

ALL = T.ALL
PRIVATE = dict(api_visibility="private")


@dataclass
class LibraryTab:
    doc_picker: gr.Dropdown
    scope_button: gr.Button
    docs_table: gr.Dataframe
    on_load: tuple  # (fn, inputs, outputs) for the app's load event: the first document's outline and rows
    upload_button: gr.Button | None = None
    upload_files: gr.File | None = None
    upload_status: gr.Markdown | None = None
    after_import: tuple | None = None  # (fn, inputs, outputs): the picker and its document after an import


def _choices(values: list[str]) -> list[tuple[str, str]]:
    return [(ALL, ALL)] + [(v, v) for v in values]


_FILTER_ROLES = ("lead", "support", "category", "deadline")
_FILTER_LABELS = {"lead": T.FILTER_LEAD, "support": T.FILTER_SUPPORT, "category": T.FILTER_CATEGORY,
                  "deadline": T.FILTER_DEADLINE}


def _downloads(folder: DownloadFolder, key: str, records: list[dict], stem: str, names: dict[str, str]):
    csv_path, xlsx_path = folder.make(key, records, stem, names)
    n = len(records)
    return (gr.update(visible=True, value=str(csv_path), label=f"{T.DOWNLOAD_CSV}（{n} 行）"),
            gr.update(visible=True, value=str(xlsx_path), label=f"{T.DOWNLOAD_XLSX}（{n} 行）"))


def download_names(doc) -> dict[str, str]:
    """Row-record keys → the document's own headers (the downloads use them as column names)."""
    return {c.role: c.header for c in lib.task_columns(doc) if c.role not in ("field", "section", "responsible")}


def download_stem(doc, rows: int, words: str, filtered: list[str]) -> str:
    """A readable file name: 广西方案-任务清单-海关-7项."""
    parts = [doc.short_name or doc.title[:16], T.TASKS_TITLE, *[w for w in [words.strip(), *filtered] if w]]
    stem = "-".join(re.sub(r"[\\/:*?\"<>|\s]+", "_", p).strip("_") for p in parts)[:80]
    return f"{stem}-{rows}项"


def default_doc(docs: dict) -> str | None:
    """The first document with a task table (what staff come for), else the first document."""
    return next((d for d, doc in docs.items() if doc.tasks), next(iter(docs), None))


def build_library_tab(docs: Callable[[], dict], folder: DownloadFolder, allow_upload: bool,
                      max_upload_bytes: int) -> LibraryTab:
    """The tab's layout and its own events (filters, search, picker). `docs()` gives the library's current
    documents."""

    def filter_tasks(doc_id, lead, support, category, deadline, words=""):
        doc = docs().get(doc_id or "")
        total = len(doc.tasks) if doc else 0
        hidden = gr.update(visible=False, value=None)
        if doc is None or not total:
            return gr.update(value="", visible=False), T.TASKS_NONE if doc else "", hidden, hidden
        rows = lib.select_tasks(doc, lead, support, category, deadline, text=words or "")
        count = T.TASK_COUNT.format(shown=len(rows), total=total)
        downloads = (hidden, hidden)
        if rows:
            chosen = [v for v in (lead, support, category, deadline) if v and v != ALL]
            key = "-".join(str(x) for x in (doc.sha256[:12], doc_id, *chosen, words or ""))
            downloads = _downloads(folder, "lib-" + re.sub(r"\W", "_", key)[:120], lib.task_records(doc, rows),
                                   download_stem(doc, len(rows), words or "", chosen), download_names(doc))
        return gr.update(value=task_table_html(doc, rows), visible=True), count, *downloads

    def pick_document(doc_id: str | None):
        doc = docs().get(doc_id or "")
        options = lib.filter_choices(doc)
        labels = lib.filter_columns(doc)
        return (lib.outline_html(doc),
                *(gr.update(choices=_choices(options[k]), value=ALL, visible=bool(options[k]),
                            label=labels.get(k, _FILTER_LABELS[k])) for k in _FILTER_ROLES),
                "", *filter_tasks(doc_id, ALL, ALL, ALL, ALL, ""))

    def page_load():
        """Every page load reads the library as it is now (an import since the server started included)."""
        current = docs()
        picked = default_doc(current)
        return (gr.update(choices=lib.doc_choices(current), value=picked), lib.documents_frame(current),
                *pick_document(picked))

    gr.Markdown(f"#### {T.LIBRARY_DOCS}")
    docs_table = gr.Dataframe(lib.documents_frame(docs()), interactive=False, wrap=True, elem_id="library-docs",
                              max_height=260, buttons=[], label=T.LIBRARY_DOCS, show_label=False)
    with gr.Row(equal_height=False):
        doc_dd = gr.Dropdown(choices=lib.doc_choices(docs()), value=default_doc(docs()), label=T.DOC_PICKER,
                             elem_id="library-doc", scale=4, filterable=True)
        scope_btn = gr.Button(T.ASK_THIS_DOC, elem_id="scope-to-doc", scale=1, min_width=120)
    with gr.Row(equal_height=False, elem_id="library-body"):
        with gr.Column(scale=1, min_width=200, elem_id="outline-column"):
            outline = gr.HTML("", elem_id="outline")
        with gr.Column(scale=6, min_width=340, elem_id="tasks-column"):
            gr.Markdown(f"#### {T.TASKS_TITLE}")
            with gr.Row(elem_id="tasks-filters"):
                filters = [gr.Dropdown(choices=[(ALL, ALL)], value=ALL, label=_FILTER_LABELS[role], elem_id=elem,
                                       filterable=True, min_width=160)
                           for role, elem in zip(_FILTER_ROLES, ("tasks-lead", "tasks-support", "tasks-category",
                                                                 "tasks-deadline"))]
            search = gr.Textbox(label=T.TASK_SEARCH, placeholder=T.TASK_SEARCH_PLACEHOLDER, elem_id="tasks-search",
                                lines=1, max_lines=1)
            with gr.Row(elem_id="tasks-bar"):
                task_count = gr.Markdown("", elem_id="task-count")
                tasks_csv = gr.DownloadButton(T.DOWNLOAD_CSV, visible=False, size="sm", elem_id="tasks-csv", scale=0)
                tasks_xlsx = gr.DownloadButton(T.DOWNLOAD_XLSX, visible=False, size="sm", elem_id="tasks-xlsx",
                                               scale=0)
            task_table = gr.HTML("", elem_id="task-table", padding=False)
    outputs = [outline, *filters, search, task_table, task_count, tasks_csv, tasks_xlsx]
    tab = LibraryTab(doc_dd, scope_btn, docs_table, (page_load, None, [doc_dd, docs_table, *outputs]))
    if allow_upload:
        with gr.Accordion(T.UPLOAD_TITLE, open=False, elem_id="upload"):
            gr.Markdown(T.UPLOAD_HELP.format(limit=limit_text(max_upload_bytes)))
            tab.upload_files = gr.File(file_count="multiple", file_types=list(ACCEPTED), type="filepath",
                                       label=T.UPLOAD_FILES, elem_id="upload-files")
            tab.upload_status = gr.Markdown("", elem_id="upload-status")
            tab.upload_button = gr.Button(T.UPLOAD_BUTTON, variant="primary", elem_id="upload-button")
    else:
        gr.Markdown(T.UPLOAD_OFF, elem_id="upload-off")

    def after_import(doc_id: str | None):
        """The picker after an import: the document shown stays, or (none yet) the first with a task table."""
        current = docs()
        picked = doc_id if doc_id in current else default_doc(current)
        return (gr.update(choices=lib.doc_choices(current), value=picked), *pick_document(picked))

    doc_dd.input(pick_document, doc_dd, outputs, **PRIVATE)
    tab.after_import = (after_import, doc_dd, [doc_dd, *outputs])
    table_outputs = [task_table, task_count, tasks_csv, tasks_xlsx]
    for dd in filters:
        dd.input(filter_tasks, [doc_dd, *filters, search], table_outputs, **PRIVATE)
    search.change(filter_tasks, [doc_dd, *filters, search], table_outputs, trigger_mode="always_last", **PRIVATE)
    return tab


def upload_handler(assistant, lock, max_upload_bytes: int, refreshed: Callable[[], tuple], n_refreshed: int):
    """The upload button's generator: (status, the file box, then the `n_refreshed` page parts that list the
    documents), yielded as the import goes; the page parts change only when the library did."""

    def upload(files):
        status = ""
        for status, changed in run_import(assistant, files, lock, max_upload_bytes):
            if changed:
                yield (status, gr.update(value=None), *refreshed())
            else:
                yield (status, gr.skip(), *(gr.skip(),) * n_refreshed)
        if status:
            gr.Info(re.sub(r"[*`#]", "", status)[:300])  # the result where the user is looking, not below the fold

    return upload
