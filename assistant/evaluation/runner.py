"""Load a gold file, run systems over it in-process, score every answer and aggregate per question type, per
split and per tag.

Gold format (one JSON object a line; see eval/README.md):
    {"id", "type", "question", "gold_refs", "answer_contains", "notes"}, optionally "split", "tags", "history",
    "scope"
with type in lookup, measure, fact, list, count, abstain; split "dev" (used to tune) or "test" (used only to
report); tags from TAGS; history the earlier user questions of a follow-up, oldest first. A gold ref is
"task-70" (any document) or {"doc": "...", "ref": "task-70"}.

What is scored, per type (metric names as in the JSON output):
    lookup, measure  hit@1, recall@5, mrr@10 on the ranked `hits`
    list             precision/recall/F1 (micro), F1 (macro), exact_set on the cited refs
    count            the list metrics, plus answer_acc (the count as a standalone number)
    fact             answer_acc (every answer_contains string, number-aware)
    abstain          abstain_rate; false_abstain_rate there is over all non-abstain questions
    every type       n, p50_ms, p95_ms; every non-abstain type also its own false_abstain_rate

Per question, `correct` says whether the whole answer is right (see `correct`); per tag the share of correct
answers is reported, and the issue's criteria (`criteria`) are computed for each split:
    colloquial_hit@1   hit@1 over questions tagged colloquial or traditional that have ranked gold (lookup,
                       measure, and fact with gold refs)
    false_abstain_rate abstentions over all answerable questions
    abstain_rate       abstentions over the abstain questions
    followup_acc       share of `correct` over questions tagged followup
    typo_acc           share of `correct` over questions tagged typo (typo'd agency names and words resolved)
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from assistant.evaluation import metrics as em
from assistant.records import Answer

TYPES: tuple[str, ...] = ("lookup", "measure", "fact", "list", "count", "compare", "abstain")
RANKED_TYPES = ("lookup", "measure")
SET_TYPES = ("list", "count")
COMPARE_TYPES = ("compare",)
STRING_TYPES = ("fact", "count", "compare")
KEYS = ("id", "type", "question", "gold_refs", "answer_contains", "notes")
SPLITS: tuple[str, ...] = ("dev", "test")
TAGS: tuple[str, ...] = ("colloquial", "traditional", "typo", "followup", "document", "tempting", "fullwidth")
_REF = re.compile(r"^(meta|preamble|[a-z]+-[1-9][0-9]*([.][a-z]+-[1-9][0-9]*)*(~[0-9]+)?)$")


# --- gold -----------------------------------------------------------------------------------------------


class GoldFileError(ValueError):
    """A gold file that is missing or malformed; the message is Chinese and names the line."""

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        where = f"{path}" + (f" 第{line}行" if line else "")
        super().__init__(f"评测集文件有误（{where}）：{message}")
        self.path = str(path)
        self.line = line


@dataclass(frozen=True)
class GoldItem:
    id: str
    type: str
    question: str
    gold_refs: tuple[str, ...]
    answer_contains: tuple[str, ...]
    notes: str = ""
    line: int = 0
    scope: str | None = None
    history: tuple[str, ...] = ()
    split: str = ""
    tags: tuple[str, ...] = ()
    category: str = ""  # the library set's question kind (lookup, value, article, comparison …); "" in the seed set
    docs: tuple[str, ...] = ()  # the library set: the documents the question is about (its gold, or the one it names)

    @property
    def qualified(self) -> bool:
        """Gold refs name their documents ("doc:ref"): answers are compared by document and ref."""
        return any(":" in r for r in self.gold_refs)


def _string_list(value, key: str, path: Path, line: int) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise GoldFileError(path, f"字段 {key} 应为非空字符串组成的列表", line)
    return tuple(value)


def parse_gold_line(raw: str, path: Path, line: int) -> GoldItem:
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise GoldFileError(path, f"不是合法的 JSON（{exc.msg}，第{exc.colno}列）", line) from None
    if not isinstance(obj, dict):
        raise GoldFileError(path, "每行应为一个 JSON 对象", line)
    missing = [k for k in KEYS if k not in obj and k != "notes"]
    if missing:
        raise GoldFileError(path, f"缺少字段 {'、'.join(missing)}", line)
    for key in ("id", "type", "question"):
        if not isinstance(obj[key], str) or not obj[key].strip():
            raise GoldFileError(path, f"字段 {key} 应为非空字符串", line)
    kind = obj["type"]
    if kind not in TYPES:
        raise GoldFileError(path, f"未知的题型 {kind!r}（可选 {'、'.join(TYPES)}）", line)
    refs = _gold_refs(obj["gold_refs"], path, line)
    bad = [r for r in refs if not _REF.match(r.rpartition(":")[2])]
    if bad:
        raise GoldFileError(path, f"gold_refs 中的引用格式不对：{bad[0]!r}（应为 task-N、measure-N、article-N 等）", line)
    if refs and len({":" in r for r in refs}) > 1:
        raise GoldFileError(path, "gold_refs 要么都写明文档（doc），要么都不写", line)
    contains = _string_list(obj["answer_contains"], "answer_contains", path, line)
    if kind == "abstain" and refs:
        raise GoldFileError(path, "abstain 题的 gold_refs 应为空", line)
    if kind in RANKED_TYPES + SET_TYPES + COMPARE_TYPES and not refs:
        raise GoldFileError(path, f"{kind} 题的 gold_refs 不能为空", line)
    if kind in ("fact", "count") and not contains:
        raise GoldFileError(path, f"{kind} 题的 answer_contains 不能为空", line)
    if kind == "count" and not all(em.normalize_answer(c).isdigit() for c in contains):
        raise GoldFileError(path, "count 题的 answer_contains 应为数字", line)
    notes = obj.get("notes", "")
    history = obj.get("history") or []
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        raise GoldFileError(path, "字段 history 应为字符串列表（之前的提问，从早到晚）", line)
    scope = obj.get("scope")
    if scope is not None and not isinstance(scope, str):
        raise GoldFileError(path, "字段 scope 应为字符串（文档编号或标题中的词）", line)
    split = obj.get("split") or ""
    if split not in ("", *SPLITS):
        raise GoldFileError(path, f"字段 split 应为 {' 或 '.join(SPLITS)}，而不是 {split!r}", line)
    tags = obj.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise GoldFileError(path, "字段 tags 应为字符串列表", line)
    unknown = [t for t in tags if t not in TAGS]
    if unknown:
        raise GoldFileError(path, f"未知的标签 {unknown[0]!r}（可选 {'、'.join(TAGS)}）", line)
    if "followup" in tags and not history:
        raise GoldFileError(path, "followup 题需要 history（之前的提问）", line)
    category = obj.get("category") or ""
    docs = obj.get("docs") or []
    if not isinstance(category, str) or not isinstance(docs, list) or not all(isinstance(d, str) for d in docs):
        raise GoldFileError(path, "字段 category 应为字符串，docs 应为文档编号列表", line)
    if kind in COMPARE_TYPES and not all(":" in r for r in refs):
        raise GoldFileError(path, "compare 题的 gold_refs 应写明文档（doc:ref）", line)
    return GoldItem(obj["id"], kind, obj["question"], refs, contains, notes if isinstance(notes, str) else "", line,
                    scope=scope, history=tuple(history), split=split, tags=tuple(dict.fromkeys(tags)),
                    category=category, docs=tuple(docs))


def _gold_refs(value, path: Path, line: int) -> tuple[str, ...]:
    """Strings ("task-70") or objects ({"doc", "ref"}) → "task-70" / "doc:task-70"."""
    if not isinstance(value, list):
        raise GoldFileError(path, "字段 gold_refs 应为列表", line)
    out = []
    for item in value:
        if isinstance(item, str) and item.strip():
            out.append(item.strip())
        elif isinstance(item, dict) and isinstance(item.get("ref"), str):
            doc = item.get("doc")
            out.append(f"{doc}:{item['ref']}" if isinstance(doc, str) and doc else item["ref"])
        else:
            raise GoldFileError(path, "gold_refs 的每一项应为引用字符串或 {\"doc\", \"ref\"} 对象", line)
    return tuple(out)


def load_gold(path: Path | str) -> list[GoldItem]:
    """Parse and validate the whole file; blank lines are skipped, ids must be unique."""
    path = Path(path)
    if not path.is_file():
        raise GoldFileError(path, "文件不存在")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise GoldFileError(path, "不是 UTF-8 编码", line) from None
    items: list[GoldItem] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.lstrip("\ufeff").split("\n"), start=1):
        if not raw.strip():
            continue
        item = parse_gold_line(raw, path, number)
        if item.id in seen:
            raise GoldFileError(path, f"题目编号 {item.id} 重复（第{seen[item.id]}行已出现）", number)
        seen[item.id] = number
        items.append(item)
    if not items:
        raise GoldFileError(path, "文件中没有题目")
    return items


# --- scoring one answer ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionResult:
    system: str
    id: str
    type: str
    question: str
    latency_ms: float
    abstained: bool
    cited: tuple[str, ...]
    ranked: tuple[str, ...]  # first 10 hit refs
    scores: dict[str, float] = field(default_factory=dict)  # per-question metric values
    answer: str = ""
    error: str = ""
    split: str = ""
    tags: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {
            "system": self.system,
            "id": self.id,
            "type": self.type,
            "question": self.question,
            "latency_ms": round(self.latency_ms, 1),
            "abstained": self.abstained,
            "cited": list(self.cited),
            "ranked": list(self.ranked),
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "answer": self.answer[:300],
            "error": self.error,
            "split": self.split,
            "tags": list(self.tags),
        }


def cited_refs(answer: Answer, qualified: bool = False) -> list[str]:
    """Refs the answer cites ("doc:ref" when qualified), in order, without repeats."""
    out: list[str] = []
    for c in answer.citations:
        key = f"{c.doc}:{c.ref}" if qualified else c.ref
        if key not in out:
            out.append(key)
    return out


def score_answer(item: GoldItem, answer: Answer, system: str, latency_ms: float) -> QuestionResult:
    ranked = [f"{h.doc}:{h.ref}" if item.qualified else h.ref for h in answer.hits]
    cited = cited_refs(answer, item.qualified)
    scores: dict[str, float] = {}
    if item.type in RANKED_TYPES:
        scores["hit@1"] = em.hit_at_k(ranked, item.gold_refs, 1)
        scores["recall@5"] = em.recall_at_k(ranked, item.gold_refs, 5)
        scores["mrr@10"] = em.reciprocal_rank(ranked, item.gold_refs, 10)
    if item.type in SET_TYPES:
        s = em.set_score(cited, item.gold_refs)
        scores.update(tp=s.tp, fp=s.fp, fn=s.fn, precision=s.precision, recall=s.recall, f1=s.f1, exact_set=float(s.exact))
    if item.type in STRING_TYPES:
        ok = em.answer_correct(answer.answer, item.answer_contains, count=item.type == "count")
        scores["answer_acc"] = float(ok)
    if item.type in COMPARE_TYPES:
        scores["doc_recall"] = compare_doc_recall(cited, item.gold_refs)
    if item.type == "fact" and item.gold_refs:
        scores["hit@1"] = em.hit_at_k(ranked, item.gold_refs, 1)  # the fact read from the right unit
    scores["correct"] = correct(item.type, scores, bool(answer.abstained))
    return QuestionResult(
        system=system,
        id=item.id,
        type=item.type,
        question=item.question,
        latency_ms=latency_ms,
        abstained=bool(answer.abstained),
        cited=tuple(cited),
        ranked=tuple(ranked[:10]),
        scores=scores,
        answer=answer.answer,
        split=item.split,
        tags=item.tags,
    )


def compare_doc_recall(cited: Sequence[str], gold: Sequence[str]) -> float:
    """A comparison across documents: the share of the gold documents for which the answer cites at least one of
    that document's gold units ("doc:ref" on both sides)."""
    wanted: dict[str, set[str]] = {}
    for ref in gold:
        wanted.setdefault(ref.rpartition(":")[0], set()).add(ref)
    if not wanted:
        return 0.0
    got = set(cited)
    return sum(1 for refs in wanted.values() if refs & got) / len(wanted)


