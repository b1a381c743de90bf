"""Comparisons across documents: "北京和广东的条例对开办企业时限分别怎么规定", "这几部条例里，哪些规定了区域评估
费用由谁承担", "2024年版和2020年版相比…有什么变化". Each document is searched on its own; the answer shows
them side by side (document | unit | what it says), each cited, and names the documents that say nothing on
the point."""

from __future__ import annotations

import re

from assistant.answering import writers as write
from assistant.answering.answerers.base import Answerer
from assistant.answering.answerers.lookup import EVIDENCE_FLOOR
from assistant.answering.draft import Draft, Intent
from assistant.answering.quotes import answers_with_value, asked_value, shorten
from assistant.records import Document, Unit
from assistant.understanding.query import Query
from assistant.language.cues import cue

# What "none of them says" names, by the kind of value asked (answering/quotes.py asked_value).
_ASKED = {"time": "具体时限", "money": "具体金额", "rate": "具体比例", "number": "具体数值", "materials": "所需材料",
          "conditions": "条件", "place": "办理地点", "items": "具体事项"}
# Share of the best document's coverage of the question another document's best unit must reach to count as
# saying something on the point (set on the dev documents' comparison questions).
RELATIVE_COVERAGE = 0.6
# At most this many documents are searched one by one (a library of hundreds is compared by kind or place).
MAX_DOCUMENTS = 30


def asks_comparison(query: Query, docs: list[Document]) -> bool:
    """A question about several documents at once: named together (北京和广东的条例, 三地), or asking which of
    them say something (哪些条例规定了…, 各地…分别)."""
    parsed = query.parsed
    if len(docs) < 2 or parsed.agencies or parsed.deadline or parsed.wants_count:
        return False  # a set over rows (哪些任务由X牵头, 多少项), answered from the database
    if cue("version_change").search(query.text):
        return True
    text = query.text
    if _names_several(query) and len(docs) >= 2:
        return True  # two documents named in one question are answered side by side, whatever the wording
    return bool(cue("which_documents").search(text) or (cue("compare").search(text) and query.scope.named))


def _names_several(query: Query) -> bool:
    """The question itself names its documents, two or more of them (北京和广东的条例)."""
    return query.scope.named and len(query.scope.mentions) >= 2


