"""Question normalisation: control characters out, full-width to half-width, Traditional to Simplified."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from assistant.textutil import to_simplified

MAX_QUESTION_CHARS = 500

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff\ud800-\udfff]")


@dataclass(frozen=True)
class CleanQuestion:
    text: str  # normalised: Simplified, half-width, single spaces
    error: str | None = None  # a Chinese message when the question cannot be answered as given


def normalize_text(text: str) -> str:
    """NFKC folds full-width digits/letters/brackets (１１月 → 11月, （十四） → (十四))."""
    text = _CONTROL.sub(" ", text)
    text = unicodedata.normalize("NFKC", text)
    text = to_simplified(text)
    return re.sub(r"\s+", " ", text).strip()


def clean_question(question: object) -> CleanQuestion:
    if not isinstance(question, str):
        return CleanQuestion("", "问题必须是文本。")
    text = normalize_text(question)
    if not text or not re.search(r"[\w\u4e00-\u9fff]", text):
        return CleanQuestion("", "问题为空，请输入要查询的内容，例如：开办企业几个工作日能办完？")
    if len(text) > MAX_QUESTION_CHARS:
        return CleanQuestion(
            text[:MAX_QUESTION_CHARS],
            f"问题过长（{len(text)} 字），请精简到 {MAX_QUESTION_CHARS} 字以内后再问。",
        )
    return CleanQuestion(text)
