"""Markdown answers for each kind of question. Pure functions: records in, (markdown, quotes) out.

`quotes` maps each cited ref to the exact text the answer relies on, for the citation list.
"""

from __future__ import annotations

import re
from datetime import date

from .citations import label, marker, record_of
from .query_parse import AgencyCondition, DeadlineCondition, ParsedQuestion
from .quotes import best_quote, gives_value, shorten
from .records import Chapter, Hit, Measure, Notice, TaskRow
from .textutil import int_to_cn

Written = tuple[str, dict[str, str]]
_BROAD = re.compile(r"(讲|提|说|写)了?(什么|啥|哪些)|怎么说|主要内容|有(什么|哪些|啥)(措施|举措|要求|内容|规定|安排)")
NOT_COVERED = "本通知未涉及该问题"


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
    return "，".join(parts)


def _row_line(row: TaskRow) -> str:
    goal = shorten(row.goal, 30)
    task = shorten(row.task, 48)
    return f"| {marker(row.ref)} | **{goal}**：{task} | {row.deadline} | {'、'.join(row.lead)} |"


def write_rows(parsed: ParsedQuestion, rows: list[TaskRow], counting: bool) -> Written:
    condition = describe_conditions(parsed)
    if not rows:
        text = f"按条件（{condition}）逐行核对任务清单（共199项），**没有符合条件的任务（0 项）**。"
        return text, {}
    if counting:
        head = f"**共 {len(rows)} 项。** 任务清单中{condition}的任务共 {len(rows)} 项，逐项列出如下："
    else:
        head = f"任务清单中{condition}的任务共 **{len(rows)} 项**，完整列出如下："
    lines = [head, "", "| 序号 | 目标：具体任务（节选） | 完成时限 | 牵头单位 |", "|---|---|---|---|"]
    lines += [_row_line(r) for r in rows]
    lines += ["", "（依据：附件《任务清单》逐行筛选；每个引用标记对应清单中的一行，可逐行核对原文。）"]
    return "\n".join(lines), {r.ref: r.task for r in rows}


def write_unknown_agency(name: str, suggestions: list[str]) -> Written:
    text = f"任务清单的牵头单位和配合单位中没有“{name}”，{NOT_COVERED}。"
    if suggestions:
        text += "名称相近的单位有：" + "、".join(suggestions) + "。"
    return text, {}


def write_task(row: TaskRow) -> Written:
    lines = [
        f"**{marker(row.ref)} 任务清单第{row.number}项**（{row.category}）",
        "",
        f"- 目标：{row.goal}",
        f"- 具体任务：{row.task}",
        f"- 完成时限：{row.deadline}",
        f"- 牵头单位：{'、'.join(row.lead)}",
        f"- 配合单位：{'、'.join(row.support) or '无'}",
    ]
    return "\n".join(lines), {row.ref: row.task}


def write_missing_task(number: int, total: int) -> Written:
    return f"任务清单共 {total} 项，没有第 {number} 项，{NOT_COVERED}。", {}


def write_measure(measure: Measure, chapter: Chapter | None) -> Written:
    where = f"（第{int_to_cn(chapter.number)}部分“{chapter.title}”）" if chapter else ""
    text = f"**{marker(measure.ref)} {measure.title}**{where}\n\n> {measure.text}"
    return text, {measure.ref: measure.text}


def write_chapter(chapter: Chapter, measures: list[Measure]) -> Written:
    lines = [f"**第{int_to_cn(chapter.number)}部分“{chapter.title}”共 {len(measures)} 条措施：**", ""]
    quotes = {}
    for m in measures:
        first = m.text.split("。")[1] + "。" if "。" in m.text[:-1] else m.text
        lines.append(f"- {marker(m.ref)} **{m.title}**：{shorten(first, 70)}")
        quotes[m.ref] = m.text
    return "\n".join(lines), quotes


