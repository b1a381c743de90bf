"""Evaluation metrics: pure functions over refs and answer text, plus number-aware string matching.

Nothing here touches the model, the index or the file system. Ranked-retrieval metrics take the ranked ref
list; set metrics take the cited refs and the gold set; answer metrics take the answer text and the gold
strings. Aggregates over many questions are plain functions of per-question results as well.

Number matching (`contains_number_aware`, `contains_count`):
* the answer is compared with its whitespace and markdown emphasis (`**`, `` ` ``) removed and NFKC-folded
  (so full-width ２０２２ reads as 2022); the expected string is folded the same way;
* a number in the expected string must not run into other digits: "17" does not match inside "170",
  "2个工作日" does not match inside "12个工作日", "5" does not match inside "0.5" or "5.5";
* a count ("17") must additionally stand as a count: numbers that belong to a date (2022年11月5日, 11月,
  2022-11-05), a percentage (5%, 5个百分点), a document number (40号) or a reference to a row or measure
  ([任务5], 任务5, 序号: 5, 第5项, task-5) are ignored.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# --- text normalisation ---------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
_MARKUP = re.compile(r"\*\*|__|`")


def normalize_answer(text: str) -> str:
    """NFKC fold, drop markdown emphasis and every whitespace character."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _MARKUP.sub("", text)
    return _SPACES.sub("", text)


def _is_digit(ch: str) -> bool:
    return "0" <= ch <= "9"


def _runs_into_digits_before(text: str, start: int) -> bool:
    """True when text[start] is preceded by a digit, or by a decimal point that follows a digit."""
    if start <= 0:
        return False
    prev = text[start - 1]
    if _is_digit(prev):
        return True
    return prev == "." and start >= 2 and _is_digit(text[start - 2])


def _runs_into_digits_after(text: str, end: int) -> bool:
    """True when text[end] continues the number: a digit, or a decimal point followed by a digit."""
    if end >= len(text):
        return False
    nxt = text[end]
    if _is_digit(nxt):
        return True
    return nxt == "." and end + 1 < len(text) and _is_digit(text[end + 1])


def find_number_aware(haystack: str, needle: str) -> list[int]:
    """Start offsets of `needle` in `haystack` (both already normalised) whose numeric ends do not run
    into neighbouring digits. A needle that neither starts nor ends with a digit matches as a substring."""
    if not needle:
        return []
    starts: list[int] = []
    check_head = _is_digit(needle[0])
    check_tail = _is_digit(needle[-1])
    pos = haystack.find(needle)
    while pos >= 0:
        end = pos + len(needle)
        bad = (check_head and _runs_into_digits_before(haystack, pos)) or (
            check_tail and _runs_into_digits_after(haystack, end)
        )
        if not bad:
            starts.append(pos)
        pos = haystack.find(needle, pos + 1)
    return starts


def contains_number_aware(answer: str, expected: str) -> bool:
    """`expected` occurs in `answer` (spaces removed on both sides) without running into other digits."""
    return bool(find_number_aware(normalize_answer(answer), normalize_answer(expected)))


# A standalone number (integer or decimal) in normalised text.
_NUMBER = re.compile(r"(?<![0-9.])[0-9]+(?:\.[0-9]+)?(?![0-9])")
# What may directly follow a number that is a date part, a percentage or a document number.
_NOT_COUNT_AFTER = ("年", "月", "日", "号", "%", "‰", "个百分点", "百分点")
# What may directly precede a number that names a row or measure rather than counting anything.
_NOT_COUNT_BEFORE = ("任务", "序号:", "序号", "第", "task-", "measure-")
_DATE_BEFORE = re.compile(r"[0-9](?:年|月)$")  # the 11 / 5 of 2022年11月5日
_REF_BRACKETS = re.compile(r"\[[^\[\]]*\]|【[^【】]*】")
_ISO_DATE = re.compile(r"[0-9]{4}[-/.][0-9]{1,2}(?:[-/.][0-9]{1,2})?")


