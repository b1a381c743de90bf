"""Questions about documents themselves, answered from the document model: what the library holds, how many
articles / chapters / parts / measures / tasks a document has, its outline, its 文号 and dates."""

from __future__ import annotations

import re

from assistant.answering.citations import Key, Marks
from assistant.answering.quotes import shorten
from assistant.answering.writers import Written, first_sentences, write_meta
from assistant.library.catalog import describe_counts
from assistant.records import Document, Unit
from assistant.textutil import int_to_cn

LIBRARY = re.compile(r"(文库|资料库|知识库|库里|系统里|你这里|你这)(里|中)?.{0,4}(有|收录|包括|包含|能查).{0,3}(哪些|什么|几份|多少|哪几)"
                     r"|(有|收录了?|包括|包含)(哪些|什么|几份|多少份?)(文件|文档|政策|条例|方案)|能(查|问)(哪些|什么)(文件|政策)")
META = re.compile(
    r"文号|发文字号|发文机关|哪个(部门|单位|机关)(印发|发布|发的|出台|制定|通过)|谁(印发|发布|发的|出台|制定)|印发(日期|时间)"
    r"|什么时候(开始)?(印发|发布|出台|发的|成文|施行|实施|生效|通过|执行|公布)|成文(日期|时间)|是否公开|公开发布|主送"
    r"|(施行|实施|生效|通过|公布)(日期|时间)|何时(开始)?(施行|实施|生效|通过|印发)|哪天(开始)?(施行|实施|生效|通过|印发)"
)
OUTLINE = re.compile(
    r"(方案|文件|条例|通知|要点|意见|措施|清单|办法|规定|这个|该|本)(主要|都|一共|总共)?(讲|说|写|规定|包括|包含|分)了?(什么|啥|哪些|哪几|几)"
    r"|^(主要)?(讲|说)(了)?(什么|啥)[?？]?$|大纲|目录|框架|主要内容|分(为)?几(个)?(部分|章|块)|有哪(几|些)(章|部分)|结构是"
)
# Count questions about a document's own parts: the unit word decides what is counted.
_COUNT = re.compile(r"(多少|几)\s*(个|条|项|章|节|部分|大部分)|有?(多少|几)(?!\S*牵头)")
_UNIT_WORDS = (
    ("measure", re.compile(r"措施|举措")),
    ("article", re.compile(r"(多少|几)\s*条(?!措施)|条文|法条|条款")),
    ("chapter", re.compile(r"(多少|几)\s*(个)?章|章节")),
    ("section", re.compile(r"(多少|几)\s*(个)?节")),
    ("part", re.compile(r"(多少|几)\s*(个|大)?部分|几大(块|方面)")),
    ("task", re.compile(r"任务|清单|多少项|几项|事项")),
)
_WORD = {"measure": "条措施", "article": "条", "chapter": "章", "section": "节", "part": "个部分", "task": "项任务"}


def asks_library(text: str) -> bool:
    return bool(LIBRARY.search(text))


def asks_meta(text: str) -> bool:
    return bool(META.search(text))


def asks_outline(text: str) -> bool:
    return bool(OUTLINE.search(text))


def counted_kind(text: str) -> str | None:
    """What a "how many" question about a document counts, if it is one."""
    if not _COUNT.search(text):
        return None
    for kind, pattern in _UNIT_WORDS:
        if pattern.search(text):
            return kind
    return None


def write_library(docs: list[Document], marks: Marks) -> Written:
    lines = [f"文库共收录 **{len(docs)} 份文件**：", ""]
    quotes: dict[Key, str] = {}
    for d in docs:
        facts = "，".join(x for x in (d.meta.issuer, d.meta.doc_number, f"{d.meta.year}年" if d.meta.year else "") if x)
        lines.append(f"- 《{d.title}》{marks.marker(d.doc, 'meta')}（{facts}；{describe_counts(d)}）" if facts
                     else f"- 《{d.title}》{marks.marker(d.doc, 'meta')}（{describe_counts(d)}）")
        quotes[(d.doc, "meta")] = d.meta.title
    return "\n".join(lines), quotes


