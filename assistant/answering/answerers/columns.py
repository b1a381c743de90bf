"""Questions about a task table's own columns — every column is a field, whatever the table calls it.

* "个体工商户冠名预先核准要交哪些材料" names a column (审报提交材料) and a row: the row's value in that column.
* "辽中区分解表里冯冬昌负责哪些任务" names a value that stands in a column (责任领导): every row holding it, as a
  set answer, exactly like "哪些任务由税务局牵头".

A column is named by its header or by the header's head noun — Chinese compounds put it last: 审报提交材料 →
材料, 责任领导 → 领导, 审批类别 → 类别, 承诺时限 → 时限, 办事流程 → 流程 — or by a question word that asks
for a column of that kind (data/column_questions.json: 要多久 → a time limit, 交什么 → materials).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from assistant.answering.answerers.base import Answerer
from assistant.answering.draft import Draft, Intent, marker_token
from assistant.records import Document, Unit
from assistant.textutil import fold
from assistant.understanding.doc_scope import without_mentions
from assistant.understanding.query_parse import parse_deadline
from assistant.understanding.query import Query

# The lookup's evidence floor for the row a column question is about (answerers/lookup.py: EVIDENCE_FLOOR):
# here the question names the row's own words ("个体工商户冠名预先核准"), so most of them must be in it.
ROW_EVIDENCE = 0.45
_SPLIT = re.compile(r"[、，,；;/\s]+")
_HEAD_NOUN = 2  # characters of a header's head noun


@lru_cache(maxsize=1)
def _asks() -> dict[str, tuple[str, ...]]:
    raw = json.loads(resources.files("assistant").joinpath("data/column_questions.json").read_text("utf-8"))
    return {k: tuple(v) for k, v in raw.items() if not k.startswith("_")}


_DURATION = re.compile(r"工作日|日内|天|小时|个月|即办|当场|当日|立即")
_SHORT_CELL = 12  # a column whose typical cell is this short holds values (names, kinds), not text


@dataclass(frozen=True)
class Column:
    header: str  # as the document writes it
    role: str  # "field" (Unit.fields), "category" or "deadline"


def columns_of(doc: Document) -> list[Column]:
    """The columns a row can be asked about: every column kept under its own header, the category column
    under the document's header for it, and a time limit written as a duration (承诺时限: 5个工作日, 即办)."""
    out = [Column(h, "field") for h, r in doc.meta.table_columns if not r and h]
    known = {c.header for c in out}
    out += [Column(h, "field") for h in dict.fromkeys(k for t in doc.tasks for k in t.fields)
            if h not in known and h != "分组"]
    category = doc.meta.column_header("category")
    if category and any(t.category_raw for t in doc.tasks):
        out.append(Column(category, "category"))
    deadline = doc.meta.column_header("deadline")
    written = [t.deadline for t in doc.tasks if t.deadline]
    if deadline and written and sum(bool(_DURATION.search(d)) for d in written) * 2 > len(written):
        out.append(Column(deadline, "deadline"))
    return out


def value(unit: Unit, column: Column) -> str:
    if column.role == "deadline":
        return unit.deadline
    if column.role == "category":
        return unit.category_raw
    return unit.fields.get(column.header, "")


