"""Questions about documents themselves, answered from the document model: what the library holds, how many
articles / chapters / parts / measures / tasks a document has, its outline, its 文号 and dates."""

from __future__ import annotations

import re

from assistant.answering.citations import Key, Marks
from assistant.answering.quotes import shorten
from assistant.answering.writers import KIND_NAMES, Written, coverage, task_table, write_meta
from assistant.library.catalog import describe_counts
from assistant.records import Document, Unit
from assistant.textutil import int_to_cn

# "就业意见里有什么政策" asks about one document: without a word for the library, only a question that starts
# with what is held (有哪些文件) asks what the library holds.
LIBRARY = re.compile(r"(文库|资料库|知识库|库里|系统里|你这里|你这)(里|中)?.{0,4}(有|收录|包括|包含|能查).{0,3}(哪些|什么|几份|多少|哪几)"
                     r"|^(你们?|这里|这儿)?(都|一共|总共)?(有|收录了?|包括|包含)(哪些|什么|几份|多少份?)(文件|文档|政策|条例|方案)"
                     r"|能(查|问)(哪些|什么)(文件|政策)")
# The kinds of document a library question may ask for (文库里有哪些条例), by the catalogue's kinds.
_LIBRARY_KINDS = (("regulation", re.compile(r"条例|法规|法律|规章")), ("plan", re.compile(r"方案|意见|要点|计划")),
                  ("notice", re.compile(r"通知|批复")), ("table", re.compile(r"任务表|清单|分解表")))
META = re.compile(
    r"文号|发文字号|发文机关|哪个(部门|单位|机关)(印发|发布|发的|出台|制定|通过)|谁(印发|发布|发的|出台|制定)|印发(日期|时间)"
    r"|什么时候(开始|起)?(印发|发布|出台|发的|成文|施行|实施|实行|生效|通过|执行|公布)|成文(日期|时间)|是否公开|公开发布|主送"
    r"|(施行|实施|实行|生效|通过|公布)(日期|时间)|何时(开始|起)?(施行|实施|实行|生效|通过|印发)|哪(一)?天(开始|起)?(施行|实施|实行|生效|通过|印发|发布|发的|出台|公布|下发|成文|签发)"
    r"|哪(一)?年(开始|起)?(印发|发布|发的|出台|成文|施行|实施|实行|生效|通过|公布|制定)"
)
OUTLINE = re.compile(
    r"(方案|文件|条例|通知|要点|意见|措施|清单|办法|规定|这个|该|本)(大概|大致|主要|都|一共|总共)?(讲|说|写|规定|包括|包含|分)了?些?"
    r"(什么|啥|哪些|哪几|几)"
    r"|^(主要|大概)?(讲|说)(了)?些?(什么|啥)[?？]?$|大纲|目录|框架|主要内容|概括|分(为|成)?(几|哪几)(个)?(部分|章|块|方面)"
    r"|有哪(几|些)(章|部分|块)|结构是|每(块|部分|章)(讲|说)"
    r"|(方案|文件|条例|通知|要点|意见|措施|清单|办法|规定|分解表)(里|中)?(都|主要)?有(什么|哪些|啥)内容"
)
GOAL = re.compile(r"总体目标|总目标|主要目标|总体要求|指导思想|(目的|初衷)是什么|为(什么|啥)(要)?(制定|出台|印发)|"
                  r"制定.{0,6}目的|想(要)?达到什么|要达到什么(样的)?(目标|效果)|开头(讲|说|写)|导语")
# "咸阳的工作要点有哪些任务", "就业意见提出了哪些措施": the document's whole list, with nothing else asked.
WHOLE_LIST = re.compile(r"(都|一共|总共|共|主要|具体)?(有|提出了?|包括|包含|部署了?|安排了?|列(出|了)+|明确了?|规定了?|要做|要干)"
                        r"(哪些|什么|啥|哪几项|几项|多少项)(主要|重点|具体)?(任务|工作|措施|举措|内容|事项)")
