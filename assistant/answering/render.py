"""One renderer for every answer: a Draft becomes the contract's Answer (markdown, citations in the order
they are shown, hits ≥ 10, rows), whoever asked — the CLI, the batch, the chat or an API."""

from __future__ import annotations

from collections.abc import Mapping

from assistant.answering.citations import collect_citations, resolve_markers
from assistant.answering.draft import Draft, Intent, Key
from assistant.records import Answer, Document, Hit

MIN_HITS = 10


def render(draft: Draft, question: str, docs: Mapping[str, Document], scope_docs: tuple[str, ...] = ()) -> Answer:
    cited = draft.cited
    qualify = len({d for d, _ in cited}) > 1  # several documents cited: every marker names its document
    markdown = resolve_markers(draft.body, docs, qualify)
    if draft.notes:
        markdown = "（" + "；".join(draft.notes) + "）\n\n" + markdown
    citations = collect_citations(cited, draft.quotes, docs)
    cited = [(c.doc, c.ref) for c in citations]
    if draft.hits is not None:
        hits = draft.hits if draft.abstained else ranking_for(draft.intent, draft.hits, cited)
    else:
        scoped = [docs[d] for d in scope_docs if d in docs]
        # The scope's documents first; the rest of the library only fills a small scope up to ten hits.
        hits = structural_hits(cited, scoped + [d for d in docs.values() if d not in scoped] if scoped
                               else list(docs.values()))
    answer = Answer(question=question, answer=markdown, citations=citations, hits=hits,
                    abstained=draft.abstained, intent=str(draft.intent), notes=list(draft.notes))
    answer.hit_details = hit_details(hits, docs)
    if draft.intent in (Intent.LIST, Intent.COUNT):
        answer.rows = [row_record(docs, doc, ref) for doc, ref in draft.rows]
    answer.draft = draft
    return answer


def ranking_for(intent: Intent, hits: list[Hit], cited: list[Key]) -> list[Hit]:
    """The ranking a reader sees. A lookup puts what the answer rests on first. A set answer decides which
    task rows are relevant (its rows go before rows outside it) but not where other units rank."""
    by_key = {h.key: h for h in hits}
    if intent in (Intent.LIST, Intent.COUNT):
        cited_set = set(cited)
        in_set_or_prose = [h.key for h in hits if h.key in cited_set or not h.ref.startswith("task-")]
        missing = [k for k in cited if k not in by_key]
        outside = [h.key for h in hits if h.ref.startswith("task-") and h.key not in cited_set]
        order = in_set_or_prose + missing + outside
    else:
        order = cited + [h.key for h in hits if h.key not in set(cited)]
    # Each score is capped by the one above it, so the list stays non-increasing after reordering.
    ranked: list[Hit] = []
    previous = max((h.score for h in hits), default=0.0)
    for key in order:
        old = by_key.get(key)
        score = min(old.score, previous) if old else previous
        previous = score
        ranked.append(Hit(key[1], score, old.dense_rank if old else None, old.bm25_rank if old else None, doc=key[0]))
    return ranked


def structural_hits(cited: list[Key], docs: list[Document]) -> list[Hit]:
    """The ranking for an answer read from the database: the cited units, then the rest of the rows (or
    units) of the same documents in their order, so a reader always gets at least ten."""
    order = list(dict.fromkeys(cited))
    # Document by document (the scope's first), each one's rows before its other units.
    keys = [(d.doc, u.ref) for d in docs for u in (d.tasks + [u for u in d.units if u.kind not in ("meta", "task")])]
    for key in keys:
        if len(order) >= max(MIN_HITS, len(cited)):
            break
        if key not in order:
            order.append(key)
    return [Hit(ref, round(1.0 - i / (len(order) + 1), 6), doc=doc) for i, (doc, ref) in enumerate(order)]


def hit_details(hits: list[Hit], docs: Mapping[str, Document]) -> list[dict]:
    out = []
    for h in hits:
        doc = docs.get(h.doc)
        unit = doc.unit(h.ref) if doc else None
        out.append({"doc": h.doc, "doc_title": doc.title if doc else "", "ref": h.ref,
                    "label": unit.label if unit else h.ref, "score": round(float(h.score), 6),
                    "text": (unit.text or unit.title) if unit else ""})
    return out


def row_record(docs: Mapping[str, Document], doc_id: str, ref: str) -> dict:
    """A row of a set answer, whole, for tables and downloads."""
    doc = docs[doc_id]
    u = doc.unit(ref)
    return {"doc": doc_id, "doc_title": doc.title, "ref": ref, "label": u.label, "number": u.number,
            "category": u.category, "goal": u.goal, "task": u.text, "deadline": u.deadline,
            "lead": "、".join(u.lead) or u.lead_raw, "support": "、".join(u.support) or u.support_raw,
            **{f"其他:{k}": v for k, v in u.fields.items()}}
