"""Pick the words of a row or measure that answer a question, to quote them verbatim."""

from __future__ import annotations

import math
import re

_SENTENCE = re.compile(r"(?<=[。；;！？!?\n])")
_CLAUSE = re.compile(r"(?<=[，,])")
_STOP = set("的了吗呢吧啊是在和与及或有要对把被给让从到就都也还能会可以什么怎么哪些如何多少几个请问一下")
_PUNCT = set("，。；：、“”（）()？?！!,.;:")

# What kind of value a question asks for, and what a passage must contain to give it.
_ASKS = (
    ("rate", re.compile(r"率|比例|百分之|占比|比重|费率|利率|税率")),
    ("money", re.compile(r"多少钱|钱|费用是多少|金额|补贴多少|投资多少|贷多少|多少元|多少亿|多少万")),
    ("time", re.compile(r"多久|多长时间|多长|几天|多少天|几个工作日|多少个工作日|几个小时|多少小时|几年|时限|期限|时长|用时")),
    ("number", re.compile(r"多少|几[个项家次万人类]|几")),
)
_GIVES = {
    "rate": re.compile(r"\d[\d.]*\s*%|百分点|\d[\d.]*成"),
    "money": re.compile(r"\d[\d.]*\s*(万|亿)?元|免费|零费用|不得收取|减免"),
    "time": re.compile(r"\d[\d.]*\s*(个)?(工作日|自然日|日|天|小时|年|月|分钟)|当日|当天|即办|即报即办"),
    "number": re.compile(r"\d|[一二三四五六七八九十两百千万]+(个|类|项|家|次|人|条)"),
}


def asked_value(question: str) -> str | None:
    for kind, pattern in _ASKS:
        if pattern.search(question):
            return kind
    return None


def gives_value(text: str, kind: str | None) -> bool:
    return kind is None or bool(_GIVES[kind].search(text))


def sentences(text: str) -> list[str]:
    """Sentences and clauses split at 。；！？ (a 具体任务 often packs two commitments in one sentence)."""
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def _candidates(text: str) -> list[str]:
    """Whole sentences, and for long ones windows of one or two clauses, so a quote stays short."""
    out: list[str] = []
    for sentence in sentences(text):
        out.append(sentence)
        clauses = [c for c in _CLAUSE.split(sentence) if c.strip()]
        if len(sentence) > 50 and len(clauses) > 1:
            for i in range(len(clauses)):
                out.append(clauses[i])
                if i + 1 < len(clauses):
                    out.append(clauses[i] + clauses[i + 1])
    return out


def _bigrams(text: str) -> set[str]:
    chars = [c for c in text if c not in _STOP and not c.isspace() and c not in _PUNCT]
    return {a + b for a, b in zip(chars, chars[1:])} | {c for c in chars if c.isdigit()}


def score_passage(question: str, passage: str) -> float:
    q, s = _bigrams(question), _bigrams(passage)
    if not q or not s:
        return 0.0
    return len(q & s) / math.sqrt(len(s) + 4)


def best_quote(question: str, text: str, kind: str | None = None) -> str:
    """The candidate that best overlaps the question, among those that give the asked kind of value."""
    options = _candidates(text) or [text]
    fitting = [c for c in options if gives_value(c, kind)]
    pool = fitting or options
    best = max(pool, key=lambda c: (score_passage(question, c), -len(c)))
    return best.strip().rstrip("，,")


def shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
