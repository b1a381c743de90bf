"""A question understood once: `Understanding.run(question, history, scope) → Query`.

Everything an answerer needs to know about a question is decided here, in one pass: the cleaned text,
typos resolved, a follow-up written out in full against the conversation, the documents it is about, and
its parsed conditions (agencies and roles, categories, deadlines, numbers, counting). Answerers read the
Query; none of them parses the question again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from assistant.ingest.metadata import reference_date
from assistant.language.cues import cue
from assistant.records import Document
from assistant.thesaurus import thesaurus
from assistant.understanding.doc_scope import Scope, names_only_a_kind, resolve_scope
from assistant.understanding.followup import COUNTED_PART, NUMBERED_PART, FollowUp, resolve as resolve_followup
from assistant.understanding.lexicon import Lexicon
from assistant.understanding.normalize import clean_question, strip_unsafe
from assistant.understanding.query_parse import AgencyCondition, ParsedQuestion, parse_question
from assistant.understanding.spelling import Correction, Speller

# A follow-up reads at most this many earlier questions: enough for "那配合的呢 → 其中… → 第二个", and a
# history of any length costs the same.
HISTORY_TURNS = 6


@dataclass(frozen=True)
class Query:
    question: str  # what the user asked, cleaned for showing
    text: str  # what is answered: typos resolved, a follow-up written out in full
    parsed: ParsedQuestion
    scope: Scope
    error: str = ""  # why the question cannot be asked as given (Chinese); the rest is then empty
    follow: FollowUp | None = None
    corrections: tuple[Correction, ...] = ()
    history: tuple[str, ...] = ()  # the earlier questions it was read against (cleaned, capped)
    scope_field: str | None = None  # the scope the caller set (a document picker, the batch `scope`)
    ui_filters: tuple[str | None, str | None] = (None, None)  # (lead, category) chosen in a picker

    @property
    def docs(self) -> tuple[str, ...]:
        return self.scope.docs

    @property
    def refers_to_previous(self) -> bool:
        """"第二个详细说说", "这项什么时候完成": about a unit of the previous answer."""
        return bool(self.follow and (self.follow.ordinal or self.follow.refers_back))

    @property
    def notes(self) -> list[str]:
        out = [f"按“{c.meant}”理解（原文“{c.typed}”）" for c in self.corrections]
        if self.follow and self.follow.rewritten and not self.refers_to_previous:
            out.append(f"接上一问，按“{self.follow.text}”理解")
        return out

    @property
    def expanded(self) -> str:
        """The text with the documents' terms for its everyday phrases appended (注册个公司 → 开办企业)."""
        extra = thesaurus().expansion(self.text)
        return f"{self.text} {' '.join(extra)}" if extra else self.text