def correct(kind: str, scores: dict[str, float], abstained: bool) -> float:
    """1.0 when the whole answer is right, per type:
        abstain          it abstained
        any other type   it did not abstain, and
          lookup/measure the first ranked ref is a gold ref (hit@1)
          fact           every expected string is in the answer, and, when the item has gold refs, the first ranked
                         ref is one of them (the number read from the right row)
          list           the cited set equals the gold set (exact_set)
          count          the count is right (answer_acc)
          compare        every gold document is cited with one of its gold units (doc_recall 1), and every expected
                         string is in the answer
    Used for the per-tag accuracy, follow-up accuracy and typo resolution."""
    if kind == "abstain":
        return 1.0 if abstained else 0.0
    if abstained:
        return 0.0
    if kind in RANKED_TYPES:
        return scores.get("hit@1", 0.0)
    if kind == "fact":
        return min(scores.get("answer_acc", 0.0), scores.get("hit@1", 1.0))
    if kind == "list":
        return scores.get("exact_set", 0.0)
    if kind == "count":
        return scores.get("answer_acc", 0.0)
    if kind == "compare":
        return 1.0 if scores.get("doc_recall", 0.0) >= 1.0 and scores.get("answer_acc", 1.0) >= 1.0 else 0.0
    return 0.0


