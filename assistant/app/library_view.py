"""The 文库 tab's content: the documents with their metadata, a document's outline, and its task rows filtered
by lead, support, category and deadline (as a table, and as row dicts for the downloads)."""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd

from assistant.answering.citations import OCR_NOTE
from assistant.app import ui_text as T
from assistant.app.answer_view import link
from assistant.records import Document, Unit

KIND_NAMES = {"notice": "通知", "plan": "方案", "regulation": "条例/法规", "table": "表格"}
DOC_HEADERS = ["简称", "标题", "类型", "发文机关", "文号", "日期", "地区", "内容"]
_DATE_ORDER = ("published", "printed", "signed", "adopted", "effective", "revised")
_COUNT_WORDS = (("part", "部分"), ("chapter", "章"), ("section", "节"), ("article", "条"), ("measure", "措施"),
                ("item", "项"), ("annex", "附件"), ("task", "任务"))


def _date(doc: Document) -> str:
    for key in _DATE_ORDER:
        if doc.meta.dates.get(key):
            return doc.meta.dates[key]
    return str(doc.meta.year or "")


def _counts(doc: Document) -> str:
    counts = doc.counts()
    return " ".join(f"{counts[k]}{w}" for k, w in _COUNT_WORDS if counts.get(k))


def documents_frame(docs: dict[str, Document]) -> pd.DataFrame:
    rows = [[d.short_name or d.doc, d.title + (OCR_NOTE if d.meta.ocr else ""), KIND_NAMES.get(d.meta.kind, d.meta.kind), d.meta.issuer,
             d.meta.doc_number, _date(d), d.meta.place, _counts(d)] for d in docs.values()]
    return pd.DataFrame(rows, columns=DOC_HEADERS)


def doc_choices(docs: dict[str, Document]) -> list[tuple[str, str]]:
    return [(f"{d.short_name or d.doc}：{d.title}", d.doc) for d in docs.values()]


# ---------------------------------------------------------------------------------------------
# The outline


def _unit_link(doc: Document, unit: Unit, text: str) -> str:
    return f'<a class="cite" href="{link("cite", "-", doc.doc, unit.ref)}">{html.escape(text)}</a>'


def outline_html(doc: Document | None) -> str:
    """The headings of a document as nested lists; every entry opens its unit. A task table is one entry."""
    if doc is None:
        return ""
    children: dict[str | None, list[Unit]] = {}
    for unit in doc.units:
        if unit.kind in ("meta", "text") or unit.kind == "task":
            continue
        children.setdefault(unit.parent, []).append(unit)
    tasks = doc.tasks

    def entry(unit: Unit) -> str:
        text = f"{unit.label}{unit.title}" if unit.kind not in ("annex", "preamble") else (unit.title or unit.label)
        inner = _unit_link(doc, unit, text)
        if unit.kind == "annex" and any(t.parent == unit.ref for t in tasks):
            n = sum(1 for t in tasks if t.parent == unit.ref)
            inner += f'<span class="outline-note">（{T.TASKS_TITLE} {n} 项，见下表）</span>'
        below = children.get(unit.ref, [])
        sub = f"<ul>{''.join(entry(u) for u in below)}</ul>" if below else ""
        return f"<li>{inner}{sub}</li>"

    meta = doc.unit("meta")
    top = [_unit_link(doc, meta, "文件信息（发文机关、文号、日期）")] if meta else []
    items = [f"<li>{t}</li>" for t in top] + [entry(u) for u in children.get(None, [])]
    if tasks and not any(u.kind == "annex" for u in doc.units):
        items.append(f'<li><span class="outline-note">{T.TASKS_TITLE} {len(tasks)} 项，见下表</span></li>')
    return (f'<details class="outline" open><summary>{T.OUTLINE_TITLE}（点条目查看原文）</summary>'
            f'<ul>{"".join(items)}</ul></details>')


# ---------------------------------------------------------------------------------------------
# Task rows


