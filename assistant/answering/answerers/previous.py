"""Follow-ups about the previous answer's units: "第二个详细说说", "最后一个呢", "这项任务什么时候完成"."""

from __future__ import annotations

from collections.abc import Callable

from assistant.answering import writers as write
from assistant.answering.answerers.base import Answerer, Context
from assistant.answering.draft import Draft, Intent
from assistant.understanding.query import Query


class AboutPrevious(Answerer):
    def __init__(self, ctx: Context, previous: Callable[[Query], Draft | None]):
        super().__init__(ctx)
        self.previous = previous  # the draft the conversation answered last (kept, not asked again)

    def run(self, query: Query) -> Draft | None:
        if not query.refers_to_previous:
            return None
        follow = query.follow
        before = self.previous(query)
        cited = [key for key in (before.cited if before else []) if key[1] != "meta"]
        index = len(cited) - 1 if follow.ordinal == -1 else (follow.ordinal or 1) - 1
        if not cited or index >= len(cited):
            what = f"第{follow.ordinal}个" if follow.ordinal and follow.ordinal > 0 else "这一项"
            listed = ("共列出 " + str(len(cited)) + " 项，") if cited else "没有引用任何条目，"
            return Draft(Intent.FOLLOWUP, f"上一个回答{listed}没有{what}。请换一种问法。", abstained=True)
        if follow.asks in ("lead", "support") and not follow.ordinal and len(cited) > 1:
            listed = self._roles_of_listed(cited, follow.asks)
            if listed is not None:
                return listed
        if follow.asks in ("lead", "support") and not follow.ordinal:
            # "谁牵头？": of the units the answer cited, the first that names who is responsible.
            index = next((i for i, (d, r) in enumerate(cited) if (u := self.ctx.docs[d].unit(r)) is not None
                          and (u.lead or u.support)), index)
        doc_id, ref = cited[index]
        doc = self.ctx.docs[doc_id]
        unit = doc.unit(ref)
        marker = self.ctx.marks.marker(doc_id, ref)
        conclusion = ""
        if follow.asks == "deadline" and unit.deadline:
            body = f"**完成时限：{unit.deadline}**{marker}\n\n{unit.label}：{unit.text}"
            quotes = {(doc_id, ref): unit.deadline}
            conclusion = f"完成时限：{unit.deadline}"
        elif follow.asks in ("lead", "support") and (unit.lead or unit.support):
            names = unit.lead if follow.asks == "lead" else unit.support
            word = "牵头单位" if follow.asks == "lead" else "配合单位"
            body = f"**{word}：{'、'.join(names) or '无'}**{marker}\n\n{unit.label}：{unit.text}"
            quotes = {(doc_id, ref): unit.lead_raw if follow.asks == "lead" else unit.support_raw}
            conclusion = f"{word}：{'、'.join(names) or '无'}"
        else:
            body, quotes = write.write_unit(doc, unit, self.ctx.marks)
        where = f"上一个回答的第 {index + 1} 项" if follow.ordinal else "上一个回答所依据的条目"
        return Draft(Intent.of_unit(unit.kind), f"（{where}：{unit.label}）\n\n{body}", quotes, conclusion=conclusion)

    def _roles_of_listed(self, cited: list, role: str) -> Draft | None:
        """"哪些部门配合？" after a list: each listed row with the units in that role, in the list's order."""
        rows = [(self.ctx.docs[d], self.ctx.docs[d].unit(r)) for d, r in cited]
        rows = [(doc, unit) for doc, unit in rows if unit.lead or unit.support]
        if len(rows) < 2:
            return None
        word = "牵头单位" if role == "lead" else "配合单位"
        lines = [f"上一个回答列出的 {len(rows)} 项任务的{word}如下：", "", f"| 序号 | 任务（节选） | {word} |", "|---|---|---|"]
        quotes = {}
        for doc, unit in rows:
            names = "、".join(unit.lead if role == "lead" else unit.support) or "无"
            lines.append(f"| {self.ctx.marks.marker(doc.doc, unit.ref)} | {write.shorten(unit.text, 40)} | {names} |")
            quotes[(doc.doc, unit.ref)] = (unit.lead_raw if role == "lead" else unit.support_raw) or unit.text
        return Draft(Intent.FOLLOWUP, "\n".join(lines), quotes)
