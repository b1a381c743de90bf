"""Units a question names by number or title: 任务70, 第二十条, 措施（三）, 第二章, "涉外环境那一章"."""

from __future__ import annotations

import re

from assistant.answering import writers as write
from assistant.answering.answerers.base import Answerer
from assistant.answering.draft import Draft, Intent
from assistant.records import Document, Unit
from assistant.textutil import int_to_cn
from assistant.understanding.query import Query

_MEASURE_WORDS = re.compile(r"措施|方案|[(（][一二三四五六七八九十]+[)）]")
_PART_CUE = re.compile(r"章|部分|方面|板块|这块|那块")


class NumberedUnit(Answerer):
    def run(self, query: Query) -> Draft | None:
        parsed, text = query.parsed, query.text
        docs = self.scoped_docs(query)
        if parsed.task_numbers:
            return self._tasks(parsed.task_numbers[0], docs)
        if parsed.article_numbers and any(d.articles for d in docs) and not _MEASURE_WORDS.search(text):
            return self._articles(parsed.article_numbers[0], docs)
        if parsed.measure_numbers:
            drafted = self._measures(parsed.measure_numbers[0], docs)
            if drafted is not None:
                return drafted
        if parsed.chapter_numbers and not parsed.has_conditions:
            drafted = self._chapter(parsed.chapter_numbers[0], docs, query)
            if drafted is not None:
                return drafted
        heads = _headings_by_title(text, docs)
        if heads and not parsed.agencies and not parsed.wants_count:
            return self._headings(heads[:3])
        return None

    def _tasks(self, number: int, docs: list[Document]) -> Draft:
        with_tasks = [d for d in docs if d.tasks] or docs
        found = [(d, u) for d in with_tasks for u in d.tasks if u.number == number]
        if not found:
            doc = with_tasks[0]
            body, _ = write.write_missing(f"第 {number} 项", number, doc, len(doc.tasks), "项")
            return Draft(Intent.TASK, body, abstained=True)
        return self._units(found, Intent.TASK)

    def _articles(self, number: int, docs: list[Document]) -> Draft:
        with_articles = [d for d in docs if d.articles]
        found = [(d, u) for d in with_articles for u in d.articles if u.number == number]
        if not found:
            shown = f"第{int_to_cn(number)}条"
            parts = [f"《{d.title}》共 {len(d.articles)} 条" for d in with_articles[:3]]
            body = f"{'；'.join(parts)}，没有{shown}。"
            return Draft(Intent.ARTICLE, body, abstained=True)
        return self._units(found, Intent.ARTICLE)

    def _measures(self, number: int, docs: list[Document]) -> Draft | None:
        with_measures = [d for d in docs if d.of_kind("measure")]
        if not with_measures:
            return None
        found = [(d, u) for d in with_measures for u in d.of_kind("measure") if u.number == number]
        # A document whose measures restart in each part has several (三): the first of each.
        found = list({d.doc: (d, u) for d, u in reversed(found)}.values())[::-1]
        if not found:
            doc = with_measures[0]
            total = len(doc.of_kind("measure"))
            body = f"《{doc.title}》共 {total} 条措施，没有第（{int_to_cn(number)}）条，{write.not_covered([doc])}。"
            return Draft(Intent.MEASURE, body, abstained=True)
        return self._units(found, Intent.MEASURE)

    def _chapter(self, number: int, docs: list[Document], query: Query) -> Draft | None:
        heads = [(d, u) for d in docs for u in d.units if u.kind in ("part", "chapter") and u.number == number
                 and u.parent is None]
        if heads:
            return self._headings(heads[:3])
        # A document named in the question that has no such chapter: say what it has.
        if not query.scope.named or not 0 < len(docs) <= 3:
            return None
        parts = []
        for d in docs:
            tops = [u for u in d.units if u.kind in ("part", "chapter") and u.parent is None]
            if tops:
                parts.append(f"《{d.title}》共 {len(tops)} {'章' if tops[0].kind == 'chapter' else '个部分'}")
            elif d.articles:  # a regulation written without chapters (开封…条例): say so, and what it has
                parts.append(f"《{d.title}》不分章，共 {len(d.articles)} 条")
        if not parts:
            return None
        word = "章" if "章" in query.text else "部分"
        return Draft(Intent.CHAPTER, f"{'；'.join(parts)}，没有第{int_to_cn(number)}{word}。", abstained=True)

    def _units(self, found: list[tuple[Document, Unit]], intent: Intent) -> Draft:
        parts, quotes = [], {}
        for doc, unit in found[:5]:
            body, q = write.write_unit(doc, unit, self.ctx.marks)
            parts.append(f"**《{doc.title}》**\n\n{body}" if len(found) > 1 else body)
            quotes.update(q)
        return Draft(intent, "\n\n".join(parts), quotes)

    def _headings(self, heads: list[tuple[Document, Unit]]) -> Draft:
        parts, quotes = [], {}
        for doc, head in heads:
            children = [u for u in _within(doc, head) if u.kind != "task" and u.text]
            body, q = write.write_chapter(doc, head, children, self.ctx.marks)
            parts.append(f"**《{doc.title}》**\n\n{body}" if len(heads) > 1 else body)
            quotes.update(q)
        return Draft(Intent.CHAPTER, "\n\n".join(parts), quotes)


def _within(doc: Document, head: Unit) -> list[Unit]:
    """The units under a heading, through any sections (第一节…) between it and its articles."""
    out = []
    for child in doc.children(head.ref):
        out += [child] if child.text else _within(doc, child)
    return out


def _headings_by_title(text: str, docs: list[Document]) -> list[tuple[Document, Unit]]:
    """Parts or chapters a question names: by their whole title, or by the last words of a long title
    with a word that asks for a part ("涉外环境那一章", "政务环境方面")."""
    found = []
    asks_part = bool(_PART_CUE.search(text))
    if not asks_part:
        return found
    for doc in docs:
        for unit in doc.units:
            if unit.kind not in ("part", "chapter") or not unit.title or unit.parent is not None:
                continue
            head = unit.title[-4:] if len(unit.title) >= 6 else ""
            if (len(unit.title) >= 4 and unit.title in text) or (head and head in text):
                found.append((doc, unit))
    return found