def _names(unit: Unit, which: str) -> tuple[str, ...]:
    names = unit.lead if which == "lead" else unit.support
    raw = unit.lead_raw if which == "lead" else unit.support_raw
    return names or ((raw,) if raw else ())


DEFAULT_COLUMNS = (("序号", "number"), ("指标名称", "category"), ("目标", "goal"), ("具体任务", "task"),
                   ("完成时限", "deadline"), ("牵头单位", "lead"), ("配合单位", "support"))
SECTION_HEADER = "分组"  # the section row above a row ("一、做大做强主导产业") when the table has no category column


@dataclass(frozen=True)
class Column:
    header: str  # as the document writes it
    role: str  # ingest/columns.py role, "field" (kept under its own header) or "section"

    @property
    def key(self) -> str:
        """The row record's key (task_records, Answer.rows) for this column."""
        return self.role if self.role not in ("field", "section", "responsible") else f"其他:{self.header}"


def task_columns(doc: Document | None) -> list[Column]:
    """The document's own task-table columns, in its order and with its header names; a table read before
    the columns were kept gets the seed table's seven."""
    if doc is None:
        return []
    written = doc.meta.table_columns or DEFAULT_COLUMNS
    out = [Column(h, r or "field") for h, r in written]
    roles = {c.role for c in out}
    if "number" not in roles:
        out.insert(0, Column("序号", "number"))
    if "category" not in roles and any(t.category_raw for t in doc.tasks):
        out.insert(1, Column(SECTION_HEADER, "section"))
    known = {c.header for c in out}
    for header in dict.fromkeys(k for t in doc.tasks for k in t.fields):
        if header not in known and header != SECTION_HEADER:
            out.append(Column(header, "field"))
    return out


def cell(doc: Document, unit: Unit, column: Column) -> str:
    """A row's value in a column, as the document wrote it (agencies by their names)."""
    role = column.role
    if role == "number":
        return "" if unit.number is None else str(unit.number)
    if role == "category":
        return unit.category_raw or unit.category
    if role == "section":
        return unit.category_raw
    if role == "goal":
        return unit.goal
    if role == "task":
        return unit.text
    if role == "deadline":
        return unit.deadline
    if role == "lead":
        return "、".join(_names(unit, "lead"))
    if role == "support":
        return "、".join(_names(unit, "support"))
    if role == "responsible":
        has_lead = any(c.role == "lead" for c in task_columns(doc))
        names = _names(unit, "support") if has_lead else _names(unit, "lead") + _names(unit, "support")
        return "、".join(dict.fromkeys(names))
    return unit.fields.get(column.header, "")


def filter_columns(doc: Document | None) -> dict[str, str]:
    """Which filters a document has, by the header of the column each one reads: lead, support, category
    (or the section rows, labelled 分组), deadline. A filter whose column the table lacks is absent."""
    if doc is None:
        return {}
    columns = task_columns(doc)
    out: dict[str, str] = {}
    for role in ("lead", "support", "category", "deadline"):
        holder = next((c for c in columns if c.role == role), None)
        if role == "category" and holder is None:
            holder = next((c for c in columns if c.role == "section"), None)
        if role == "lead" and holder is None:
            holder = next((c for c in columns if c.role == "responsible"), None)
        if holder is not None:
            out[role] = holder.header
    return out


def filter_choices(doc: Document | None) -> dict[str, list[str]]:
    """Values to filter by — only values that stand in that column — most frequent first (agencies) or in
    table order (category, deadline)."""
    if doc is None:
        return {"lead": [], "support": [], "category": [], "deadline": []}
    counts: dict[str, dict[str, int]] = {"lead": {}, "support": {}}
    for t in doc.tasks:
        for which in ("lead", "support"):
            for name in _names(t, which):
                counts[which][name] = counts[which].get(name, 0) + 1
    ordered = {k: [n for n, _ in sorted(v.items(), key=lambda x: (-x[1], x[0]))] for k, v in counts.items()}
    ordered["category"] = list(dict.fromkeys(t.category for t in doc.tasks if t.category))
    deadlines = {t.deadline: t.deadline_date for t in doc.tasks if t.deadline}
    ordered["deadline"] = sorted(deadlines, key=lambda d: (deadlines[d] is None, deadlines[d] or d, d))
    present = filter_columns(doc)
    return {k: (v if k in present else []) for k, v in ordered.items()}