# --- aggregation ----------------------------------------------------------------------------------------

Summary = dict[str, dict[str, float]]  # type -> metric -> value


def _latency(results: Sequence[QuestionResult]) -> dict[str, float]:
    ms = [r.latency_ms for r in results]
    return {"p50_ms": em.percentile(ms, 50), "p95_ms": em.percentile(ms, 95)}


def aggregate(results: Sequence[QuestionResult]) -> Summary:
    """One system's results → {type: {metric: value}} for the types present."""
    by_type: dict[str, list[QuestionResult]] = {}
    for r in results:
        by_type.setdefault(r.type, []).append(r)
    answerable = [r for r in results if r.type != "abstain"]
    out: Summary = {}
    for kind in TYPES:
        rs = by_type.get(kind)
        if not rs:
            continue
        m: dict[str, float] = {"n": len(rs)}
        if kind in RANKED_TYPES:
            for key in ("hit@1", "recall@5", "mrr@10"):
                m[key] = em.mean(r.scores[key] for r in rs)
        if kind in SET_TYPES:
            sets = [em.SetScore(int(r.scores["tp"]), int(r.scores["fp"]), int(r.scores["fn"])) for r in rs]
            s = em.summarize_sets(sets)
            m.update(
                precision_micro=s.precision_micro,
                recall_micro=s.recall_micro,
                f1_micro=s.f1_micro,
                f1_macro=s.f1_macro,
                exact_set=s.exact_set,
            )
        if kind in STRING_TYPES:
            m["answer_acc"] = em.mean(r.scores["answer_acc"] for r in rs)
        if kind in COMPARE_TYPES:
            m["doc_recall"] = em.mean(r.scores["doc_recall"] for r in rs)
            m["correct"] = em.mean(r.scores["correct"] for r in rs)
        if kind == "abstain":
            m["abstain_rate"] = em.rate(r.abstained for r in rs)
            # The other side of the abstention decision: over every answerable question.
            m["false_abstain_rate"] = em.rate(r.abstained for r in answerable)
        else:
            m["false_abstain_rate"] = em.rate(r.abstained for r in rs)
        m.update(_latency(rs))
        out[kind] = m
    return out


