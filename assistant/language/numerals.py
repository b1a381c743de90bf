"""Chinese numerals, on a maintained converter (cn2an): 十五 → 15, 一百九十九 → 199, 一〇五 → 105,
两 → 2, 百分之三十 → 30%, 第一千二百六十条 → 1260, and back (15 → 十五)."""

from __future__ import annotations

import re
from functools import lru_cache

import cn2an

DIGITS = "零〇一二两三四五六七八九"
NUMERAL_CHARS = DIGITS + "十百千万亿"
NUMERAL = f"[{NUMERAL_CHARS}]+"
_DIGIT_VALUE = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

# A numeral is a value when a unit follows it (十五个工作日, 二十日, 三年, 五万元) or 百分之 leads it; this
# keeps words that start with a numeral (一网通办, 一站式, 三年行动) out of value checks.
_UNIT = (r"个?(?:工作日|自然日|日|天|小时|个月|月|周|年|分钟|元|万元|亿元|万|亿|倍|次|项|家|人|条|名|户|类|批|所|"
         r"公里|米|平方米|亩|岁|件|份|张|种|个)")
_VALUE = re.compile(rf"({NUMERAL})(?={_UNIT})|百分之({NUMERAL}(?:点[{DIGITS}]+)?)")


@lru_cache(maxsize=4096)
def to_int(text: str) -> int:
    """Digits or Chinese numerals as an integer; ValueError for anything else."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if not text or any(ch not in NUMERAL_CHARS for ch in text):
        raise ValueError(f"不是中文数字: {text!r}")
    if not any(ch in "十百千万亿" for ch in text):
        return int("".join(str(_DIGIT_VALUE[ch]) for ch in text))  # 一〇五 = 105, digit by digit
    value = cn2an.cn2an(text.replace("〇", "零"), "smart")
    return int(value)


def to_cn(value: int) -> str:
    """15 → 十五, 105 → 一百零五, 1260 → 一千二百六十: how documents number their units."""
    return cn2an.an2cn(int(value))


def with_arabic_values(text: str) -> str:
    """The text with its numeral values in Arabic digits (十五个工作日 → 15个工作日, 百分之三十 → 30%), for
    checks that a passage gives a value; what is shown and quoted stays as the document wrote it."""
    if not any(ch in NUMERAL_CHARS for ch in text):
        return text

    def arabic(m: re.Match) -> str:
        try:
            if m.group(2):
                whole = m.group(2).replace("点", ".")
                if "." in whole:
                    head, tail = whole.split(".")
                    return f"{to_int(head)}.{''.join(str(to_int(c)) for c in tail)}%"
                return f"{to_int(whole)}%"
            return str(to_int(m.group(1)))
        except (ValueError, KeyError):
            return m.group(0)

    return _VALUE.sub(arabic, text)
