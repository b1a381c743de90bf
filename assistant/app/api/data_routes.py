"""The library as data: documents, one document with its outline, one unit, and task rows (JSON, or a CSV or
Excel file written by app/downloads.py, the same files the chat offers)."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from assistant.app.api.library_api import (TaskFilter, document_detail, list_documents, show_unit, task_rows)
from assistant.app.api.state import ApiError, state_of
from assistant.app.downloads import write_csv, write_xlsx

router = APIRouter(tags=["文库数据"])

_MEDIA = {"csv": "text/csv; charset=utf-8",
          "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@router.get("/api/documents", summary="文档列表", description="文库中的全部文档及其元数据（标题、简称、类型、发文机关、文号、日期、单元数）。")
def documents(request: Request):
    st = state_of(request)
    with st.lock.shared():
        return {"documents": list_documents(st.assistant)}


@router.get("/api/documents/{doc}", summary="一份文档", description="文档的元数据和全部单元的目录；doc 可以是文档编号、简称或标题中的词。")
def document(doc: str, request: Request):
    st = state_of(request)
    with st.lock.shared():
        return document_detail(st.assistant, doc, st.base_url(request))


@router.get("/api/documents/{doc}/units/{ref}", summary="一个单元",
            description="单元全文及其字段（指标、目标、完成时限、牵头单位、配合单位）；ref 可以是单元编号（task-70）或名称（任务70）。")
def unit(doc: str, ref: str, request: Request):
    st = state_of(request)
    with st.lock.shared():
        return show_unit(st.assistant, doc, ref, st.base_url(request))


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ApiError(400, f"deadline_before 应为日期，格式 YYYY-MM-DD，收到：{value[:40]}",
                       param="deadline_before") from None


@router.get("/api/tasks", summary="任务清单", description="满足条件的全部任务行（不截断）；format=csv 或 xlsx 时返回文件。")
def tasks(request: Request,
          lead: str | None = Query(None, description="牵头单位（可写简称，如 税务局）"),
          support: str | None = Query(None, description="配合单位"),
          category: str | None = Query(None, description="指标名称中的词，如 纳税"),
          deadline_before: str | None = Query(None, description="完成时限不晚于该日期（YYYY-MM-DD）"),
          doc: str | None = Query(None, description="只看这份文档（编号、简称或标题中的词）"),
          format: Literal["json", "csv", "xlsx"] = Query("json", description="json（默认）、csv 或 xlsx")):
    f = TaskFilter(lead=lead or None, support=support or None, category=category or None,
                   deadline_before=_day(deadline_before), doc=doc or None)
    st = state_of(request)
    with st.lock.shared():
        rows = task_rows(st.assistant, f)
    if format == "json":
        return {"total": len(rows), "tasks": rows}
    with tempfile.TemporaryDirectory(prefix="assistant-api-") as folder:
        path = Path(folder) / f"tasks.{format}"
        (write_csv if format == "csv" else write_xlsx)(rows, path)
        data = path.read_bytes()
    name = quote(f"任务清单-{len(rows)}项.{format}")
    return Response(data, media_type=_MEDIA[format],
                    headers={"Content-Disposition": f"attachment; filename=tasks.{format}; filename*=UTF-8''{name}"})
