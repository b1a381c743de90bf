"""The MCP server (the official `mcp` SDK): tools ask, search, list_documents, show_unit, list_tasks, each
with a Chinese description and a typed schema. `assistant mcp` serves it over stdio; `assistant serve` at
/mcp of the running server (streamable HTTP, behind the same keys as the API)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from assistant.app.api import library_api as lib

INSTRUCTIONS = ("政策文库问答助手：回答关于文库中政策文件（行动方案、营商环境条例、任务分工表等）的问题，回答中的 [1] [2] "
                "标记对应 references 中引用的原文单元。清单类问题（哪些任务由某单位牵头）给出全部条目，不截断。")


def build_mcp(assistant, base_url: str = "", lock=None) -> MCPServer:
    """The MCP server over `assistant`; `lock` (a SharedLock) is held shared by every tool call."""
    server = MCPServer(name="policy-assistant", title="政策文库问答助手", instructions=INSTRUCTIONS,
                       log_level="WARNING")

    from assistant.app.concurrency import SharedLock

    lock = lock or SharedLock()

    def _lookup(call, *args):
        try:
            with lock.shared():
                return call(*args)
        except lib.NotFound as exc:
            raise ToolError(str(exc)) from None  # its message reaches the client

    @server.tool(description="向政策文库提问，返回带编号引用标记的回答和引用的原文单元（references）。"
                             "清单类问题返回全部条目；文库没有依据时 abstained 为 true。")
    def ask(question: Annotated[str, Field(description="问题，例如：哪些任务由税务局牵头？")],
            history: Annotated[list[str], Field(description="此前的提问（由早到晚），用于理解追问")] = [],  # noqa: B006
            scope: Annotated[str | None, Field(description="只在这份文档中回答（文档编号、简称或标题中的词）")] = None,
            lead: Annotated[str | None, Field(description="只看该牵头单位的任务")] = None,
            category: Annotated[str | None, Field(description="只看该指标的任务")] = None) -> dict[str, Any]:
        return _lookup(lib.reply, assistant, question, history, scope, lead, category, base_url).to_dict()

    @server.tool(description="检索与查询最相关的条文（混合检索），返回条文内容、0–1 的相关度和所在文档。")
    def search(query: Annotated[str, Field(description="检索内容")],
               top_k: Annotated[int, Field(ge=1, le=50, description="返回条数")] = 5,
               doc: Annotated[str | None, Field(description="只检索这份文档")] = None) -> dict[str, Any]:
        docs = frozenset({_lookup(lib.find_document, assistant, doc).doc}) if doc else None
        return {"results": _lookup(lib.search_units, assistant, query, top_k, docs, base_url)}

    @server.tool(description="列出文库中的全部文档及其元数据（标题、简称、类型、发文机关、文号、日期、单元数）。")
    def list_documents() -> dict[str, Any]:
        return {"documents": _lookup(lib.list_documents, assistant)}

    @server.tool(description="查看文档中的一个单元（条、措施、任务行）的全文和字段。")
    def show_unit(doc: Annotated[str, Field(description="文档编号、简称或标题中的词")],
                  ref: Annotated[str, Field(description="单元编号（如 task-70、article-20）或名称（如 任务70、第二十条）")]
                  ) -> dict[str, Any]:
        return _lookup(lib.show_unit, assistant, doc, ref, base_url)

    @server.tool(description="按牵头单位、配合单位、指标、完成时限和文档筛选任务行，返回全部符合条件的行。")
    def list_tasks(lead: Annotated[str | None, Field(description="牵头单位，如 税务局")] = None,
                   support: Annotated[str | None, Field(description="配合单位")] = None,
                   category: Annotated[str | None, Field(description="指标名称中的词，如 纳税")] = None,
                   deadline_before: Annotated[date | None, Field(description="完成时限不晚于该日期（YYYY-MM-DD）")] = None,
                   doc: Annotated[str | None, Field(description="只看这份文档")] = None) -> dict[str, Any]:
        rows = _lookup(lib.task_rows, assistant, lib.TaskFilter(lead, support, category, deadline_before, doc))
        return {"total": len(rows), "tasks": rows}

    return server
