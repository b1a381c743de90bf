"""`assistant mcp`: the MCP server over stdio, for agents and desktop clients that start it themselves
(tools ask, search, list_documents, show_unit, list_tasks; app/api/mcp_server.py). Everything but the
protocol goes to stderr, so stdout carries only MCP messages."""

from __future__ import annotations

import contextlib
import sys


def cmd_mcp(args) -> int:
    from assistant.answering.llm_writer import writer_from
    from assistant.app.cli import settings_from

    writer = writer_from(args)
    with contextlib.redirect_stdout(sys.stderr):  # progress and library messages must not reach the protocol
        from assistant.answering.service import Assistant

        assistant = Assistant(settings_from(args), progress=False)
        assistant.writer = writer
        for message in assistant.sync_messages:
            print(message, file=sys.stderr)
        assistant.warm_up()
        from assistant.app.api.mcp_server import build_mcp

        server = build_mcp(assistant, args.public_url or "")
    server.run("stdio")
    return 0


def register(sub) -> None:
    p = sub.add_parser("mcp", help="以 stdio 方式运行 MCP 服务（供智能体和桌面客户端调用）")
    p.add_argument("--public-url", help="引用链接指向的问答页面地址，例如 http://127.0.0.1:7860/")
    from assistant.answering.llm_writer import add_arguments

    add_arguments(p)
    p.set_defaults(func=cmd_mcp)
