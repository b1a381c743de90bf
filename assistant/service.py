"""The assistant: one typed `ask` that routes a question to the parsed table, a record, or retrieval.

Set questions (哪些/多少项/…牵头) are answered from the parsed table, exactly; numbered references from the
records; everything else from hybrid retrieval with a verbatim quote. Out-of-scope questions abstain.
"""

from __future__ import annotations

import difflib
import re
import threading

from . import answer_writer as write
from .citations import collect_citations
from .config import Settings, load_settings
from .lexicon import Lexicon
from .normalize import clean_question
from .notice_parser import load_notice
from .query_parse import AgencyCondition, ParsedQuestion, parse_question
from .records import Answer, Hit, Notice
from .quotes import answers_with_value, asked_value
from .scope import place_reason, request_reason, weak_evidence, year_reason
from .table_query import select_rows
from .textutil import int_to_cn

_META = re.compile(
    r"文号|发文字号|发文机关|哪个(部门|单位|机关)(印发|发布|发的|出台|制定)|谁(印发|发布|发的|出台)|印发(日期|时间)"
    r"|什么时候(印发|发布|出台|发的|成文)|成文(日期|时间)|是否公开|公开发布|主送"
)
_MEASURE_TOPIC = re.compile(r"措施|举措|政策|规定|要求")
_PROSE_CUE = re.compile(r"方案.{0,4}(怎么说|提了|提到|讲了|说了|有什么|有哪些|要求)|措施|举措")

_WHEN_DONE = re.compile(r"(什么时候|何时|哪天|几月|啥时候|截止|期限|时限).{0,6}(完成|办完|到期|截止|落实|做完)|完成时限|截止(日期|时间)")

# Retrieval-evidence floors for abstention: below either, nothing in the notice is close to the question.
# Measured on the gold set (eval/gold.jsonl): chit-chat scores dense ≈ 0.84 and BM25 ≈ 0, while the
# answerable free-text questions all score BM25 ≥ 2.9 (their content words occur in the notice).
DENSE_FLOOR = 0.85
BM25_FLOOR = 1.5


def _ranking_for(intent: str, hits: list[Hit], cited: list[str]) -> list[Hit]:
    """The ranking a reader sees. A lookup puts what the answer rests on first. A set answer decides which
    task rows are relevant (its rows go before rows outside it) but not where measures rank."""
    if intent in ("list", "count"):
        cited_set = set(cited)
        in_set_or_prose = [h.ref for h in hits if h.ref in cited_set or not h.ref.startswith("task-")]
        missing = [ref for ref in cited if ref not in {h.ref for h in hits}]
        outside = [h.ref for h in hits if h.ref.startswith("task-") and h.ref not in cited_set]
        order = in_set_or_prose + missing + outside
    else:
        order = cited + [h.ref for h in hits if h.ref not in cited]
    by_ref = {h.ref: h for h in hits}
    # Each score is capped by the one above it, so the list stays non-increasing after reordering.
    ranked: list[Hit] = []
    previous = max((h.score for h in hits), default=0.0)
    for ref in order:
        old = by_ref.get(ref)
        score = min(old.score, previous) if old else previous
        previous = score
        ranked.append(Hit(ref, score, old.dense_rank if old else None, old.bm25_rank if old else None))
    return ranked


