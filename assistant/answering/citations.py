"""Inline citation markers ([任务70], [措施（三十二）], [第二十条], [广东条例·第二十条]) and the citation list.

A marker names the unit as the document does; when one answer cites units of several documents, every
marker also names its document. The citation list is read back from the answer: it holds exactly the
units whose markers the answer shows, in the order it shows them.
"""

from __future__ import annotations

from collections.abc import Mapping

from assistant.records import Citation, Document, Unit

Key = tuple[str, str]  # (doc, ref)


class Marks:
    """Markers for one answer."""

    def __init__(self, docs: Mapping[str, Document], qualify: bool = False):
        self.docs = docs
        self.qualify = qualify

    def label(self, doc: str, ref: str) -> str:
        unit = self.docs[doc].unit(ref) if doc in self.docs else None
        return unit.label if unit else ref

    def marker(self, doc: str, ref: str) -> str:
        label = self.label(doc, ref)
        if self.qualify and doc in self.docs:
            return f"[{self.docs[doc].short_name or self.docs[doc].title}·{label}]"
        return f"[{label}]"


def unit_title(doc: Document, unit: Unit) -> str:
    """A one-line description of a unit: 任务70 获得用水用气·…, 措施（一）破除…, 《…》通知信息."""
    if unit.kind == "task":
        what = "·".join(x for x in (unit.category, unit.goal) if x)
        return f"{unit.label} {what}".strip()
    if unit.kind in ("meta", "preamble"):
        return f"《{doc.title}》{unit.label if unit.kind == 'meta' else '导语'}"
    return f"{unit.label}{unit.title}"


def collect_citations(markdown: str, quotes: Mapping[Key, str], docs: Mapping[str, Document],
                      marks: Marks) -> list[Citation]:
    found = []
    for key, quote in quotes.items():
        doc_id, ref = key
        at = markdown.find(marks.marker(doc_id, ref))
        if at < 0 or doc_id not in docs:
            continue
        doc = docs[doc_id]
        unit = doc.unit(ref)
        if unit is None:
            continue
        found.append((at, Citation(doc=doc_id, doc_title=doc.title, ref=ref, label=unit.label,
                                   quote=quote or unit.text, title=unit_title(doc, unit))))
    found.sort(key=lambda x: x[0])
    return [c for _, c in found]
