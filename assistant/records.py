"""Typed records shared by every layer: the parsed notice, chunks, hits and answers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date


@dataclass(frozen=True)
class NoticeMeta:
    doc_id: str  # stable id of the document, e.g. "gx-2022-yshj"
    title: str  # 《2022年广西优化营商环境行动方案》 without the book-title marks
    notice_title: str  # the covering notice's own title (关于印发…的通知)
    doc_number: str  # 文号, e.g. 桂政办发〔2022〕40号
    issuer: str  # 广西壮族自治区人民政府办公厅
    addressees: str
    signed_date: str  # 成文日期, as written: 2022年6月17日
    printed_date: str  # 印发日期: 2022年6月20日
    release_note: str  # 此件公开发布
    attachment_title: str  # 附件标题
    cc: str  # 抄送

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Chapter:
    number: int  # 1..9
    title: str  # 着力打造公平竞争的市场环境

    def to_dict(self) -> dict:
        return {"number": self.number, "title": self.title}


@dataclass(frozen=True)
class Measure:
    number: int  # 1..41
    chapter: int  # chapter number 1..9
    title: str  # lead phrase, e.g. 破除地方保护和区域壁垒
    text: str  # full text after the heading, page breaks repaired

    @property
    def ref(self) -> str:
        return f"measure-{self.number}"

    def to_dict(self) -> dict:
        return {"number": self.number, "chapter": self.chapter, "title": self.title, "text": self.text}


@dataclass(frozen=True)
class TaskRow:
    number: int  # 序号
    category: str  # 指标名称, canonical variant
    goal: str  # 目标
    task: str  # 具体任务
    deadline: str  # 完成时限 without spaces
    deadline_date: date | None
    lead: tuple[str, ...]  # canonical agency names
    support: tuple[str, ...]
    lead_raw: str
    support_raw: str
    line: int = 0  # 1-based line in the corpus file, for error messages and checking
    category_raw: str = ""  # 指标名称 exactly as written

    @property
    def ref(self) -> str:
        return f"task-{self.number}"

    def to_dict(self) -> dict:
        return {
            "number": self.number,
            "category": self.category,
            "goal": self.goal,
            "task": self.task,
            "deadline": self.deadline,
            "deadline_date": self.deadline_date.isoformat() if self.deadline_date else None,
            "lead": list(self.lead),
            "support": list(self.support),
            "lead_raw": self.lead_raw,
            "support_raw": self.support_raw,
        }


@dataclass(frozen=True)
class Notice:
    meta: NoticeMeta
    preamble: str  # the action plan's opening paragraph (为贯彻落实…)
    chapters: tuple[Chapter, ...]
    measures: tuple[Measure, ...]
    tasks: tuple[TaskRow, ...]
    source: str = ""  # path of the corpus file
    sha256: str = ""  # hash of the corpus bytes

    def task(self, number: int) -> TaskRow | None:
        for t in self.tasks:
            if t.number == number:
                return t
        return None

    def measure(self, number: int) -> Measure | None:
        for m in self.measures:
            if m.number == number:
                return m
        return None

    def chapter(self, number: int) -> Chapter | None:
        for c in self.chapters:
            if c.number == number:
                return c
        return None

    def to_dict(self) -> dict:
        return {
            "meta": self.meta.to_dict(),
            "chapters": [c.to_dict() for c in self.chapters],
            "measures": [m.to_dict() for m in self.measures],
            "tasks": [t.to_dict() for t in self.tasks],
        }


@dataclass(frozen=True)
class Chunk:
    ref: str  # task-70, measure-32, meta, preamble, chapter-9 …
    doc: str  # document id
    kind: str  # "task" | "measure" | "meta" | "preamble"
    title: str  # short human title: 任务70 获得用水用气 / 措施（三十二）巩固提升供水供气改革成果
    text: str  # text embedded and indexed, written to stand alone


@dataclass(frozen=True)
class Hit:
    ref: str
    score: float  # fused score (RRF) or the single ranker's score
    dense_rank: int | None = None  # 1-based, None when not retrieved by that ranker
    bm25_rank: int | None = None


@dataclass(frozen=True)
class Citation:
    ref: str
    doc: str
    title: str
    quote: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Answer:
    question: str
    answer: str  # markdown
    citations: list[Citation] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    abstained: bool = False
    intent: str = ""

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "citations": [c.to_dict() for c in self.citations],
            "hits": [{"ref": h.ref, "score": round(float(h.score), 6)} for h in self.hits],
            "abstained": self.abstained,
            "intent": self.intent,
        }
