"""The business-environment thesaurus (data/thesaurus.tsv): everyday words → the terms documents use, and
the indicator (开办企业, 获得用水用气 …) they belong to.

Shared by retrieval (query expansion) and understanding (the indicator a set question names), so it sits
below both. Matching is robust to what people insert or reorder: "注册个公司" and "公司注册" both match the
variant 注册公司 — its words may be separated by up to two filler characters and a two-word variant may come
in either order. Questions arrive normalised to Simplified characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_FILLER = "[个一下家间点些这那了得的把要想去来]{0,2}"


@dataclass(frozen=True)
class Concept:
    terms: tuple[str, ...]  # as documents write them
    variants: tuple[str, ...]  # as people say them
    indicator: str = ""  # the indicator (a task table's 指标名称) it belongs to, if any


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    text: str  # as written in the question
    concept: Concept


def _split_words(variant: str) -> list[str]:
    """A variant cut where fillers may go: 注册公司 → 注册/公司, 通天然气 → 通/天然气 (2 + rest)."""
    if len(variant) < 4:
        return [variant]
    return [variant[:2], variant[2:]]


def _pattern(variant: str) -> str:
    words = _split_words(variant)
    if len(words) == 1:
        return re.escape(variant)
    a, b = (re.escape(w) for w in words)
    # Either order: 注册(个)公司, 公司(的)注册.
    return f"(?:{a}{_FILLER}{b}|{b}{_FILLER}{a})"


@lru_cache(maxsize=4096)
def _compiled(variant: str) -> re.Pattern:
    return re.compile(_pattern(variant))


@dataclass(frozen=True)
class Thesaurus:
    concepts: tuple[Concept, ...]
    _entries: tuple[tuple[str, tuple[str, ...], Concept], ...]  # (variant, its words, concept), longest first

    def find(self, text: str) -> list[Match]:
        """Non-overlapping matches, longer variants first (cached: one question is looked up several times)."""
        return list(_find_cached(text)) if self is thesaurus() else self._find(text)

    def _find(self, text: str) -> list[Match]:
        """Each variant's words are looked up as plain substrings before any regex runs, so a question costs a
        few hundred `in` checks."""
        found: list[Match] = []
        taken = [False] * len(text)
        for variant, words, concept in self._entries:
            if not all(w in text for w in words):
                continue
            for m in _compiled(variant).finditer(text):
                if any(taken[m.start():m.end()]):
                    continue
                taken[m.start():m.end()] = [True] * (m.end() - m.start())
                found.append(Match(m.start(), m.end(), m.group(0), concept))
        return sorted(found, key=lambda m: m.start)

    def expansion(self, text: str) -> list[str]:
        """The documents' terms for every everyday phrase in the text (not already written in it)."""
        terms: list[str] = []
        for match in self.find(text):
            for term in match.concept.terms:
                if term not in text and term not in terms:
                    terms.append(term)
        return terms

    def indicators(self, text: str) -> list[tuple[Match, str]]:
        return [(m, m.concept.indicator) for m in self.find(text) if m.concept.indicator]

    def vocabulary(self) -> set[str]:
        """Every term and variant, for spelling correction."""
        return {w for c in self.concepts for w in (*c.terms, *c.variants)}


@lru_cache(maxsize=4096)
def _find_cached(text: str) -> tuple[Match, ...]:
    return tuple(thesaurus()._find(text))


@lru_cache(maxsize=1)
def thesaurus() -> Thesaurus:
    concepts: list[Concept] = []
    for raw in resources.files("assistant").joinpath("data/thesaurus.tsv").read_text("utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        parts = raw.split("\t")
        terms = tuple(parts[0].split())
        variants = tuple(parts[1].split()) if len(parts) > 1 else ()
        indicator = parts[2].strip() if len(parts) > 2 else ""
        concepts.append(Concept(terms, variants, indicator))
    entries = sorted(((v, tuple(_split_words(v)), c) for c in concepts for v in sorted({*c.variants, *c.terms})
                      if len(v) >= 2), key=lambda x: -len(x[0]))
    return Thesaurus(tuple(concepts), tuple(entries))


@lru_cache(maxsize=1)
def domain_terms() -> tuple[str, ...]:
    """Words of the field that documents and questions share (data/domain_words_zh.txt)."""
    lines = resources.files("assistant").joinpath("data/domain_words_zh.txt").read_text("utf-8").splitlines()
    return tuple(w.strip() for w in lines if w.strip() and not w.startswith("#"))
