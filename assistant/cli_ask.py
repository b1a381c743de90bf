"""`assistant ask "问题" [--json]` and `assistant ask --batch FILE.jsonl --json`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .records import Answer


def register(sub) -> None:
    p = sub.add_parser("ask", help="提问（--json 输出评测用 JSON；--batch 批量提问）")
    p.add_argument("question", nargs="?", help="问题，例如：开办企业几个工作日能办完？")
    p.add_argument("--json", action="store_true", help="输出 JSON 对象")
    p.add_argument("--batch", help="JSONL 文件，每行 {\"id\": ..., \"question\": ...}")
    p.add_argument("--lead", help="只看该牵头单位的任务")
    p.add_argument("--category", help="只看该指标的任务")
    p.set_defaults(func=cmd_ask)


def _print_answer(answer: Answer, as_json: bool, extra: dict | None = None) -> None:
    if as_json:
        obj = {**(extra or {}), **answer.to_dict()}
        print(json.dumps(obj, ensure_ascii=False), flush=True)
        return
    print(answer.answer)
    if answer.citations:
        print("\n引用：")
        for c in answer.citations:
            print(f"  {c.ref}  {c.title}")


def _batch_lines(path: Path):
    """(line number, id, question) for good lines; bad lines are reported and skipped."""
    with path.open(encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                print(f"第{number}行：不是有效的 JSON（{exc.msg}），已跳过", file=sys.stderr)
                continue
            if not isinstance(obj, dict) or not isinstance(obj.get("question"), str):
                print(f"第{number}行：缺少文本字段 \"question\"，已跳过", file=sys.stderr)
                continue
            yield number, obj.get("id"), obj["question"]


def cmd_ask(args) -> int:
    from .cli import _settings
    from .errors import UserError
    from .service import Assistant

    if bool(args.batch) == (args.question is not None):
        raise UserError("请给出一个问题，或用 --batch 指定问题文件（二者选一）。")
    if args.batch:
        path = Path(args.batch)
        if not path.is_file():
            raise UserError(f"找不到批量问题文件：{path}")
    assistant = Assistant(_settings(args), progress=True)
    if not args.batch:
        answer = assistant.ask(args.question, lead=args.lead, category=args.category)
        _print_answer(answer, args.json)
        return 2 if answer.intent == "invalid" and not args.json else 0
    for number, qid, question in _batch_lines(path):
        try:
            answer = assistant.ask(question, lead=args.lead, category=args.category)
        except Exception as exc:  # one bad question must not stop an evaluation run
            print(f"第{number}行：回答失败（{type(exc).__name__}: {exc}），已跳过", file=sys.stderr)
            continue
        if answer.intent == "invalid":
            print(f"第{number}行：{answer.answer}", file=sys.stderr)
        _print_answer(answer, args.json, {"id": qid})
        if not args.json:
            print("\n" + "-" * 40)
    return 0