def _value_column(doc: Document, column: Column) -> bool:
    cells = sorted(len(value(t, column)) for t in doc.tasks if value(t, column))
    return bool(cells) and cells[len(cells) // 2] <= _SHORT_CELL


def asked_column(text: str, doc: Document) -> Column | None:
    """The column the question asks for: its header or head noun in the question, else a question word of its
    kind (data/column_questions.json)."""
    folded = fold(text)
    columns = columns_of(doc)
    for column in columns:
        header = fold(column.header)
        head_noun = column.role == "field" and len(header) > _HEAD_NOUN and header[-_HEAD_NOUN:] in folded
        if header in folded or head_noun:
            return column
    for kind, words in _asks().items():
        if kind.endswith("_headers") or not any(w in folded for w in words):
            continue
        for column in columns:
            if kind == "deadline" and column.role == "deadline":
                return column
            if kind != "deadline" and any(w in fold(column.header) for w in _asks()[f"{kind}_headers"]):
                return column
    return None


def cell_values(cell: str) -> list[str]:
    """The values one cell holds: "冯冬昌、李四" → both; a long sentence is no value to name."""
    return [v for v in _SPLIT.split(cell) if 2 <= len(v) <= 12 and not v.isdigit()]


def named_values(text: str, doc: Document) -> list[tuple[Column, str]]:
    """(column, value) for each value the question names of a column kept under its own header, or of the
    time-limit column when the limit is written in words (年底前, 持续推进, 长期坚持): kept and matched as written,
    never read as a date of today's year."""
    folded = fold(text)
    found: dict[tuple[str, str], Column] = {}
    for column in columns_of(doc):
        if column.role != "field" or not _value_column(doc, column):
            continue
        for t in doc.tasks:
            for v in cell_values(value(t, column)):
                if fold(v) in folded:
                    found.setdefault((column.header, v), column)
    header = doc.meta.column_header("deadline", "完成时限")
    # A limit written without a figure (全年) that the question names while stating no date of its own is a value
    # of the column too, though a last day was read off it: "全年要完成的任务" are the rows that say 全年.
    dateless = parse_deadline(text, None) is None
    for t in doc.tasks:
        if t.deadline and (t.deadline_date is None or dateless and not re.search(r"\d", t.deadline)) \
                and len(t.deadline) >= 2 and fold(t.deadline) in folded:
            found.setdefault((header, t.deadline), Column(header, "deadline"))
    return [(c, v) for (_, v), c in found.items()]


class RowsByColumnValue(Answerer):
    """"冯冬昌负责哪些任务": every row whose column holds the named value, per document."""

    def run(self, query: Query) -> Draft | None:
        parsed = query.parsed
        if not (parsed.wants_list or parsed.wants_count or "负责" in query.text):
            return None
        groups: list[tuple[Document, Column, str, list[Unit]]] = []
        for doc in self.scoped_docs(query):
            for column, named in named_values(query.text, doc):
                rows = [t for t in doc.tasks if (value(t, column) == named if column.role == "deadline"
                                                 else named in cell_values(value(t, column)))]
                if rows:
                    groups.append((doc, column, named, rows))
        if not groups:
            return None
        counting = parsed.wants_count
        total = sum(len(rows) for *_, rows in groups)
        lines: list[str] = []
        quotes = {}
        for doc, column, named, rows in groups:
            lines.append(f"《{doc.title}》中{column.header}为“{named}”的任务共 **{len(rows)} 项**"
                         + ("。" if counting and len(groups) == 1 else "，完整列出如下："))
            lines.append("")
            lines += _table(doc, rows)
            lines.append("")
            quotes.update({(doc.doc, r.ref): r.text for r in rows})
        where = "、".join(dict.fromkeys(f"《{d.title}》{c.header}列" for d, c, _, _ in groups))
        lines.append(f"（依据：逐行核对{where}；每个引用标记对应其中一行。）")
        keys = [(d.doc, r.ref) for d, _, _, rows in groups for r in rows]
        return Draft(Intent.COUNT if counting else Intent.LIST, "\n".join(lines), quotes,
                     conclusion=f"共 {total} 项", rows=keys)


def _table(doc: Document, rows: list[Unit]) -> list[str]:
    deadline = doc.meta.column_header("deadline", "完成时限")
    lead = doc.meta.column_header("lead", doc.meta.column_header("responsible", "牵头单位"))
    out = [f"| 序号 | 任务 | {deadline} | {lead} |", "|---|---|---|---|"]
    for r in rows:
        task = r.text if len(r.text) <= 48 else r.text[:47] + "…"
        who = "、".join(r.lead) or r.lead_raw or "—"
        out.append(f"| {marker_token(doc.doc, r.ref)} | {task} | {r.deadline or '—'} | {who} |")
    return out


class RowColumnValue(Answerer):
    """"个体工商户冠名预先核准要交哪些材料": the row the question names, and its value in the asked column."""

    def run(self, query: Query) -> Draft | None:
        docs = [d for d in self.scoped_docs(query) if d.tasks]
        asked = {d.doc: c for d in docs if (c := asked_column(query.text, d)) is not None}
        if not asked:
            return None
        hits = self.ctx.search(query, tuple(asked))
        evidence = self.ctx.evidence
        terms = evidence.terms(without_mentions(query.text, query.scope))  # the table's name tells no row apart
        best: tuple[float, Document, Unit] | None = None
        for doc, unit, _ in self.ctx.units(hits):
            if unit.kind != "task" or doc.doc not in asked or not value(unit, asked[doc.doc]):
                continue
            coverage = evidence.coverage(terms, (doc.doc, unit.ref))
            if best is None or coverage > best[0]:
                best = (coverage, doc, unit)
        if best is None or best[0] < ROW_EVIDENCE:
            return None
        _, doc, unit = best
        column = asked[doc.doc]
        said = value(unit, column)
        key = (doc.doc, unit.ref)
        body = "\n".join([
            f"**{column.header}**：{said} {marker_token(*key)}",
            "",
            f"出处：《{doc.title}》任务清单{unit.label}“{unit.text}”的“{column.header}”一栏。",
        ])
        conclusion = said if len(said) <= 30 else ""
        return Draft(Intent.LOOKUP, body, {key: said}, conclusion=conclusion, hits=hits)


__all__ = ["RowsByColumnValue", "RowColumnValue", "asked_column", "named_values", "columns_of"]
