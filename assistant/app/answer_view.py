"""An Answer as the chat shows it, and as clean text for copying.

The chat message is built from the Answer's fields, not by changing the answering layer:

* it leads with the conclusion ("共 19 项", "1个工作日") when the answer has one;
* a list of task rows shows as compact rows (序号 · 目标 · 完成时限 · 牵头), each a link that opens the full
  row; a long list shows its first rows and folds the rest under "展开全部 N 项";
* every citation marker ([任务70], [措施（三十二）], [广东条例·第二十条]) is a link that opens its unit;
* a last line offers 查看来源 / 复制 for this answer (any earlier answer too).

The message is one line of HTML (no blank lines), so Gradio's markdown step passes it through unchanged.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote as _q

from markdown_it import MarkdownIt

from assistant.app import ui_text as T
from assistant.app.answer_store import Shown
from assistant.records import Answer, Citation, Document

SHOW_FIRST = 5  # rows shown before "展开全部 N 项"
FOLD_OVER = 8  # lists longer than this fold

_MD = MarkdownIt("commonmark", {"html": True, "breaks": True}).enable("table")
_MARKER = re.compile(r"\[([^\[\]\n]{1,80})\]")
_TAGS = re.compile(r"<[^>]+>")


def link(kind: str, *parts: str) -> str:
    """An in-page action link: #cite:ANSWER:DOC:REF, #copy:ANSWER, #sources:ANSWER (read by chat.js)."""
    return "#" + ":".join([kind] + [_q(p or "-", safe="") for p in parts])


def marker_targets(answer: Answer, docs: dict[str, Document]) -> dict[str, Citation]:
    """Marker text (without brackets) → the citation it stands for."""
    out: dict[str, Citation] = {}
    for c in answer.citations:
        names = [c.label]
        doc = docs.get(c.doc)
        for prefix in ((doc.short_name, doc.title) if doc else ()) + (c.doc_title,):
            if prefix:
                names.append(f"{prefix}·{c.label}")
        for name in names:
            out.setdefault(name, c)
    return out


def cite_link(answer_id: str, c: Citation, text: str) -> str:
    title = html.escape(c.title or c.label, quote=True)
    return (f'<a class="cite" href="{link("cite", answer_id, c.doc, c.ref)}" title="{title}">'
            f"{html.escape(text)}</a>")


def _link_markers(markdown: str, answer_id: str, targets: dict[str, Citation]) -> str:
    def repl(m: re.Match) -> str:
        c = targets.get(m.group(1))
        return cite_link(answer_id, c, m.group(1)) if c else m.group(0)

    return _MARKER.sub(repl, markdown)


# ---------------------------------------------------------------------------------------------
# The conclusion


# What a value looks like, by the kind of value asked for; numbers first, words ("当天", "免费") only when no
# number answers.
_VALUES = {
    "time": (re.compile(r"\d[\d.]*\s*个?(?:工作日|自然日|小时|分钟|天|日|个月|年)"), re.compile(r"当日办结|当天办结|即办")),
    "money": (re.compile(r"\d[\d.]*\s*(?:万|亿)?美?元"), re.compile(r"免费|零费用|不得收取")),
    "rate": (re.compile(r"\d[\d.]*\s*%|\d[\d.]*个百分点"),),
}


def _value_in(question: str, quote: str) -> str:
    from assistant.answering.quotes import asked_value, best_quote

    kind = asked_value(question)
    if kind not in _VALUES or not quote:
        return ""
    best = best_quote(question, quote, kind) or quote
    for pattern in _VALUES[kind]:
        for text in (best, quote):
            found = pattern.search(text)
            if found:
                return found.group(0).replace(" ", "")
    return ""


def plain(markdown: str) -> str:
    return _TAGS.sub("", markdown).replace("**", "").replace("__", "").strip()


