"""Markdown answers for each kind of question. Pure functions: documents and units in, (markdown, quotes) out.

`quotes` maps each cited (doc, ref) to the exact text the answer relies on, for the citation list.
"""

from __future__ import annotations

import re
from datetime import date

from assistant.answering.citations import Key, Marks
from assistant.answering.quotes import best_quote, gives_value, items_on_point, sentences, shorten
from assistant.records import Document, Hit, Unit
from assistant.understanding.query_parse import AgencyCondition, DeadlineCondition, ParsedQuestion

Written = tuple[str, dict[Key, str]]
_BROAD = re.compile(r"(讲|提|说|写|规定)了?(什么|啥|哪些)|怎么(说|规定|讲)|如何规定|主要内容|"
                    r"有(什么|哪些|啥)(具体)?(措施|举措|要求|内容|规定|安排)")


def not_covered(docs: list[Document]) -> str:
    if len(docs) == 1:
        return f"《{docs[0].title}》未涉及该问题"
    return "文库中的文件未涉及该问题"


KIND_NAMES = {"regulation": "条例和法规", "plan": "方案、意见和要点", "notice": "通知", "table": "任务表和清单"}


def coverage(docs: list[Document]) -> str:
    """What the library holds, for a refusal: by kind, with a few places, never a wall of titles."""
    if not docs:
        return "文库中还没有文件。"

    def one(d: Document) -> str:
        facts = "，".join(x for x in (d.meta.issuer, f"{d.meta.year}年" if d.meta.year else "") if x)
        return f"《{d.title}》" + (f"（{facts}）" if facts else "")
    if len(docs) == 1:
        return f"文库只收录了{one(docs[0])}一份文件。"
    if len(docs) <= 3:
        return f"文库收录了{'、'.join(one(d) for d in docs)}共 {len(docs)} 份文件。"
    groups: dict[str, list[Document]] = {}
    for d in docs:
        groups.setdefault(d.meta.kind, []).append(d)
    parts = []
    for kind, members in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        places = list(dict.fromkeys(d.meta.place for d in members if d.meta.place))
        where = "、".join(places[:5]) + ("等" if len(places) > 5 else "")
        parts.append(f"{KIND_NAMES.get(kind, '其他文件')} {len(members)} 份" + (f"（{where}）" if where else ""))
    return f"文库收录 {len(docs)} 份文件：{'；'.join(parts)}。问“文库里有哪些文件”可看全部。"


def _day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def describe_agency(cond: AgencyCondition) -> str:
    names = "或".join(cond.names)
    return {"lead": f"{names}牵头", "support": f"{names}配合"}.get(cond.role, f"{names}参与（牵头或配合）")


def describe_deadline(cond: DeadlineCondition) -> str:
    if cond.start is None and cond.end is not None:
        return f"完成时限在{_day(cond.end)}及以前"
    if cond.end is None and cond.start is not None:
        return f"完成时限在{_day(cond.start)}及以后"
    if cond.start == cond.end:
        return f"完成时限为{_day(cond.start)}"
    return f"完成时限在{_day(cond.start)}至{_day(cond.end)}之间"


def describe_conditions(parsed: ParsedQuestion) -> str:
    parts = [describe_agency(a) for a in parsed.agencies]
    if len(parsed.agencies) > 1 and parsed.agency_join == "or":
        parts = ["、".join(parts[:1]) + "或" + "或".join(parts[1:])]
    if parsed.categories:
        parts.append("指标为" + "或".join(f"“{c}”" for c in parsed.categories))
    if parsed.deadline:
        parts.append(describe_deadline(parsed.deadline))
    if parsed.no_support:
        parts.append("没有配合单位")
    if parsed.no_deadline:
        parts.append("没有写明完成时限")
    return "，".join(parts)


def _row_line(doc: Document, row: Unit, marks: Marks) -> str:
    task = shorten(row.text, 48)
    what = f"**{shorten(row.goal, 30)}**：{task}" if row.goal else task
    lead = "、".join(row.lead) or row.lead_raw or ("、".join(row.responsible) + "（负责）" if row.responsible else "—")
    return f"| {marks.marker(doc.doc, row.ref)} | {what} | {row.deadline or '—'} | {lead} |"


