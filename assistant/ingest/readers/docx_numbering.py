"""Word's automatic numbering rendered as text ("第一条", "一、", "（一）", "1.").

Official documents often number articles and items with Word lists: the number is not in the paragraph's
text but in numbering.xml, and a reader that skips it loses "第X条". This renders the common formats the
way Word displays them; anything exotic falls back to Arabic numerals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_DIGITS = "〇一二三四五六七八九"
_FINANCIAL = "零壹贰叁肆伍陆柒捌玖"
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def wval(el: etree._Element | None, default: str | None = None) -> str | None:
    if el is None:
        return default
    return el.get(w("val"), default)


@dataclass
class Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    suffix: str = "tab"
    legal: bool = False  # isLgl: show every level in Arabic numerals
    style_id: str | None = None


@dataclass
class _List:
    levels: dict[int, Level]
    counters: dict[int, int] = field(default_factory=dict)


class Numbering:
    """Counters for every list in one document; call `label` once per numbered paragraph, in order."""

    def __init__(self, numbering_xml: etree._Element | None):
        self._lists: dict[str, _List] = {}
        if numbering_xml is None:
            return
        abstract = {el.get(w("abstractNumId")): _levels(el) for el in numbering_xml.iterfind(w("abstractNum"))}
        # Word continues one count across all lists built on the same abstract definition; a list that
        # overrides a level (typically "restart at 1") counts on its own.
        shared: dict[str | None, dict[int, int]] = {}
        for num in numbering_xml.iterfind(w("num")):
            abstract_id = wval(num.find(w("abstractNumId")))
            levels = dict(abstract.get(abstract_id, {}))
            overrides = list(num.iterfind(w("lvlOverride")))
            for override in overrides:
                ilvl = int(override.get(w("ilvl"), "0"))
                if (lvl := override.find(w("lvl"))) is not None:
                    levels[ilvl] = _level(lvl)
                if (start := wval(override.find(w("startOverride")))) is not None and ilvl in levels:
                    base = levels[ilvl]
                    levels[ilvl] = Level(int(start), base.fmt, base.text, base.suffix, base.legal, base.style_id)
            counters = {} if overrides else shared.setdefault(abstract_id, {})
            self._lists[num.get(w("numId"))] = _List(levels, counters)

    def level_for_style(self, num_id: str, style_id: str) -> int:
        """The list level a numbered style sits at (the level whose pStyle names it)."""
        entry = self._lists.get(num_id)
        if entry:
            for ilvl, level in entry.levels.items():
                if level.style_id == style_id:
                    return ilvl
        return 0

    def label(self, num_id: str, ilvl: int) -> str:
        """The number text for the next paragraph of list num_id at level ilvl, suffix included."""
        entry = self._lists.get(num_id)
        if entry is None or ilvl not in entry.levels:
            return ""
        level = entry.levels[ilvl]
        entry.counters[ilvl] = entry.counters.get(ilvl, level.start - 1) + 1
        for deeper in [k for k in entry.counters if k > ilvl]:
            del entry.counters[deeper]  # a new item restarts the levels below it
        if level.fmt in ("bullet", "none"):
            return ""  # a bullet glyph is decoration, not text
        text = level.text
        for k in range(9):
            if f"%{k + 1}" in text:
                ref = entry.levels.get(k, Level())
                value = entry.counters.get(k, ref.start)
                text = text.replace(f"%{k + 1}", format_number(value, "decimal" if level.legal else ref.fmt))
        return text + {"tab": " ", "space": " "}.get(level.suffix, "")


def _levels(abstract_num: etree._Element) -> dict[int, Level]:
    return {int(lvl.get(w("ilvl"), "0")): _level(lvl) for lvl in abstract_num.iterfind(w("lvl"))}


def _level(lvl: etree._Element) -> Level:
    start = wval(lvl.find(w("start")), "1") or "1"
    return Level(
        start=int(start) if start.lstrip("-").isdigit() else 1,
        fmt=wval(lvl.find(w("numFmt")), "decimal") or "decimal",
        text=wval(lvl.find(w("lvlText")), "") or "",
        suffix=wval(lvl.find(w("suff")), "tab") or "tab",
        legal=lvl.find(w("isLgl")) is not None and wval(lvl.find(w("isLgl")), "1") not in ("0", "false"),
        style_id=wval(lvl.find(w("pStyle"))),
    )


def format_number(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting"):
        return chinese_number(n, digit_by_digit=fmt == "chineseCounting")
    if fmt == "chineseLegalSimplified":
        return chinese_number(n, digits=_FINANCIAL, ten="拾", hundred="佰", thousand="仟")
    if fmt in ("ideographTraditional", "ideographZodiac"):
        cycle = _STEMS if fmt == "ideographTraditional" else _BRANCHES
        return cycle[(n - 1) % len(cycle)] if n > 0 else str(n)
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= len(_CIRCLED):
        return _CIRCLED[n - 1]
    if fmt == "decimalEnclosedParen":
        return f"({n})"
    if fmt == "decimalEnclosedFullstop":
        return f"{n}."
    if fmt == "decimalFullWidth":
        return str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("upperLetter", "lowerLetter") and n > 0:
        letter = chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter if fmt == "upperLetter" else letter.lower()
    if fmt in ("upperRoman", "lowerRoman") and 0 < n < 4000:
        roman = _roman(n)
        return roman if fmt == "upperRoman" else roman.lower()
    return str(n)


def chinese_number(
    n: int,
    digit_by_digit: bool = False,
    digits: str = _DIGITS,
    ten: str = "十",
    hundred: str = "百",
    thousand: str = "千",
) -> str:
    """一, 十, 十一, 二十一, 一百零一…; Word's chineseCounting writes 100 and above digit by digit (一〇〇)."""
    if n <= 0 or n >= 10000:
        return str(n)
    if digit_by_digit and n >= 100:
        return "".join(_DIGITS[int(d)] for d in str(n))
    zero = "零" if digits is _DIGITS else digits[0]
    out = ""
    pending_zero = False
    for value, unit in ((1000, thousand), (100, hundred), (10, ten), (1, "")):
        d = n // value % 10
        if d == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out += zero
            pending_zero = False
        # "十一" rather than "一十一" when ten is the leading unit (Word and common usage agree)
        out += ("" if (value == 10 and d == 1 and not out and digits is _DIGITS) else digits[d]) + unit
    return out


def _roman(n: int) -> str:
    table = (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    )
    out = ""
    for value, symbol in table:
        while n >= value:
            out += symbol
            n -= value
    return out
