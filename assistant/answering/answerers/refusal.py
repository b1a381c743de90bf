"""Questions answered by saying no: an empty library, a request the assistant does not serve, a place, year
or document the library does not hold, a date no calendar has."""

from __future__ import annotations

from assistant.answering.answerers.base import Answerer
from assistant.answering.draft import Draft, Intent
from assistant.understanding.out_of_scope import request_reason
from assistant.understanding.query import Query


class Refusal(Answerer):
    def run(self, query: Query) -> Draft | None:
        if query.error:
            return Draft(Intent.INVALID, query.error, abstained=True)
        if not self.ctx.docs:
            return self.ctx.refuse("", query)
        if query.refers_to_previous:
            return None  # about the previous answer's unit: its scope was decided then
        reason = request_reason(query.text, self.ctx.library_text) or query.scope.reason
        if reason:
            return self.ctx.refuse(reason, query)
        if query.parsed.invalid_date:
            body = (f"问题中的日期“{query.parsed.invalid_date}”不存在（月份应为 1–12，日期不超过当月天数），日期无效，"
                    "请检查后再问。")
            return Draft(Intent.INVALID, body, abstained=True)
        return None
