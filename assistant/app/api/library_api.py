"""What the API routes and the MCP tools say, built once from the pipeline's records.

An answer for a client is the rendered Answer's Draft with numbered markers: every ⟦doc‖ref⟧ token of the
draft's body becomes [1], [2] … in the order of the answer's citations, and `references` lists those units
[{index, doc, doc_title, ref, label, quote, url}], `url` opening the unit in the chat. Documents, units and
task rows come from the library's Document model (the same rows as the chat's downloads).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import quote

from assistant.answering.citations import shown_marker
from assistant.answering.draft import MARKER
from assistant.answering.render import row_record
from assistant.records import Answer, Document, Unit
from assistant.retrieval.hybrid_search import SearchFilters, agency_matches
from assistant.understanding.normalize import strip_unsafe

MODEL_ID = "policy-library"  # the library, as the one model /v1/models lists
WHOLE_LIBRARY = ("", "library", "all", "全部", MODEL_ID)


class NotFound(LookupError):
    """A document or unit the library does not hold (the message is Chinese, for the client)."""


def unit_url(base_url: str, doc: str, ref: str) -> str:
    """The chat page with the unit open (chat.js reads #cite:ANSWER:DOC:REF on load; "-": no answer)."""
    return f"{base_url.rstrip('/')}/#cite:-:{quote(doc, safe='')}:{quote(ref, safe='')}"


@dataclass
class Reply:
    text: str  # markdown with [1] [2] … markers
    references: list[dict]
    answer: Answer
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        a = self.answer
        return {"answer": self.text, "references": self.references, "intent": a.intent,
                "abstained": a.abstained, "writer": a.writer, "notes": list(a.notes)}


def numbered(answer: Answer, docs: Mapping[str, Document], base_url: str) -> tuple[str, list[dict]]:
    """(text, references): the answer's draft with its markers numbered in citation order (pure)."""
    index = {(c.doc, c.ref): i for i, c in enumerate(answer.citations, start=1)}
    draft = answer.draft
    if draft is None:  # not rendered from a draft (cannot happen through Assistant.ask); the text as it is
        body = answer.answer
    else:
        def marker(m) -> str:
            key = (m.group(1), m.group(2))
            return f"[{index[key]}]" if key in index else shown_marker(docs, key[0], key[1], False)

        body = MARKER.sub(marker, draft.body)
        if draft.notes:  # as render() shows them
            body = "（" + "；".join(draft.notes) + "）\n\n" + body
    references = [{"index": i, "doc": c.doc, "doc_title": c.doc_title, "ref": c.ref, "label": c.label,
                   "quote": c.quote, "url": unit_url(base_url, c.doc, c.ref)}
                  for i, c in enumerate(answer.citations, start=1)]
    return body, references


def _edge(value) -> str | None:
    return strip_unsafe(value) if isinstance(value, str) and value.strip() else None


def reply(assistant, question: str, history: list[str] | None = None, scope: str | None = None,
          lead: str | None = None, category: str | None = None, base_url: str = "") -> Reply:
    answer = assistant.ask(strip_unsafe(question) if isinstance(question, str) else "",
                           lead=_edge(lead), category=_edge(category), scope=_edge(scope),
                           history=[strip_unsafe(h) for h in history or [] if isinstance(h, str)] or None)
    text, references = numbered(answer, assistant.docs, base_url)
    return Reply(text, references, answer)


# --- documents and units ----------------------------------------------------------------------------


def find_document(assistant, name: str) -> Document:
    doc = assistant.library.get(name) if name else None
    if doc is None or doc.doc not in assistant.docs:
        known = "、".join(f"{d.doc}（{d.short_name or d.title}）" for d in assistant.docs.values()) or "（文库为空）"
        raise NotFound(f"文库中没有“{name}”这份文档。现有文档：{known}")
    return assistant.docs[doc.doc]


def document_summary(doc: Document) -> dict:
    m = doc.meta
    return {"doc": doc.doc, "title": doc.title, "short_name": doc.short_name, "kind": m.kind, "issuer": m.issuer,
            "doc_number": m.doc_number, "place": m.place, "year": m.year, "dates": dict(m.dates),
            "format": doc.format, "counts": doc.counts(), "tasks": len(doc.tasks)}


def list_documents(assistant) -> list[dict]:
    return [document_summary(d) for d in assistant.docs.values()]


def unit_record(doc: Document, unit: Unit, base_url: str = "") -> dict:
    out = unit.to_dict()
    out.update(doc=doc.doc, doc_title=doc.title, url=unit_url(base_url, doc.doc, unit.ref))
    return out


def document_detail(assistant, name: str, base_url: str = "") -> dict:
    doc = find_document(assistant, name)
    outline = [{"ref": u.ref, "kind": u.kind, "label": u.label, "title": u.title, "parent": u.parent,
                "url": unit_url(base_url, doc.doc, u.ref)} for u in doc.units]
    return {**document_summary(doc), "meta": doc.meta.to_dict(), "units": outline}


def show_unit(assistant, name: str, ref: str, base_url: str = "") -> dict:
    doc = find_document(assistant, name)
    unit = doc.unit(ref)
    if unit is None:
        by_label = [u for u in doc.units if u.label == ref]  # 任务70, 第二十条: as people name them
        unit = by_label[0] if len(by_label) == 1 else None
    if unit is None:
        raise NotFound(f"《{doc.title}》中没有“{ref}”。可用 /api/documents/{doc.doc} 查看全部单元。")
    return unit_record(doc, unit, base_url)


# --- task rows --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskFilter:
    lead: str | None = None
    support: str | None = None
    category: str | None = None
    deadline_before: date | None = None  # inclusive: rows whose deadline falls on or before it
    doc: str | None = None


def task_rows(assistant, f: TaskFilter) -> list[dict]:
    """Every task row meeting the filters, whole (the chat's download rows), in document order."""
    docs = [find_document(assistant, f.doc)] if f.doc else list(assistant.docs.values())
    wanted = SearchFilters(lead=f.lead, support=f.support, category=f.category)
    out = []
    for doc in docs:
        for u in doc.tasks:
            if wanted.lead and not agency_matches(wanted.lead, u.lead + (u.lead_raw,)):
                continue
            if wanted.support and not agency_matches(wanted.support, u.support + (u.support_raw,)):
                continue
            if wanted.category and wanted.category.strip() not in (u.category + u.category_raw):
                continue
            if f.deadline_before and (u.deadline_date is None or u.deadline_date > f.deadline_before):
                continue
            out.append(row_record(assistant.docs, doc.doc, u.ref))
    return out


# --- retrieval ----------------------------------------------------------------------------------------


def search_units(assistant, query: str, k: int, docs: frozenset[str] | None = None,
                 base_url: str = "") -> list[dict]:
    """The k best units for a query, each with a score in (0, 1]: its fused (RRF) score over the best a unit
    can get (first in both rankings), so a threshold means the same for every query."""
    searcher = assistant.searcher
    filters = SearchFilters(docs=docs) if docs else None
    hits = searcher.search(strip_unsafe(query), k=k, filters=filters)
    best = sum(searcher.weights) / (assistant.settings.rrf_k + 1)
    out = []
    for h in hits:
        doc = assistant.docs.get(h.doc)
        unit = doc.unit(h.ref) if doc else None
        chunk = searcher.chunk(h.ref, h.doc)
        if unit is None:
            continue
        out.append({"score": round(min(1.0, h.score / best), 6), "doc": doc.doc, "doc_title": doc.title,
                    "ref": unit.ref, "label": unit.label, "kind": unit.kind, "path": list(unit.path),
                    "title": f"《{doc.title}》{unit.label}", "content": chunk.text if chunk else unit.text,
                    "text": unit.text, "category": unit.category, "lead": "、".join(unit.lead) or unit.lead_raw,
                    "support": "、".join(unit.support) or unit.support_raw, "deadline": unit.deadline,
                    "url": unit_url(base_url, doc.doc, unit.ref)})
    return out