@dataclass
class Understanding:
    """Reads questions against one library: its documents, agency and category names, and vocabulary."""

    docs: dict[str, Document]
    lexicon: Lexicon
    speller: Speller
    _references: dict[tuple[str, ...], date | None] = field(default_factory=dict)

    def run(self, question: object, history: list[str] | None = None, scope: str | None = None,
            lead: str | None = None, category: str | None = None) -> Query:
        clean = clean_question(question)
        shown = clean.text if clean.text else strip_unsafe(str(question))[:200]
        empty = ParsedQuestion(text=shown)
        everything = Scope(tuple(self.docs))
        if clean.error:
            return Query(shown, shown, empty, everything, error=clean.error)
        text, corrections = self.speller.correct(clean.text)
        earlier = []
        for item in (history or [])[-HISTORY_TURNS:]:
            c = clean_question(item)
            if not c.error:
                earlier.append(self.speller.correct(c.text)[0])
        follow = resolve_followup(text, earlier, self.lexicon)
        # "它是什么时候施行的？", "那它的第十条呢？" after a question about one document ask about the document,
        # not about the unit the previous answer rests on.
        about_document = cue("document_fact").search(text) or NUMBERED_PART.search(text) or COUNTED_PART.search(text)
        before = self._one_document(follow.previous, scope) if follow.refers_back and about_document else None
        if before is not None:
            follow = replace(follow, refers_back=False, rewritten=False, text=text)
        answered = follow.text if not (follow.ordinal or follow.refers_back) else text
        parsed, doc_scope = self._parse(answered, scope)
        if (not doc_scope.named or names_only_a_kind(doc_scope) and _THIS_DOCUMENT.search(answered)) \
                and not doc_scope.reason and follow.previous and (
                before is not None or NUMBERED_PART.search(answered) or COUNTED_PART.search(answered)
                or _THIS_DOCUMENT.search(answered)):
            # That question, "第六章讲什么？" or "这个意见有多少条措施": the previous question's one document.
            doc_scope = before or self._one_document(follow.previous, scope) or doc_scope
        parsed = _with_ui_filters(parsed, lead, category)
        return Query(shown, answered, parsed, doc_scope, follow=follow, corrections=tuple(corrections),
                     history=tuple(earlier), scope_field=scope, ui_filters=(lead, category))

    def _one_document(self, question: str, scope: str | None) -> Scope | None:
        """The scope of a question that names exactly one document, else None."""
        found = self._parse(question, scope)[1]
        return found if found.named and len(found.docs) == 1 else None

    def _parse(self, text: str, scope: str | None) -> tuple[ParsedQuestion, Scope]:
        # Parsed twice on purpose: the deadline and agencies found first keep the scope from reading a
        # deadline's year or an agency's place as naming a document; the final parse reads dates in the
        # period of the documents the question is about.
        first = parse_question(text, self.lexicon, self._reference(tuple(self.docs)))
        spans = [(m.start, m.end) for m in first.mentions if m.kind == "agency"]
        doc_scope = resolve_scope(text, list(self.docs.values()), scope,
                                  deadline_text=first.deadline.text if first.deadline else "", agency_spans=spans)
        reference = self._reference(doc_scope.docs)
        parsed = first if reference == self._reference(tuple(self.docs)) else \
            parse_question(text, self.lexicon, reference)
        return _without_title_words(parsed, text, doc_scope), doc_scope

    def _reference(self, ids: tuple[str, ...]) -> date | None:
        """The date questions about these documents are read against (when they were issued)."""
        if ids not in self._references:
            docs = [self.docs[d] for d in ids if d in self.docs]
            found = next((reference_date(d.meta) for d in docs
                          if d.tasks or any(u.deadline_date for u in d.units)), None)
            self._references[ids] = found or (reference_date(docs[0].meta) if docs else None)
        return self._references[ids]


_THIS_DOCUMENT = re.compile(r"(这|该|此|那)(个|份|部|篇)?(意见|条例|方案|文件|通知|要点|清单|规定|办法|计划|法)")


def _without_title_words(parsed: ParsedQuestion, text: str, scope: Scope) -> ParsedQuestion:
    """A category word inside the words that named a document (就业 in "就业意见里…") names the document,
    not a condition on its rows."""
    spans = [(text.find(m), text.find(m) + len(m)) for m in scope.mentions if len(m) >= 4 and m in text]
    inside = {n for m in parsed.mentions if m.kind == "category"
              and any(s <= m.start and m.end <= e for s, e in spans) for n in m.names}
    if not inside:
        return parsed
    return replace(parsed, categories=tuple(c for c in parsed.categories if c not in inside))


def _with_ui_filters(parsed: ParsedQuestion, lead: str | None, category: str | None) -> ParsedQuestion:
    """A lead or category chosen in a picker is one more condition of the question."""
    if lead and lead not in ("全部", "") and all(lead not in a.names for a in parsed.agencies):
        parsed = replace(parsed, agencies=parsed.agencies + (AgencyCondition(lead, (lead,), "lead"),))
    if category and category not in ("全部", "") and category not in parsed.categories:
        parsed = replace(parsed, categories=parsed.categories + (category,))
    return parsed