def write_count(docs: list[Document], kind: str, marks: Marks) -> Written | None:
    """"一共有多少条措施": the count from each document's own numbering, with the first and last cited."""
    counts = [(d, d.of_kind(kind)) for d in docs]
    counts = [(d, units) for d, units in counts if units]
    if not counts:
        return None
    lines, quotes = [], {}
    for d, units in counts:
        first, last = units[0], units[-1]
        span = f"（{marks.marker(d.doc, first.ref)}至{marks.marker(d.doc, last.ref)}）" if len(units) > 1 else \
            marks.marker(d.doc, first.ref)
        lines.append(f"《{d.title}》共 **{len(units)} {_WORD[kind]}**{span}。")
        quotes[(d.doc, first.ref)] = first.text or first.title
        quotes[(d.doc, last.ref)] = last.text or last.title
        if kind in ("measure", "article", "task"):
            parents = [u for u in d.units if u.kind in ("part", "chapter") and any(x.parent == u.ref for x in units)]
            if 1 < len(parents) <= 12:
                per = "，".join(f"{p.label}{p.title} {sum(1 for x in units if x.parent == p.ref)}" for p in parents)
                lines.append(f"按{('部分' if parents[0].kind == 'part' else '章')}：{per}。")
    return "\n".join(lines), quotes


def _children(doc: Document, heading: Unit) -> list[Unit]:
    return [u for u in doc.units if u.parent == heading.ref and u.kind not in ("task",)]


def write_outline(doc: Document, marks: Marks) -> Written:
    """"这个方案主要讲什么": the goal from the opening, then each part with its measures, cited."""
    lines, quotes = [], {}
    preamble = doc.unit("preamble")
    heads = [u for u in doc.units if u.kind in ("part", "chapter", "book") and u.parent is None] or \
        [u for u in doc.units if u.kind in ("part", "chapter")]
    lines.append(f"《{doc.title}》{_count_phrase(doc)}。")
    if preamble is not None and preamble.text:
        lines += ["", f"总体要求{marks.marker(doc.doc, 'preamble')}：{shorten(preamble.text, 160)}"]
        quotes[(doc.doc, "preamble")] = preamble.text
    if heads:
        lines += ["", "**结构：**", ""]
        for head in heads:
            kids = _children(doc, head)
            titled = [k for k in kids if k.title or k.kind == "article"]
            if kids and kids[0].kind == "article":
                span = f"{kids[0].label}至{kids[-1].label}" if len(kids) > 1 else kids[0].label
                lines.append(f"- {head.label} {head.title}（{span}）")
                continue
            items = "；".join(f"{marks.marker(doc.doc, k.ref)}{k.title}" for k in titled[:12])
            lines.append(f"- **{_head_name(head)}“{head.title}”**" + (f"：{items}" if items else ""))
            for k in titled[:12]:
                quotes[(doc.doc, k.ref)] = k.text
    elif doc.tasks:
        lines += ["", f"全文是一张任务表，共 {len(doc.tasks)} 项。"]
    annexes = doc.of_kind("annex")
    for annex in annexes:
        lines += ["", f"{annex.label}：{annex.title}" + (f"（{len(doc.tasks)} 项任务）" if doc.tasks else "")]
    return "\n".join(lines), quotes


def _head_name(head: Unit) -> str:
    if head.kind == "part":
        return f"第{int_to_cn(head.number or 0)}部分"
    return head.label


def _count_phrase(doc: Document) -> str:
    return "共 " + describe_counts(doc)


def write_meta_all(docs: list[Document], marks: Marks) -> Written:
    parts, quotes = [], {}
    for doc in docs:
        text, q = write_meta(doc, marks)
        parts.append(text)
        quotes.update(q)
    return "\n\n".join(parts), quotes


__all__ = ["asks_library", "asks_meta", "asks_outline", "counted_kind", "write_count", "write_library",
           "write_meta_all", "write_outline", "first_sentences"]
