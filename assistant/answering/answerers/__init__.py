"""Small answerers, tried in order: each reads the understood Query and returns a Draft, or None when the
question is not its kind. The first Draft wins."""

from assistant.answering.answerers.base import Answerer, Context
from assistant.answering.answerers.compare import Comparison
from assistant.answering.answerers.documents import DocumentQuestion
from assistant.answering.answerers.lookup import Lookup
from assistant.answering.answerers.numbered import NumberedUnit
from assistant.answering.answerers.previous import AboutPrevious
from assistant.answering.answerers.refusal import Refusal
from assistant.answering.answerers.rows import SetOverRows

__all__ = ["Answerer", "Context", "Refusal", "AboutPrevious", "NumberedUnit", "DocumentQuestion", "SetOverRows",
           "Comparison", "Lookup", "default_answerers"]


def default_answerers(ctx: Context, previous) -> list[Answerer]:
    """The order matters: refusals first, then what is answered exactly (a numbered unit, the document
    itself), comparisons across documents (which step aside for sets over rows: 哪些任务由X牵头), a set of
    rows, then a lookup by retrieval."""
    return [Refusal(ctx), AboutPrevious(ctx, previous), NumberedUnit(ctx), DocumentQuestion(ctx), Comparison(ctx),
            SetOverRows(ctx), Lookup(ctx)]
