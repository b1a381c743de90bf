"""Dates as official documents write them: 2022年6月17日, 二〇二二年六月十七日, and deadlines (6月底前,
年底前, 2022年10月底, 上半年) resolved to the last day they allow."""

from __future__ import annotations

import calendar
import re
from datetime import date

from assistant.textutil import cn_to_int

_NUM = r"(?:\d+|[零〇一二三四五六七八九十]+)"
FULL_DATE = re.compile(rf"({_NUM})\s*年\s*({_NUM})\s*月\s*({_NUM})\s*[日号]")
_ISO = re.compile(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})")
_YEAR_MONTH = re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(底|末|中旬|上旬|下旬|份|前|内)?")
_YEAR_END = re.compile(r"(?:(\d{4})\s*年\s*)?(年底|年末|年内|年终|全年|底前)")
_HALF = re.compile(r"(?:(\d{4})\s*年\s*)?(上半年|下半年)")
_QUARTER = re.compile(r"(?:(\d{4})\s*年\s*)?(?:第)?([一二三四1-4])\s*季度")
_YEAR_ONLY = re.compile(r"(\d{4})\s*年(?:\s*(?:前|内|底前|完成|起))?")


def _int(text: str) -> int:
    return cn_to_int(text)


def parse_full_date(text: str) -> date | None:
    """The first complete date in the text (2022年6月17日, 2022 年 11 月 30 日, 二〇二二年六月十七日, 2022-06-17)."""
    squeezed = re.sub(r"\s+", "", text)
    for match in FULL_DATE.finditer(squeezed):
        try:
            return date(_int(match.group(1)), _int(match.group(2)), _int(match.group(3)))
        except ValueError:
            continue
    match = _ISO.search(squeezed)
    if match:
        try:
            return date(*map(int, match.groups()))
        except ValueError:
            return None
    return None


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def infer_year(month: int, reference: date | None) -> int | None:
    """A month written without its year belongs to the document's period: from the month it was issued
    onwards that year, earlier months the next year (a plan issued in June 2022 means 3月 = March 2023)."""
    if reference is None:
        return None
    return reference.year if month >= reference.month else reference.year + 1


def deadline_date(text: str, reference: date | None = None) -> date | None:
    """The last day a deadline allows, or None for 持续推进, 长期坚持, 即办, 5个工作日 …"""
    squeezed = re.sub(r"\s+", "", text)
    full = parse_full_date(squeezed)
    if full:
        return full
    match = _QUARTER.search(squeezed)
    if match:
        year = int(match.group(1)) if match.group(1) else (reference.year if reference else None)
        quarter = "一二三四".find(match.group(2)) + 1 or int(match.group(2))
        return _month_end(year, quarter * 3) if year else None
    match = _HALF.search(squeezed)
    if match:
        year = int(match.group(1)) if match.group(1) else (reference.year if reference else None)
        return (date(year, 6, 30) if match.group(2) == "上半年" else date(year, 12, 31)) if year else None
    for match in _YEAR_MONTH.finditer(squeezed):
        month = int(match.group(2))
        if not 1 <= month <= 12:
            continue
        year = int(match.group(1)) if match.group(1) else infer_year(month, reference)
        if year is None:
            return None
        return _month_end(year, month)
    match = _YEAR_END.search(squeezed)
    if match:
        year = int(match.group(1)) if match.group(1) else (reference.year if reference else None)
        return date(year, 12, 31) if year else None
    match = _YEAR_ONLY.search(squeezed)
    if match:
        return date(int(match.group(1)), 12, 31)
    return None


def looks_like_deadline(text: str) -> bool:
    """A note clause that gives a time limit (6月底前完成, 2022年10月底前, 年底前, 持续推进, 长期坚持)."""
    t = re.sub(r"\s+", "", text)
    if re.search(r"持续推进|长期坚持|长期推进|常态化推进|按年度推进", t):
        return True
    if deadline_date(t, date(2000, 1, 1)) is None:
        return False
    return bool(re.search(r"前|底|末|完成|以内|之内|期间|季度|半年|\d{4}年$|月$|日$", t))
