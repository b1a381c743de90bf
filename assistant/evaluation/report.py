"""Render an evaluation summary: markdown tables, a PNG bar chart, and the files under eval/reports/.

The chart uses matplotlib's Agg backend and ASCII labels only (system, type and metric names), because a
font that renders CJK is not guaranteed on the machines that run the evaluation.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from assistant.evaluation.runner import TAGS, TYPES, QuestionResult

LATENCY = ("p50_ms", "p95_ms")
METRICS: dict[str, tuple[str, ...]] = {
    "lookup": ("hit@1", "recall@5", "mrr@10", "false_abstain_rate"),
    "measure": ("hit@1", "recall@5", "mrr@10", "false_abstain_rate"),
    "fact": ("answer_acc", "false_abstain_rate"),
    "list": ("precision_micro", "recall_micro", "f1_micro", "f1_macro", "exact_set", "false_abstain_rate"),
    "count": ("answer_acc", "precision_micro", "recall_micro", "f1_micro", "f1_macro", "exact_set", "false_abstain_rate"),
    "compare": ("correct", "doc_recall", "answer_acc", "false_abstain_rate"),
    "abstain": ("abstain_rate", "false_abstain_rate"),
}
# One number per type for the overview table and the chart's headline panel.
HEADLINE: tuple[tuple[str, str], ...] = (
    ("lookup", "hit@1"),
    ("measure", "hit@1"),
    ("fact", "answer_acc"),
    ("list", "f1_micro"),
    ("count", "answer_acc"),
    ("compare", "correct"),
    ("abstain", "abstain_rate"),
)


# The criteria, with the thresholds the CI gate applies to the test split (tests/test_eval_gate.py).
CRITERIA: tuple[tuple[str, str, str, float], ...] = (
    ("colloquial_hit@1", "colloquial+Traditional hit@1", ">=", 0.95),
    ("false_abstain_rate", "false abstain", "<=", 0.02),
    ("abstain_rate", "abstain (unanswerable)", ">=", 0.90),
    ("followup_acc", "follow-up acc", ">=", 0.90),
    ("typo_acc", "typo resolution", ">=", 0.90),
)
SPLIT_TITLES = {"test": "Test split", "dev": "Dev split", "all": "All questions"}
SPLIT_NOTES = {
    "test": "The reported numbers: this split is never used to tune, and the CI gate applies to it.",
    "dev": "For tuning: read its failures, change the product, rerun.",
}


def _fmt(metric: str, value) -> str:
    if value is None:
        return "–"
    if metric == "n":
        return str(int(value))
    if metric.endswith("_ms"):
        return f"{float(value):.1f}" if float(value) < 10 else f"{float(value):.0f}"
    return f"{float(value):.3f}"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def overview_table(summary: Mapping) -> str:
    """One row per system: the headline metric of every type, overall false-abstain rate and latency."""
    systems: Mapping[str, Mapping] = summary["systems"]
    present = [(t, m) for t, m in HEADLINE if any(t in s for s in systems.values())]
    header = ["system", *(f"{t} {m}" for t, m in present), "false_abstain", "p50_ms", "p95_ms"]
    rows = []
    for name, per_type in systems.items():
        total = summary.get("overall", {}).get(name, {})
        rows.append(
            [
                name,
                *(_fmt(m, per_type.get(t, {}).get(m)) for t, m in present),
                _fmt("false_abstain_rate", total.get("false_abstain_rate")),
                _fmt("p50_ms", total.get("p50_ms")),
                _fmt("p95_ms", total.get("p95_ms")),
            ]
        )
    return "\n".join(_table(header, rows))


def criteria_table(split_summary: Mapping) -> str:
    """One row per system: the issue's criteria on one split, each with its question count and threshold."""
    crit: Mapping[str, Mapping] = split_summary.get("criteria", {})
    if not crit:
        return ""
    first = next(iter(crit.values()))
    header = ["system", *(f"{label} (n={first.get(key, {}).get('n', 0)}; {op} {threshold})"
                          for key, label, op, threshold in CRITERIA)]
    rows = [[name, *(_fmt(key, per.get(key, {}).get("value")) for key, *_ in CRITERIA)] for name, per in crit.items()]
    return "\n".join(_table(header, rows))