def overall(results: Sequence[QuestionResult]) -> dict[str, float]:
    answerable = [r for r in results if r.type != "abstain"]
    return {
        "n": len(results),
        "false_abstain_rate": em.rate(r.abstained for r in answerable),
        "errors": sum(1 for r in results if r.error),
        **_latency(results),
    }


def is_colloquial(r: QuestionResult) -> bool:
    """Counted in colloquial_hit@1: tagged colloquial or traditional, with ranked gold (lookup, measure, fact
    with gold refs)."""
    return bool({"colloquial", "traditional"} & set(r.tags)) and "hit@1" in r.scores


# name -> (which questions, which per-question value); the value is averaged over those questions
CRITERIA: dict[str, tuple[Callable[[QuestionResult], bool], Callable[[QuestionResult], float]]] = {
    "colloquial_hit@1": (is_colloquial, lambda r: r.scores["hit@1"]),
    "false_abstain_rate": (lambda r: r.type != "abstain", lambda r: 1.0 if r.abstained else 0.0),
    "abstain_rate": (lambda r: r.type == "abstain", lambda r: 1.0 if r.abstained else 0.0),
    "followup_acc": (lambda r: "followup" in r.tags, lambda r: r.scores["correct"]),
    "typo_acc": (lambda r: "typo" in r.tags, lambda r: r.scores["correct"]),
}


