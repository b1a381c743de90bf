"""Inline citation markers ([任务70], [措施（三十二）], [第二十条], [广东条例·第二十条]) and the citation list.

A marker names the unit as the document does; when one answer cites units of several documents, every
marker also names its document. Answerers write marker tokens (draft.marker_token); `resolve_markers`
turns them into what a reader sees, and the citation list holds exactly the units whose markers the answer
shows, in the order it shows them.
"""

from __future__ import annotations

from collections.abc import Mapping

from assistant.answering.draft import MARKER, Key, marker_token
from assistant.records import Citation, Document, Unit

OCR_NOTE = "（扫描件识别）"  # after the label of a unit whose text was recognised from a scan


class Marks:
    """Markers for one answer: tokens that the renderer resolves once it knows which documents are cited."""

    def __init__(self, docs: Mapping[str, Document]):
        self.docs = docs

    def label(self, doc: str, ref: str) -> str:
        unit = self.docs[doc].unit(ref) if doc in self.docs else None
        return unit.label if unit else ref

    def marker(self, doc: str, ref: str) -> str:
        return marker_token(doc, ref)


def shown_marker(docs: Mapping[str, Document], doc: str, ref: str, qualify: bool) -> str:
    """[第二十条], or [广东条例·第二十条] when the answer cites several documents."""
    unit = docs[doc].unit(ref) if doc in docs else None
    label = unit.label if unit else ref
    if qualify and doc in docs:
        return f"[{docs[doc].short_name or docs[doc].title}·{label}]"
    return f"[{label}]"


def resolve_markers(text: str, docs: Mapping[str, Document], qualify: bool) -> str:
    return MARKER.sub(lambda m: shown_marker(docs, m.group(1), m.group(2), qualify), text)


def unit_title(doc: Document, unit: Unit) -> str:
    """A one-line description of a unit: 任务70 获得用水用气·…, 措施（一）破除…, 《…》通知信息."""
    if unit.kind == "task":
        what = "·".join(x for x in (unit.category, unit.goal) if x)
        return f"{unit.label} {what}".strip()
    if unit.kind in ("meta", "preamble"):
        return f"《{doc.title}》{unit.label if unit.kind == 'meta' else '导语'}"
    return f"{unit.label}{unit.title}"


def collect_citations(cited: list[Key], quotes: Mapping[Key, str], docs: Mapping[str, Document]) -> list[Citation]:
    """One citation per cited unit, in the order the answer shows them, with the words it quotes."""
    out = []
    for doc_id, ref in cited:
        doc = docs.get(doc_id)
        unit = doc.unit(ref) if doc else None
        if unit is None:
            continue
        note = OCR_NOTE if doc.meta.ocr else ""
        out.append(Citation(doc=doc_id, doc_title=doc.title, ref=ref, label=unit.label + note,
                            quote=quotes.get((doc_id, ref)) or unit.text, title=unit_title(doc, unit) + note))
    return out
