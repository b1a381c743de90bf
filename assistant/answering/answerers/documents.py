"""Questions about documents themselves, from the document model: what the library holds, counts, the
first or last measure, the overall goal, 文号 and dates, the outline."""

from __future__ import annotations

import re

from assistant.answering import document_answers as about
from assistant.answering import writers as write
from assistant.answering.answerers.base import Answerer
from assistant.answering.draft import Draft, Intent
from assistant.understanding.doc_scope import DEMONSTRATIVE, without_mentions
from assistant.understanding.query import Query

# How much of the question (in IDF weight, answering/evidence.py) may remain once the document's name and the
# 谁制定/何时施行 words are taken out, for it still to be about the document: "国务院的条例什么时候施行" leaves
# 国务院 (3.2); "促进法规定中小企业划型标准由谁制定" leaves 中小企业 划型 标准 (7.4), a question about a rule.
OTHER_SUBJECT_WEIGHT = 4.5
# "…有哪些任务" is about the whole document only when nothing of weight is left beside the document's name
# ("无废城市方案里农业方面有哪些任务" leaves 农业, a topic).
WHOLE_LIST_WEIGHT = 2.0


class DocumentQuestion(Answerer):
    def run(self, query: Query) -> Draft | None:
        text, parsed, scope = query.text, query.parsed, query.scope
        marks = self.ctx.marks
        everything = list(self.ctx.docs.values())
        if about.asks_library(text) and not parsed.has_conditions:
            return Draft(Intent.LIBRARY, *about.write_library(everything, marks, about.asked_kinds(text)))
        if parsed.has_conditions:
            return None
        single = len(self.ctx.docs) == 1
        targets = self.scoped_docs(query) if (scope.named or single) else everything
        end = about.asks_last(text)
        if end:
            side, kind = end.split(":")
            found = [(d, units[-1] if side == "last" else units[0]) for d in targets if (units := d.of_kind(kind))]
            if found:
                parts, quotes = [], {}
                for doc, unit in found[:5]:
                    body, q = write.write_unit(doc, unit, marks)
                    parts.append(f"**《{doc.title}》**\n\n{body}" if len(found) > 1 else body)
                    quotes.update(q)
                return Draft(Intent.of_unit(kind), "\n\n".join(parts), quotes)
        if about.asks_goal(text) and (scope.named or len(targets) <= 3):
            parts, quotes = [], {}
            for doc in targets[:3]:
                written = about.write_goal(doc, marks)
                if written:
                    parts.append(written[0])
                    quotes.update(written[1])
            if parts:
                return Draft(Intent.DOCUMENT, "\n\n".join(parts), quotes)
        if about.asks_meta(text) and not self._about_something_else(query, targets):
            return Draft(Intent.META, *about.write_meta_all(targets[:5], marks, text))
        kind = about.counted_kind(text) if parsed.wants_count or re.search(r"多少|几", text) else None
        if kind:
            written = about.write_count(targets, kind, marks)
            if written:
                return Draft(Intent.DOCUMENT, *written)
        whole = about.asks_whole_list(text) if scope.named or single else None
        if whole and self._about_something_else(query, targets, about.WHOLE_LIST, WHOLE_LIST_WEIGHT):
            whole = None
        if whole:
            with_tasks = [d for d in targets[:3] if d.tasks]
            if whole == "task" and len(with_tasks) == len(targets[:3]):
                parts, quotes = [], {}
                for doc in with_tasks:
                    body, q = about.write_all_tasks(doc, marks)
                    parts.append(body)
                    quotes.update(q)
                return Draft(Intent.LIST, "\n\n".join(parts), quotes, conclusion=f"共 {sum(len(d.tasks) for d in with_tasks)} 项",
                             rows=[(d.doc, r.ref) for d in with_tasks for r in d.tasks])
        outline = about.asks_outline(text) and not self._about_something_else(query, targets, about.OUTLINE)
        if (outline or whole) and (scope.named or single or len(targets) == 1):
            parts, quotes = [], {}
            for doc in targets[:3]:
                body, q = about.write_outline(doc, marks)
                parts.append(body)
                quotes.update(q)
            return Draft(Intent.OUTLINE, "\n\n".join(parts), quotes)
        return None

    def _about_something_else(self, query: Query, targets: list, cue: re.Pattern = about.META,
                              weight: float = OTHER_SUBJECT_WEIGHT) -> bool:
        # Words of the asked document's own title, issuer or place name it ("国务院的营商环境条例"), not a subject.
        names = "".join(f"{d.title}{d.meta.issuer}{d.meta.place}{d.short_name}" for d in targets[:5])
        # The cue taken out before or after the names (it may hold a kind word they also hold: 条例主要规定了哪些):
        # the reading that leaves less is the one that took the names out.
        rests = (cue.sub(" ", without_mentions(query.text, query.scope)),
                 cue.sub(" ", without_mentions(cue.sub(" ", query.text), query.scope)))
        return min(sum(t.weight for t in self.ctx.evidence.terms(DEMONSTRATIVE.sub(" ", rest))
                       if not (len(t.text) >= 2 and t.text in names)) for rest in rests) >= weight