class Assistant:
    def __init__(self, settings: Settings | None = None, progress: bool = True) -> None:
        self.settings = settings or load_settings()
        self.progress = progress
        self.notice: Notice = load_notice(self.settings)
        self.lexicon = Lexicon.from_notice(self.notice)
        self._notice_text = self._flat_text(self.notice)
        self._searcher = None
        self._lock = threading.Lock()

    @staticmethod
    def _flat_text(notice: Notice) -> str:
        parts = [notice.preamble, *(m.text for m in notice.measures)]
        for t in notice.tasks:
            parts += [t.category, t.goal, t.task, t.lead_raw, t.support_raw]
        return "\n".join(parts)

    # -- retrieval -----------------------------------------------------------------------------------
    @property
    def searcher(self):
        with self._lock:
            if self._searcher is None:
                from .encoder import Encoder
                from .hybrid_search import HybridSearcher

                encoder = Encoder(self.settings, progress=self.progress)
                self._searcher = HybridSearcher(
                    self.settings, encoder=encoder, notice=self.notice, progress=self.progress
                )
            return self._searcher

    def warm_up(self) -> None:
        self.searcher.search("开办企业", k=1)

    # -- the one entry point --------------------------------------------------------------------------
    def ask(self, question: str, lead: str | None = None, category: str | None = None) -> Answer:
        clean = clean_question(question)
        if clean.error:
            return Answer(question=str(question)[:200], answer=clean.error, abstained=True, intent="invalid")
        text = clean.text
        parsed = parse_question(text, self.lexicon)
        parsed = self._with_ui_filters(parsed, lead, category)
        result = self.searcher.search_detailed(text, k=max(10, self.settings.top_k))
        hits = result.hits
        markdown, quotes, intent, abstained = self._route(text, parsed, result)
        citations = collect_citations(markdown, self.notice, quotes)
        if not abstained:
            hits = _ranking_for(intent, hits, [c.ref for c in citations])
        return Answer(question=question, answer=markdown, citations=citations, hits=hits,
                      abstained=abstained, intent=intent)

    def _with_ui_filters(self, parsed: ParsedQuestion, lead: str | None, category: str | None) -> ParsedQuestion:
        from dataclasses import replace

        if lead and lead not in ("全部", "") and all(lead not in a.names for a in parsed.agencies):
            parsed = replace(parsed, agencies=parsed.agencies + (AgencyCondition(lead, (lead,), "lead"),))
        if category and category not in ("全部", "") and category not in parsed.categories:
            parsed = replace(parsed, categories=parsed.categories + (category,))
        return parsed

    def _route(self, text: str, parsed: ParsedQuestion, result):
        notice, hits = self.notice, result.hits
        reason = (
            request_reason(text, self._notice_text)
            or place_reason(text, self._notice_text)
            or year_reason(text, parsed)
        )
        if reason:
            md, quotes = write.write_abstain(reason, notice, text, hits[:1])
            return md, quotes, "abstain", True

        if parsed.task_numbers:
            number = parsed.task_numbers[0]
            row = notice.task(number)
            if row is None:
                md, quotes = write.write_missing_task(number, len(notice.tasks))
                return md, quotes, "task", True
            md, quotes = write.write_task(row)
            return md, quotes, "task", False
        if parsed.measure_numbers:
            measure = notice.measure(parsed.measure_numbers[0])
            if measure is None:
                md = f"方案共 {len(notice.measures)} 条措施，没有第（{int_to_cn(parsed.measure_numbers[0])}）条，{write.NOT_COVERED}。"
                return md, {}, "measure", True
            md, quotes = write.write_measure(measure, notice.chapter(measure.chapter))
            return md, quotes, "measure", False
        if parsed.chapter_numbers and not parsed.has_conditions:
            chapter = notice.chapter(parsed.chapter_numbers[0])
            if chapter:
                measures = [m for m in notice.measures if m.chapter == chapter.number]
                md, quotes = write.write_chapter(chapter, measures)
                return md, quotes, "chapter", False
        chapter = self._chapter_by_title(text)
        if chapter and not parsed.agencies and not parsed.wants_count:
            measures = [m for m in notice.measures if m.chapter == chapter.number]
            md, quotes = write.write_chapter(chapter, measures)
            return md, quotes, "chapter", False
        if _META.search(text):
            md, quotes = write.write_meta(notice)
            return md, quotes, "meta", False

        if self._is_set_question(parsed):
            rows = select_rows(notice.tasks, parsed.agencies, parsed.agency_join, parsed.categories,
                               parsed.deadline, parsed.no_support)
            md, quotes = write.write_rows(parsed, rows, counting=parsed.wants_count)
            return md, quotes, "count" if parsed.wants_count else "list", False
        if parsed.unknown_agency and (parsed.wants_list or parsed.wants_count):
            md, quotes = write.write_unknown_agency(parsed.unknown_agency, self._similar_agencies(parsed.unknown_agency))
            return md, quotes, "count" if parsed.wants_count else "list", True

        if not hits:
            md, quotes = write.write_abstain("", notice, text, [])
            return md, quotes, "abstain", True
        if weak_evidence(result.dense_top, result.bm25_top, DENSE_FLOOR, BM25_FLOOR):
            md, quotes = write.write_abstain("", notice, text, [])
            return md, quotes, "abstain", True
        kind = asked_value(text)
        primary = self._answering_unit(text, hits[:5], kind)
        if primary is None:
            reason = "通知没有给出这一数值，"
            md, quotes = write.write_abstain(reason, notice, text, hits[:1])
            return md, quotes, "abstain", True
        related = [h for h in hits if h.ref != primary]
        md, quotes = write.write_lookup(text, notice, primary, related, kind,
                                        asks_deadline=bool(_WHEN_DONE.search(text)))
        return md, quotes, "lookup", False

    def _answering_unit(self, text: str, top: list[Hit], kind: str | None) -> str | None:
        """The best-ranked chunk that can answer: for "多少/多久" questions one that gives such a value."""
        if _WHEN_DONE.search(text):
            tasks = [h.ref for h in top if h.ref.startswith("task-")]
            return tasks[0] if tasks else top[0].ref
        if kind is None:
            # "方案怎么说/提了什么措施" asks for the prose: a measure near the top answers it best.
            if _PROSE_CUE.search(text):
                measures = [h.ref for h in top if h.ref.startswith("measure-")]
                if measures:
                    return measures[0]
            return top[0].ref
        for hit in top[:3]:
            if answers_with_value(text, write.unit_text(hit.ref, self.notice)[0], kind):
                return hit.ref
        return None

    @staticmethod
    def _is_set_question(parsed: ParsedQuestion) -> bool:
        """Does the question ask for *every* row meeting a condition (vs. about a topic)?"""
        if not parsed.has_conditions:
            return False
        if parsed.wants_count or parsed.has_role_word:
            return True
        if not parsed.mentions_task:
            return False  # "小额诉讼有什么改革" is about a topic, not the 执行合同 rows
        # "知识产权方面有哪些措施" asks about the prose measures, not the table.
        only_category = parsed.categories and not parsed.agencies and not parsed.deadline
        if only_category and _MEASURE_TOPIC.search(parsed.text) and "任务" not in parsed.text:
            return False
        return parsed.wants_list or bool(parsed.deadline)

    def _chapter_by_title(self, text: str):
        for chapter in self.notice.chapters:
            core = chapter.title.removeprefix("着力打造")
            # "涉外环境那一章", "政务环境方面": the last words name the chapter.
            key = core[-4:] if core.endswith("环境") else core
            if key in text:
                return chapter
        return None

    def _similar_agencies(self, name: str) -> list[str]:
        names = list(self.lexicon.named_agencies())
        short = {n.removeprefix("自治区").removeprefix("广西"): n for n in names}
        close = difflib.get_close_matches(name, list(short), n=3, cutoff=0.3)
        return [short[c] for c in close]
