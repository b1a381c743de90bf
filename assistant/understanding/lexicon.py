"""Names a question can mention, built from the library's agencies and categories and the alias data files.

Matching is longest-first over agency and category aliases together, so 市场监管局 (an agency) wins
over 市场监管 (a category) and 教育厅 over 教育.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from assistant.ingest.agencies import alias_table, is_collective
from assistant.understanding.normalize import normalize_text


@dataclass(frozen=True)
class Mention:
    kind: str  # "agency" | "category"
    text: str  # the matched span (normalised question text)
    names: tuple[str, ...]  # canonical names it stands for
    start: int
    end: int


@lru_cache(maxsize=1)
def _category_aliases() -> dict[str, tuple[str, ...]]:
    raw = json.loads(resources.files("assistant").joinpath("data/category_aliases.json").read_text("utf-8"))
    return {k: tuple(v) for k, v in raw["aliases"].items()}


# The last character of a body's name says its level (部 a ministry, 厅 a provincial department, 局, 委, 办 …).
_LEVELS = "部厅局委办署院"
_PLACE_PREFIX = r"^(自治区|省|市|县|区|国家|中国)"


@dataclass(frozen=True)
class Lexicon:
    agencies: dict[str, tuple[str, ...]]  # normalised alias → canonical agency names
    categories: dict[str, tuple[str, ...]]  # normalised alias → canonical categories
    agency_names: tuple[str, ...]  # canonical, most tasks led first
    category_names: tuple[str, ...]  # canonical, in table order
    max_len: int

    @classmethod
    def build(cls, agency_counts: list[tuple[str, int, int]], categories_in_order: list[str]) -> "Lexicon":
        """From (agency, units led, units supported), most led first, and the categories in table order."""
        names = [n for n, _, _ in sorted(agency_counts, key=lambda x: (-x[1], x[0]))]
        agencies = {normalize_text(k): v for k, v in alias_table(names).items()}
        # A name is also written without its bracketed part (各镇政府 for 各镇政府（街道办事处）), unless that names
        # another agency already.
        for key, value in list(agencies.items()):
            bare = re.sub(r"[（(][^（）()]*[）)]", "", key)
            if len(bare) >= 3 and bare != key:
                agencies.setdefault(bare, value)
        categories_in_order = tuple(categories_in_order)
        categories: dict[str, tuple[str, ...]] = {}
        for canonical in categories_in_order:
            for alias in (canonical, *_category_aliases().get(canonical, ())):
                key = normalize_text(alias)
                categories[key] = tuple(dict.fromkeys(categories.get(key, ()) + (canonical,)))
        longest = max((len(k) for k in list(agencies) + list(categories)), default=1)
        return cls(agencies, categories, tuple(names), categories_in_order, longest)

    def closest_agency(self, typed: str, cutoff: float = 0.8) -> tuple[str, ...] | None:
        """Canonical names for a misspelt agency name (市场监官局 → 自治区市场监管局), if one is close."""
        import difflib

        if len(typed) < 3:
            return None
        keys = [k for k in self.agencies if len(k) >= 3]
        close = difflib.get_close_matches(typed, keys, n=1, cutoff=cutoff)
        return self.agencies[close[0]] if close else None

    def _at_its_level(self, text: str, mention: Mention) -> Mention:
        """A short name typed with another level than its agency's (人社 + 部 where 人社 names a 厅): the body of
        that level with the same name (人力资源社会保障部), when the library has one."""
        level = text[mention.end : mention.end + 1]
        if not level or level not in _LEVELS or mention.text[-1:] in _LEVELS:
            return mention
        if all(name.endswith(level) for name in mention.names):
            return mention
        for name in mention.names:
            stem = re.sub(_PLACE_PREFIX, "", name)[:-1]
            other = self.agencies.get(normalize_text(stem + level))
            if other and stem:
                return Mention("agency", mention.text + level, other, mention.start, mention.end + 1)
        return mention

    def named_agencies(self) -> tuple[str, ...]:
        return tuple(n for n in self.agency_names if not is_collective(n))

    def find(self, text: str) -> list[Mention]:
        """Non-overlapping mentions, scanning left to right, longest alias first."""
        found: list[Mention] = []
        i = 0
        while i < len(text):
            for length in range(min(self.max_len, len(text) - i), 1, -1):
                span = text[i : i + length]
                if span in self.agencies:
                    found.append(self._at_its_level(text, Mention("agency", span, self.agencies[span], i, i + length)))
                    break
                if span in self.categories:
                    found.append(Mention("category", span, self.categories[span], i, i + length))
                    break
            else:
                i += 1
                continue
            i = found[-1].end
        return found
