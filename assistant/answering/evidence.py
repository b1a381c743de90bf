"""Does a unit actually say what the question asks about? Evidence from the words, weighted by how
specific they are in the library.

A question's content words (jieba words minus stopwords and question words), each with the documents'
own terms for it from the thesaurus (通天然气 → 供气), are weighted by inverse document frequency over the
library's units: a word no unit contains (房租, 签证) weighs most, a word every unit has (企业) least. The
coverage of a unit is the weighted share of the question's words it contains. It ranks the top retrieved
units (the one that says what was asked comes first) and, below a threshold calibrated on the development
split of the gold set, tells the assistant that nothing in the library is about the question.
"""

from __future__ import annotations

from collections.abc import Callable

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from assistant.language.cues import cue
from assistant.records import Document
from assistant.retrieval.chunks import written_in_traditional
from assistant.textutil import to_simplified
from assistant.thesaurus import thesaurus


# How much a single character or a fragment that is no dictionary word counts, against a whole word.
FRAGMENT_WEIGHT = 0.3


_SENTENCE_END = re.compile(r"[。；;！？!?\n]")


@dataclass(frozen=True)
class Term:
    text: str
    alternatives: tuple[str, ...]  # the same thing as documents write it
    weight: float
    parts: tuple[str, ...] = ()  # the words of a compound (拖欠账款 → 拖欠, 账款), for text that splits it up
    all_parts: bool = False  # the compound counts only where every one of its words is written
    other_parts: tuple[tuple[str, ...], ...] = ()  # the words of the documents' other terms for it (拖欠|款项)

    def share_in(self, text: str) -> float:
        """1 when the text has the term (or a synonym); else the share of its parts it has."""
        if any(a in text for a in self.alternatives):
            return 1.0
        if not self.parts:
            return 0.0
        if self.all_parts:
            # Every word of the compound, in one sentence (拖欠市场主体的……账款), not scattered over an article.
            sentences = _SENTENCE_END.split(text)
            return 1.0 if any(all(p in s for p in parts) for parts in (self.parts, *self.other_parts) if parts
                              for s in sentences) else 0.0
        return sum(p in text for p in self.parts) / len(self.parts)


@lru_cache(maxsize=1)
def _question_word_groups() -> dict:
    return json.loads(resources.files("assistant").joinpath("data/question_words.json").read_text("utf-8"))


@lru_cache(maxsize=1)
def _question_words() -> frozenset[str]:
    return frozenset(w for group in _question_word_groups().values() if isinstance(group, list) for w in group)


@lru_cache(maxsize=1)
def _shop_kind() -> re.Pattern:
    kinds = sorted(_question_word_groups().get("shop_kinds", []), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, kinds))) if kinds else re.compile(r"(?!)")


def _names_own_shop(question: str, word: str, at: int) -> bool:
    """"开个奶茶店", "我家服装厂": a word right before a kind of shop names the asker's own business."""
    return at >= 0 and bool(_shop_kind().match(question, at + len(word)))


def compound_parts(word: str) -> tuple[str, ...]:
    """The dictionary words inside a compound no unit writes whole (拖欠账款: 拖欠…等账款)."""
    from assistant.retrieval.zh_tokenize import tokenize

    if len(word) < 4:
        return ()
    words = sorted({w for w in tokenize(word) if 2 <= len(w) < len(word)}, key=lambda w: (-len(w), w))
    # The words that write the compound end to end (拖欠|账款, not the overlapping 欠账), longest first at each
    # place; none when they leave a gap: 容缺受理 is not 受理 alone.
    best: dict[int, list[str]] = {len(word): []}  # fewest words that write word[i:] end to end
    for i in range(len(word) - 1, -1, -1):
        ways = [[w] + best[i + len(w)] for w in words if word.startswith(w, i) and i + len(w) in best]
        if ways:
            best[i] = min(ways, key=len)
    return tuple(dict.fromkeys(best.get(0, [])))


def _with_stem(word: str) -> tuple[str, ...]:
    """A system named with its suffix is the same system without it: 告知承诺制 is written 实行告知承诺 too."""
    stem = cue("system_suffix").sub("", word)
    return (word, stem) if stem != word and len(stem) >= 3 else (word,)


def _system_names(question: str, words: list[str], written: Callable[[str], bool]) -> list[str]:
    """A system's name cut in two by the tokenizer (首问 | 负责制) is one word again, so that its stem without
    the suffix (首问负责) can be found: the suffix alone (负责制 → 负责) would be too short a stem. Only names
    the documents write (`written`), so that a verb before the suffix (实行 | 负责制) stays a word of its own."""
    out: list[str] = []
    for word in words:
        joined = (out[-1] + word) if out else ""
        if joined and joined in question and cue("system_suffix").search(word) and len(_with_stem(joined)) > 1 \
                and len(_with_stem(word)) == 1 and any(written(form) for form in _with_stem(joined)):
            out[-1] = joined
        else:
            out.append(word)
    return out


