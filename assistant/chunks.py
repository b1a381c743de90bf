"""Turn a parsed Notice into retrieval chunks: one per task row, one per measure, plus meta and preamble.

Every chunk is written to stand alone (it carries its own labels, chapter, agencies and deadline) because
the dense encoder and BM25 both see one chunk at a time, and the answer layer quotes chunks verbatim.
"""

from __future__ import annotations

from assistant.citations import label
from assistant.records import Chunk, Measure, Notice, TaskRow
from assistant.textutil import int_to_cn

def measure_title(measure: Measure) -> str:
    return f"{label(measure.ref)}{measure.title}"


def _join(names: tuple[str, ...], raw: str) -> str:
    # Canonical names read better and match filters; fall back to the raw cell when the parser found none.
    if names:
        return "、".join(names)
    return raw.strip() or "无"


def task_chunk(notice: Notice, row: TaskRow) -> Chunk:
    text = " | ".join(
        (
            f"序号: {row.number}",
            f"指标: {row.category}",
            f"目标: {row.goal}",
            f"具体任务: {row.task}",
            f"完成时限: {row.deadline}",
            f"牵头单位: {_join(row.lead, row.lead_raw)}",
            f"配合单位: {_join(row.support, row.support_raw)}",
        )
    )
    return Chunk(
        ref=row.ref,
        doc=notice.meta.doc_id,
        kind="task",
        title=f"任务{row.number} {row.category}",
        text=text,
    )


def measure_chunk(notice: Notice, measure: Measure) -> Chunk:
    chapter = notice.chapter(measure.chapter)
    chapter_label = f"{int_to_cn(measure.chapter)}、{chapter.title}" if chapter else ""
    title = measure_title(measure)
    body = measure.text
    if body.startswith(measure.title):  # the parser keeps the lead phrase as the first sentence
        body = body[len(measure.title) :].lstrip("。. ")
    # The chapter line gives the measure its theme (e.g. 涉外环境) which its own sentences often omit.
    text = f"{title}。{body}"
    if chapter_label:
        text = f"章节: {chapter_label} | {text}"
    return Chunk(ref=measure.ref, doc=notice.meta.doc_id, kind="measure", title=title, text=text)


def meta_chunk(notice: Notice) -> Chunk:
    """The covering notice's header, as one plain sentence with the standard labels of Chinese official
    documents (发文字号, 发文机关, 成文日期, 印发日期). Measured: as a "label: value | …" list padded with the
    主送/抄送 lists, the e5 encoder ranked this chunk ~200th for "这份文件是哪天印发的？"; as a short
    sentence it ranks first. 主送/抄送 stay in notice.meta for whoever needs them."""
    m = notice.meta
    release = m.release_note.strip("（）()")
    text = (
        f"这份文件是{m.issuer}印发的《{m.notice_title}》，"
        f"发文字号（文号）为{m.doc_number}，发文机关是{m.issuer}，"
        f"成文日期{m.signed_date}，印发日期{m.printed_date}，{release}。"
    )
    return Chunk(ref="meta", doc=m.doc_id, kind="meta", title=f"发文信息 {m.doc_number}", text=text)


def preamble_chunk(notice: Notice) -> Chunk:
    m = notice.meta
    return Chunk(
        ref="preamble",
        doc=m.doc_id,
        kind="preamble",
        title="方案前言",
        # Phrased as what users ask about it (why the plan was made, its overall goal): measured, this
        # lifts "制定这个方案的目的" from dense rank 16 to 1 without losing "总体目标" questions.
        text=f"制定《{m.title}》的目的和总体目标（前言）：{notice.preamble}",
    )


def build_chunks(notice: Notice) -> list[Chunk]:
    """Deterministic order: meta, preamble, measures by number, tasks by number."""
    chunks = [meta_chunk(notice), preamble_chunk(notice)]
    chunks += [measure_chunk(notice, m) for m in sorted(notice.measures, key=lambda m: m.number)]
    chunks += [task_chunk(notice, t) for t in sorted(notice.tasks, key=lambda t: t.number)]
    return chunks