def criteria(results: Sequence[QuestionResult]) -> dict[str, dict]:
    """The issue's criteria: {name: {"value": mean or None when no question counts, "n": questions, "failed": ids}}.
    `failed` lists the questions whose value is not the good one (hit/correct 0, or an abstention counted in
    false_abstain_rate, or a non-abstention counted in abstain_rate)."""
    out: dict[str, dict] = {}
    for name, (which, value) in CRITERIA.items():
        pool = [r for r in results if which(r)]
        values = [value(r) for r in pool]
        bad = (lambda v: v > 0) if name == "false_abstain_rate" else (lambda v: v < 1)
        out[name] = {
            "value": round(em.mean(values), 4) if pool else None,
            "n": len(pool),
            "failed": [r.id for r, v in zip(pool, values) if bad(v)],
        }
    return out


def tag_metrics(results: Sequence[QuestionResult]) -> dict[str, dict[str, float]]:
    """Per tag present: n, correct (share of fully right answers), and where they apply hit@1 (questions with
    ranked gold), false_abstain_rate (answerable questions) and abstain_rate (abstain questions)."""
    out: dict[str, dict[str, float]] = {}
    for tag in TAGS:
        rs = [r for r in results if tag in r.tags]
        if not rs:
            continue
        m: dict[str, float] = {"n": len(rs), "correct": em.mean(r.scores["correct"] for r in rs)}
        ranked = [r for r in rs if "hit@1" in r.scores]
        if ranked:
            m["hit@1"] = em.mean(r.scores["hit@1"] for r in ranked)
        answerable = [r for r in rs if r.type != "abstain"]
        if answerable:
            m["false_abstain_rate"] = em.rate(r.abstained for r in answerable)
        unanswerable = [r for r in rs if r.type == "abstain"]
        if unanswerable:
            m["abstain_rate"] = em.rate(r.abstained for r in unanswerable)
        out[tag] = m
    return out


def by_split(results: Sequence[QuestionResult], split: str) -> list[QuestionResult]:
    """The results of one split ("dev", "test"); "all" is every result."""
    return list(results) if split == "all" else [r for r in results if r.split == split]


# --- running --------------------------------------------------------------------------------------------


