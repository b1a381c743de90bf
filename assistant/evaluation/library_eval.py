"""The library evaluation: the questions of eval/library_gold.jsonl over a library of every document of
tests/data/library plus the seed notice (assistant/evaluation/library_set.py), scored per question category, per
kind of document and overall, with the plain hybrid retrieval beside the product for lookup Hit@1.

A question is correct (`library_correct`) when the whole answer is right:
    abstain (refusals, missing parts)  it abstained
    lookup, article                    not abstained, the answer's first citation is a gold unit
    value, document (fact)             not abstained, every expected string in the answer, and, with gold units, the
                                       first citation one of them
    set (list / count)                 the exact set / the right count (runner.correct)
    comparison (compare)               every gold document cited with one of its gold units (runner.correct)
Figures:
    overall              share correct over all questions of the split
    false_refusal_rate   abstentions over the answerable questions
    comparison_acc       share correct over the questions scored as comparisons (follow-ups included)
    hit@1 per kind       over questions with gold units (lookup, value, article and answerable follow-ups of those
                         types): the product's first citation vs the hybrid baseline's first hit
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.config import Settings, project_root
from assistant.evaluation import metrics as em
from assistant.evaluation.library_set import GOLD_FILE, LibrarySplit, load_split, stage
from assistant.evaluation.runner import GoldItem, QuestionResult, load_gold, run_system

CATEGORIES: tuple[str, ...] = ("lookup", "value", "article", "missing", "document", "comparison", "set", "followup",
                               "refusal")
KIND_ORDER: tuple[str, ...] = ("regulation", "law", "provisions", "plan", "excerpt", "none")
HIT_TYPES = ("lookup", "fact")
# The targets on the test documents.
TARGETS = {"overall": 0.90, "false_refusal_rate": 0.03, "comparison_acc": 0.85}


def library_correct(item: GoldItem, result: QuestionResult) -> float:
    if item.type == "abstain":
        return 1.0 if result.abstained else 0.0
    if result.abstained:
        return 0.0
    if item.type in ("lookup", "fact"):
        first = first_cited(result)
        ref_ok = (first in item.gold_refs) if item.gold_refs else True
        strings_ok = result.scores.get("answer_acc", 1.0) >= 1.0
        return 1.0 if ref_ok and strings_ok else 0.0
    return result.scores.get("correct", 0.0)


def first_cited(result: QuestionResult) -> str:
    """The product's first citation ("doc:ref"); the first ranked hit when it cites nothing."""
    if result.cited:
        return result.cited[0]
    return result.ranked[0] if result.ranked else ""


def doc_kind(item: GoldItem, split: LibrarySplit) -> str:
    kinds = [split.kind.get(d, "") for d in item.docs]
    return kinds[0] if kinds and kinds[0] else "none"


