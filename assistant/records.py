"""Typed records shared by every stage: a document and its units, chunks, hits, citations and answers.

One document model for every format and shape: metadata, then an ordered list of units (the preamble,
numbered headings and items 一、（一）1.（1）, regulation parts 第X编/章/节/条, annexes, table rows). A unit
keeps what the document says (`text`, `lead_raw`, `category_raw`, …); canonical forms (agency names,
category, a parsed deadline date) sit beside the written ones and never replace them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date


# The dates a document carries, by role, and how official documents name them.
DATE_NAMES = {"signed": "成文日期", "printed": "印发日期", "adopted": "通过日期", "published": "公布日期",
              "effective": "施行日期", "revised": "修订日期", "approved": "批准日期"}


@dataclass(frozen=True)
class DocMeta:
    title: str  # the document's own title, without 《》 (the plan inside a covering notice, if any)
    kind: str  # "notice" | "plan" | "regulation" | "table"
    issuer: str = ""  # 发文机关 / 制定机关
    doc_number: str = ""  # 文号 (桂政办发〔2022〕40号) or 令号 (国务院令第722号), as written
    place: str = ""  # 广西 / 广东省 / 北京市 / 济南市 / 全国 …; "" when unknown
    year: int | None = None  # the year the document is about or was issued
    # Dates as written, by role: signed (成文), printed (印发), adopted (通过), published (公布),
    # effective (施行), revised (修订).
    dates: dict[str, str] = field(default_factory=dict)
    notice_title: str = ""  # the covering notice (关于印发…的通知), when the plan came in one
    addressees: str = ""  # 主送
    release_note: str = ""  # 此件公开发布
    attachment_title: str = ""  # 附件：…
    cc: str = ""  # 抄送
    # The task table's columns as the document writes them, in its order: (header, role or "") — role from
    # ingest/columns.py (number, category, goal, task, deadline, lead, support, responsible), "" for a column
    # kept under its own header in Unit.fields.
    table_columns: tuple[tuple[str, str], ...] = ()
    ocr: bool = False  # the text was recognised from page images (a scan, a photo): cited as 扫描件识别

    def to_dict(self) -> dict:
        out = asdict(self)
        out["table_columns"] = [list(c) for c in self.table_columns]
        return out

    def column_header(self, role: str, default: str = "") -> str:
        """The document's own header for a role's column ("承诺时限" for the deadline), else `default`."""
        return next((h for h, r in self.table_columns if r == role and h), default)

    def named_dates(self) -> list[tuple[str, str]]:
        """(成文日期, 2022年6月17日) … in the standard order."""
        return [(name, self.dates[role]) for role, name in DATE_NAMES.items() if self.dates.get(role)]

    @classmethod
    def from_dict(cls, d: dict) -> "DocMeta":
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in d.items() if k in known}
        values["table_columns"] = tuple((str(h), str(r or "")) for h, r in values.get("table_columns") or ())
        return cls(**values)


@dataclass(frozen=True)
class Unit:
    """One citable piece of a document: a heading with its text, an article, an item, a table row."""

    ref: str  # stable and unique in its document: task-70, measure-32, article-20, part-2.item-3, preamble
    kind: str  # meta|preamble|part|chapter|section|article|measure|item|point|sub|annex|task|text
    label: str  # how a person names it: 任务70, 措施（三十二）, 第二十条, 第一章, 二、3.
    path: tuple[str, ...] = ()  # labels of the numbering path from the top, ending with this unit's
    number: int | None = None  # its number at its own level (序号 for a table row)
    parent: str | None = None  # ref of the enclosing unit
    title: str = ""  # heading text (a chapter's name, a measure's lead phrase)
    text: str = ""  # the unit's own text as written (a table row: its task cell)
    goal: str = ""  # table rows: 目标
    category: str = ""  # table rows: 指标/类别, canonical form
    category_raw: str = ""  # as written
    deadline: str = ""  # as written, spaces removed: 2022年11月30日, 6月底前, 持续推进
    deadline_date: date | None = None  # the last day it allows, when it names one
    lead: tuple[str, ...] = ()  # canonical agency names
    support: tuple[str, ...] = ()
    lead_raw: str = ""
    support_raw: str = ""
    fields: dict[str, str] = field(default_factory=dict)  # other table columns / note parts, as written
    # Units written as responsible (责任单位, "（X、Y负责）", "（X指导）") where the document names no lead
    # and states no rule that the first one leads: kept as responsible, never guessed as lead.
    responsible: tuple[str, ...] = ()
    responsible_raw: str = ""

    @property
    def task(self) -> str:
        """A table row's 具体任务 (kept as a name the answer layer reads naturally)."""
        return self.text

    def to_dict(self) -> dict:
        out = asdict(self)
        out["path"] = list(self.path)
        out["lead"] = list(self.lead)
        out["support"] = list(self.support)
        out["responsible"] = list(self.responsible)
        out["deadline_date"] = self.deadline_date.isoformat() if self.deadline_date else None
        return out

    @classmethod
    def from_dict(cls, d: dict) -> "Unit":
        day = d.get("deadline_date")
        return cls(
            **{
                **{k: v for k, v in d.items() if k in cls.__dataclass_fields__},
                "path": tuple(d.get("path") or ()),
                "lead": tuple(d.get("lead") or ()),
                "support": tuple(d.get("support") or ()),
                "responsible": tuple(d.get("responsible") or ()),
                "deadline_date": date.fromisoformat(day) if day else None,
                "fields": dict(d.get("fields") or {}),
            }
        )


