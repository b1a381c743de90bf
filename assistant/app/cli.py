"""Command line: `assistant library | corpus | index | search | ask | eval | serve`.

Heavy modules (torch, gradio) are imported inside the commands that need them, so the library commands
and structured questions stay fast.
"""

from __future__ import annotations

import argparse
import sys

from assistant.config import load_settings
from assistant.errors import UserError

_COMMAND_MODULES = ("cli_library", "cli_index", "cli_ask", "cli_eval", "cli_serve")


def settings_from(args):
    return load_settings(
        library=getattr(args, "library_dir", None),
        index_dir=getattr(args, "index_dir", None),
        model=getattr(args, "model", None),
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description="政策文库问答助手（优化营商环境政策）")
    parser.add_argument("--library", dest="library_dir", help="文库文件夹（默认 corpus/；也可用 ASSISTANT_LIBRARY 设置）")
    parser.add_argument("--corpus", dest="library_dir", help=argparse.SUPPRESS)  # the option's old name
    parser.add_argument("--index-dir", dest="index_dir", help="索引目录（默认 index/）")
    parser.add_argument("--model", help="句向量模型：sentence-transformers 名称或本地目录")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in _COMMAND_MODULES:
        module = __import__(f"assistant.app.{name}", fromlist=["register"])
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from assistant.ingest.blocks import ReadError
    from assistant.ingest.document import DocumentError
    from assistant.library.store import StoreError

    try:
        return int(args.func(args) or 0)
    except (UserError, ReadError, DocumentError, StoreError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
