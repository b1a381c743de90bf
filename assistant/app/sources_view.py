"""The cited text as HTML: the sources panel of an answer, and one unit opened from its citation marker.

Everything written here is escaped; the quoted span is wrapped in <mark>. Task rows are a table whose cells
carry their column name (``data-label``), so a narrow panel shows each row as a card (see chat.css).
"""

from __future__ import annotations

import html
import re

from assistant.app import ui_text as T
from assistant.records import Answer, Citation, Document, Unit

TASK_COLUMNS = ("序号", "指标名称", "目标", "具体任务", "完成时限", "牵头单位", "配合单位")

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
        piece = piece.strip(" ，,、“”")
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


def agencies(names: tuple[str, ...], raw: str) -> str:
    return "、".join(names) if names else (raw or "—")


def task_table_html(rows: list[tuple[Unit, str]]) -> str:
    head = "".join(f"<th>{c}</th>" for c in TASK_COLUMNS)
    body = []
    for row, quote in rows:
        values = [
            ("num", str(row.number if row.number is not None else row.label)),
            ("", html.escape(row.category)),
            ("", highlight(row.goal, quote)),
            ("task", highlight(row.text, quote)),
            ("date", html.escape(row.deadline or "—")),
            ("", html.escape(agencies(row.lead, row.lead_raw))),
            ("", html.escape(agencies(row.support, row.support_raw))),
        ]
        cells = "".join(f'<td data-label="{col}"{f" class={cls!r}" if cls else ""}><span>{value}</span></td>'
                        for col, (cls, value) in zip(TASK_COLUMNS, values))
        body.append(f'<tr id="{html.escape(row.ref)}">{cells}</tr>')
    return f'<table class="task-table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def duty_line(unit: Unit) -> str:
    parts = [f"牵头单位：{'、'.join(unit.lead)}" if unit.lead else "",
             f"配合单位：{'、'.join(unit.support)}" if unit.support else "",
             f"完成时限：{unit.deadline}" if unit.deadline else ""]
    return "；".join(p for p in parts if p)


def unit_html(unit: Unit, quote: str) -> str:
    title = f"{html.escape(unit.label)}{html.escape(unit.title)}"
    duty = duty_line(unit)
    duty_html = f'<div class="duty">{html.escape(duty)}</div>' if duty else ""
    return (
        f'<div class="measure" id="{html.escape(unit.ref)}"><div class="measure-title">{title}</div>'
        f"<div>{highlight(unit.text, quote)}</div>{duty_html}</div>"
    )


def _meta_html(c: Citation) -> str:
    return (f'<div class="measure"><div class="measure-title">{html.escape(c.title or c.label)}</div>'
            f"<div><mark>{html.escape(c.quote)}</mark></div></div>")


def sources_html(docs: dict[str, Document], answer: Answer | None, heading: str = "") -> str:
    """The sources panel, per document: cited task rows as a table, other cited units with the quote marked."""
    if answer is None:
        return f'<div class="empty">{T.SOURCES_EMPTY}</div>'
    top = f'<div class="sources-head">{heading}</div>' if heading else ""
    if not answer.citations:
        return f'{top}<div class="empty">{T.SOURCES_NONE}</div>'
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
                others.append(_meta_html(c))
            else:
                others.append(unit_html(unit, c.quote))
        section = [f"<h4>《{html.escape(doc.title)}》</h4>"] if len(by_doc) > 1 or len(docs) > 1 else []
        if tasks:
            section.append(f"<h4>任务清单（{len(tasks)} 项）</h4>" + task_table_html(tasks))
        if others:
            section.append("".join(others))
        out.append("".join(section))
    body = "".join(out) or f'<div class="empty">{T.SOURCES_NONE}</div>'
    return top + body


# ---------------------------------------------------------------------------------------------
# One unit, opened from its marker


def breadcrumb(doc: Document, unit: Unit) -> str:
    """The headings above a unit, top first: 七、优化… › 措施（三十二）."""
    chain, seen = [], set()
    parent = unit.parent
    while parent and parent not in seen:
        seen.add(parent)
        up = doc.unit(parent)
        if up is None:
            break
        chain.append(f"{up.label}{up.title}" if up.kind != "annex" else (up.title or up.label))
        parent = up.parent
    return " › ".join(reversed(chain))


def _meta_lines(doc: Document) -> list[tuple[str, str]]:
    m = doc.meta
    dates = "；".join(f"{_DATE_NAMES.get(k, k)}：{v}" for k, v in m.dates.items())
    return [(k, v) for k, v in (("发文机关", m.issuer), ("文号", m.doc_number), ("日期", dates),
                                ("地区", m.place), ("印发通知", m.notice_title)) if v]


_DATE_NAMES = {"signed": "成文", "printed": "印发", "adopted": "通过", "published": "公布",
               "effective": "施行", "revised": "修订"}


def unit_detail_html(doc: Document, unit: Unit, quote: str = "") -> str:
    """One unit in full: its document, label and title, the headings above it, its duties, and its text with
    the quoted span marked."""
    name = doc.short_name or doc.doc
    head = (f'<div class="ud-doc">《{html.escape(doc.title)}》'
            f'<span class="ud-short">{html.escape(name)}</span></div>')
    title = unit.title if unit.kind != "task" else "·".join(x for x in (unit.category, unit.goal) if x)
    heading = (f'<h3 class="ud-title"><span class="ud-label">{html.escape(unit.label)}</span>'
               f"{html.escape(title)}</h3>")
    crumbs = breadcrumb(doc, unit)
    crumbs_html = f'<div class="ud-path">{html.escape(crumbs)}</div>' if crumbs else ""
    fields: list[tuple[str, str]] = []
    if unit.kind == "task":
        fields += [("指标名称", html.escape(unit.category)), ("目标", highlight(unit.goal, quote))]
    if unit.deadline:
        fields.append(("完成时限", html.escape(unit.deadline)))
    if unit.lead or unit.lead_raw:
        fields.append(("牵头单位", html.escape(agencies(unit.lead, unit.lead_raw))))
    if unit.support or unit.support_raw:
        fields.append(("配合单位", html.escape(agencies(unit.support, unit.support_raw))))
    elif unit.kind == "task":
        fields.append(("配合单位", "—"))
    fields += [(html.escape(k), html.escape(v)) for k, v in unit.fields.items()]
    if unit.kind == "meta":
        fields += [(k, html.escape(v)) for k, v in _meta_lines(doc)]
    dl = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in fields if v)
    fields_html = f'<dl class="ud-fields">{dl}</dl>' if dl else ""
    label = "具体任务" if unit.kind == "task" else "原文"
    text = unit.text or quote
    text_html = (f'<div class="ud-text-label">{label}</div><div class="ud-text">{highlight(text, quote)}</div>'
                 if text else "")
    quoted = ""
    if quote and not _spans(text, quote) and not _spans(unit.goal, quote):
        quoted = f'<div class="ud-quote">本回答引用：<mark>{html.escape(quote)}</mark></div>'
    return f'<div class="unit-detail" data-ref="{html.escape(unit.ref)}">{head}{heading}{crumbs_html}' \
           f"{fields_html}{text_html}{quoted}</div>"


def missing_unit_html() -> str:
    return f'<div class="unit-detail"><p class="empty">{T.UNIT_MISSING}</p></div>'