@dataclass
class EvalRun:
    gold_path: str
    gold: list[GoldItem]
    results: dict[str, list[QuestionResult]]  # system -> per-question results, gold order
    seconds: dict[str, float]  # system -> wall time for the whole gold set

    @property
    def splits(self) -> list[str]:
        """The splits to report: "test" and "dev" when the gold file has them, then always "all"."""
        present = [s for s in ("test", "dev") if any(g.split == s for g in self.gold)]
        return present + ["all"]

    def split_summary(self, split: str) -> dict:
        """One split: per-type metrics, overall, the issue's criteria and per-tag metrics, per system."""
        gold = by_split(self.gold, split) if split != "all" else self.gold
        return {
            "n": len(gold),
            "types": {k: v for k in TYPES if (v := sum(1 for g in gold if g.type == k))},
            "systems": {name: _rounded(aggregate(by_split(rs, split))) for name, rs in self.results.items()},
            "overall": {name: _rounded_flat(overall(by_split(rs, split))) for name, rs in self.results.items()},
            "criteria": {name: criteria(by_split(rs, split)) for name, rs in self.results.items()},
            "tags": {name: _rounded(tag_metrics(by_split(rs, split))) for name, rs in self.results.items()},
        }

    def summary(self) -> dict:
        """The `--json` document. Top level (all questions, as before): {"systems": {NAME: {TYPE: {METRIC: value}}},
        "overall": {NAME: {...}}}; plus "splits": {"test"|"dev"|"all": split_summary}, "tags" (all questions)
        and run metadata."""
        counts = {k: sum(1 for g in self.gold if g.type == k) for k in TYPES}
        splits = {s: self.split_summary(s) for s in self.splits}
        return {
            "systems": splits["all"]["systems"],
            "overall": splits["all"]["overall"],
            "tags": splits["all"]["tags"],
            "splits": splits,
            "gold": {
                "path": self.gold_path,
                "n": len(self.gold),
                "types": {k: v for k, v in counts.items() if v},
                "splits": {s: sum(1 for g in self.gold if g.split == s) for s in SPLITS
                           if any(g.split == s for g in self.gold)},
                "tags": {t: v for t in TAGS if (v := sum(1 for g in self.gold if t in g.tags))},
            },
            "seconds": {name: round(s, 2) for name, s in self.seconds.items()},
        }


def _rounded_flat(m: dict[str, float]) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in m.items():
        if key in ("n", "errors"):
            out[key] = int(value)
        elif key.endswith("_ms"):
            out[key] = round(float(value), 1)
        else:
            out[key] = round(float(value), 4)
    return out


def _rounded(summary: Summary) -> Summary:
    return {kind: _rounded_flat(m) for kind, m in summary.items()}


def run_system(
    system,
    gold: Sequence[GoldItem],
    on_error: str = "record",
) -> list[QuestionResult]:
    """Answer every gold question with one system, timing each call. An exception in `answer` is recorded
    as an empty, failed answer (on_error="record") or re-raised (on_error="raise")."""
    results: list[QuestionResult] = []
    for item in gold:
        started = time.perf_counter()
        try:
            # Context only when the gold line has it, so a system taking just the question still runs.
            context = {k: v for k, v in (("scope", item.scope), ("history", list(item.history))) if v}
            answer = system.answer(item.question, **context)
        except Exception as exc:  # one broken question must not hide the other 223 scores
            if on_error == "raise":
                raise
            elapsed = (time.perf_counter() - started) * 1000
            empty = Answer(question=item.question, answer="")
            result = score_answer(item, empty, system.name, elapsed)
            results.append(_with_error(result, f"{exc.__class__.__name__}: {exc}"))
            continue
        elapsed = (time.perf_counter() - started) * 1000
        results.append(score_answer(item, answer, system.name, elapsed))
    return results


def _with_error(result: QuestionResult, error: str) -> QuestionResult:
    return replace(result, error=error[:300])


def run_eval(
    gold: Sequence[GoldItem],
    systems: Sequence,
    gold_path: str = "",
    log: Callable[[str], None] | None = None,
    on_error: str = "record",
) -> EvalRun:
    """Warm each system up once (lazy loads are not latency), then run it over the whole gold set."""
    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    results: dict[str, list[QuestionResult]] = {}
    seconds: dict[str, float] = {}
    for system in systems:
        system.warm_up()
        started = time.perf_counter()
        results[system.name] = run_system(system, gold, on_error=on_error)
        seconds[system.name] = time.perf_counter() - started
        errors = sum(1 for r in results[system.name] if r.error)
        note = f"，{errors} 题出错" if errors else ""
        log(f"已评测 {system.name}：{len(gold)} 题，用时 {seconds[system.name]:.1f} 秒{note}")
    return EvalRun(gold_path=gold_path, gold=list(gold), results=results, seconds=seconds)
