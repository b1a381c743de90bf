"""Units → retrieval chunks: one per unit that has text of its own, each written to stand alone.

The dense encoder and BM25 see one chunk at a time, so a chunk carries its own labels, the headings above
it, and its agencies and deadline. The answer layer never quotes a chunk: it quotes the unit.
"""

from __future__ import annotations


from assistant.records import Chunk, Document, Unit
from assistant.textutil import is_traditional, to_simplified

# Bumped whenever chunk texts change shape, so indexes built before are rebuilt.
CHUNKER_VERSION = 2
_SKIP_KINDS = ("table",)


def _join(names: tuple[str, ...], raw: str) -> str:
    # Canonical names read better and match filters; fall back to the raw cell when the parser found none.
    if names:
        return "、".join(names)
    return raw.strip() or "无"


def written_in_traditional(doc: Document) -> bool:
    """Is the document written in Traditional characters (judged on its first units)?"""
    return is_traditional("".join(u.text for u in doc.units[:40])[:4000])


def _headings(doc: Document, unit: Unit) -> str:
    """"一、着力打造公平竞争的市场环境" or "第二章 市场环境 > 第一节 …": the headings above a unit."""
    parts, ref = [], unit.parent
    while ref:
        parent = doc.unit(ref)
        if parent is None:
            break
        if parent.kind != "annex" or parent.title:
            parts.append(f"{parent.path[-1] if parent.path else parent.label}{parent.title}".strip())
        ref = parent.parent
    return " > ".join(reversed(parts))


def task_chunk(doc: Document, unit: Unit) -> Chunk:
    parts = [f"序号: {unit.number}"]
    if unit.category:
        parts.append(f"指标: {unit.category}")
    if unit.goal:
        parts.append(f"目标: {unit.goal}")
    parts.append(f"具体任务: {unit.text}")
    for header, value in unit.fields.items():
        parts.append(f"{header}: {value}")
    if unit.deadline:
        parts.append(f"完成时限: {unit.deadline}")
    parts.append(f"牵头单位: {_join(unit.lead, unit.lead_raw)}")
    parts.append(f"配合单位: {_join(unit.support, unit.support_raw)}")
    if unit.responsible:
        parts.append(f"责任单位: {_join(unit.responsible, unit.responsible_raw)}")
    title = f"{unit.label} {unit.category}".strip()
    return Chunk(doc=doc.doc, ref=unit.ref, kind="task", title=title, text=" | ".join(parts))


def prose_chunk(doc: Document, unit: Unit) -> Chunk:
    title = f"{unit.label}{unit.title}"
    body = unit.text
    if unit.title and body.startswith(unit.title):  # the lead phrase is the first sentence
        body = body[len(unit.title):].lstrip("。. ")
    text = f"{title}。{body}" if unit.title else f"{unit.label} {body}"
    headings = _headings(doc, unit)
    # The headings give the unit its theme (e.g. 涉外环境) which its own sentences often omit.
    if headings:
        text = f"章节: {headings} | {text}"
    if unit.lead or unit.support or unit.deadline or unit.responsible:
        duty = [f"牵头单位: {_join(unit.lead, unit.lead_raw)}"] if unit.lead or not unit.responsible else []
        if unit.responsible:
            duty.append(f"责任单位: {_join(unit.responsible, unit.responsible_raw)}")
        if unit.support:
            duty.append(f"配合单位: {_join(unit.support, unit.support_raw)}")
        if unit.deadline:
            duty.append(f"完成时限: {unit.deadline}")
        text += " | " + " | ".join(duty)
    return Chunk(doc=doc.doc, ref=unit.ref, kind=unit.kind, title=title, text=text)


def meta_chunk(doc: Document, unit: Unit) -> Chunk:
    """The header as one plain sentence with the standard labels of Chinese official documents. Measured:
    as a "label: value | …" list padded with 主送/抄送, the e5 encoder ranked this chunk ~200th for
    "这份文件是哪天印发的？"; as a short sentence it ranks first."""
    m = doc.meta
    issuer = m.issuer or "制定机关"
    parts = [f"这份文件是{issuer}印发的《{m.notice_title or m.title}》"]
    if m.doc_number:
        parts.append(f"发文字号（文号）为{m.doc_number}")
    if m.issuer:
        parts.append(f"发文机关是{m.issuer}")
    parts += [f"{name}{value}" for name, value in m.named_dates()]
    if m.release_note:
        parts.append(m.release_note.strip("（）()"))
    title = f"发文信息 {m.doc_number}".strip()
    return Chunk(doc=doc.doc, ref=unit.ref, kind="meta", title=title, text="，".join(parts) + "。")


def preamble_chunk(doc: Document, unit: Unit) -> Chunk:
    # Phrased as what users ask about it (why the plan was made, its overall goal): measured, this lifts
    # "制定这个方案的目的" from dense rank 16 to 1 without losing "总体目标" questions.
    return Chunk(doc=doc.doc, ref=unit.ref, kind="preamble", title="方案前言" if doc.meta.kind == "plan" else "导语",
                 text=f"制定《{doc.meta.title}》的目的和总体目标（前言）：{unit.text}")


def unit_chunk(doc: Document, unit: Unit) -> Chunk | None:
    if unit.kind in _SKIP_KINDS:
        return None
    if unit.kind == "meta":
        return meta_chunk(doc, unit)
    if unit.kind == "preamble":
        return preamble_chunk(doc, unit) if unit.text else None
    if unit.kind == "task":
        return task_chunk(doc, unit)
    if not unit.text.strip():
        return None  # a heading whose content is in the units below it
    return prose_chunk(doc, unit)


def build_chunks(doc: Document) -> list[Chunk]:
    """Deterministic order: meta, preamble, prose units in reading order with the measures before the task
    rows (the seed notice's order), then the rest."""
    chunks = [c for u in doc.units if (c := unit_chunk(doc, u)) is not None]
    order = {"meta": 0, "preamble": 1}
    chunks.sort(key=lambda c: order.get(c.kind, 3 if c.kind == "task" else 2))
    if written_in_traditional(doc):
        # Indexed in Simplified so questions in either script match; answers quote the written text.
        chunks = [Chunk(c.doc, c.ref, c.kind, c.title, to_simplified(c.text)) for c in chunks]
    return chunks


def library_chunks(docs: list[Document]) -> list[Chunk]:
    return [c for doc in docs for c in build_chunks(doc)]