class Evidence:
    def __init__(self, docs: list[Document]):
        self.texts: dict[tuple[str, str], str] = {}
        for doc in docs:
            # Questions arrive in Simplified characters: a document written in Traditional is read in them too.
            simplify = written_in_traditional(doc)
            titles = {u.ref: u.title for u in doc.units}
            for unit in doc.units:
                # An item without a heading of its own (33. …, a task in a measure's notes) is about its measure's
                # heading (中介服务业信用建设), which its sentences leave out.
                heading = titles.get(unit.parent or "", "") if not unit.title else ""
                parts = (heading, unit.title, unit.text, unit.goal, unit.category, unit.lead_raw, unit.support_raw,
                         " ".join(unit.fields.values()), unit.deadline)
                text = "".join(parts)
                self.texts[(doc.doc, unit.ref)] = to_simplified(text) if simplify else text
        self.n = max(1, len(self.texts))
        self._df: dict[str, int] = {}

    def df(self, word: str) -> int:
        if word not in self._df:
            self._df[word] = sum(1 for text in self.texts.values() if word in text)
        return self._df[word]

    def idf(self, words: tuple[str, ...]) -> float:
        df = max(self.df(w) for w in words)
        return math.log((self.n + 1) / (df + 0.5))

    def terms(self, question: str, split_compounds: bool = False) -> list[Term]:
        """Content words of the question, each with the documents' words for it. `split_compounds`: a compound
        counts in part wherever only its words are written (documents compared one by one word it their own way)."""
        from assistant.retrieval.zh_tokenize import content_words, is_dictionary_word

        matches = thesaurus().find(question)
        words = [w for w in content_words(question) if w not in _question_words()]
        terms: list[Term] = []
        covered = set()
        concepts = []
        for match in matches:
            if match.text in _question_words() or all(t in _question_words() for t in match.concept.terms):
                continue  # 公司 → 企业: the asker's frame, not the subject
            if match.concept in concepts:
                covered.update(range(match.start, match.end))
                continue  # the expansion appended to a question repeats a concept it already has: count it once
            concepts.append(match.concept)
            alternatives = (match.text, *match.concept.terms)
            covered.update(range(match.start, match.end))
            written = any(self.df(a) for a in alternatives)
            term_parts = tuple(p for a in match.concept.terms if (p := compound_parts(a)))
            if match.text not in match.concept.terms and term_parts:
                # Said in everyday words (欠企业的钱): found where a unit writes the documents' compound, whole or
                # with its words apart in one sentence (拖欠民营企业、中小企业账款).
                terms.append(Term(match.text, alternatives, self.idf(alternatives), term_parts[0], True, term_parts))
                continue
            # Split only in comparisons or when no unit writes it whole; a compound some unit writes whole
            # counts elsewhere only with all of its words.
            terms.append(Term(match.text, alternatives, self.idf(alternatives),
                              compound_parts(match.text) if split_compounds or not written else (),
                              split_compounds and written, term_parts if split_compounds else ()))
        position = 0
        words = _system_names(question, words, lambda form: bool(self.df(form)))
        for word in words:
            at = question.find(word, position)
            position = at + len(word) if at >= 0 else position
            if at >= 0 and set(range(at, at + len(word))) <= covered:
                continue  # part of a thesaurus phrase already counted
            if len(word) < 2 and not re.match(r"[\u4e00-\u9fff]", word):
                continue
            if _names_own_shop(question, word, at) and not self.df(word):
                continue  # 奶茶(店): what the asker sells, which no document is about
            weight = self.idf((word,))
            if len(word) < 2 or not is_dictionary_word(word):
                weight *= FRAGMENT_WEIGHT  # a fragment cut from colloquial text (楼能, 条讲) says little
            written = bool(self.df(word))
            terms.append(Term(word, _with_stem(word), weight,
                              compound_parts(word) if split_compounds or not written else (), split_compounds and written))
        return terms

    def coverage(self, terms: list[Term], key: tuple[str, str]) -> float:
        text = self.texts.get(key, "")
        total = sum(t.weight for t in terms)
        if not total:
            return 0.0
        return sum(t.weight * t.share_in(text) for t in terms) / total

    def unknown_subject(self, terms: list[Term]) -> str | None:
        """The word the question is mainly about, when no unit of the library has it (or a synonym, or all its
        words in one unit): 养老金 in "怎么申请养老金" carries most of the question's weight, so a unit that
        shares only 申请 does not answer it."""
        total = sum(t.weight for t in terms)
        for t in terms:
            if total and t.weight >= 0.6 * total and len(t.text) >= 2 and not self._written(t):
                return t.text
        return None

    def _written(self, term: Term) -> bool:
        if any(self.df(a) for a in term.alternatives):
            return True
        return bool(term.parts) and any(all(p in text for p in term.parts) for text in self.texts.values())

    def support(self, terms: list[Term], key: tuple[str, str]) -> float:
        """Coverage counting only the words some unit of the library has: what tells units apart (a word no
        unit has lowers every unit's coverage alike)."""
        present = [t for t in terms if any(self.df(a) for a in t.alternatives)]
        return self.coverage(present, key) if present else 0.0