LAST = re.compile(r"最后(一)?(条|项|个)(措施|任务|条文|举措)?|(第一|头一)(条|项|个)(措施|任务|举措)")
# Count questions about a document's own parts: the unit word decides what is counted.
_COUNT = re.compile(r"(多少|几)\s*(个|条|项|章|节|部分|大部分)|有?(多少|几)(?!\S*牵头)")
_UNIT_WORDS = (
    ("measure", re.compile(r"措施|举措")),
    ("article", re.compile(r"(多少|几)\s*条(?!措施)|条文|法条|条款")),
    ("chapter", re.compile(r"(多少|几)\s*(个)?章|章节")),
    ("section", re.compile(r"(多少|几)\s*(个)?节")),
    ("part", re.compile(r"(多少|几)\s*(个|大)?部分|几大(块|方面)")),
    ("category", re.compile(r"指标(类别|名称)?|类别|(几|多少)(个)?(大)?类")),
    ("task", re.compile(r"任务|清单|多少项|几项")),
)
# A count of a document's own parts is asked as a total (一共, 分几章) or of a document (方案/条例有多少条);
# "新增多少个事项" counts something the text talks about, not the document.
_TOTAL = re.compile(r"一共|总共|共有|共计|总计|合计|全部|整个|分(为|成)?几|包括几|包含几|由几")
_OF_DOCUMENT = re.compile(r"(方案|条例|文件|清单|要点|意见|办法|细则|规定|法|这个|该|本)(里|中|里面|一共|总共|共|都|有|分|包括|包含|多少|几)")
_WORD = {"measure": "条措施", "article": "条", "chapter": "章", "section": "节", "part": "个部分", "task": "项任务",
         "category": "个指标类别"}


def asks_library(text: str) -> bool:
    return bool(LIBRARY.search(text))


def asks_meta(text: str) -> bool:
    return bool(META.search(text))


def asks_outline(text: str) -> bool:
    return bool(OUTLINE.search(text))


def asks_whole_list(text: str) -> str | None:
    """"…有哪些任务" asks for the rows of a task list ("task"), "…有哪些措施/内容" for the outline ("outline")."""
    m = WHOLE_LIST.search(text)
    if not m:
        return None
    return "task" if m.group(6) in ("任务", "工作", "事项") else "outline"


def write_all_tasks(doc: Document, marks: Marks) -> Written:
    """Every row of the document's task list, in order, each cited."""
    lines = [f"《{doc.title}》的任务清单共 **{len(doc.tasks)} 项**，完整列出如下：", "", *task_table(doc, doc.tasks, marks),
             "", "（每个引用标记对应任务清单中的一行，可逐行核对原文。）"]
    return "\n".join(lines), {(doc.doc, r.ref): r.text for r in doc.tasks}


def asks_goal(text: str) -> bool:
    return bool(GOAL.search(text))


def asks_last(text: str) -> str | None:
    """"方案最后一条措施", "清单里第一项任务": which end, and of what kind of unit."""
    m = LAST.search(text)
    if not m:
        return None
    kind = "task" if re.search(r"任务|清单", text) else ("article" if re.search(r"条文|条例", text) else "measure")
    return ("last:" if m.group(0).startswith("最后") else "first:") + kind


def write_goal(doc: Document, marks: Marks) -> Written | None:
    """The overall goal: the plan's opening paragraph, or a heading that says 总体要求/总体目标/指导思想."""
    heads = [u for u in doc.units if u.title and re.search(r"总体要求|总体目标|指导思想|工作目标|主要目标", u.title)]
    units = heads[:2] or [u for u in doc.units if u.kind == "preamble" and u.text]
    if not units:
        return None
    lines, quotes = [], {}
    for unit in units:
        text = unit.text or "；".join(u.text for u in doc.children(unit.ref))[:400]
        label = "总体目标与要求" if unit.kind == "preamble" else unit.title
        lines.append(f"《{doc.title}》的{label}{marks.marker(doc.doc, unit.ref)}：\n\n> {text}")
        quotes[(doc.doc, unit.ref)] = text
    return "\n\n".join(lines), quotes


def counted_kind(text: str) -> str | None:
    """What a "how many" question about a document counts, if it is one."""
    if not _COUNT.search(text) or not (_TOTAL.search(text) or _OF_DOCUMENT.search(text)):
        return None
    for kind, pattern in _UNIT_WORDS:
        if pattern.search(text):
            return kind
    return None


