"""What every answerer shares: the library it answers from, retrieval run at most once per question, and
the small base class."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from dataclasses import replace

from assistant.answering import writers as write
from assistant.answering.citations import Marks
from assistant.answering.draft import Draft, Intent
from assistant.answering.evidence import Evidence
from assistant.library.store import LibraryStore
from assistant.records import Document, Hit, Unit
from assistant.understanding.doc_scope import without_mentions
from assistant.understanding.lexicon import Lexicon
from assistant.understanding.query import Query

MIN_HITS = 10


class Context:
    """The library as answerers read it. Retrieval is loaded on first use: set, numbered and document
    questions are answered from the database and the document model without the sentence model."""

    def __init__(self, docs: dict[str, Document], store: LibraryStore, evidence: Evidence, lexicon: Lexicon,
                 searcher_factory, top_k: int = MIN_HITS, library_text: str = ""):
        self.docs = docs
        self.store = store
        self.evidence = evidence
        self.lexicon = lexicon
        self.top_k = max(MIN_HITS, top_k)
        self.library_text = library_text
        self._searcher_factory = searcher_factory
        self._searches: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    @property
    def marks(self) -> Marks:
        return Marks(self.docs)

    def units(self, hits: list[Hit]) -> list[tuple[Document, Unit, Hit]]:
        out = []
        for h in hits:
            doc = self.docs.get(h.doc)
            unit = doc.unit(h.ref) if doc else None
            if unit is not None:
                out.append((doc, unit, h))
        return out

    def narrowed(self, query: Query) -> str:
        """The question without the words that named its documents, once the search is inside them."""
        return without_mentions(query.expanded, query.scope)

    def search(self, query: Query, docs: tuple[str, ...] | None = None, fill: bool = True) -> list[Hit]:
        """Hybrid retrieval for the question (in the documents' words too), within `docs` (default: the
        question's scope), filled from the rest of the library up to the hits the contract promises.
        Remembered for the last few questions, so answerers that look at the same ranking share one search."""
        scope = docs if docs is not None else query.docs
        key = (query.expanded, scope, fill)
        with self._lock:
            if key in self._searches:
                self._searches.move_to_end(key)
                return self._searches[key]
        hits = self._search(query, scope, fill)
        with self._lock:
            self._searches[key] = hits
            while len(self._searches) > 64:
                self._searches.popitem(last=False)
        return hits

    def _search(self, query: Query, scope: tuple[str, ...], fill: bool) -> list[Hit]:
        from assistant.retrieval.hybrid_search import SearchFilters

        searcher = self._searcher_factory()
        text = query.expanded
        if set(scope) >= set(self.docs):
            return searcher.search_detailed(text, k=self.top_k).hits
        hits = searcher.search_detailed(self.narrowed(query), k=self.top_k,
                                        filters=SearchFilters(docs=frozenset(scope))).hits
        if fill and len(hits) < self.top_k:  # the contract promises 10 hits: fill from the rest of the library
            rest = searcher.search_detailed(text, k=self.top_k).hits
            seen = {h.key for h in hits}
            floor = min((h.score for h in hits), default=0.0)
            extra = [replace(h, score=min(h.score, floor)) for h in rest if h.key not in seen]
            hits = hits + extra[: self.top_k - len(hits)]
        return hits

    def refuse(self, reason: str, query: Query, nearest: list[tuple[Document, Unit]] | None = None,
               hits: list[Hit] | None = None) -> Draft:
        """A short "not covered": why, what the library holds, and the nearest unit when it is close."""
        body, quotes = write.write_abstain(reason, list(self.docs.values()), query.text, nearest or [], self.marks)
        return Draft(Intent.ABSTAIN, body, quotes, abstained=True, hits=hits)


class Answerer(ABC):
    """One kind of answer. `run` returns a Draft, or None when the question is not of its kind."""

    def __init__(self, ctx: Context):
        self.ctx = ctx

    @abstractmethod
    def run(self, query: Query) -> Draft | None: ...

    def scoped_docs(self, query: Query) -> list[Document]:
        return [self.ctx.docs[d] for d in query.docs if d in self.ctx.docs]