@dataclass(frozen=True)
class Document:
    doc: str  # document id: stable, unique in the library (from the file name)
    meta: DocMeta
    units: tuple[Unit, ...]
    source: str = ""  # the file it was read from
    sha256: str = ""  # of the file's bytes
    format: str = ""  # txt | md | docx | doc | wps | pdf | ofd | html | xlsx | xls | csv | image
    short_name: str = ""  # how people name it: 广东条例, 广西2022方案 (set by the library, unique there)
    sources: tuple[str, ...] = ()  # every file in the library holding this same document

    @property
    def title(self) -> str:
        return self.meta.title

    def unit(self, ref: str) -> Unit | None:
        return self._by_ref().get(ref)

    def _by_ref(self) -> dict[str, Unit]:
        cache = self.__dict__.get("_ref_cache")
        if cache is None:
            cache = {u.ref: u for u in self.units}
            object.__setattr__(self, "_ref_cache", cache)
        return cache

    def of_kind(self, *kinds: str) -> list[Unit]:
        return [u for u in self.units if u.kind in kinds]

    @property
    def tasks(self) -> list[Unit]:
        return self.of_kind("task")

    @property
    def articles(self) -> list[Unit]:
        return self.of_kind("article")

    def children(self, ref: str | None) -> list[Unit]:
        return [u for u in self.units if u.parent == ref]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for unit in self.units:
            if unit.kind not in ("meta", "preamble", "text"):
                out[unit.kind] = out.get(unit.kind, 0) + 1
        return out


@dataclass(frozen=True)
class Chunk:
    doc: str  # document id
    ref: str  # unit ref within the document
    kind: str  # the unit's kind
    title: str  # short human title: 任务70 获得用水用气 / 措施（三十二）巩固提升供水供气改革成果
    text: str  # text embedded and indexed, written to stand alone

    @property
    def key(self) -> tuple[str, str]:
        return (self.doc, self.ref)


@dataclass(frozen=True)
class Hit:
    ref: str
    score: float  # fused score (RRF) or the single ranker's score
    dense_rank: int | None = None  # 1-based, None when not retrieved by that ranker
    bm25_rank: int | None = None
    doc: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.doc, self.ref)


@dataclass(frozen=True)
class Citation:
    doc: str
    doc_title: str
    ref: str
    label: str
    quote: str
    title: str = ""  # the unit's one-line description (kept for older readers of the contract)

    def to_dict(self) -> dict:
        return {"doc": self.doc, "doc_title": self.doc_title, "ref": self.ref, "label": self.label,
                "quote": self.quote, "title": self.title}


@dataclass
class Answer:
    question: str
    answer: str  # markdown
    citations: list[Citation] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    abstained: bool = False
    intent: str = ""
    # Filled by the service from the library, for the contract's hits [{doc, doc_title, ref, label, score, text}].
    hit_details: list[dict] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)  # the full rows of a list answer (for downloads)
    notes: list[str] = field(default_factory=list)  # how the question was understood (scope, resolutions)
    draft: object = field(default=None, repr=False)  # the answering.Draft it was rendered from
    query: object = field(default=None, repr=False)  # the understanding.Query it answered
    writer: str = "extractive"  # who phrased it: "extractive" (the answerers) or "llm" (the optional writer)

    def to_dict(self) -> dict:
        hits = self.hit_details or [
            {"doc": h.doc, "ref": h.ref, "score": round(float(h.score), 6)} for h in self.hits
        ]
        return {
            "question": self.question,
            "answer": self.answer,
            "citations": [c.to_dict() for c in self.citations],
            "hits": hits,
            "abstained": self.abstained,
            "intent": self.intent,
            "writer": self.writer,
        }