def standalone_numbers(answer: str) -> list[str]:
    """Numbers in the answer that can be read as a count, in order: dates, percentages, document numbers
    and row/measure references removed (see module docstring)."""
    text = normalize_answer(answer)
    text = _REF_BRACKETS.sub(" ", text)  # [任务70] / [措施（三十二）] citations
    text = _ISO_DATE.sub(" ", text)  # 2022-11-30, 2022/11/30, 2022.11
    found: list[str] = []
    for match in _NUMBER.finditer(text):
        before = text[: match.start()]
        after = text[match.end() :]
        if any(after.startswith(s) for s in _NOT_COUNT_AFTER):
            continue
        if any(before.endswith(s) for s in _NOT_COUNT_BEFORE) or _DATE_BEFORE.search(before[-3:]):
            continue
        found.append(match.group(0))
    return found


def contains_count(answer: str, expected: str) -> bool:
    """The count `expected` (e.g. "17") appears in the answer as a standalone count."""
    wanted = normalize_answer(expected)
    if not wanted.isdigit():  # not a bare number: fall back to number-aware containment
        return contains_number_aware(answer, expected)
    return str(int(wanted)) in {n.lstrip("0") or "0" for n in standalone_numbers(answer)}


def answer_correct(answer: str, expected: Sequence[str], count: bool = False) -> bool:
    """Every expected string is in the answer (number-aware; counts via `contains_count`).
    An empty `expected` is vacuously true."""
    match = contains_count if count else contains_number_aware
    return all(match(answer, e) for e in expected)


# --- ranked retrieval -----------------------------------------------------------------------------------


def hit_at_k(ranked: Sequence[str], gold: Iterable[str], k: int = 1) -> float:
    """1.0 when any gold ref is among the first k ranked refs."""
    wanted = set(gold)
    return 1.0 if any(r in wanted for r in ranked[:k]) else 0.0


def recall_at_k(ranked: Sequence[str], gold: Iterable[str], k: int = 5) -> float:
    """Share of the gold refs found among the first k ranked refs (duplicates counted once)."""
    wanted = set(gold)
    if not wanted:
        return 0.0
    return len(wanted & set(ranked[:k])) / len(wanted)


def reciprocal_rank(ranked: Sequence[str], gold: Iterable[str], k: int = 10) -> float:
    """1/rank of the first gold ref within the first k, else 0 (averaged over questions this is MRR@k)."""
    wanted = set(gold)
    for rank, ref in enumerate(ranked[:k], start=1):
        if ref in wanted:
            return 1.0 / rank
    return 0.0


# --- set metrics ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetScore:
    """One question's cited refs compared with its gold set."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        # Nothing cited: precise only if nothing was wanted either.
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else (1.0 if self.fn == 0 else 0.0)

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        return f1(self.precision, self.recall)

    @property
    def exact(self) -> bool:
        return self.fp == 0 and self.fn == 0


def f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def set_score(cited: Iterable[str], gold: Iterable[str]) -> SetScore:
    """Compare sets: duplicates and order in `cited` do not matter."""
    got, wanted = set(cited), set(gold)
    return SetScore(tp=len(got & wanted), fp=len(got - wanted), fn=len(wanted - got))


@dataclass(frozen=True)
class SetSummary:
    precision_micro: float
    recall_micro: float
    f1_micro: float
    f1_macro: float
    exact_set: float


def summarize_sets(scores: Sequence[SetScore]) -> SetSummary:
    """Micro = from summed TP/FP/FN; macro = mean of per-question F1; exact_set = share of exact sets."""
    if not scores:
        return SetSummary(0.0, 0.0, 0.0, 0.0, 0.0)
    tp = sum(s.tp for s in scores)
    fp = sum(s.fp for s in scores)
    fn = sum(s.fn for s in scores)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return SetSummary(
        precision_micro=p,
        recall_micro=r,
        f1_micro=f1(p, r),
        f1_macro=mean(s.f1 for s in scores),
        exact_set=mean(1.0 if s.exact else 0.0 for s in scores),
    )


# --- aggregates -----------------------------------------------------------------------------------------


def mean(values: Iterable[float]) -> float:
    vals = list(values)
    return sum(vals) / len(vals) if vals else 0.0


def rate(flags: Iterable[bool]) -> float:
    """Share of true flags; 0.0 for none."""
    return mean(1.0 if f else 0.0 for f in flags)


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default method), q in [0, 100]; 0.0 for no values."""
    if not values:
        return 0.0
    if not 0 <= q <= 100:
        raise ValueError(f"percentile q out of range: {q}")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)
