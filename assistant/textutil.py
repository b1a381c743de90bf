"""Small pure text helpers shared by the parser, the chunker and the answer writer."""

from __future__ import annotations

import re

_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

# Spaces that the PDF extraction put between CJK text and digits ("7 个事项 1 个工作日").
_SPACE_NEAR_WIDE = re.compile(r"[ \t\u3000]+(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])[ \t\u3000]+")


def squeeze_spaces(text: str) -> str:
    """Drop spaces next to non-ASCII characters, collapse the rest; keeps "PM 2.5"-style ASCII runs."""
    text = _SPACE_NEAR_WIDE.sub("", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def cn_to_int(text: str) -> int:
    """Chinese numerals up to 99 ("十四" = 14, "四十一" = 41, "二十" = 20)."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _CN_DIGITS and ch != "十" for ch in text):
        raise ValueError(f"不是中文数字: {text!r}")
    if "十" in text:
        tens, _, ones = text.partition("十")
        value = (_CN_DIGITS[tens] if tens else 1) * 10
        return value + (_CN_DIGITS[ones] if ones else 0)
    return _CN_DIGITS[text]


def int_to_cn(value: int) -> str:
    """14 → 十四, 41 → 四十一, 10 → 十; for measure markers like 措施（十四）."""
    digits = "零一二三四五六七八九"
    if value < 10:
        return digits[value]
    tens, ones = divmod(value, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")
