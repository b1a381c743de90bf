"""The answers the chat has shown, by id, so any earlier answer's sources, units, copy text, downloads and
feedback can be found again from the message that shows it.

The id is written into the message (``data-answer="…"`` and its ``#copy:…`` link); the store keeps the most recent answers of the
process (all sessions together; ids are random, so one session cannot guess another's).
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace

from assistant.records import Answer

# The id is in the message's data-answer attribute and in its action links (#copy:ID); the browser's sanitizer
# drops data-* attributes from what it shows, so the page reads the links.
_ID = re.compile(r'data-answer="([0-9a-f]{16})"|#(?:copy|sources):([0-9a-f]{16})')


@dataclass
class Shown:
    """An answer as the chat showed it: the question asked, with the filters in effect."""

    id: str
    question: str
    answer: Answer
    filters: tuple[str, ...] = ()
    files: dict[str, str] = field(default_factory=dict)  # download kind → path, made on first request


class AnswerStore:
    """The last `capacity` answers (without their retrieval hits, which the page never shows)."""

    def __init__(self, capacity: int = 600):
        self.capacity = capacity
        self._items: OrderedDict[str, Shown] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, question: str, answer: Answer, filters: tuple[str, ...] = ()) -> Shown:
        shown = Shown(secrets.token_hex(8), question, replace(answer, hits=[], hit_details=[]), tuple(filters))
        with self._lock:
            self._items[shown.id] = shown
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
        return shown

    def get(self, answer_id: str | None) -> Shown | None:
        if not answer_id:
            return None
        with self._lock:
            shown = self._items.get(answer_id)
            if shown is not None:
                self._items.move_to_end(answer_id)
            return shown

    def __len__(self) -> int:
        return len(self._items)


def message_text(message) -> str:
    """The text of a chat message, whichever shape Gradio gives it (a string, a dict, a list of parts)."""
    if message is None:
        return ""
    if isinstance(message, dict):
        if "content" in message:
            return message_text(message["content"])
        return message.get("text") if isinstance(message.get("text"), str) else ""
    if isinstance(message, (list, tuple)):
        return "".join(message_text(part) for part in message)
    if hasattr(message, "content"):
        return message_text(message.content)
    if hasattr(message, "text") and isinstance(message.text, str):
        return message.text
    return str(message)


def answer_id_in(message) -> str | None:
    """The answer id written into a chat message, if any."""
    found = _ID.search(message_text(message))
    return (found.group(1) or found.group(2)) if found else None