def _wanted(value: str | None) -> str | None:
    value = (value or "").strip()
    return None if value in ("", T.ALL) else value


def select_tasks(doc: Document | None, lead=None, support=None, category=None, deadline=None,
                 text: str = "") -> list[Unit]:
    """The rows meeting every filter and containing every word of `text` in some column."""
    if doc is None:
        return []
    lead, support, category, deadline = map(_wanted, (lead, support, category, deadline))
    words = [w for w in (text or "").split() if w]
    columns = task_columns(doc) if words else []
    out = []
    for t in doc.tasks:
        if lead and lead not in _names(t, "lead"):
            continue
        if support and support not in _names(t, "support"):
            continue
        if category and t.category != category:
            continue
        if deadline and t.deadline != deadline:
            continue
        if words:
            hay = " ".join([cell(doc, t, c) for c in columns] + [t.lead_raw, t.support_raw, t.category])
            if not all(w in hay for w in words):
                continue
        out.append(t)
    return out


def display_len(text: str) -> float:
    """Width in em of text on one line: a Chinese character is 1 em, a digit or Latin letter about half."""
    return sum(0.55 if ord(ch) < 0x2E80 else 1.0 for ch in text)


SHORT_VALUES = 9.0  # em: a column whose values all fit this (任务110, 2022年11月30日, 即办, 终审) never wraps


def _width(values: list[str], header: str) -> tuple[str, float]:
    """("em", width) for a column of short values — as wide as its longest value or header, on one line —
    else ("share", weight): long text columns share the rest of the table by their typical length."""
    lengths = sorted(display_len(v) for v in values) or [0.0]
    head = display_len(header)
    if lengths[-1] <= SHORT_VALUES:
        return "em", max(head, lengths[-1]) + 1.6
    typical = lengths[len(lengths) // 2]
    return "share", max(head + 1.0, min(40.0, (min(lengths[-1], 80.0) + 3 * typical) / 4 + 1))


def tasks_frame(doc: Document | None, rows: list[Unit]) -> pd.DataFrame:
    """The rows under the document's own columns and headers."""
    columns = task_columns(doc)
    data = [[cell(doc, t, c) for c in columns] for t in rows]
    frame = pd.DataFrame(data, columns=[c.header for c in columns])
    return frame


def column_layout(doc: Document | None, rows: list[Unit]) -> tuple[list[str], list[str]]:
    """(datatype, CSS width) per column, by each column's content: short values get what they need on one
    line (in em), long text columns share the rest by their typical length."""
    columns = task_columns(doc)
    if not columns:
        return ["str"], ["100%"]
    sized = [_width([(t.label if c.role == "number" else cell(doc, t, c)) for t in rows[:200]], c.header)
             for c in columns]
    fixed = sum(w for kind, w in sized if kind == "em")
    shared = sum(w for kind, w in sized if kind == "share") or 1.0
    widths = [f"{w:.1f}em" if kind == "em" else f"calc((100% - {fixed:.1f}em) * {w / shared:.3f})"
              for kind, w in sized]
    types = ["number" if c.role == "number" else "str" for c in columns]
    return types, widths


def task_records(doc: Document, rows: list[Unit]) -> list[dict]:
    """The same shape as Answer.rows, for the downloads."""
    columns = task_columns(doc)
    return [{"doc": doc.doc, "doc_title": doc.title, "ref": t.ref, "label": t.label, "number": t.number,
             "category": t.category, "goal": t.goal, "task": t.text, "deadline": t.deadline,
             "lead": "、".join(_names(t, "lead")), "support": "、".join(_names(t, "support")),
             **{f"其他:{k}": v for k, v in t.fields.items()},
             **{c.key: cell(doc, t, c) for c in columns if c.key.startswith("其他:")}} for t in rows]
