"""Everything else: the retrieved unit that best says what the question asks, quoted verbatim — or "not
covered" when no retrieved unit says enough of it."""

from __future__ import annotations

import re

from assistant.answering import writers as write
from assistant.answering.answerers.base import Answerer
from assistant.answering.draft import Draft, Intent
from assistant.answering.evidence import Term
from assistant.answering.quotes import WHEN_ASKED, answers_with_value, asked_value, in_asked_unit
from assistant.answering.ranking import Candidate, ranked
from assistant.language.cues import cue
from assistant.records import Document, Hit, Unit
from assistant.understanding.doc_scope import without_mentions
from assistant.understanding.query import Query

_PROSE_CUE = re.compile(r"(方案|条例|文件).{0,4}(怎么说|提了|提到|讲了|说了|有什么|有哪些|要求)|措施|举措|规定")
# "…由哪个部门负责/谁牵头": a row's or note's responsible units answer it, when the unit is about what was named.
_WHO_DOES = re.compile(r"(哪个|哪些|哪家|什么)(部门|单位|机构|机关)(来)?(负责|牵头|承担|落实|办理|主管|管|建设|推进|组织|实施)"
                       r"|谁(来)?(负责|牵头|承担|落实|主管|管|建设|推进|组织|实施)|由谁|责任(单位|部门)|牵头(单位|部门)")
# "…什么时候完成": a task's time limit, from its 完成时限 column or the words of the text; without one it is not
# given. "几月份建成/哪年前建立": a commitment's date, preferred where a unit gives one.
_WHEN_DONE = re.compile(r"(什么时候|何时|哪天|几月|啥时候|截止|期限|时限).{0,6}(完成|办完|到期|截止|落实|做完)|完成时限|截止(日期|时间)")
_WHEN_MADE = re.compile(r"(什么时候|何时|哪天|几月|啥时候|哪一?年|截止).{0,6}(建成|建立|出台|制定|实现|达到|上线|开通|编制|公布|"
                        r"投入?运行|投用|推开|覆盖)")

# The evidence a lookup needs (answering/evidence.py): the IDF-weighted share of the question's content
# words that the best retrieved unit contains. Calibrated on the development split of the gold set with
# eval/calibrate_evidence.py: 0.24 is the highest floor that refuses no answerable dev question (0.26
# already refuses 2.7 %); 0.22 keeps a margin. The nearest unit is offered with a refusal only above
# NEAR_FLOOR.
EVIDENCE_FLOOR = 0.22
NEAR_FLOOR = 0.25
# A time limit is read off a unit only when the unit is about most of what the question names.
DEADLINE_EVIDENCE = 0.5

_FIGURES = ("number", "time", "money", "rate", "age")
_MISSING_VALUE = {"materials": "文件没有列出所需材料，", "conditions": "文件没有写明条件，", "place": "文件没有写明在哪里办，",
                  "items": "文件没有逐项列出，"}