def task_table(doc: Document, rows: list[Unit], marks: Marks) -> list[str]:
    return ["| 序号 | 目标：具体任务（节选） | 完成时限 | 牵头单位 |", "|---|---|---|---|"] + \
        [_row_line(doc, r, marks) for r in rows]


def _where(doc: Document) -> str:
    return "任务清单" if doc.tasks else "各项任务"


def _assumed_note(parsed: ParsedQuestion, assumed: set[Key]) -> list[str]:
    """Which rows were counted by the order of a "（X、Y负责）" note rather than a role written out."""
    if not assumed:
        return []
    cond = parsed.agencies[0]
    where = "列第一位" if cond.role == "lead" else "列在第一位之后"
    return ["", f"（其中 {len(assumed)} 项（表中标“负责”的）原文写作“…负责”，没有写明牵头单位和配合单位；"
                f"按列第一位者牵头的惯例，{'、'.join(cond.names)}{where}，计入{'牵头' if cond.role == 'lead' else '配合'}。）"]


def write_rows(parsed: ParsedQuestion, groups: list[tuple[Document, list[Unit]]], counting: bool,
               marks: Marks, assumed: set[Key] | None = None) -> Written:
    """The complete set of rows meeting the conditions, grouped by document, every row cited. `assumed`: rows
    counted by the order of their responsibility note (table_query.rows_by_position)."""
    assumed = assumed or set()
    condition = describe_conditions(parsed)
    total = sum(len(rows) for _, rows in groups)
    quotes = {(doc.doc, r.ref): r.text for doc, rows in groups for r in rows}
    searched = [doc for doc, _ in groups]
    if total == 0:
        if len(searched) == 1:
            doc = searched[0]
            rows = len(doc.tasks) or sum(1 for u in doc.units if u.lead or u.support or u.responsible)
            text = (f"按条件（{condition}）逐行核对《{doc.title}》的{_where(doc)}（共{rows}项），"
                    "**没有符合条件的任务（0 项）**。")
        else:
            text = f"按条件（{condition}）逐行核对文库中 {len(searched)} 份文件的任务，**没有符合条件的任务（0 项）**。"
        return text, {}
    with_rows = [(doc, rows) for doc, rows in groups if rows]
    if len(with_rows) == 1 and len(searched) == 1:
        doc, rows = with_rows[0]
        if counting:
            head = f"**共 {total} 项。** {_where(doc)}中{condition}的任务共 {total} 项，逐项列出如下："
        else:
            head = f"{_where(doc)}中{condition}的任务共 **{total} 项**，完整列出如下："
        lines = [head, ""] + task_table(doc, rows, marks) + _assumed_note(parsed, assumed)
        lines += ["", f"（依据：《{doc.title}》{_where(doc)}逐行筛选；每个引用标记对应其中一行，可逐行核对原文。）"]
        return "\n".join(lines), quotes
    per_doc = "，".join(f"《{doc.title}》{len(rows)} 项" for doc, rows in with_rows)
    head = (f"**共 {total} 项。** " if counting else "") + \
        f"文库中{condition}的任务共 **{total} 项**，分属 {len(with_rows)} 份文件（{per_doc}），按文件列出如下："
    lines = [head]
    for doc, rows in with_rows:
        lines += ["", f"**《{doc.title}》（{len(rows)} 项）**", ""] + task_table(doc, rows, marks)
    lines += _assumed_note(parsed, assumed)
    lines += ["", f"（依据：逐份文件、逐行筛选了 {len(searched)} 份文件的任务；每个引用标记对应其中一行。）"]
    return "\n".join(lines), quotes


def write_unknown_agency(name: str, suggestions: list[str], docs: list[Document]) -> Written:
    where = "任务清单" if len(docs) == 1 else "文库各文件任务"
    text = f"{where}的牵头单位和配合单位中没有“{name}”，{not_covered(docs)}。"
    if suggestions:
        text += "名称相近的单位有：" + "、".join(suggestions) + "。"
    return text, {}


