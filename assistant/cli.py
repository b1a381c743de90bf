"""Command line: `assistant corpus | index | search | ask | eval | serve`.

Heavy modules (torch, gradio) are imported inside the commands that need them, so `assistant corpus`
stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter

from .config import load_settings
from .errors import UserError  # noqa: F401  (re-exported: subcommand modules raise it)
from .notice_parser import CorpusError, load_notice


def _settings(args):
    return load_settings(
        corpus=getattr(args, "corpus", None),
        index_dir=getattr(args, "index_dir", None),
        model=getattr(args, "model", None),
    )


def cmd_corpus(args) -> int:
    notice = load_notice(_settings(args))
    if args.json:
        print(json.dumps(notice.to_dict(), ensure_ascii=False, indent=None if args.compact else 1))
        return 0
    meta = notice.meta
    print(f"《{meta.title}》 {meta.doc_number}")
    print(f"发文机关：{meta.issuer}  成文日期：{meta.signed_date}  印发日期：{meta.printed_date}  （{meta.release_note}）")
    print(f"共 {len(notice.chapters)} 个部分、{len(notice.measures)} 条措施、任务清单 {len(notice.tasks)} 项\n")
    print("各部分措施数：")
    for chapter in notice.chapters:
        count = sum(1 for m in notice.measures if m.chapter == chapter.number)
        print(f"  {chapter.number}. {chapter.title}：{count} 条")
    print("\n各指标任务数：")
    for category, count in Counter(t.category for t in notice.tasks).most_common():
        print(f"  {category}：{count} 项")
    print("\n各牵头单位任务数：")
    for agency, count in Counter(a for t in notice.tasks for a in t.lead).most_common():
        print(f"  {agency}：{count} 项")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description="广西优化营商环境行动方案问答助手")
    parser.add_argument("--corpus", help="语料文件路径（默认 corpus/ 下的通知全文）")
    parser.add_argument("--index-dir", dest="index_dir", help="索引目录（默认 index/）")
    parser.add_argument("--model", help="句向量模型：sentence-transformers 名称或本地目录")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("corpus", help="解析通知并打印摘要或 JSON")
    p.add_argument("--json", action="store_true", help="以 JSON 输出全部记录")
    p.add_argument("--compact", action="store_true", help="JSON 不缩进")
    p.set_defaults(func=cmd_corpus)

    for register in _optional_commands():
        register(sub)
    return parser


def _optional_commands():
    """Commands of the other layers, each registered by its own module."""
    registers = []
    for name in ("cli_index", "cli_ask", "cli_eval", "cli_serve"):
        try:
            module = __import__(f"assistant.{name}", fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name != f"assistant.{name}":
                raise
            continue
        registers.append(getattr(module, "register", None) or module.add_index_commands)
    return registers


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (CorpusError, UserError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
