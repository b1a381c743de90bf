"""Small pure text helpers shared by every stage: spaces, Chinese numerals, folding for matching."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10_000, "亿": 100_000_000}
CN_NUMERAL = "零〇一二三四五六七八九十百千两"

# Spaces that PDF extraction put between CJK text and digits ("7 个事项 1 个工作日").
_SPACE_NEAR_WIDE = re.compile(r"[ \t\u3000]+(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])[ \t\u3000]+")


def squeeze_spaces(text: str) -> str:
    """Drop spaces next to non-ASCII characters, collapse the rest; keeps "PM 2.5"-style ASCII runs."""
    text = _SPACE_NEAR_WIDE.sub("", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def cn_to_int(text: str) -> int:
    """Chinese numerals ("十四" = 14, "四十一" = 41, "一百九十九" = 199, "一〇五" = 105, "一亿" = 10⁸) or digits."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    for big, value in sorted(_CN_BIG.items(), key=lambda kv: -kv[1]):
        if big in text:
            head, _, tail = text.partition(big)
            return (cn_to_int(head) if head else 1) * value + (cn_to_int(tail) if tail else 0)
    if not text or any(ch not in _CN_DIGITS and ch not in _CN_UNITS for ch in text):
        raise ValueError(f"不是中文数字: {text!r}")
    if not any(ch in _CN_UNITS for ch in text):
        # Digit by digit: 一〇五 = 105 (years and some tables write numbers this way).
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        else:
            total += (current or 1) * _CN_UNITS[ch]
            current = 0
    return total + current


def int_to_cn(value: int) -> str:
    """14 → 十四, 41 → 四十一, 10 → 十, 105 → 一百零五; for labels like 措施（十四）, 第一百零五条."""
    digits = "零一二三四五六七八九"
    if value < 10:
        return digits[value]
    if value < 20:
        return "十" + (digits[value - 10] if value > 10 else "")
    if value < 100:
        tens, ones = divmod(value, 10)
        return digits[tens] + "十" + (digits[ones] if ones else "")
    hundreds, rest = divmod(value, 100)
    if rest == 0:
        return digits[hundreds] + "百"
    if rest < 10:
        return digits[hundreds] + "百零" + digits[rest]
    tail = int_to_cn(rest)
    return digits[hundreds] + "百" + ("一" + tail if rest < 20 else tail)


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


def strip_all_space(text: str) -> str:
    return re.sub(r"\s+", "", text)
