"""What an answerer produces: a typed draft of the answer, before it is rendered for a reader.

A draft holds what the answer says (its conclusion and body), the units it rests on with the words quoted
from each, the rows of a set answer, and why it refused when it did. Citation markers inside the text are
tokens naming (doc, ref); `render` turns them into [任务70] or [广东条例·第二十条] once it knows how many
documents the answer cites, so no answerer has to write its answer twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from assistant.records import Hit

Key = tuple[str, str]  # (doc, ref)

_OPEN, _SEP, _CLOSE = "\u27e6", "\u2016", "\u27e7"
MARKER = re.compile(f"{_OPEN}([^{_SEP}{_CLOSE}]*){_SEP}([^{_CLOSE}]*){_CLOSE}")


def marker_token(doc: str, ref: str) -> str:
    """The place of a citation marker in a draft's text."""
    return f"{_OPEN}{doc}{_SEP}{ref}{_CLOSE}"


class Intent(StrEnum):
    """What kind of answer a draft is (the contract's `intent`)."""

    INVALID = "invalid"
    ABSTAIN = "abstain"
    LIST = "list"
    COUNT = "count"
    TASK = "task"
    ARTICLE = "article"
    MEASURE = "measure"
    CHAPTER = "chapter"
    UNIT = "unit"
    LIBRARY = "library"
    DOCUMENT = "document"
    META = "meta"
    OUTLINE = "outline"
    LOOKUP = "lookup"
    COMPARE = "compare"
    FOLLOWUP = "followup"

    @classmethod
    def of_unit(cls, kind: str) -> "Intent":
        return {"task": cls.TASK, "article": cls.ARTICLE, "measure": cls.MEASURE, "chapter": cls.CHAPTER,
                "part": cls.CHAPTER}.get(kind, cls.UNIT)


@dataclass
class Draft:
    intent: Intent
    body: str  # markdown whose citation markers are tokens (marker_token)
    quotes: dict[Key, str] = field(default_factory=dict)  # what the answer quotes of each unit it cites
    abstained: bool = False
    conclusion: str = ""  # the one-line answer a reader sees first ("共 19 项", "十五个工作日"), when there is one
    rows: list[Key] = field(default_factory=list)  # a set answer's rows, in order (for tables and downloads)
    compared: list[tuple[str, Key | None]] = field(default_factory=list)  # comparison: each doc, its unit or None
    hits: list[Hit] | None = None  # the retrieval ranking the answer came from (None: not retrieved)
    notes: list[str] = field(default_factory=list)  # how the question was understood, shown above the answer

    @property
    def cited(self) -> list[Key]:
        """The units whose markers the body shows, in the order it shows them."""
        seen: dict[Key, None] = {}
        for m in MARKER.finditer(self.body):
            key = (m.group(1), m.group(2))
            if key in self.quotes:
                seen.setdefault(key)
        return list(seen)

    @property
    def cited_docs(self) -> list[str]:
        return list(dict.fromkeys(doc for doc, _ in self.cited))
