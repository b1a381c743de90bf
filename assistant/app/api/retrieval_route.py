"""POST /retrieval: Dify's External Knowledge API, so platforms can use the library as an external
knowledge base.

Request: {"knowledge_id", "query", "retrieval_setting": {"top_k", "score_threshold"}, "metadata_condition"?}.
`knowledge_id` is the whole library (policy-library, library, all, or empty) or one document (its id, short
name or a word of its title). Response: {"records": [{"content", "score", "title", "metadata"}]}, best first;
`score` is in (0, 1] (library_api.search_units). Errors use Dify's codes: 1001 bad Authorization header, 1002
authorization failed (keys.Guard), 2001 the knowledge does not exist.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from assistant.app.api.library_api import WHOLE_LIBRARY, NotFound, find_document, search_units
from assistant.app.api.state import ApiError, state_of

router = APIRouter(tags=["外部知识库（Dify）"])

METADATA_KEYS = ("doc", "doc_title", "ref", "label", "kind", "path", "category", "lead", "support", "deadline",
                 "url")
MAX_TOP_K = 100


class RetrievalSetting(BaseModel):
    top_k: int = Field(default=5, ge=1, le=MAX_TOP_K, description="最多返回的条数")
    score_threshold: float = Field(default=0.0, ge=0.0, le=1.0, description="最低相关度（0–1）")


class Condition(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: list[str] = Field(description="要比较的元数据字段名")
    comparison_operator: str = Field(description="contains、not contains、start with、end with、is、is not、empty、"
                                                 "not empty、=、≠、>、<、≥、≤、before、after")
    value: Any = Field(default=None, description="比较的值")


class MetadataCondition(BaseModel):
    logical_operator: Literal["and", "or"] = Field(default="and", description="条件之间的关系")
    conditions: list[Condition] = Field(default_factory=list)


class RetrievalRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    knowledge_id: str = Field(description="知识库：policy-library 表示整个文库，也可以是一份文档的编号、简称或标题中的词")
    query: str = Field(description="检索内容")
    retrieval_setting: RetrievalSetting = Field(default_factory=RetrievalSetting)
    metadata_condition: MetadataCondition | None = None


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def condition_holds(metadata: dict, c: Condition) -> bool:
    """One Dify condition against one record's metadata (pure); a field it names must satisfy it."""
    op, want = c.comparison_operator.strip().lower(), c.value
    for name in c.name:
        have = metadata.get(name)
        text = "、".join(have) if isinstance(have, list) else ("" if have is None else str(have))
        w = "" if want is None else str(want)
        if op == "empty":
            ok = not text
        elif op == "not empty":
            ok = bool(text)
        elif op == "contains":
            ok = w in text
        elif op == "not contains":
            ok = w not in text
        elif op == "start with":
            ok = text.startswith(w)
        elif op == "end with":
            ok = text.endswith(w)
        elif op in ("is", "="):
            ok = text == w or (_number(text) is not None and _number(text) == _number(w))
        elif op in ("is not", "≠", "!="):
            ok = not (text == w or (_number(text) is not None and _number(text) == _number(w)))
        elif op in (">", "<", "≥", "≤", ">=", "<="):
            a, b = _number(text), _number(w)
            ok = a is not None and b is not None and {">": a > b, "<": a < b, "≥": a >= b, ">=": a >= b,
                                                      "≤": a <= b, "<=": a <= b}[op]
        elif op in ("before", "after"):
            ok = bool(text) and bool(w) and (text < w if op == "before" else text > w)
        else:
            raise ApiError(400, f"不支持的比较方式：{c.comparison_operator}", param="metadata_condition")
        if not ok:
            return False
    return True


def metadata_holds(metadata: dict, mc: MetadataCondition | None) -> bool:
    if mc is None or not mc.conditions:
        return True
    results = (condition_holds(metadata, c) for c in mc.conditions)
    return all(results) if mc.logical_operator == "and" else any(results)


@router.post("/retrieval", summary="检索（Dify 外部知识库接口）",
             description="按 Dify 外部知识库 API 返回最相关的条文：records 中每条有 content（条文）、score（0–1 的相关度）、"
                         "title（文档与条文名）和 metadata（文档、单元、指标、牵头单位、完成时限、链接）。")
async def retrieval(req: RetrievalRequest, request: Request):
    st = state_of(request)
    assistant = st.assistant
    docs = None
    if req.knowledge_id.strip() not in WHOLE_LIBRARY:
        try:
            docs = frozenset({find_document(assistant, req.knowledge_id.strip()).doc})
        except NotFound as exc:
            raise ApiError(404, f"知识库不存在：{exc}", "invalid_request_error", "knowledge_not_found",
                           dify_code=2001) from None
    setting = req.retrieval_setting
    filtering = req.metadata_condition is not None and bool(req.metadata_condition.conditions)
    depth = min(MAX_TOP_K * 2, max(setting.top_k * 5, 50)) if filtering else setting.top_k
    records = []
    found_units = await st.answer(search_units, assistant, req.query, depth, docs, st.base_url(request))
    for found in found_units:
        metadata = {k: found[k] for k in METADATA_KEYS}
        if found["score"] < setting.score_threshold or not metadata_holds(metadata, req.metadata_condition):
            continue
        records.append({"content": found["content"], "score": found["score"], "title": found["title"],
                        "metadata": metadata})
        if len(records) >= setting.top_k:
            break
    return {"records": records}
