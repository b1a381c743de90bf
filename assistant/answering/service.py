"""The assistant: a question walks one way — understood once into a Query, answered by the first of a few
small answerers into a Draft, rendered once into the contract's Answer.

Set questions (哪些/多少项/…牵头) are answered from the database, exactly; numbered references (任务70,
第二十条, 第（三）条) from the units; questions about documents from the document model; comparisons one
document at a time; everything else from hybrid retrieval with a verbatim quote. Out-of-scope questions
abstain and say what the library covers.
"""

from __future__ import annotations

import threading

from assistant.answering.answerers import Context, default_answerers
from assistant.answering.draft import Draft, Intent
from assistant.answering.evidence import Evidence
from assistant.answering.render import render
from assistant.config import Settings, load_settings
from assistant.library.catalog import Library
from assistant.library.watch import LibraryWatch
from assistant.records import Answer, Document
from assistant.thesaurus import domain_terms, thesaurus
from assistant.understanding.lexicon import Lexicon
from assistant.understanding.query import Query, Understanding
from assistant.understanding.spelling import Speller

MIN_HITS = 10


class Assistant:
    def __init__(self, settings: Settings | None = None, progress: bool = True, library: Library | None = None):
        self.settings = settings or load_settings()
        self.progress = progress
        self.library = library or Library(self.settings, progress=progress)
        self.sync_messages = self.library.sync()
        self._searcher = None
        self.writer = None  # an optional LLMWriter (answering/llm_writer.py): phrases lookups and comparisons
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._load_library()
        self.watch = LibraryWatch(self.library)

    def _load_library(self) -> None:
        self.docs: dict[str, Document] = dict(self.library.documents)
        store = self.library.store
        self.lexicon = Lexicon.build(store.agency_names(), [c for c, _ in store.categories()])
        library_text = "\n".join(u.text + u.goal + u.lead_raw + u.support_raw + u.title
                                 for d in self.docs.values() for u in d.units)
        self.evidence = Evidence(list(self.docs.values()))
        vocabulary = [*self.lexicon.agencies, *self.lexicon.categories, *thesaurus().vocabulary(), *domain_terms()]
        self.speller = Speller(vocabulary, library_text)
        self.understanding = Understanding(self.docs, self.lexicon, self.speller)
        self.context = Context(self.docs, store, self.evidence, self.lexicon, lambda: self.searcher,
                               top_k=self.settings.top_k, library_text=library_text)
        self.answerers = default_answerers(self.context, self._previous_draft)

    def reload(self) -> None:
        """Pick up documents added or removed since start (by `library add`/`remove` or the folder)."""
        self.sync_messages = self.library.sync()
        with self._lock:
            self._searcher = None
        self._load_library()
        self.watch.mark()

    def follow_library(self) -> str | None:
        """Reload when another process (or a file dropped into the folder) changed the library since the last
        load: checked before every question (two cheap reads), so no answer comes from a removed document.
        Returns the Chinese note the answer carries, or None when nothing changed."""
        if not self.watch.changed():
            return None
        with self._reload_lock:
            before = set(self.docs)
            self.reload()
        after = set(self.docs)
        what = [f"新增 {len(after - before)} 份" if after - before else "",
                f"移除 {len(before - after)} 份" if before - after else ""]
        what = "，".join(w for w in what if w) or "有文档更新"
        note = f"文库已更新（{what}），已重新载入，现有 {len(after)} 份文档"
        import sys

        print(note, file=sys.stderr, flush=True)
        return note

    @property
    def searcher(self):
        with self._lock:
            if self._searcher is None:
                from assistant.retrieval.encoder import Encoder
                from assistant.retrieval.hybrid_search import make_searcher

                encoder = Encoder(self.settings, progress=self.progress)
                self._searcher = make_searcher(self.settings, encoder=encoder, docs=list(self.docs.values()),
                                                cache=self.library.store, progress=self.progress)
            return self._searcher

    def warm_up(self) -> None:
        self.searcher.search("开办企业", k=1)

    # -- the one entry point --------------------------------------------------------------------------
    def understand(self, question: object, history: list[str] | None = None, scope: str | None = None,
                   lead: str | None = None, category: str | None = None) -> Query:
        return self.understanding.run(question, history, scope, lead, category)

    def draft(self, query: Query) -> Draft:
        for answerer in self.answerers:
            drafted = answerer.run(query)
            if drafted is not None:
                every_version = any(d in query.scope.other_versions for d, _ in drafted.compared)
                scope_note = [query.scope.note] if query.scope.note and not drafted.abstained and not every_version else []
                if query.scope.missing and not drafted.abstained and drafted.intent is not Intent.COMPARE:
                    # 四川和广东的条例…: answered from 广东's, and the asker told that 四川's is not held.
                    scope_note.append("文库中没有" + "、".join(query.scope.missing) + "，以下只依据文库中有的文件回答")
                drafted.notes = query.notes + scope_note + drafted.notes
                return drafted
        raise AssertionError("the last answerer always answers")

    def ask(self, question: str, lead: str | None = None, category: str | None = None, scope: str | None = None,
            history: list[str] | None = None) -> Answer:
        """Answer one question. `history` holds the conversation's earlier user questions, oldest first: a
        follow-up ("那配合的呢？") is read against them."""
        reloaded = self.follow_library()
        query = self.understand(question, history, scope, lead, category)
        draft, writer = self.draft(query), "extractive"
        if self.writer is not None:
            draft, writer = self.writer.write(draft, query.question, self.docs)
        if reloaded:
            draft.notes = [reloaded, *draft.notes]
        answer = render(draft, query.question, self.docs, query.docs)
        answer.query = query
        answer.writer = writer
        return answer

    def _previous_draft(self, query: Query) -> Draft | None:
        """The previous turn's draft, for "第二个…"/"这项…": answered once from the (capped) history."""
        if not query.history:
            return None
        earlier = self.understand(query.history[-1], list(query.history[:-1]), query.scope_field, *query.ui_filters)
        return self.draft(earlier)
