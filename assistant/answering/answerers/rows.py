"""Set questions ("哪些任务由税务局牵头", "市场监管局牵头多少项"): every row meeting the conditions, from the
library database, grouped by document — no more and no fewer."""

from __future__ import annotations

import difflib
import re
from dataclasses import replace

from assistant.answering import writers as write
from assistant.answering.answerers.base import Answerer
from assistant.answering.draft import Draft, Intent
from assistant.answering.table_query import filters_by_category, rows_by_position, select_rows
from assistant.understanding.query import Query
from assistant.understanding.query_parse import ParsedQuestion

_MEASURE_TOPIC = re.compile(r"措施|举措|政策|规定|要求")


def is_set_question(parsed: ParsedQuestion) -> bool:
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


class SetOverRows(Answerer):
    def run(self, query: Query) -> Draft | None:
        parsed = query.parsed
        docs = self.scoped_docs(query)
        counting = parsed.wants_count
        intent = Intent.COUNT if counting else Intent.LIST
        # A document with no rows that name who is responsible (a regulation) has no set to give: "法院和政府怎么配合"
        # asked of it is a question about its text (unless it asks for tasks: then it is told there are none).
        if is_set_question(parsed) and (parsed.mentions_task or any(_has_rows(d) for d in docs)):
            groups = select_rows(self.ctx.store, docs, parsed)
            by_position = rows_by_position(self.ctx.store, docs, parsed)
            assumed = {(d.doc, u.ref) for d, rows in by_position for u in rows}
            if assumed:  # in the document's order, beside the rows whose role is written
                extra = dict((d.doc, rows) for d, rows in by_position)
                groups = [(d, _in_document_order(d, [*rows, *extra.get(d.doc, [])])) for d, rows in groups]
            groups = [(d, rows) for d, rows in groups if d.tasks or rows or len(docs) == 1]
            if parsed.categories and not any(filters_by_category(d, parsed) for d, rows in groups if rows):
                parsed = replace(parsed, categories=())  # the indicator filtered nothing: do not name it
            body, quotes = write.write_rows(parsed, groups, counting, self.ctx.marks, assumed)
            total = sum(len(rows) for _, rows in groups)
            rows = [(d.doc, r.ref) for d, rs in groups for r in rs]
            return Draft(intent, body, quotes, conclusion=f"共 {total} 项", rows=rows)
        if parsed.unknown_agency and (parsed.wants_list or counting):
            body, quotes = write.write_unknown_agency(parsed.unknown_agency, self._similar(parsed.unknown_agency),
                                                      list(self.ctx.docs.values()))
            return Draft(intent, body, quotes, abstained=True)
        return None

    def _similar(self, name: str) -> list[str]:
        from assistant.ingest.agencies import short_name

        names = list(self.ctx.lexicon.named_agencies())
        short = {short_name(n): n for n in names}
        close = difflib.get_close_matches(name, list(short), n=3, cutoff=0.3)
        return [short[c] for c in close]


def _has_rows(doc) -> bool:
    """Rows that name who is responsible: a task table, or measures with responsibility notes."""
    return bool(doc.tasks) or any(u.lead or u.support or u.responsible for u in doc.units)


def _in_document_order(doc, rows: list) -> list:
    position = {u.ref: i for i, u in enumerate(doc.units)}
    return sorted(rows, key=lambda u: position[u.ref])