def write_task(doc: Document, row: Unit, marks: Marks) -> Written:
    what = f"（{row.category}）" if row.category else ""
    lines = [f"**{marks.marker(doc.doc, row.ref)} {_where(doc)}第{row.number}项**{what}", ""]
    if row.goal:
        lines.append(f"- 目标：{row.goal}")
    lines.append(f"- 具体任务：{row.text}")
    for header, value in row.fields.items():
        if value:
            lines.append(f"- {header}：{value}")
    lines.append(f"- 完成时限：{row.deadline or '未写明'}")
    if row.responsible and not row.lead:
        lines.append(f"- 责任单位：{'、'.join(row.responsible)}（文件未写明牵头单位）")
    else:
        lines += [f"- 牵头单位：{'、'.join(row.lead) or row.lead_raw or '未写明'}",
                  f"- 配合单位：{'、'.join(row.support) or '无'}"]
    return "\n".join(lines), {(doc.doc, row.ref): row.text}


def write_missing(what: str, number: int, doc: Document, total: int, unit_word: str) -> Written:
    return f"《{doc.title}》共 {total} {unit_word}，没有{what}，{not_covered([doc])}。", {}


def _parent_phrase(doc: Document, unit: Unit) -> str:
    parent = doc.unit(unit.parent) if unit.parent else None
    if parent is None or not parent.title:
        return ""
    if parent.kind == "part":
        from assistant.textutil import int_to_cn

        return f"（第{int_to_cn(parent.number or 0)}部分“{parent.title}”）"
    return f"（{parent.label} {parent.title}）"


def write_unit(doc: Document, unit: Unit, marks: Marks) -> Written:
    """A measure, article or item quoted whole, with where it stands."""
    if unit.kind == "task":
        return write_task(doc, unit, marks)
    head = f"**{marks.marker(doc.doc, unit.ref)} {unit.title}**" if unit.title else f"**{marks.marker(doc.doc, unit.ref)}**"
    text = f"{head}{_parent_phrase(doc, unit)}\n\n> " + unit.text.replace("\n", "\n>\n> ")
    duty = _duty_line(unit)
    if duty:
        text += f"\n\n{duty}"
    return text, {(doc.doc, unit.ref): unit.text}


def _duty_line(unit: Unit) -> str:
    parts = []
    if unit.lead:
        parts.append(f"牵头单位：{'、'.join(unit.lead)}")
    if unit.support:
        parts.append(f"配合单位：{'、'.join(unit.support)}")
    if unit.responsible:
        parts.append(f"责任单位：{'、'.join(unit.responsible)}")
    if unit.deadline:
        parts.append(f"完成时限：{unit.deadline}")
    return "；".join(parts)


def first_sentences(unit: Unit) -> str:
    body = unit.text.removeprefix(unit.title + "。") if unit.title else unit.text
    first = body.split("。")[0] + "。" if "。" in body[:-1] else body
    return first


def write_chapter(doc: Document, heading: Unit, children: list[Unit], marks: Marks) -> Written:
    from assistant.textutil import int_to_cn

    name = f"第{int_to_cn(heading.number or 0)}部分" if heading.kind == "part" else heading.label
    word = "条措施" if any(c.kind == "measure" for c in children) else "项"
    lines = [f"**{name}“{heading.title}”共 {len(children)} {word}：**", ""]
    quotes = {}
    for unit in children:
        lines.append(f"- {marks.marker(doc.doc, unit.ref)} **{unit.title or unit.label}**：{shorten(first_sentences(unit), 70)}")
        quotes[(doc.doc, unit.ref)] = unit.text
    return "\n".join(lines), quotes