def conclusion(answer: Answer) -> str:
    """The short answer to lead with ("共 19 项", "12个工作日"), or "" when the answer already leads with it."""
    if answer.abstained or not answer.answer:
        return ""
    found = ""
    if answer.intent in ("list", "count") and answer.rows:
        found = T.CONCLUSION_COUNT.format(n=len(answer.rows))
    elif answer.citations and answer.intent == "lookup":
        found = _value_in(answer.question, answer.citations[0].quote)
    if not found:
        return ""
    first = plain(answer.answer.strip().splitlines()[0])
    return "" if first.startswith(found) or first.startswith("完成时限") else found


# ---------------------------------------------------------------------------------------------
# Task rows, compact


def _row_item(answer_id: str, row: dict) -> str:
    href = link("cite", answer_id, row.get("doc", ""), row.get("ref", ""))
    goal = row.get("goal") or row.get("task") or ""
    lead = row.get("lead") or "—"
    deadline = row.get("deadline") or "—"
    title = html.escape(f"{row.get('label', '')} {goal}".strip(), quote=True)
    return (f'<li class="row"><a class="cite row-link" href="{href}" title="{title}">'
            f'<span class="row-no">{html.escape(str(row.get("label") or row.get("number") or ""))}</span>'
            f'<span class="row-goal">{html.escape(goal)}</span>'
            f'<span class="row-date">{html.escape(deadline)}</span>'
            f'<span class="row-lead">牵头：{html.escape(lead)}</span></a></li>')


def rows_html(answer_id: str, rows: list[dict]) -> str:
    items = [_row_item(answer_id, r) for r in rows]
    if len(items) <= FOLD_OVER:
        return f'<ol class="rows">{"".join(items)}</ol>'
    shown, rest = items[:SHOW_FIRST], items[SHOW_FIRST:]
    summary = (f'<summary><span class="when-closed">{T.SHOW_ALL_ROWS.format(n=len(items))}</span>'
               '<span class="when-open">收起</span></summary>')
    return (f'<ol class="rows">{"".join(shown)}</ol>'
            f'<details class="more-rows">{summary}<ol class="rows" start="{SHOW_FIRST + 1}">{"".join(rest)}</ol>'
            "</details>")


def _blocks(markdown: str) -> list[tuple[bool, list[str]]]:
    """The answer's lines, grouped: (True, table lines) or (False, other lines)."""
    out: list[tuple[bool, list[str]]] = []
    for line in markdown.splitlines():
        is_table = line.lstrip().startswith("|")
        if out and out[-1][0] == is_table:
            out[-1][1].append(line)
        else:
            out.append((is_table, [line]))
    return out


def _table_rows(lines: list[str], targets: dict[str, Citation], rows: dict[tuple[str, str], dict]) -> list[dict]:
    """The answer rows a markdown table lists, when every marker in it is one of them (else [])."""
    found = []
    for m in _MARKER.finditer("\n".join(lines)):
        c = targets.get(m.group(1))
        if c is None:
            continue
        row = rows.get((c.doc, c.ref))
        if row is None:
            return []
        if row not in found:
            found.append(row)
    return found


def _render_md(markdown: str) -> str:
    out = _MD.render(markdown)
    return out.replace("<table>", '<div class="table-wrap"><table>').replace("</table>", "</table></div>")


def body_html(answer: Answer, answer_id: str, docs: dict[str, Document]) -> str:
    targets = marker_targets(answer, docs)
    rows = {(r.get("doc", ""), r.get("ref", "")): r for r in answer.rows}
    parts = []
    for is_table, lines in _blocks(answer.answer):
        table_rows = _table_rows(lines, targets, rows) if is_table and rows else []
        if table_rows:
            parts.append(rows_html(answer_id, table_rows))
        else:
            parts.append(_render_md(_link_markers("\n".join(lines), answer_id, targets)))
    return "".join(parts)


def _one_line(fragment: str) -> str:
    return re.sub(r"\s*\n\s*", "", fragment)