class Lookup(Answerer):
    def run(self, query: Query) -> Draft | None:
        hits = self.ctx.search(query)
        if not hits:
            return self.ctx.refuse("", query, hits=hits)
        in_scope = set(query.docs)
        scoped_hits = [h for h in hits if h.doc in in_scope] or hits
        kind = asked_value(query.text)
        candidates = self.candidates(query, scoped_hits[:8], kind)
        best = max((c.coverage for c in candidates), default=0.0)
        # (The share a subject must carry to be "the" subject, 0.6, was calibrated on the question as asked, names
        # of documents included: it is weighed on that.)
        if best < EVIDENCE_FLOOR or self.ctx.evidence.unknown_subject(self.ctx.evidence.terms(query.text)):
            near = [(candidates[0].doc, candidates[0].unit)] if candidates and best >= NEAR_FLOOR else []
            return self.ctx.refuse("", query, near, hits=hits)
        text = query.expanded  # matched against units in the documents' words too (通天然气 → 供气)
        # What a unit must be about, weighed without the words that named the documents (they tell no unit apart).
        about = self.ctx.evidence.terms(without_mentions(text, query.scope))
        strict = bool(_WHEN_DONE.search(text))
        asks_deadline = strict or bool(_WHEN_MADE.search(text))
        units = [(c.doc, c.unit, c.hit) for c in candidates[:5]]
        if kind is None and not asks_deadline and WHEN_ASKED.search(text) and any(
                answers_with_value(text, write.unit_text(d, u)[0], "time") for d, u, _ in units[:3]):
            kind = "time"  # "从哪年开始…": a unit near the top gives a date, so the answer is that date
        if _WHO_DOES.search(text) and not asks_deadline and kind is None:
            responsible = self._responsible_unit(about, units)
            if responsible is not None:
                body, quotes = write.write_responsible(text, responsible, self.ctx.marks, multi=len(self.ctx.docs) > 1)
                return Draft(Intent.LOOKUP, body, quotes, hits=hits)
        primary = self._answering_unit(text, about, units, kind, asks_deadline, strict)
        if primary is None:
            reason = _MISSING_VALUE.get(kind, "文件没有给出这一期限，" if asks_deadline else "文件没有给出这一数值，")
            return self.ctx.refuse(reason, query, [(candidates[0].doc, candidates[0].unit)], hits=hits)
        docs = self.scoped_docs(query)
        marks = self.ctx.marks
        if len(docs) > 1 and kind:
            others = self._other_documents_answering(text, units, kind, primary)
            if others:
                body, quotes = write.write_per_document(text, [primary] + others, kind, marks, asks_deadline)
                return Draft(Intent.LOOKUP, body, quotes, hits=hits)
        related = [(d, u, h) for d, u, h in self.ctx.units(scoped_hits)
                   if (d.doc, u.ref) != (primary[0].doc, primary[1].ref)]
        body, quotes = write.write_lookup(text, primary, related, kind, marks, asks_deadline=asks_deadline,
                                          multi=len(self.ctx.docs) > 1)
        return Draft(Intent.LOOKUP, body, quotes, hits=hits)

    def candidates(self, query: Query, hits: list[Hit], kind: str | None) -> list[Candidate]:
        """The retrieved units with what they say of the question, best first (answering/ranking.py)."""
        evidence = self.ctx.evidence
        # Inside the documents the question named, the words that named them (无废城市, 广东条例) tell no unit apart.
        terms = evidence.terms(without_mentions(query.text, query.scope))
        out = []
        for rank, (doc, unit, hit) in enumerate(self.ctx.units(hits), start=1):
            key = (doc.doc, unit.ref)
            value = kind is None or answers_with_value(query.expanded, write.unit_text(doc, unit)[0], kind)
            out.append(Candidate(doc, unit, hit, rank, evidence.support(terms, key), evidence.coverage(terms, key),
                                 value))
        return ranked(out)

    def _responsible_unit(self, terms: list[Term], top: list[tuple[Document, Unit, Hit]]) -> tuple[Document, Unit] | None:
        """The best-ranked unit about what the question names (`terms`) that says who is responsible for it."""
        for doc, unit, _ in top:
            if (unit.lead or unit.lead_raw or unit.responsible) and \
                    self.ctx.evidence.coverage(terms, (doc.doc, unit.ref)) >= DEADLINE_EVIDENCE:
                return doc, unit
        return None

    def _answering_unit(self, text: str, terms: list[Term], top: list[tuple[Document, Unit, Hit]], kind: str | None,
                        asks_deadline: bool, strict: bool = True) -> tuple[Document, Unit] | None:
        """The best-ranked unit that can answer: for "多少/多久" questions one that gives such a value. `terms`:
        what the question is about, which a dated or figure-giving unit must say."""
        if not top:
            return None
        if asks_deadline:
            # "…什么时候完成" asks a task's time limit; the unit must be about what the question names.
            about = [(d, u) for d, u, _ in top if self.ctx.evidence.coverage(terms, (d.doc, u.ref)) >= DEADLINE_EVIDENCE]
            dated = [(d, u) for d, u in about if u.deadline]
            if dated:
                return dated[0]
            # No row with a 完成时限 column: a measure that writes its date in the text (到2020年底, 2021年3月底前).
            written = [(d, u) for d, u in about if answers_with_value(text, write.unit_text(d, u)[0], "time")]
            if written or strict:
                return written[0] if written else None
        if kind is None:
            # "方案怎么说/提了什么措施" asks for the prose: a measure or article near the top answers it best.
            if _PROSE_CUE.search(text):
                prose = [(d, u) for d, u, _ in top if u.kind in ("measure", "article", "item", "point")]
                if prose:
                    return prose[0]
            # The header (title, 文号, dates) answers questions about the document, which come before this
            # answerer; a question about what it says is answered from its text.
            said = [(d, u) for d, u, _ in top if u.kind != "meta"]
            about_document = cue("document_fact").search(text)
            return said[0] if said and top[0][1].kind == "meta" and not about_document else top[0][:2]
        # The value is read off the top three; below them, a figure only off a unit about all that the question
        # names (a list of materials or conditions is too easily "given" by any unit on the topic).
        whole = [(d, u, h) for d, u, h in top[3:] if kind in _FIGURES
                 and self.ctx.evidence.coverage(terms, (d.doc, u.ref)) >= 0.99]
        near = top[:3] + whole
        if not cue("document_fact").search(text):
            # The header's dates and 文号 give a value only to a question about the document (asked above).
            near = [(d, u, h) for d, u, h in near if u.kind != "meta"]
        texts = {(d.doc, u.ref): write.unit_text(d, u)[0] for d, u, _ in near}
        giving = [(d, u) for d, u, _ in near if answers_with_value(text, texts[(d.doc, u.ref)], kind)] or \
            [(d, u) for d, u, _ in near if kind == "number" and answers_with_value(text, texts[(d.doc, u.ref)], kind,
                                                                                   exact_count=False)]
        if kind == "time":
            # "多少天内给回复" is answered by 五个工作日内回复 before a 24小时 said of something else.
            in_unit = in_asked_unit(text, [texts[(d.doc, u.ref)] for d, u in giving])
            giving = [(d, u) for d, u in giving if texts[(d.doc, u.ref)] in in_unit]
        return giving[0] if giving else None

    def _other_documents_answering(self, text: str, top: list[tuple[Document, Unit, Hit]], kind: str,
                                   primary: tuple[Document, Unit]) -> list[tuple[Document, Unit]]:
        """Other documents whose near-top units give the asked value too (a time limit in two places)."""
        seen = {primary[0].doc}
        out = []
        for doc, unit, hit in top:
            if doc.doc in seen or (hit.dense_rank or 99) > 5:
                continue
            if answers_with_value(text, write.unit_text(doc, unit)[0], kind):
                out.append((doc, unit))
                seen.add(doc.doc)
        return out