def tag_table(split_summary: Mapping, metric: str = "correct") -> str:
    """One row per system, one column per tag present: the share of fully correct answers (runner.correct)."""
    per_system: Mapping[str, Mapping] = split_summary.get("tags", {})
    present = [t for t in TAGS if any(t in tags for tags in per_system.values())]
    if not present:
        return ""
    counts = {t: next(int(tags[t]["n"]) for tags in per_system.values() if t in tags) for t in present}
    header = ["system", *(f"{t} (n={counts[t]})" for t in present)]
    rows = [[name, *(_fmt(metric, tags.get(t, {}).get(metric)) for t in present)] for name, tags in per_system.items()]
    return "\n".join(_table(header, rows))


def failed_lines(split_summary: Mapping, system: str = "assistant") -> list[str]:
    """For one system: the ids that miss each criterion (for the report and the gate's message)."""
    crit = split_summary.get("criteria", {}).get(system, {})
    lines = []
    for key, label, _, _ in CRITERIA:
        failed = crit.get(key, {}).get("failed") or []
        if failed:
            lines.append(f"- {label}: " + ", ".join(failed))
    return lines


def split_section(summary: Mapping, split: str, level: str = "##") -> list[str]:
    """The criteria, per-type headline and per-tag tables of one split."""
    part = summary.get("splits", {}).get(split)
    if not part:
        return []
    types = ", ".join(f"{k} {v}" for k, v in part.get("types", {}).items())
    lines = [f"{level} {SPLIT_TITLES.get(split, split)} (n={part['n']}: {types})", ""]
    if split in SPLIT_NOTES:
        lines += [SPLIT_NOTES[split], ""]
    crit = criteria_table(part)
    if crit:
        lines += ["Criteria (thresholds as gated on the test split):", "", crit, ""]
    lines += ["By type:", "", overview_table(part), ""]
    tags = tag_table(part)
    if tags:
        lines += ["By tag, share of fully correct answers:", "", tags, ""]
    failed = failed_lines(part)
    if failed and split != "all":
        lines += ["`assistant` misses:", "", *failed, ""]
    return lines


def type_table(summary: Mapping, kind: str) -> str:
    metrics = (*METRICS[kind], *LATENCY)
    rows = [
        [name, *(_fmt(m, per_type[kind].get(m)) for m in metrics)]
        for name, per_type in summary["systems"].items()
        if kind in per_type
    ]
    return "\n".join(_table(["system", *metrics], rows))


def markdown_report(summary: Mapping, chart: str | None = None) -> str:
    gold = summary.get("gold", {})
    types = gold.get("types", {})
    splits = gold.get("splits", {})
    tags = gold.get("tags", {})
    lines = [
        "# Evaluation report / 评测报告",
        "",
        f"Gold set: `{gold.get('path', '')}`, {gold.get('n', '?')} questions "
        f"({', '.join(f'{k} {v}' for k, v in types.items())})"
        + (f"; splits {', '.join(f'{k} {v}' for k, v in splits.items())}" if splits else "")
        + (f"; tags {', '.join(f'{k} {v}' for k, v in tags.items())}" if tags else "") + ".",
        "",
        "Systems: `assistant` (the product), `bm25` (jieba BM25 over rows and measures), `dense` (same "
        "embedding model, dense only), `hybrid` (RRF of the two, no structured layer), `naive_rag` (raw notice "
        "cut into ~500-character overlapping windows, dense top-5, citing every row/measure a window overlaps). "
        "Baselines cite their top-5 refs, answer with their top-5 chunk texts and never abstain.",
        "",
    ]
    for split in ("test", "dev"):
        lines += split_section(summary, split)
    lines += [
        "## Overview, all questions" if summary.get("splits", {}).get("test") else "## Overview",
        "",
        overview_table(summary),
        "",
    ]
    if summary.get("tags") and not summary.get("splits", {}).get("test"):
        lines += ["By tag, share of fully correct answers:", "", tag_table(summary), ""]
    if chart:
        lines += [f"![evaluation chart]({chart})", ""]
    for kind in TYPES:
        if not any(kind in s for s in summary["systems"].values()):
            continue
        n = next(s[kind]["n"] for s in summary["systems"].values() if kind in s)
        lines += [f"## {kind} (n={int(n)}, all questions)", "", type_table(summary, kind), ""]
    lines += [
        "Metrics: `hit@1`, `recall@5`, `mrr@10` on the ranked hits; list/count set metrics on the cited refs "
        "(micro from summed TP/FP/FN, macro = mean per-question F1, `exact_set` = cited set equals gold set); "
        "`answer_acc` = every expected string in the answer (spaces removed; numbers must not run into other "
        "digits; a count must stand alone, not inside a date, percentage or row reference); `false_abstain_rate` "
        "under `abstain` is over all answerable questions; latency in milliseconds, in-process. For the baselines "
        "`answer_acc` only says that the expected string is somewhere in their top-5 chunk texts (an upper bound "
        "for a reader over those chunks), and their count answers contain no count at all.",
        "",
        "Criteria and tags (eval/README.md): a question is *correct* when the whole answer is right: an abstain "
        "question abstained; otherwise no abstention and lookup/measure hit@1, fact every expected string plus "
        "hit@1 when it has gold refs, list the exact gold set, count the right number. `colloquial+Traditional "
        "hit@1` is hit@1 over the questions tagged colloquial or traditional that have ranked gold (lookup, measure, "
        "fact with refs); `follow-up acc` is the share of correct follow-ups (the elliptical question answered with "
        "its history); `typo resolution` the share of correct typo'd questions; `false abstain` is over all "
        "answerable questions of the split and `abstain (unanswerable)` over its abstain questions. The test split "
        "is fixed by id (odd number dev, even test) and is only reported, never tuned on.",
        "",
    ]
    seconds = summary.get("seconds")
    if seconds:
        lines += ["Wall time per system (s): " + ", ".join(f"{k} {v:.1f}" for k, v in seconds.items()), ""]
    return "\n".join(lines)