def answer_html(shown: Shown, docs: dict[str, Document]) -> str:
    """The chat message for an answer (one line of HTML)."""
    answer, aid = shown.answer, shown.id
    lead = conclusion(answer)
    lead_html = f'<div class="conclusion">{html.escape(lead)}</div>' if lead else ""
    tools = []
    if answer.citations:
        tools.append(f'<a class="tool sources-link" href="{link("sources", aid)}">{T.SHOW_SOURCES}'
                     f'（{len(answer.citations)}）</a>')
    tools.append(f'<a class="tool copy-link" href="{link("copy", aid)}">{T.COPY}</a>')
    if answer.rows:
        tools.append(f'<a class="tool download-link" href="{link("sources", aid)}">'
                     f"{T.DOWNLOAD_CSV} / Excel</a>")
    state = " abstained" if answer.abstained else ""
    return _one_line(
        f'<div class="answer{state}" data-answer="{aid}">{lead_html}'
        f'<div class="answer-body">{body_html(answer, aid, docs)}</div>'
        f'<div class="answer-tools">{"".join(tools)}</div></div>'
    )


def question_html(question: str, filters: tuple[str, ...] = ()) -> str:
    shown = html.escape(question).replace("\n", "<br>")
    if filters:
        shown += f'<div class="filters-used">筛选：{html.escape(" · ".join(filters))}</div>'
    return _one_line(f'<div class="question">{shown}</div>')


def pending_html() -> str:
    return (f'<div class="pending" role="status" aria-live="polite"><span class="spinner" aria-hidden="true"></span>'
            f"{T.PENDING}</div>")


# ---------------------------------------------------------------------------------------------
# Clean text (the copy button)


def _row_text(row: dict) -> str:
    extra = [f"{k.removeprefix('其他:')}：{v}" for k, v in row.items() if k.startswith("其他:") and v]
    parts = [row.get("label") or str(row.get("number") or ""), row.get("category", ""), row.get("goal", ""),
             row.get("task", ""), f"完成时限：{row.get('deadline') or '—'}", f"牵头单位：{row.get('lead') or '—'}",
             f"配合单位：{row.get('support') or '—'}", *extra]
    return "｜".join(p for p in parts if p)


def _table_text(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        cells = [plain(c.strip()) for c in line.strip().strip("|").split("|")]
        if all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
            continue
        out.append("｜".join(cells))
    return out


def clean_text(shown: Shown, docs: dict[str, Document]) -> str:
    """The answer as plain text: no markdown, no HTML, every listed row in full (with 配合单位)."""
    answer = shown.answer
    targets = marker_targets(answer, docs)
    rows = {(r.get("doc", ""), r.get("ref", "")): r for r in answer.rows}
    lines = [f"问题：{shown.question}"]
    if shown.filters:
        lines.append(f"筛选：{' · '.join(shown.filters)}")
    lead = conclusion(answer)
    if lead:
        lines.append(f"结论：{lead}")
    lines.append("")
    listed_rows = False
    for is_table, block in _blocks(answer.answer):
        table_rows = _table_rows(block, targets, rows) if is_table and rows else []
        if table_rows:
            lines += [_row_text(r) for r in table_rows]
            listed_rows = True
        elif is_table:
            lines += _table_text(block)
        else:
            for line in block:
                text = plain(line)
                text = re.sub(r"^\s*[-*]\s+", "· ", text)
                text = re.sub(r"^#+\s*", "", text)
                lines.append(html.unescape(text))
    if answer.citations and not listed_rows:
        cited = []
        for c in answer.citations:
            doc = docs.get(c.doc)
            where = f"《{c.doc_title}》" if len({x.doc for x in answer.citations}) > 1 or len(docs) > 1 else ""
            what = c.title or c.label
            cited.append(f"[{c.label}] {where}{what}" if doc else f"[{c.label}]")
        lines += ["", "出处：", *cited]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
