"""`assistant ask "问题" [--json] [--scope DOC]` and `assistant ask --batch FILE.jsonl --json`.

Batch lines are {"id", "question", "scope"?, "history"?}; every line gets one output object, in order:
an answer, or for a line that cannot be read or answered an object with "error" (the run carries on).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from assistant.records import Answer


def register(sub) -> None:
    p = sub.add_parser("ask", help="提问（--json 输出评测用 JSON；--batch 批量提问）")
    p.add_argument("question", nargs="?", help="问题，例如：开办企业几个工作日能办完？")
    p.add_argument("--json", action="store_true", help="输出 JSON 对象")
    p.add_argument("--batch", help="JSONL 文件，每行 {\"id\": ..., \"question\": ..., \"scope\"?: ..., \"history\"?: [...]}")
    p.add_argument("--scope", help="只在这份文档中回答（文档编号、简称或标题中的词）")
    p.add_argument("--lead", help="只看该牵头单位的任务")
    p.add_argument("--category", help="只看该指标的任务")
    from assistant.answering.llm_writer import add_arguments

    add_arguments(p)
    p.set_defaults(func=cmd_ask)


def json_line(obj: dict) -> str:
    """One JSON line that always encodes: text with characters UTF-8 cannot carry (lone surrogates) falls back
    to \\u escapes, and anything not JSON-serialisable is written as its string."""
    try:
        line = json.dumps(obj, ensure_ascii=False)
        line.encode("utf-8")
        return line
    except (UnicodeEncodeError, TypeError, ValueError):
        return json.dumps(obj, ensure_ascii=True, default=str)


def _print_answer(answer: Answer, as_json: bool, extra: dict | None = None) -> None:
    if as_json:
        print(json_line({**(extra or {}), **answer.to_dict()}), flush=True)
        return
    print(answer.answer)
    if answer.citations:
        print("\n引用：")
        for c in answer.citations:
            print(f"  {c.doc}  {c.ref}  {c.title}")


def _edge(value):
    """A question or filter from outside (argv, a batch line): printable text, or None."""
    from assistant.understanding.normalize import strip_unsafe

    return strip_unsafe(value) if isinstance(value, str) else None


def _batch_lines(path: Path):
    """(line number, object or None, error message or None) for every non-empty line. Lines end at "\\n"
    only (a stray "\\r" or U+2028 inside a line does not split it); bytes that are not UTF-8 become U+FFFD."""
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            line = raw.decode("utf-8", "replace")
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, None, f"第{number}行不是有效的 JSON（{exc.msg}）"
                continue
            except (ValueError, RecursionError):  # nested too deeply, or a number too long to read
                yield number, None, f"第{number}行不是可读取的 JSON"
                continue
            if not isinstance(obj, dict) or not isinstance(obj.get("question"), str):
                yield number, obj if isinstance(obj, dict) else None, f"第{number}行缺少文本字段 \"question\""
                continue
            yield number, obj, None


def _history(obj: dict) -> list[str] | None:
    history = obj.get("history")
    if isinstance(history, list):
        return [h for h in history if isinstance(h, str)]
    return None


def cmd_ask(args) -> int:
    from assistant.answering.service import Assistant
    from assistant.app.cli import settings_from
    from assistant.errors import UserError

    if bool(args.batch) == (args.question is not None):
        raise UserError("请给出一个问题，或用 --batch 指定问题文件（二者选一）。")
    if args.batch:
        path = Path(args.batch)
        if not path.is_file():
            raise UserError(f"找不到批量问题文件：{path.name}")
    from assistant.answering.llm_writer import writer_from

    writer = writer_from(args)
    assistant = Assistant(settings_from(args), progress=True)
    assistant.writer = writer
    for message in assistant.sync_messages:
        print(message, file=sys.stderr)
    lead, category, scope = _edge(args.lead), _edge(args.category), _edge(args.scope)
    if not args.batch:
        answer = assistant.ask(_edge(args.question), lead=lead, category=category, scope=scope)
        _print_answer(answer, args.json)
        return 2 if answer.intent == "invalid" and not args.json else 0
    for number, obj, error in _batch_lines(path):
        qid = obj.get("id") if obj else None
        try:
            if error is None:
                try:
                    line_scope = _edge(obj.get("scope")) or scope
                    history = [_edge(h) for h in _history(obj) or []] or None
                    answer = assistant.ask(_edge(obj["question"]), lead=lead, category=category, scope=line_scope,
                                           history=history)
                except Exception as exc:  # one bad question must not stop an evaluation run
                    error = f"第{number}行回答失败（{type(exc).__name__}）"
            if error is None:
                if answer.intent == "invalid":
                    print(f"第{number}行：{answer.answer}", file=sys.stderr)
                _print_answer(answer, args.json, {"id": qid})
                if not args.json:
                    print("\n" + "-" * 40)
                continue
        except (BrokenPipeError, KeyboardInterrupt):
            raise
        except Exception as exc:  # printing failed: still one object for this line
            error = f"第{number}行输出失败（{type(exc).__name__}）"
        print(error, file=sys.stderr)
        if args.json:
            question = _edge((obj or {}).get("question")) if obj else None
            print(json_line({"id": qid, "question": question, "error": error, "answer": "", "abstained": True,
                             "intent": "error", "citations": [], "hits": [], "writer": "extractive"}), flush=True)
    return 0
