"""Chinese official numbering at the start of a paragraph: 第X编/章/节/条, 一、 （一） 1. （1） ①, 附件.

`match_numbering` works on folded text (see textutil.fold: full-width brackets and colons are ASCII there).
Each style has a ref prefix and a label form; the structure layer decides nesting and accepts a heading
only when its number follows the previous one of the same style.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.language.numerals import NUMERAL
from assistant.textutil import cn_to_int, int_to_cn

_N = NUMERAL  # any size: 第一千二百六十条, 第一万零一条
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


@dataclass(frozen=True)
class Style:
    name: str  # the ref prefix: part, chapter, section, article, measure, item, point, sub, annex
    legal: bool  # 编/章/节/条: the fixed hierarchy of laws and regulations
    rank: int  # nesting order within its family (smaller is higher)


BOOK = Style("book", True, 0)
CHAPTER = Style("chapter", True, 1)
SECTION = Style("section", True, 2)
ARTICLE = Style("article", True, 3)
PART = Style("part", False, 0)  # 一、
MEASURE = Style("measure", False, 1)  # （一）
ITEM = Style("item", False, 2)  # 1.
POINT = Style("point", False, 3)  # （1）
SUB = Style("sub", False, 4)  # ①
ANNEX = Style("annex", False, -1)  # 附件 / 附件1

STYLES = {s.name: s for s in (BOOK, CHAPTER, SECTION, ARTICLE, PART, MEASURE, ITEM, POINT, SUB, ANNEX)}

_LEGAL = re.compile(rf"^第\s*({_N}|\d+)\s*(编|章|节|条)(?![件款项])\s*(.*)$", re.S)
_PART = re.compile(rf"^({_N})\s*[、.]\s*(?!\d)(.*)$", re.S)
_MEASURE = re.compile(rf"^\(\s*({_N})\s*\)\s*(.*)$", re.S)
# 1. 1、 1． but not 1.5万 or a year (2022年…) or a date.
_ITEM = re.compile(r"^(\d{1,3})\s*(?:\.(?!\d)|、)\s*(.*)$", re.S)
_POINT = re.compile(r"^\(\s*(\d{1,3})\s*\)\s*(.*)$", re.S)
_SUB = re.compile(rf"^([{_CIRCLED}])\s*(.*)$", re.S)
_ANNEX = re.compile(r"^附\s*件\s*(\d{0,2})\s*(?::\s*(.*)|\s*$)", re.S)
_LEGAL_STYLE = {"编": BOOK, "章": CHAPTER, "节": SECTION, "条": ARTICLE}


@dataclass(frozen=True)
class Numbering:
    style: Style
    number: int
    rest: str  # the paragraph after the numbering (folded text offsets: rest starts at `offset`)
    offset: int  # where `rest` starts in the paragraph
    implicit: bool = False  # "附件：…" with no number of its own


def match_numbering(folded: str) -> Numbering | None:
    """The numbering a (folded, left-stripped) paragraph starts with, if any."""
    for pattern, style in ((_LEGAL, None), (_ANNEX, ANNEX), (_MEASURE, MEASURE), (_POINT, POINT),
                           (_PART, PART), (_ITEM, ITEM), (_SUB, SUB)):
        m = pattern.match(folded)
        if not m:
            continue
        if style is None:
            style = _LEGAL_STYLE[m.group(2)]
            raw, rest_group = m.group(1), 3
        elif style is ANNEX:
            raw, rest_group = m.group(1) or "1", 2
        elif style is SUB:
            raw, rest_group = str(_CIRCLED.index(m.group(1)) + 1), 2
        else:
            raw, rest_group = m.group(1), 2
        try:
            number = cn_to_int(raw)
        except ValueError:
            continue
        if number <= 0:
            continue
        rest = m.group(rest_group) or ""
        offset = m.start(rest_group) if m.group(rest_group) is not None else len(folded)
        return Numbering(style, number, rest, offset, implicit=style is ANNEX and not m.group(1))
    return None


def label_of(style: Style, number: int) -> str:
    """How the document itself writes the numbering: 第二十条, 第一章, 二、, （三）, 3., （2）, ②, 附件1."""
    if style.legal:
        word = {"book": "编", "chapter": "章", "section": "节", "article": "条"}[style.name]
        return f"第{int_to_cn(number)}{word}"
    if style is PART:
        return f"{int_to_cn(number)}、"
    if style is MEASURE:
        return f"（{int_to_cn(number)}）"
    if style is ITEM:
        return f"{number}."
    if style is POINT:
        return f"（{number}）"
    if style is SUB:
        return _CIRCLED[number - 1] if number <= len(_CIRCLED) else f"({number})"
    return f"附件{number}"
