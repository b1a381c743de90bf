"""Inline citation markers ([任务70], [措施（三十二）]) and the refs they stand for.

The citation list of an answer is always read back from the answer text, so it holds exactly the refs the
answer cites, in the order it cites them.
"""

from __future__ import annotations

import re

from .records import Citation, Measure, Notice, TaskRow
from .textutil import cn_to_int, int_to_cn

_MARKER = re.compile(r"\[(任务(\d{1,3})|措施（([一二三四五六七八九十]+)）|通知信息|方案导语)\]")


def label(ref: str) -> str:
    """How a person names a ref: 任务70, 措施（三十二）, 通知信息, 方案导语."""
    kind, _, number = ref.partition("-")
    if kind == "task":
        return f"任务{int(number)}"
    if kind == "measure":
        return f"措施（{int_to_cn(int(number))}）"
    return "通知信息" if ref == "meta" else "方案导语"


def marker(ref: str) -> str:
    return f"[{label(ref)}]"


def record_of(ref: str, notice: Notice) -> TaskRow | Measure | None:
    """The task row or measure a ref names (None for meta, preamble or an unknown number)."""
    kind, _, number = ref.partition("-")
    if not number.isdigit():
        return None
    if kind == "task":
        return notice.task(int(number))
    if kind == "measure":
        return notice.measure(int(number))
    return None


def refs_in(markdown: str) -> list[str]:
    refs: list[str] = []
    for match in _MARKER.finditer(markdown):
        whole, task, measure = match.groups()
        if task:
            ref = f"task-{int(task)}"
        elif measure:
            ref = f"measure-{cn_to_int(measure)}"
        else:
            ref = "meta" if whole == "通知信息" else "preamble"
        if ref not in refs:
            refs.append(ref)
    return refs


def title_of(ref: str, notice: Notice) -> str:
    record = record_of(ref, notice)
    if isinstance(record, TaskRow):
        return f"{label(ref)} {record.category}·{record.goal}"
    if isinstance(record, Measure):
        return f"{label(ref)}{record.title}"
    if ref == "meta":
        return f"《{notice.meta.title}》通知信息"
    return f"《{notice.meta.title}》导语"


def default_quote(ref: str, notice: Notice) -> str:
    record = record_of(ref, notice)
    if isinstance(record, TaskRow):
        return record.task
    if isinstance(record, Measure):
        return record.text
    if ref == "meta":
        meta = notice.meta
        return f"{meta.notice_title}（{meta.doc_number}），{meta.signed_date}，{meta.release_note}"
    return notice.preamble


def collect_citations(markdown: str, notice: Notice, quotes: dict[str, str]) -> list[Citation]:
    return [
        Citation(ref=ref, doc=notice.meta.doc_id, title=title_of(ref, notice),
                 quote=quotes.get(ref) or default_quote(ref, notice))
        for ref in refs_in(markdown)
    ]
