"""Question normalisation, done once at the edge: whatever arrives (argv with invalid UTF-8, a batch line, the
chat API) becomes either clean text or a Chinese message, and nothing after it has to expect odd input.

- out: lone surrogates (argv's surrogateescape bytes, JSON "\\ud800"), format characters (zero-width, bidi
  overrides and isolates, BOM, tags, soft hyphen), private-use and unassigned code points, noncharacters,
  combining marks that have no base (or pile up on one); control characters (NUL included) become spaces;
- NFKC folds full-width digits/letters/brackets (１１月 → 11月, （十四） → (十四)); Traditional → Simplified;
- line and paragraph separators and every run of white space → one space;
- a length cap with a clear message; a text far over the cap is refused before the costly steps.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from assistant.textutil import to_simplified

MAX_QUESTION_CHARS = 500
# Beyond this many characters a question is refused without normalising it (Traditional → Simplified of
# millions of characters would take seconds), with the same message.
_HARD_LIMIT = 20 * MAX_QUESTION_CHARS
_MAX_MARKS_PER_BASE = 3  # combining marks kept on one base character ("Zalgo" text stacks dozens)

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[\w\u4e00-\u9fff]")
_DROP_CATEGORIES = frozenset(("Cf", "Cs", "Co", "Cn"))
_WHITE = frozenset("\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029")
EMPTY_MESSAGE = "问题为空，请输入要查询的内容，例如：开办企业几个工作日能办完？"


@dataclass(frozen=True)
class CleanQuestion:
    text: str  # normalised: Simplified, half-width, single spaces; safe to print and to serialise
    error: str | None = None  # a Chinese message when the question cannot be answered as given


def too_long_message(length: int) -> str:
    return f"问题过长（{length} 字），请精简到 {MAX_QUESTION_CHARS} 字以内后再问。"


def strip_unsafe(text: str) -> str:
    """`text` without the characters no question needs (see the module doc); white space becomes a space.
    The result is valid Unicode that encodes to UTF-8 and prints anywhere."""
    if text.isascii() and text.isprintable():
        return text
    out: list[str] = []
    marks = 0
    for ch in text:
        if ch in _WHITE:
            out.append(" ")
            marks = 0
            continue
        category = unicodedata.category(ch)
        if category == "Cc":  # other control characters (NUL, DEL, C1) separate words like white space
            out.append(" ")
            marks = 0
            continue
        if category in _DROP_CATEGORIES or (0xFDD0 <= ord(ch) <= 0xFDEF) or (ord(ch) & 0xFFFE) == 0xFFFE:
            continue  # format characters (税务\u200b局 is 税务局), surrogates, private use, unassigned
        if category in ("Mn", "Me"):  # a combining mark: only on a base character, and only a few
            if not out or out[-1] == " " or marks >= _MAX_MARKS_PER_BASE:
                continue
            marks += 1
        else:
            marks = 0
        out.append(ch)
    return "".join(out)


def normalize_text(text: str) -> str:
    """Clean, NFKC-folded, Simplified text with single spaces (see the module doc)."""
    text = unicodedata.normalize("NFKC", strip_unsafe(text))
    text = strip_unsafe(text)  # NFKC can turn a character into one of those removed (e.g. a bare mark)
    text = to_simplified(text)
    return _SPACE.sub(" ", text).strip()


def clean_question(question: object) -> CleanQuestion:
    """The question as the rest of the system sees it, or why it cannot be asked. Never raises."""
    if isinstance(question, bytes):
        question = question.decode("utf-8", "replace")
    if not isinstance(question, str):
        return CleanQuestion("", "问题必须是文本。")
    if len(question) > _HARD_LIMIT:
        return CleanQuestion(strip_unsafe(question[:MAX_QUESTION_CHARS]).strip(), too_long_message(len(question)))
    text = normalize_text(question)
    if not text or not _WORD.search(text):
        return CleanQuestion("", EMPTY_MESSAGE)
    if len(text) > MAX_QUESTION_CHARS:
        return CleanQuestion(text[:MAX_QUESTION_CHARS], too_long_message(len(text)))
    return CleanQuestion(text)
