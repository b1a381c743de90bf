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


def _choices(values: list[str]) -> list[tuple[str, str]]:
    return [(ALL, ALL)] + [(v, v) for v in values]


def _downloads(folder: DownloadFolder, key: str, records: list[dict], stem: str):
    csv_path, xlsx_path = folder.make(key, records, stem)
    n = len(records)
    return (gr.update(visible=True, value=str(csv_path), label=f"{T.DOWNLOAD_CSV}（{n} 行）"),
            gr.update(visible=True, value=str(xlsx_path), label=f"{T.DOWNLOAD_XLSX}（{n} 行）"))


def build_library_tab(docs: Callable[[], dict], folder: DownloadFolder, allow_upload: bool,
                      max_upload_bytes: int) -> LibraryTab:
    """The tab's layout and its own events (filters, picker). `docs()` gives the library's current documents."""

    def filter_tasks(doc_id, lead, support, category, deadline):
        doc = docs().get(doc_id or "")
        total = len(doc.tasks) if doc else 0
        hidden = gr.update(visible=False, value=None)
        if doc is None or not total:
            return gr.update(value=lib.tasks_frame([]), visible=False), T.TASKS_NONE, hidden, hidden
        rows = lib.select_tasks(doc, lead, support, category, deadline)
        count = T.TASK_COUNT.format(shown=len(rows), total=total)
        downloads = (hidden, hidden)
        if rows:
            key = "-".join(str(x) for x in (doc.sha256[:12], doc_id, lead, support, category, deadline))
            downloads = _downloads(folder, "lib-" + re.sub(r"\W", "_", key), lib.task_records(doc, rows),
                                   f"{doc.short_name or doc.doc}-任务清单-{len(rows)}项")
        return gr.update(value=lib.tasks_frame(rows), visible=True), count, *downloads

    def pick_document(doc_id: str | None):
        doc = docs().get(doc_id or "")
        options = lib.filter_choices(doc)
        has_tasks = bool(doc and doc.tasks)  # no task table: no filters to show
        return (lib.outline_html(doc),
                *(gr.update(choices=_choices(options[k]), value=ALL, visible=has_tasks)
                  for k in ("lead", "support", "category", "deadline")),
                *filter_tasks(doc_id, ALL, ALL, ALL, ALL))

    def default_doc() -> str | None:
        """The first document with a task table (what staff come for), else the first document."""
        return next((d for d, doc in docs().items() if doc.tasks), next(iter(docs()), None))

    gr.Markdown(f"#### {T.LIBRARY_DOCS}")
    docs_table = gr.Dataframe(lib.documents_frame(docs()), interactive=False, wrap=True, elem_id="library-docs",
                              max_height=260, buttons=[])
    with gr.Row(equal_height=False):
        doc_dd = gr.Dropdown(choices=lib.doc_choices(docs()), value=default_doc(), label=T.DOC_PICKER,
                             elem_id="library-doc", scale=4, filterable=True)
        scope_btn = gr.Button(T.ASK_THIS_DOC, elem_id="scope-to-doc", scale=1, min_width=120)
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=260):
            outline = gr.HTML("", elem_id="outline")
        with gr.Column(scale=3, min_width=340):
            gr.Markdown(f"#### {T.TASKS_TITLE}")
            with gr.Row():
                filters = [gr.Dropdown(choices=[(ALL, ALL)], value=ALL, label=label, elem_id=elem, filterable=True,
                                       min_width=160)
                           for label, elem in ((T.FILTER_LEAD, "tasks-lead"), (T.FILTER_SUPPORT, "tasks-support"),
                                               (T.FILTER_CATEGORY, "tasks-category"),
                                               (T.FILTER_DEADLINE, "tasks-deadline"))]
            with gr.Row(elem_id="tasks-bar"):
                task_count = gr.Markdown("", elem_id="task-count")
                tasks_csv = gr.DownloadButton(T.DOWNLOAD_CSV, visible=False, size="sm", elem_id="tasks-csv", scale=0)
                tasks_xlsx = gr.DownloadButton(T.DOWNLOAD_XLSX, visible=False, size="sm", elem_id="tasks-xlsx",
                                               scale=0)
            task_table = gr.Dataframe(
                lib.tasks_frame([]), interactive=False, wrap=True, elem_id="task-table", max_height=620,
                show_search="search", buttons=["fullscreen"], pinned_columns=1,
                datatype=["number", "str", "str", "str", "str", "str", "str"],
                column_widths=["60px", "100px", "150px", "340px", "136px", "170px", "170px"],
            )
    outputs = [outline, *filters, task_table, task_count, tasks_csv, tasks_xlsx]
    tab = LibraryTab(doc_dd, scope_btn, docs_table, (pick_document, doc_dd, outputs))
    if allow_upload:
        with gr.Accordion(T.UPLOAD_TITLE, open=False, elem_id="upload"):
            gr.Markdown(T.UPLOAD_HELP.format(limit=limit_text(max_upload_bytes)))
            tab.upload_files = gr.File(file_count="multiple", file_types=list(ACCEPTED), type="filepath",
                                       label="选择文件", elem_id="upload-files")
            tab.upload_button = gr.Button(T.UPLOAD_BUTTON, variant="primary", elem_id="upload-button")
            tab.upload_status = gr.Markdown("", elem_id="upload-status")
    else:
        gr.Markdown(T.UPLOAD_OFF, elem_id="upload-off")

    doc_dd.change(pick_document, doc_dd, outputs, **PRIVATE)
    for dd in filters:
        dd.input(filter_tasks, [doc_dd, *filters], [task_table, task_count, tasks_csv, tasks_xlsx], **PRIVATE)
    return tab


def upload_handler(assistant, lock, max_upload_bytes: int, refreshed: Callable[[], tuple], n_refreshed: int):
    """The upload button's generator: (status, the file box, then the `n_refreshed` page parts that list the
    documents), yielded as the import goes; the page parts change only when the library did."""

    def upload(files):
        for status, changed in run_import(assistant, files, lock, max_upload_bytes):
            if changed:
                yield (status, gr.update(value=None), *refreshed())
            else:
                yield (status, gr.skip(), *(gr.skip(),) * n_refreshed)

    return upload