def write_meta(notice: Notice) -> Written:
    meta = notice.meta
    text = (
        f"《{meta.title}》由{meta.issuer}以 **{meta.doc_number}** 印发{marker('meta')}：\n\n"
        f"- 文件标题：{meta.notice_title}\n- 成文日期：{meta.signed_date}\n- 印发日期：{meta.printed_date}\n"
        f"- 发布方式：{meta.release_note}\n- 主送：{meta.addressees.rstrip('：')}"
    )
    quote = f"{meta.doc_number}；{meta.signed_date}；{meta.printed_date}印发；{meta.release_note}"
    return text, {"meta": quote}


def unit_text(ref: str, notice: Notice) -> tuple[str, str]:
    """(text to quote from, one-line source description) for a retrieved chunk ref."""
    record = record_of(ref, notice)
    if isinstance(record, TaskRow):
        source = (f"任务清单第{record.number}项（{record.category}·{record.goal}；完成时限{record.deadline}；"
                  f"牵头单位：{'、'.join(record.lead)}）")
        return f"{record.goal}\n{record.task}", source  # the goal is a quotable line of its own
    if isinstance(record, Measure):
        return record.text, f"{label(ref)}{record.title}"
    if ref == "meta":
        meta = notice.meta
        return f"{meta.notice_title}，{meta.doc_number}，{meta.signed_date}成文，{meta.printed_date}印发。", "通知信息"
    return notice.preamble, "方案导语"


def _quote_from(ref: str, question: str, notice: Notice, kind: str | None) -> str:
    """A task row is quoted from its 具体任务 and a measure from its body; the 目标 or the measure title
    (already in the source line) only when it alone carries the asked value."""
    record = record_of(ref, notice)
    if isinstance(record, Measure):
        # The title sentence is in the source line already; quote what the measure says.
        body = record.text.removeprefix(record.title + "。") or record.text
        if kind is None and _BROAD.search(question):
            return body  # "…方案提了什么" wants the whole measure, not one clause of it
        return best_quote(question, body, kind)
    if isinstance(record, TaskRow):
        quote = best_quote(question, record.task, kind)
        if kind and not gives_value(quote, kind) and gives_value(record.goal, kind):
            return record.goal
        return quote
    return best_quote(question, unit_text(ref, notice)[0], kind)


def write_lookup(question: str, notice: Notice, primary: str, related: list[Hit], kind: str | None,
                 max_related: int = 2, asks_deadline: bool = False) -> Written:
    _, source = unit_text(primary, notice)
    quote = _quote_from(primary, question, notice, kind)
    lines = [f"“{quote}”{marker(primary)}", "", f"出处：{source}"]
    row = record_of(primary, notice)
    if asks_deadline and isinstance(row, TaskRow):
        # "…什么时候完成": the row's 完成时限 is the answer; the quote says which task it is.
        lines = [f"**完成时限：{row.deadline}**{marker(primary)}", "", f"任务内容：“{quote}”", "", f"出处：{source}"]
    quotes = {primary: quote}
    extra = []
    for hit in related:
        if len(extra) >= max_related:
            break
        if hit.ref in quotes or not (hit.ref.startswith("task-") or hit.ref.startswith("measure-")):
            continue
        # Only closely related items: near the top of both rankings, not the long tail.
        if (hit.dense_rank or 99) > 5 or (hit.bm25_rank or 99) > 5:
            continue
        _, other_source = unit_text(hit.ref, notice)
        other_quote = _quote_from(hit.ref, question, notice, kind)
        extra.append(f"- {marker(hit.ref)} {other_source}：“{shorten(other_quote, 90)}”")
        quotes[hit.ref] = other_quote
    if extra:
        lines += ["", "相关内容：", *extra]
    return "\n".join(lines), quotes


def write_abstain(reason: str, notice: Notice, question: str, nearest: list[Hit]) -> Written:
    text = f"{NOT_COVERED}：{reason}《{notice.meta.title}》只规定了广西2022年优化营商环境的措施和任务。"
    quotes: dict[str, str] = {}
    if nearest:
        ref = nearest[0].ref
        _, source = unit_text(ref, notice)
        quote = _quote_from(ref, question, notice, None)
        text += f"\n\n通知中最相近的内容（仅供参考）：{marker(ref)} {source}：“{shorten(quote, 90)}”"
        quotes[ref] = quote
    return text, quotes
