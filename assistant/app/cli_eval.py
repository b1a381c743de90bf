"""`assistant eval [--gold FILE] [--systems NAMES] [--split S] [--json] [--report DIR]`: score the product and
baselines.

Runs in-process: loads the gold file (validated first, so a bad file fails before any model loads), builds
the systems over one shared model and index, answers every question with every system (a follow-up with its
history), prints the tables, test split first (or, with --json, `{"systems": {NAME: {TYPE: {METRIC: value}}},
"splits": {"test"|"dev"|"all": {...}}, "tags": …, …}`) and writes eval/reports/latest.*.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from assistant.app.cli import settings_from as _settings
from assistant.errors import UserError
from assistant.config import project_root

DEFAULT_GOLD = Path("eval") / "gold.jsonl"
DEFAULT_REPORT_DIR = Path("eval") / "reports"
# The names of evaluation.systems.SYSTEMS, for the help text: importing that module (numpy and the systems)
# here would slow every command down. tests/test_cli_cold.py keeps the two in step.
SYSTEM_NAMES = ("assistant", "bm25", "dense", "hybrid", "naive_rag")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "eval",
        help="在评测集上评测问答助手与基线系统",
        description="在评测集上逐题运行各系统（进程内），按题型计分并输出对比表与报告。",
    )
    p.add_argument("--set", dest="gold_set", choices=("seed", "library"), default="seed",
                   help="评测集：seed（种子通知的题目，默认）或 library（文库中各文档的题目，按文档划分 dev/test；"
                        "文库与索引只建一次，缓存在索引目录下）")
    p.add_argument("--gold", metavar="FILE", help=f"评测集 JSONL 文件（默认 {DEFAULT_GOLD}）")
    p.add_argument(
        "--systems",
        metavar="NAMES",
        help=f"逗号分隔的系统名（默认全部：{','.join(SYSTEM_NAMES)}）",
    )
    p.add_argument("--split", choices=("dev", "test", "all"), default="all",
                   help="只评测某一部分：dev（调参用）、test（只用于报告）或 all（默认，两部分都评测并分别报告）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出各系统各题型、各部分（dev/test）和各标签的指标")
    p.add_argument("--report", metavar="DIR", help=f"报告目录（默认 {DEFAULT_REPORT_DIR}）：写入 latest.md/.png/.json")
    p.add_argument("--no-report", dest="no_report", action="store_true", help="不写报告文件")
    p.set_defaults(func=cmd_eval)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _display(path: Path) -> str:
    """The gold path as shown in reports: relative to the project when inside it."""
    try:
        return str(path.resolve().relative_to(project_root()))
    except ValueError:
        return str(path)


def text_report(summary: dict) -> str:
    """The terminal tables: each split (test first) with its criteria, per-type headline and per-tag accuracy,
    then the per-type details over all questions."""
    from assistant.evaluation.report import criteria_table, failed_lines, overview_table, tag_table, type_table
    from assistant.evaluation.runner import TYPES

    parts = []
    for split in ("test", "dev"):
        part = summary.get("splits", {}).get(split)
        if not part:
            continue
        block = [f"== {split}（{part['n']} 题）=="]
        block += ["判定指标：", criteria_table(part), "按题型：", overview_table(part)]
        tags = tag_table(part)
        if tags:
            block += ["按标签（完全答对的比例）：", tags]
        block += failed_lines(part)
        parts.append("\n".join(block))
    parts.append("== 全部题目 ==\n" + overview_table(summary))
    for kind in TYPES:
        if any(kind in s for s in summary["systems"].values()):
            parts.append(f"{kind}:\n{type_table(summary, kind)}")
    return "\n\n".join(parts)


def cmd_library_eval(args) -> int:
    from assistant.retrieval.encoder import EncoderError
    from assistant.evaluation.library_eval import markdown, run_library_eval, write_reports
    from assistant.evaluation.runner import GoldFileError
    from assistant.retrieval.index_store import IndexStoreError

    split = getattr(args, "split", "all") or "all"
    try:
        run = run_library_eval(_settings(args), split, log=_log, gold_path=args.gold)
    except GoldFileError as exc:
        raise UserError(str(exc)) from None
    except (EncoderError, IndexStoreError) as exc:
        raise UserError(str(exc)) from None
    if not run.gold:
        raise UserError(f"评测集中没有 split 为 {split} 的题目")
    parts = [run.subset(s) for s in ("test", "dev") if any(g.split == s for g in run.gold)]
    if args.json:
        print(json.dumps({p.split_name: p.summary() for p in parts}, ensure_ascii=False, indent=1))
    else:
        print("\n\n".join(markdown(p.summary()) for p in parts))
    if not args.no_report:
        directory = Path(args.report) if args.report else project_root() / DEFAULT_REPORT_DIR
        try:
            written = [path for p in parts for path in write_reports(p, directory)]
        except OSError as exc:
            raise UserError(f"无法写入报告目录 {directory}：{exc}") from None
        _log("报告已写入：" + "、".join(str(p) for p in written))
    return 0


def cmd_eval(args) -> int:
    if getattr(args, "gold_set", "seed") == "library":
        return cmd_library_eval(args)
    from assistant.retrieval.encoder import EncoderError
    from assistant.evaluation.runner import GoldFileError, load_gold, run_eval
    from assistant.evaluation.systems import Resources, SystemUnavailableError, build_systems, parse_system_names
    from assistant.retrieval.index_store import IndexStoreError

    gold_path = Path(args.gold) if args.gold else project_root() / DEFAULT_GOLD
    try:
        gold = load_gold(gold_path)
    except GoldFileError as exc:
        raise UserError(str(exc)) from None
    split = getattr(args, "split", "all") or "all"
    if split != "all":
        gold = [g for g in gold if g.split == split]
        if not gold:
            raise UserError(f"评测集中没有 split 为 {split} 的题目")
    try:
        names = parse_system_names(args.systems)
    except ValueError as exc:
        raise UserError(str(exc)) from None

    settings = _settings(args)
    resources = Resources(settings, progress=False)
    try:
        try:
            systems = build_systems(names, resources)
        except SystemUnavailableError as exc:
            if args.systems or "assistant" not in names:
                raise
            # Default run without the product (e.g. while it is being written): score the baselines.
            _log(f"提示：{exc}，本次只评测基线系统")
            names = [n for n in names if n != "assistant"]
            systems = build_systems(names, resources)
        run = run_eval(gold, systems, gold_path=_display(gold_path), log=_log)
    except (SystemUnavailableError, EncoderError, IndexStoreError) as exc:
        raise UserError(str(exc)) from None

    summary = run.summary()
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
    else:
        print(text_report(summary))

    if not args.no_report:
        from assistant.evaluation.report import write_report

        directory = Path(args.report) if args.report else project_root() / DEFAULT_REPORT_DIR
        try:
            written = write_report(summary, directory, run.results)
        except OSError as exc:
            raise UserError(f"无法写入报告目录 {directory}：{exc}") from None
        _log("报告已写入：" + "、".join(str(p) for p in written))
    return 0