@dataclass
class LibraryRun:
    gold: list[GoldItem]
    product: list[QuestionResult]
    hybrid: list[QuestionResult]
    split: LibrarySplit
    seconds: dict[str, float]
    split_name: str

    def subset(self, split_name: str) -> "LibraryRun":
        """The questions of one split of a run over both."""
        keep = {g.id for g in self.gold if g.split == split_name}
        return LibraryRun([g for g in self.gold if g.id in keep], [r for r in self.product if r.id in keep],
                          [r for r in self.hybrid if r.id in keep], self.split, self.seconds, split_name)

    def rows(self) -> list[dict]:
        out = []
        hybrid = {r.id: r for r in self.hybrid}
        for item, r in zip(self.gold, self.product):
            h = hybrid.get(item.id)
            hit = item.type in HIT_TYPES and bool(item.gold_refs) and item.qualified
            out.append({
                "id": item.id, "category": item.category, "type": item.type, "split": item.split,
                "kind": doc_kind(item, self.split), "question": item.question, "history": list(item.history),
                "correct": library_correct(item, r), "abstained": r.abstained,
                "hit_product": (1.0 if first_cited(r) in item.gold_refs else 0.0) if hit else None,
                "hit_hybrid": (1.0 if h and h.ranked and h.ranked[0] in item.gold_refs else 0.0) if hit else None,
                "expected": list(item.gold_refs) or list(item.answer_contains) or ["（应拒答）"],
                "contains": list(item.answer_contains), "got_cited": list(r.cited[:6]),
                "answer": r.answer[:400], "error": r.error,
            })
        return out

    def summary(self) -> dict:
        rows = self.rows()
        answerable = [r for r in rows if r["type"] != "abstain"]
        compare = [r for r in rows if r["type"] == "compare"]

        def block(rs: Sequence[dict]) -> dict:
            return {"n": len(rs), "correct": round(em.mean(r["correct"] for r in rs), 4) if rs else None}

        hit = {}
        for kind in KIND_ORDER:
            rs = [r for r in rows if r["kind"] == kind and r["hit_product"] is not None]
            if rs:
                hit[kind] = {"n": len(rs), "product": round(em.mean(r["hit_product"] for r in rs), 4),
                             "hybrid": round(em.mean(r["hit_hybrid"] for r in rs), 4)}
        allhit = [r for r in rows if r["hit_product"] is not None]
        if allhit:
            hit["all"] = {"n": len(allhit), "product": round(em.mean(r["hit_product"] for r in allhit), 4),
                          "hybrid": round(em.mean(r["hit_hybrid"] for r in allhit), 4)}
        return {
            "split": self.split_name,
            "n": len(rows),
            "overall": round(em.mean(r["correct"] for r in rows), 4) if rows else None,
            "false_refusal_rate": round(em.rate(r["abstained"] for r in answerable), 4) if answerable else None,
            "comparison_acc": round(em.mean(r["correct"] for r in compare), 4) if compare else None,
            "categories": {c: block([r for r in rows if r["category"] == c]) for c in CATEGORIES
                           if any(r["category"] == c for r in rows)},
            "kinds": {k: block([r for r in rows if r["kind"] == k]) for k in KIND_ORDER
                      if any(r["kind"] == k for r in rows)},
            "hit@1": hit,
            "errors": sum(1 for r in rows if r["error"]),
            "seconds": {k: round(v, 1) for k, v in self.seconds.items()},
            "documents": {s: sorted(self.split.docs(s)) for s in ("dev", "test")},
        }


def library_gold(split_name: str = "all", path: Path | str | None = None) -> list[GoldItem]:
    gold = load_gold(path or project_root() / GOLD_FILE)
    return [g for g in gold if split_name == "all" or g.split == split_name]


def build_resources(settings: Settings, progress: bool = False):
    """Stage the evaluation library and open it (catalogue synced, index built once under the index dir)."""
    from assistant.evaluation.systems import Resources

    return Resources(stage(settings, load_split()), progress=progress)


def run_library_eval(settings: Settings, split_name: str = "all", log: Callable[[str], None] | None = None,
                     assistant=None, gold_path: Path | str | None = None) -> LibraryRun:
    from assistant.evaluation.systems import AssistantSystem, RetrievalSystem

    log = log or (lambda m: None)
    gold = library_gold(split_name, gold_path)
    resources = build_resources(settings) if assistant is None else _resources_for(assistant)
    product = AssistantSystem(resources, assistant=assistant)
    product.share()
    product.warm_up()
    hybrid = RetrievalSystem(resources, "hybrid")
    seconds = {}
    started = time.perf_counter()
    product_results = run_system(product, gold)
    seconds["assistant"] = time.perf_counter() - started
    log(f"已评测 assistant：{len(gold)} 题，用时 {seconds['assistant']:.1f} 秒")
    hit_gold = [g for g in gold if g.type in HIT_TYPES and g.gold_refs]
    started = time.perf_counter()
    hybrid_results = run_system(hybrid, hit_gold)
    seconds["hybrid"] = time.perf_counter() - started
    return LibraryRun(gold, product_results, hybrid_results, load_split(), seconds, split_name)


