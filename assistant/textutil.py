"""Small pure text helpers shared by every stage: spaces, Chinese numerals, folding for matching."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from assistant.language.numerals import to_cn, to_int

CN_NUMERAL = "零〇一二三四五六七八九十百千两"

# Spaces that PDF extraction put between CJK text and digits ("7 个事项 1 个工作日").
_SPACE_NEAR_WIDE = re.compile(r"[ \t\u3000]+(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])[ \t\u3000]+")


def squeeze_spaces(text: str) -> str:
    """Drop spaces next to non-ASCII characters, collapse the rest; keeps "PM 2.5"-style ASCII runs."""
    text = _SPACE_NEAR_WIDE.sub("", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def cn_to_int(text: str) -> int:
    """Chinese numerals ("十四" = 14, "一百九十九" = 199, "一〇五" = 105, "一千二百六十" = 1260) or digits."""
    return to_int(text)


def int_to_cn(value: int) -> str:
    """14 → 十四, 41 → 四十一, 105 → 一百零五; for labels like 措施（十四）, 第一百零五条."""
    return to_cn(value)


@lru_cache(maxsize=1)
def _t2s():
    import opencc  # opencc-python-reimplemented: maintained conversion tables, no native build

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


@lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch)
    if len(folded) != 1:
        folded = ch
    simple = _t2s().convert(folded)
    return simple if len(simple) == 1 else folded


def fold(text: str) -> str:
    """Same length as `text`, for matching: full-width forms to ASCII (（→(, ：→:), Traditional to Simplified.

    Character by character, so a span found in the folded text is the same span of the original: patterns
    run on the fold, while what is stored is cut from what the document wrote.
    """
    return "".join(_fold_char(ch) for ch in text)


def is_traditional(sample: str) -> bool:
    """Is the text written in Traditional characters (more than 3% of its Han characters fold to others)?"""
    cjk = [ch for ch in sample if "\u4e00" <= ch <= "\u9fff"]
    changed = sum(1 for a, b in zip(sample, fold(sample)) if a != b and "\u4e00" <= a <= "\u9fff")
    return bool(cjk) and changed > 0.03 * len(cjk)


def strip_all_space(text: str) -> str:
    return re.sub(r"\s+", "", text)