def asked_kinds(text: str) -> set[str]:
    """The catalogue kinds a library question names after what it asks (有哪些条例 → regulation)."""
    asked = re.split(r"哪些|什么|几份|多少|哪几", text, maxsplit=1)[-1]
    return {kind for kind, words in _LIBRARY_KINDS if words.search(asked)}


def write_library(docs: list[Document], marks: Marks, kinds: set[str] | None = None) -> Written:
    """Every document the library holds, or those of the kinds asked (文库里有哪些条例)."""
    chosen = [d for d in docs if not kinds or d.meta.kind in kinds]
    if kinds and not chosen:
        return f"文库中没有这类文件。{coverage(docs)}", {}
    what = "份文件" if len(chosen) == len(docs) else f"份{'、'.join(KIND_NAMES[k] for k in sorted(kinds))}（共 {len(docs)} 份文件）"
    lines = [f"文库共收录 **{len(chosen)} {what}**：", ""]
    docs = chosen
    quotes: dict[Key, str] = {}
    for d in docs:
        facts = "，".join(x for x in (d.meta.issuer, d.meta.doc_number, f"{d.meta.year}年" if d.meta.year else "") if x)
        lines.append(f"- 《{d.title}》{marks.marker(d.doc, 'meta')}（{facts}；{describe_counts(d)}）" if facts
                     else f"- 《{d.title}》{marks.marker(d.doc, 'meta')}（{describe_counts(d)}）")
        quotes[(d.doc, "meta")] = d.meta.title
    return "\n".join(lines), quotes


def write_count(docs: list[Document], kind: str, marks: Marks) -> Written | None:
    """"一共有多少条措施": the count from each document's own numbering, with the first and last cited."""
    if kind == "category":
        return _write_categories(docs, marks)
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


def _write_categories(docs: list[Document], marks: Marks) -> Written | None:
    lines, quotes = [], {}
    for doc in docs:
        firsts: dict[str, Unit] = {}
        for row in doc.tasks:
            if row.category and row.category not in firsts:
                firsts[row.category] = row
        if not firsts:
            continue
        names = "、".join(f"{c}{marks.marker(doc.doc, r.ref)}" for c, r in firsts.items())
        lines.append(f"《{doc.title}》的任务分属 **{len(firsts)} 个指标类别**：{names}。")
        quotes.update({(doc.doc, r.ref): r.category_raw or r.category for r in firsts.values()})
    return ("\n\n".join(lines), quotes) if lines else None


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
            kids = [u for u in doc.children(head.ref) if u.kind != "task"]
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


_IN_FORCE_ASKED = re.compile(r"施行|实施|实行|生效|执行")
_IN_FORCE = re.compile(r"自[^。；]{4,24}(起施行|起实施|起生效|起执行|施行)")


def write_meta_all(docs: list[Document], marks: Marks, question: str = "") -> Written:
    """Each document's 文号 and dates; asked when it takes effect, the article that says so is quoted too."""
    parts, quotes = [], {}
    in_force = bool(_IN_FORCE_ASKED.search(question))
    for doc in docs:
        said = ""
        if in_force:
            unit = next((u for u in reversed(doc.units) if u.kind in ("article", "item", "point", "text")
                         and _IN_FORCE.search(u.text)), None)
            if unit is not None:
                # The article that says when it takes effect answers first; the catalogue's dates follow.
                sentence = next(s for s in re.split(r"(?<=[。；])", unit.text) if _IN_FORCE.search(s))
                said = f"《{doc.title}》{unit.label}：“{sentence.strip()}”{marks.marker(doc.doc, unit.ref)}\n\n"
                quotes[(doc.doc, unit.ref)] = sentence.strip()
        text, q = write_meta(doc, marks)
        quotes.update(q)
        if in_force and not said and not doc.meta.dates.get("effective"):
            text += "\n\n文件正文和文件信息都没有写明施行日期。"
        parts.append(said + text)
    return "\n\n".join(parts), quotes