def write_meta(doc: Document, marks: Marks) -> Written:
    meta = doc.meta
    marker = marks.marker(doc.doc, "meta")
    who = meta.issuer or "制定机关"
    if meta.doc_number and meta.notice_title:
        how = f"以 **{meta.doc_number}** 印发"
    elif meta.kind == "regulation":
        how = f"制定（{meta.doc_number}）" if meta.doc_number else "制定"
    else:
        how = f"印发（{meta.doc_number}）" if meta.doc_number else "印发"
    lines = [f"《{meta.title}》由{who}{how}{marker}：", ""]
    if meta.notice_title:
        lines.append(f"- 文件标题：{meta.notice_title}")
    if meta.doc_number:
        lines.append(f"- 文号：{meta.doc_number}")
    dates = meta.named_dates()
    lines += [f"- {name}：{value}" for name, value in dates]
    if not dates and meta.year:
        lines.append(f"- 年份：{meta.year}年（文件没有写明具体日期）")  # read from its 文号 or title
    if meta.release_note:
        lines.append(f"- 发布方式：{meta.release_note}")
    if meta.addressees:
        lines.append(f"- 主送：{meta.addressees.rstrip('：:')}")
    quote = "；".join(x for x in (meta.doc_number, *(f"{n}{v}" for n, v in dates), meta.release_note) if x)
    return "\n".join(lines), {(doc.doc, "meta"): quote or meta.title}


def unit_text(doc: Document, unit: Unit) -> tuple[str, str]:
    """(text to quote from, one-line source description) for a retrieved unit."""
    if unit.kind == "task":
        where = "·".join(x for x in (unit.category, unit.goal) if x)
        lead = "、".join(unit.lead) or unit.lead_raw
        # "（X、Y指导/负责）" names who is responsible without a lead: said as such, never as 牵头.
        responsible = "" if lead else "、".join(unit.responsible) or unit.responsible_raw
        facts = "；".join(x for x in (where, f"完成时限{unit.deadline}" if unit.deadline else "",
                                     f"牵头单位：{lead}" if lead else "",
                                     f"责任单位：{responsible}" if responsible else "") if x)
        source = f"{_where(doc)}第{unit.number}项" + (f"（{facts}）" if facts else "")
        # The goal is a quotable line of its own.
        return (f"{unit.goal}\n{unit.text}" if unit.goal else unit.text), source
    if unit.kind == "meta":
        return unit.text, "通知信息" if doc.meta.notice_title else "文件信息"
    if unit.kind == "preamble":
        return unit.text, "方案导语" if doc.meta.kind == "plan" else "导语"
    return unit.text, f"{unit.label}{unit.title}"


def quote_from(doc: Document, unit: Unit, question: str, kind: str | None) -> str:
    """A task row is quoted from its 具体任务 and a measure from its body; the 目标 or the measure title
    (already in the source line) only when it alone carries the asked value."""
    if unit.kind == "task":
        quote = best_quote(question, unit.text, kind)
        if kind and not gives_value(quote, kind) and gives_value(unit.goal, kind):
            return unit.goal
        return quote
    if unit.kind == "meta":
        return best_quote(question, unit.text, kind)
    body = unit.text.removeprefix(unit.title + "。") if unit.title else unit.text
    body = body or unit.text
    if kind is None and _BROAD.search(question) and unit.kind != "preamble":
        # "…方案提了什么" wants the whole measure, not one clause of it; of a long article of items, the items on
        # the point asked.
        return items_on_point(question, body) or body
    if unit.kind == "preamble":
        # A preamble names the document's own subject (张阿三 in 《关于同意张阿三同志辞职的批复》) in many of its
        # sentences: those words do not tell which sentence answers.
        question = _without_title_words(question, doc.title)
    quote = best_quote(question, body, kind)
    if kind is None and len(quote) < 15:
        # A clause this short says nothing on its own: quote the whole sentence it belongs to.
        whole = next((s for s in sentences(body) if quote in s), quote)
        return whole.strip().rstrip("，,")
    return quote


def _without_title_words(question: str, title: str) -> str:
    """The question less every run of three or more of its characters that the title also writes."""
    out, i = [], 0
    while i < len(question):
        j = i + 3
        while j <= len(question) and question[i:j] in title:
            j += 1
        if j - 1 - i >= 3:
            out.append(" ")
            i = j - 1
        else:
            out.append(question[i])
            i += 1
    return "".join(out)


def _source_line(doc: Document, unit: Unit, multi: bool) -> str:
    _, source = unit_text(doc, unit)
    return f"《{doc.title}》{source}" if multi else source


