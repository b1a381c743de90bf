"""Is a question inside what the notice covers? Places and years first (rules), then retrieval evidence."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

from .query_parse import PLAN_YEAR, ParsedQuestion

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年?")
_COMPARISON = re.compile(r"(比|较|相比|对比|高于|低于|超过|同期|基础上|水平)\s*$")


@lru_cache(maxsize=1)
def _scope() -> dict:
    return json.loads(resources.files("assistant").joinpath("data/scope.json").read_text("utf-8"))


def _places() -> tuple[tuple[str, ...], tuple[str, ...]]:
    raw = _scope()
    return tuple(raw["other_places"]), tuple(raw["guangxi_places"])


def request_reason(text: str, notice_text: str) -> str | None:
    """Requests that are not questions about the notice, or ask for what it never contains."""
    if any(word in text for word in _scope()["requests"]):
        return "这不是关于通知内容的问题，"
    for word in _scope()["unavailable_info"]:
        if word in text and word not in notice_text:
            return f"通知中没有“{word}”方面的信息，"
    return None


def place_reason(text: str, notice_text: str) -> str | None:
    other, guangxi = _places()
    for place in other:
        # A place the notice itself names (e.g. 香港 in 港澳投资者) stays in scope.
        if place in text and place not in notice_text:
            return f"问题问的是“{place}”，"
    for place in guangxi:
        if place in text and place not in notice_text:
            return f"通知是全区性的方案，没有针对“{place}”的专门规定，"
    return None


def year_reason(text: str, parsed: ParsedQuestion) -> str | None:
    deadline_text = parsed.deadline.text if parsed.deadline else ""
    for match in _YEAR.finditer(text):
        year = int(match.group(1))
        if year == PLAN_YEAR or match.group(0).strip() in deadline_text or match.group(1) in deadline_text:
            continue
        before = text[: match.start()]
        after = text[match.end() : match.end() + 6]
        if _COMPARISON.search(before[-6:]) or re.match(r"\s*(水平|同期|基础)", after):
            continue  # "比2021年增长" compares with a base year the notice uses
        return f"问题问的是{year}年，"
    return None


def weak_evidence(dense_top: float | None, bm25_top: float | None, dense_floor: float, bm25_floor: float) -> bool:
    """Nothing close: semantically far from every chunk, or sharing almost no words with any."""
    return (dense_top or 0.0) < dense_floor or (bm25_top or 0.0) < bm25_floor
