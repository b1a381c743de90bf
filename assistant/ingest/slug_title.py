"""A title read from a file name spelt in pinyin, for a document whose text has no title line: web archives
and portals name files by their pinyin (chizhou-xinfangju-zhengwugongkai-renwuqingdan → 池州信访局政务公开任务清单),
the only place that names the document's place and kind. Table: assistant/data/slug_words.json
(scripts/make_slug_words.py)."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

_TOKEN = re.compile(r"[A-Za-z]+|\d+")
_LONGEST = 24  # letters of the longest pinyin word looked up


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], dict[str, str]]:
    raw = json.loads(resources.files("assistant").joinpath("data/slug_words.json").read_text("utf-8"))
    return raw["words"], raw["suffixes"]


def read_pinyin(token: str) -> str | None:
    """The Chinese a lower-case pinyin token spells, in the fewest words (a name-ending character such as 局 only
    after a word); None when it is not pinyin the table knows."""
    words, suffixes = _table()
    n = len(token)
    best: dict[int, list[str]] = {n: []}
    for i in range(n - 1, -1, -1):
        ways = [[words[token[i:j]]] + best[j] for j in range(i + 2, min(n, i + _LONGEST) + 1)
                if j in best and token[i:j] in words]
        if i > 0:
            ways += [[suffixes[token[i:j]]] + best[j] for j in range(i + 1, min(n, i + 4) + 1)
                     if j in best and token[i:j] in suffixes and j == n]
        if ways:
            best[i] = min(ways, key=len)
    return "".join(best[0]) if 0 in best else None


def title_from_file_name(stem: str) -> str:
    """池州信访局政务公开任务清单 from "10-chizhou-xinfangju-zhengwugongkai-renwuqingdan"; a year is kept
    (2022年); "" unless most of the name's words are pinyin the table reads."""
    parts, read, words = [], 0, 0
    for token in _TOKEN.findall(stem):
        if token.isdigit():
            if len(token) == 4 and token[:2] in ("19", "20"):
                parts.append(f"{token}年")
            continue  # a file's running number (10-…) names nothing
        words += 1
        chinese = read_pinyin(token.lower())
        if chinese:
            parts.append(chinese)
            read += 1
    return "".join(parts) if words and read * 2 > words and read else ""
