"""The 文库 tab's content: the documents with their metadata, a document's outline, and its task rows filtered
by lead, support, category and deadline (as a table, and as row dicts for the downloads)."""

from __future__ import annotations

import html

import pandas as pd

from assistant.answering.citations import OCR_NOTE
from assistant.app import ui_text as T
from assistant.app.answer_view import link
from assistant.records import Document, Unit

KIND_NAMES = {"notice": "通知", "plan": "方案", "regulation": "条例/法规", "table": "表格"}
TASK_HEADERS = ["序号", "指标名称", "目标", "具体任务", "完成时限", "牵头单位", "配合单位"]
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


def filter_choices(doc: Document | None) -> dict[str, list[str]]:
    """Values to filter by, most frequent first (agencies) or in table order (category, deadline)."""
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
    return ordered


def _wanted(value: str | None) -> str | None:
    value = (value or "").strip()
    return None if value in ("", T.ALL) else value


def select_tasks(doc: Document | None, lead=None, support=None, category=None, deadline=None,
                 text: str = "") -> list[Unit]:
    if doc is None:
        return []
    lead, support, category, deadline = map(_wanted, (lead, support, category, deadline))
    words = [w for w in (text or "").split() if w]
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
            hay = " ".join([t.category, t.goal, t.text, t.deadline, t.lead_raw, t.support_raw, *t.lead, *t.support])
            if not all(w in hay for w in words):
                continue
        out.append(t)
    return out


def tasks_frame(rows: list[Unit]) -> pd.DataFrame:
    data = [[t.number, t.category, t.goal, t.text, t.deadline, "、".join(_names(t, "lead")),
             "、".join(_names(t, "support"))] for t in rows]
    frame = pd.DataFrame(data, columns=TASK_HEADERS)
    if not frame.empty:
        frame["序号"] = frame["序号"].astype("Int64")
    return frame


def task_records(doc: Document, rows: list[Unit]) -> list[dict]:
    """The same shape as Answer.rows, for the downloads."""
    return [{"doc": doc.doc, "doc_title": doc.title, "ref": t.ref, "label": t.label, "number": t.number,
             "category": t.category, "goal": t.goal, "task": t.text, "deadline": t.deadline,
             "lead": "、".join(_names(t, "lead")), "support": "、".join(_names(t, "support")),
             **{f"其他:{k}": v for k, v in t.fields.items()}} for t in rows]