def _resources_for(assistant):
    from assistant.evaluation.systems import Resources

    resources = Resources(assistant.settings, progress=False)
    resources._library = assistant.library
    return resources


def open_assistant(settings: Settings):
    """The product over the staged evaluation library (built once; later runs reuse its index)."""
    from assistant.answering.service import Assistant

    staged = stage(settings, load_split())
    assistant = Assistant(staged, progress=False)
    assistant.warm_up()
    return assistant


# --- report -------------------------------------------------------------------------------------------------


def _f(value) -> str:
    return "–" if value is None else f"{value:.3f}"


def markdown(summary: dict) -> str:
    s = summary
    lines = [f"# Library evaluation, {s['split']} split", "",
             f"{s['n']} questions over the documents of the {s['split']} split "
             f"(eval/library_split.json; the seed notice is in the library too). Test documents are never used to "
             "tune; this report is regenerated by `assistant eval --set library --split " + s["split"] + "`.", "",
             "| figure | value | target |", "|---|---:|---:|",
             f"| overall (share correct) | {_f(s['overall'])} | ≥ {TARGETS['overall']} |",
             f"| false refusals (answerable questions refused) | {_f(s['false_refusal_rate'])} | ≤ {TARGETS['false_refusal_rate']} |",
             f"| comparisons | {_f(s['comparison_acc'])} | ≥ {TARGETS['comparison_acc']} |", "",
             "## Per question category", "", "| category | n | correct |", "|---|---:|---:|"]
    lines += [f"| {c} | {b['n']} | {_f(b['correct'])} |" for c, b in s["categories"].items()]
    lines += ["", "## Per kind of document", "", "| kind | n | correct |", "|---|---:|---:|"]
    lines += [f"| {k} | {b['n']} | {_f(b['correct'])} |" for k, b in s["kinds"].items()]
    lines += ["", "## Lookup Hit@1: the product's first citation vs plain hybrid retrieval", "",
              "| kind | n | product | hybrid |", "|---|---:|---:|---:|"]
    lines += [f"| {k} | {b['n']} | {_f(b['product'])} | {_f(b['hybrid'])} |" for k, b in s["hit@1"].items()]
    lines += ["", "Wall time (s): " + ", ".join(f"{k} {v}" for k, v in s["seconds"].items())
              + (f"; {s['errors']} questions raised" if s["errors"] else ""), ""]
    return "\n".join(lines)


def failures_markdown(run: LibraryRun) -> str:
    rows = [r for r in run.rows() if r["correct"] < 1]
    lines = [f"# Library evaluation: failures on the {run.split_name} split", "",
             f"{len(rows)} of {len(run.gold)} questions not fully right. For tuning (dev only).", ""]
    for r in rows:
        history = f" (after: {' / '.join(r['history'])})" if r["history"] else ""
        got = "拒答" if r["abstained"] else ", ".join(r["got_cited"][:4]) or "（无引用）"
        lines += [f"## {r['id']} [{r['category']}, {r['kind']}] {r['question']}{history}", "",
                  f"- expected: {', '.join(r['expected'])}" + (f"; strings {r['contains']}" if r["contains"] and r["expected"] != r["contains"] else ""),
                  f"- got: {got}",
                  "- answer: " + r["answer"].replace("\n", " ")[:300], ""]
    return "\n".join(lines)


def write_reports(run: LibraryRun, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    summary = run.summary()
    stem = f"library-{run.split_name}"
    md = directory / f"{stem}.md"
    md.write_text(markdown(summary), encoding="utf-8")
    js = directory / f"{stem}.json"
    js.write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    written = [md, js]
    if run.split_name == "dev":
        fail = directory / "library-dev-failures.md"
        fail.write_text(failures_markdown(run), encoding="utf-8")
        written.append(fail)
    return written
