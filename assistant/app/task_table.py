"""The 文库's task table as HTML: the document's own columns and headers, widths by content, text wrapped.
At a desk it is a table that fits the page (no sideways scrolling at 1400 px); on a phone each row is a card
(`data-label` names each field; the CSS lays it out). At a desk a long cell shows its first three lines and a
click on the row shows it whole; a header click sorts the table (static/chat.js)."""

from __future__ import annotations

import html

from assistant.app import ui_text as T
from assistant.app.answer_view import link
from assistant.app.library_view import Column, cell, column_layout, task_columns
from assistant.records import Document, Unit

_NARROW = ("number", "deadline")


def task_table_html(doc: Document | None, rows: list[Unit]) -> str:
    if doc is None or not rows:
        return f'<p class="empty">{html.escape(T.TASKS_NO_MATCH if doc is not None and doc.tasks else "")}</p>'
    columns = task_columns(doc)
    _, widths = column_layout(doc, rows)
    cols = "".join(f'<col style="width:{w}">' for w in widths)
    head = "".join(
        f'<th scope="col" class="{_class(c)}" data-sort="{"num" if c.role == "number" else "text"}" '
        f'title="{html.escape(T.SORT_HINT)}">{html.escape(c.header)}</th>' for c in columns)
    body = "".join(_row(doc, t, columns) for t in rows)
    return (f'<div class="task-table-wrap"><table class="lib-tasks" aria-label="{html.escape(T.TASKS_TITLE)}">'
            f"<colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def _class(column: Column) -> str:
    return f"c-{column.role}" + (" narrow" if column.role in _NARROW else "")


def _row(doc: Document, unit: Unit, columns: list[Column]) -> str:
    cells = []
    for c in columns:
        value = cell(doc, unit, c)
        shown = f'<div class="clamp">{html.escape(value)}</div>' if value else '<span class="none">—</span>'
        if c.role == "number":
            label = unit.label or value
            shown = f'<a class="cite" href="{link("cite", "-", doc.doc, unit.ref)}">{html.escape(label)}</a>'
        cells.append(f'<td class="{_class(c)}" data-label="{html.escape(c.header)}" '
                     f'data-value="{html.escape(value)}">{shown}</td>')
    return f'<tr title="{html.escape(T.ROW_EXPAND_HINT)}">{"".join(cells)}</tr>'