def write_lookup(question: str, primary: tuple[Document, Unit], related: list[tuple[Document, Unit, Hit]],
                 kind: str | None, marks: Marks, max_related: int = 2, asks_deadline: bool = False,
                 multi: bool = False) -> Written:
    doc, unit = primary
    source = _source_line(doc, unit, multi)
    # A date asked of a unit without a 完成时限 column is in its words: the quote must hold it.
    quote = quote_from(doc, unit, question, kind or ("time" if asks_deadline and not unit.deadline else None))
    marker = marks.marker(doc.doc, unit.ref)
    lines = [f"“{quote}”{marker}", "", f"出处：{source}"]
    if asks_deadline and unit.deadline:
        # "…什么时候完成": the unit's 完成时限 is the answer; the quote says which task it is.
        lines = [f"**完成时限：{unit.deadline}**{marker}", "", f"任务内容：“{quote}”", "", f"出处：{source}"]
    quotes: dict[Key, str] = {(doc.doc, unit.ref): quote}
    extra = []
    for other_doc, other, hit in related:
        if len(extra) >= max_related:
            break
        key = (other_doc.doc, other.ref)
        if key in quotes or other.kind in ("meta", "preamble") or not other.text:
            continue
        # Only closely related items: near the top of both rankings, not the long tail.
        if (hit.dense_rank or 99) > 5 or (hit.bm25_rank or 99) > 5:
            continue
        other_quote = quote_from(other_doc, other, question, kind)
        extra.append(f"- {marks.marker(*key)} {_source_line(other_doc, other, multi)}：“{shorten(other_quote, 90)}”")
        quotes[key] = other_quote
    if extra:
        lines += ["", "相关内容：", *extra]
    return "\n".join(lines), quotes


def write_responsible(question: str, primary: tuple[Document, Unit], marks: Marks, multi: bool = False) -> Written:
    """"…由哪个部门负责": the units responsible as the row or note names them, then which task it is."""
    doc, unit = primary
    marker = marks.marker(doc.doc, unit.ref)
    lead = "、".join(unit.lead) or unit.lead_raw
    support = "、".join(unit.support) or unit.support_raw
    if lead:
        who = f"**牵头单位：{lead}**" + (f"；配合单位：{support}" if support else "")
    else:
        who = f"**责任单位：{'、'.join(unit.responsible) or unit.responsible_raw}**（原文未分牵头和配合）"
    quote = quote_from(doc, unit, question, None)
    lines = [f"{who}{marker}", "", f"任务内容：“{quote}”", "", f"出处：{_source_line(doc, unit, multi)}"]
    return "\n".join(lines), {(doc.doc, unit.ref): quote}


def write_per_document(question: str, answers: list[tuple[Document, Unit]], kind: str | None, marks: Marks,
                       asks_deadline: bool = False) -> Written:
    """Several documents answer one question, each its own way: say so and show each."""
    lines = [f"文库中有 {len(answers)} 份文件对此作了规定，各自的说法如下：", ""]
    quotes: dict[Key, str] = {}
    for doc, unit in answers:
        quote = quote_from(doc, unit, question, kind)
        _, source = unit_text(doc, unit)
        when = f"（完成时限：{unit.deadline}）" if asks_deadline and unit.deadline else ""
        lines.append(f"- **《{doc.title}》** {source}{when}：“{quote}”{marks.marker(doc.doc, unit.ref)}")
        quotes[(doc.doc, unit.ref)] = quote
    return "\n".join(lines), quotes


def write_abstain(reason: str, docs: list[Document], question: str, nearest: list[tuple[Document, Unit]],
                  marks: Marks) -> Written:
    said = reason.rstrip("，,。") if reason else not_covered(docs)
    text = f"{said}。{coverage(docs)}"
    quotes: dict[Key, str] = {}
    if nearest:
        doc, unit = nearest[0]
        _, source = unit_text(doc, unit)
        quote = quote_from(doc, unit, question, None)
        where = f"《{doc.title}》" if len(docs) > 1 else "文件"
        text += f"\n\n{where}中最相近的内容（仅供参考）：{marks.marker(doc.doc, unit.ref)} {source}：“{shorten(quote, 90)}”"
        quotes[(doc.doc, unit.ref)] = quote
    return text, quotes