class Comparison(Answerer):
    def run(self, query: Query) -> Draft | None:
        docs = self.scoped_docs(query)
        if not asks_comparison(query, docs):
            return None
        if not _names_several(query) and query.scope.other_versions and not cue("version_change").search(query.text):
            # "哪些条例规定了…" asks the whole library: an older version says what it says too (each is labelled).
            wanted = set(query.docs) | set(query.scope.other_versions)
            docs = [d for d in self.ctx.docs.values() if d.doc in wanted]
        docs = docs[:MAX_DOCUMENTS]
        kind = asked_value(query.text)
        evidence = self.ctx.evidence
        if evidence.unknown_subject(evidence.terms(self.ctx.narrowed(query))):
            return self.ctx.refuse("", query)  # what the question is about is in no document
        best = [(doc, *self._best_unit(query, doc, kind)) for doc in docs]
        # Asked which documents say something (哪些条例规定了…, not documents the user named one by one): one that
        # does covers the question about as well as the best document does; a unit that shares only a common
        # word (费用, 不得) is not a provision on the point.
        searching = not _names_several(query) or bool(cue("which_documents").search(query.text))
        top = max((cover for _, unit, cover in best if unit is not None), default=0.0) if searching else 0.0
        found: list[tuple[Document, Unit | None]] = [
            (doc, unit if unit is not None and cover >= RELATIVE_COVERAGE * top else None) for doc, unit, cover in best]
        said = [(d, u) for d, u in found if u is not None]
        silent = [d for d, u in found if u is None]
        missing = list(query.scope.missing)
        if not said:
            what = _ASKED.get(kind or "", "这一点")
            names = "、".join(f"《{d.title}》{_version(d, docs)}" for d in silent[:6])
            more = f"等 {len(silent)} 份文件" if len(silent) > 6 else ""
            body = f"{names}{more}都没有写明{what}（逐份检索全文后没有找到相关条款）。"
            if missing:
                body += "文库中没有" + "、".join(missing) + "。"
            return Draft(Intent.COMPARE, body, {}, abstained=True, hits=self.ctx.search(query))
        marks = self.ctx.marks
        text = query.expanded
        lines = [f"**{len(said)} 份文件对此有规定**" + (f"，{len(silent)} 份没有" if silent else "") + "，逐份列出如下：", "",
                 "| 文件 | 条款 | 规定 |", "|---|---|---|"]
        quotes = {}
        for doc, unit in said:
            quote = write.quote_from(doc, unit, text, kind)
            cell = shorten(quote, 160).replace("|", "｜").replace("\n", " ")
            lines.append(f"| 《{doc.title}》{_version(doc, docs)} | {marks.marker(doc.doc, unit.ref)} | “{cell}” |")
            quotes[(doc.doc, unit.ref)] = quote
        if silent:
            lines += ["", "未作规定（检索全文后没有找到相关条款）：" + "、".join(f"《{d.title}》{_version(d, docs)}" for d in silent) + "。"]
        verdict = _versions_verdict(found)
        if verdict:
            lines += ["", verdict]
        if missing:
            lines += ["", "文库中没有" + "、".join(missing) + "，无法比较。"]
        return Draft(Intent.COMPARE, "\n".join(lines), quotes, conclusion=f"{len(said)} 份文件有规定",
                     compared=[(d.doc, (d.doc, u.ref) if u else None) for d, u in found])

    def _best_unit(self, query: Query, doc: Document, kind: str | None) -> tuple[Unit | None, float]:
        """The unit of this document that says most of what the question asks (and gives the asked value), and
        how much of the question it covers."""
        hits = self.ctx.search(query, docs=(doc.doc,), fill=False)
        evidence = self.ctx.evidence
        text = self.ctx.narrowed(query)
        terms = evidence.terms(text, split_compounds=True)
        candidates = [(u, evidence.support(terms, (d.doc, u.ref)), evidence.coverage(terms, (d.doc, u.ref)))
                      for d, u, _ in self.ctx.units(hits[:6]) if d.doc == doc.doc and u.kind not in ("meta",)]
        candidates = [c for c in candidates if c[2] >= EVIDENCE_FLOOR]
        candidates.sort(key=lambda c: -round(c[1], 2))
        expanded = query.expanded
        for unit, _, cover in candidates:
            if kind is None or answers_with_value(expanded, write.unit_text(doc, unit)[0], kind):
                return unit, cover
        return None, 0.0


def _version(doc: Document, docs: list[Document]) -> str:
    """（2020年版） when another document of the comparison has the same title."""
    same = [d for d in docs if d.title == doc.title]
    return f"（{doc.meta.year}年版）" if len(same) > 1 and doc.meta.year else ""


def _versions_verdict(found: list[tuple[Document, Unit | None]]) -> str:
    """Versions of one document compared: whether the point was changed, added or dropped between them."""
    if len(found) != 2 or found[0][0].title != found[1][0].title:
        return ""
    (old, old_unit), (new, new_unit) = sorted(found, key=lambda f: f[0].meta.year or 0)
    if not old.meta.year or not new.meta.year or old.meta.year == new.meta.year:
        return ""
    older, newer = f"{old.meta.year}年版", f"{new.meta.year}年版"
    if old_unit is None and new_unit is None:
        return ""
    if old_unit is None:
        return f"**两版对比**：{older}没有相关规定，{newer}{new_unit.label}新增了这一规定。"
    if new_unit is None:
        return f"**两版对比**：{older}{old_unit.label}有相关规定，{newer}中没有找到。"
    same = re.sub(r"\s", "", old_unit.text) == re.sub(r"\s", "", new_unit.text)
    where = (f"{old_unit.label}" if old_unit.label == new_unit.label else f"{older}{old_unit.label}与{newer}{new_unit.label}")
    if same:
        return f"**两版对比**：{where}文字相同，这一规定没有修改。"
    return f"**两版对比**：{where}文字有修改，差异见上表。"
