"""Typos in names and terms, resolved the way people make them: a character typed by its sound (人设厅 for
人社厅, 税物局, 开般企业, 工做日). Pinyin comes from pypinyin.

A stretch of the question one character away from a known word (an agency alias, a thesaurus term, a
category) is replaced when the two characters sound alike. Text that the library itself contains is never
touched, so real words stay. The candidates are found with one-character wildcards, so pypinyin is only
loaded when a candidate exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

_MIN = 3  # two-character words are too often other real words
_MAX = 10


@lru_cache(maxsize=4096)
def _readings(ch: str) -> frozenset[str]:
    from pypinyin import Style, pinyin

    return frozenset(pinyin(ch, style=Style.NORMAL, heteronym=True)[0])


def sounds_alike(a: str, b: str) -> bool:
    return a == b or bool(_readings(a) & _readings(b))


@dataclass(frozen=True)
class Correction:
    typed: str
    meant: str


class Speller:
    def __init__(self, vocabulary: Iterable[str], known_text: str):
        self.known_text = known_text
        self.words = {w for w in vocabulary if _MIN <= len(w) <= _MAX and all("\u4e00" <= c <= "\u9fff" for c in w)}
        self.index: dict[str, list[str]] = {}
        for word in self.words:
            for i in range(len(word)):
                self.index.setdefault(word[:i] + "?" + word[i + 1:], []).append(word)

    def _candidate(self, window: str) -> str | None:
        if window in self.words:
            return None
        for i, typed in enumerate(window):
            for word in self.index.get(window[:i] + "?" + window[i + 1:], ()):
                # The library's own text is checked last: it is the slow test, and it rarely runs.
                if sounds_alike(typed, word[i]) and window not in self.known_text:
                    return word
        return None

    def correct(self, text: str) -> tuple[str, list[Correction]]:
        """The text with typos replaced, longest words first, and what was replaced."""
        corrections: list[Correction] = []
        out, i = [], 0
        while i < len(text):
            for length in range(min(_MAX, len(text) - i), _MIN - 1, -1):
                window = text[i : i + length]
                if not all("\u4e00" <= c <= "\u9fff" for c in window):
                    continue
                meant = self._candidate(window)
                if meant:
                    corrections.append(Correction(window, meant))
                    out.append(meant)
                    i += length
                    break
            else:
                out.append(text[i])
                i += 1
        return "".join(out), corrections