def write_chart(summary: Mapping, path: Path) -> Path:
    """Grouped bars per type (metrics on the x axis, one colour per system) plus a latency panel."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    systems: Mapping[str, Mapping] = summary["systems"]
    names = list(systems)
    kinds = [k for k in TYPES if any(k in s for s in systems.values())]
    panels = len(kinds) + 1
    cols = 4
    rows = (panels + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.6 * rows), squeeze=False)
    colors = plt.get_cmap("tab10").colors
    width = 0.8 / max(1, len(names))

    def bars(ax, labels: Sequence[str], values_for) -> None:
        for j, name in enumerate(names):
            xs = [i - 0.4 + width * (j + 0.5) for i in range(len(labels))]
            ax.bar(xs, [values_for(name, label) for label in labels], width, color=colors[j % len(colors)], label=name)
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels(labels, rotation=30, ha="right", fontsize=8)

    for ax, kind in zip(axes.flat, kinds):
        metrics = [m for m in METRICS[kind] if m != "false_abstain_rate" or kind == "abstain"]
        bars(ax, metrics, lambda name, m: float(systems[name].get(kind, {}).get(m, 0.0) or 0.0))
        n = next(int(s[kind]["n"]) for s in systems.values() if kind in s)
        ax.set_title(f"{kind} (n={n})", fontsize=10)
        ax.set_ylim(0, 1.05)
        ax.grid(axis="y", alpha=0.3)

    latency_ax = axes.flat[len(kinds)]
    bars(latency_ax, list(LATENCY), lambda name, m: float(summary.get("overall", {}).get(name, {}).get(m, 0.0)))
    latency_ax.set_title("latency, all questions (ms)", fontsize=10)
    latency_ax.grid(axis="y", alpha=0.3)
    spare = list(axes.flat)[panels:]
    for ax in spare:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.suptitle("Policy QA evaluation: systems by question type", fontsize=12)
    if spare:
        spare[0].legend(handles, labels, loc="center", fontsize=10, frameon=False, title="system")
        fig.tight_layout(rect=(0, 0, 1, 0.96))
    else:
        fig.legend(handles, labels, loc="lower right", fontsize=9, frameon=False)
        fig.tight_layout(rect=(0, 0, 0.92, 0.96))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_report(
    summary: Mapping,
    directory: Path,
    results: Mapping[str, Sequence[QuestionResult]] | None = None,
    stem: str = "latest",
) -> list[Path]:
    """Write <stem>.md, <stem>.png, <stem>.json (the summary) and <stem>_details.jsonl (every question)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    png = write_chart(summary, directory / f"{stem}.png")
    md = directory / f"{stem}.md"
    md.write_text(markdown_report(summary, chart=png.name), encoding="utf-8")
    js = directory / f"{stem}.json"
    js.write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    written = [md, png, js]
    if results is not None:
        details = directory / f"{stem}_details.jsonl"
        with details.open("w", encoding="utf-8") as fh:
            for rs in results.values():
                for r in rs:
                    fh.write(json.dumps(r.to_dict(), ensure_ascii=False) + "\n")
        written.append(details)
    return written
