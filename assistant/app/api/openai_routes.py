"""POST /v1/chat/completions and GET /v1/models in the OpenAI format, with references.

The last user message is the question and the earlier user messages are the history (a follow-up such as
"那配合的呢？" is read against them). `scope`, `lead` and `category` may be sent beside the messages (the openai
client's `extra_body`). The reply's text carries numbered markers [1] [2] … and the response carries
`references` (also on the message, and on the final chunk of a stream); sets keep every row.
`stream: true` sends the answer sentence by sentence as server-sent events ending with `data: [DONE]`.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from assistant.app.api.library_api import MODEL_ID, Reply, reply
from assistant.app.api.state import ApiError, state_of

router = APIRouter(tags=["对话（兼容 OpenAI）"])

_PIECE = re.compile(r"[^。！？!?\n]*(?:[。！？!?]+(?:\[\d+\])*|\n+|$)")


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str = Field(description="消息角色：system、user 或 assistant；只读取 user 消息")
    content: str | list[dict[str, Any]] | None = Field(default=None, description="消息文本（或 OpenAI 的多段内容格式）")


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    model: str = Field(default=MODEL_ID, description=f"模型名称；文库只有一个模型 {MODEL_ID}，其他名称也按它回答")
    messages: list[ChatMessage] = Field(description="对话消息：最后一条 user 消息是问题，之前的 user 消息是上下文")
    stream: bool = Field(default=False, description="为 true 时按句以 SSE 流式返回，以 data: [DONE] 结束")
    scope: str | None = Field(default=None, description="只在这份文档中回答（文档编号、简称或标题中的词）")
    lead: str | None = Field(default=None, description="只看该牵头单位的任务")
    category: str | None = Field(default=None, description="只看该指标的任务")


class Reference(BaseModel):
    index: int = Field(description="回答中的标记编号，[1] 对应 1")
    doc: str = Field(description="文档编号")
    doc_title: str = Field(description="文档标题")
    ref: str = Field(description="单元编号（文档内唯一）")
    label: str = Field(description="单元名称，如 任务70、第二十条")
    quote: str = Field(description="回答引用的原文")
    url: str = Field(description="在问答页面中打开该单元的链接")


class ResponseMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str
    references: list[Reference]


class Choice(BaseModel):
    index: int = 0
    message: ResponseMessage
    finish_reason: str = "stop"


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: dict[str, int]
    references: list[Reference] = Field(description="回答引用的单元，按编号排列")
    intent: str = Field(description="问题类型（list、count、lookup、compare、document、abstain 等）")
    abstained: bool = Field(description="文库没有依据时为 true（回答说明文库涵盖什么）")
    writer: str = Field(description="撰写方式：extractive（摘录式）或 llm（大模型撰写并已逐句核对）")


def _text(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return ""


def question_and_history(messages: list[ChatMessage]) -> tuple[str, list[str]]:
    users = [_text(m.content) for m in messages if m.role == "user"]
    if not users:
        raise ApiError(400, "messages 中没有 user 消息：最后一条 user 消息应当是问题。", param="messages")
    return users[-1], users[:-1]


def _option(req: ChatRequest, name: str) -> str | None:
    value = getattr(req, name)
    extra = (req.model_extra or {}).get("extra_body")
    if value is None and isinstance(extra, dict):  # a client that nests extra_body literally
        value = extra.get(name)
    return value if isinstance(value, str) else None


def pieces(text: str) -> list[str]:
    """The answer sentence by sentence (markers stay with their sentence); joined they are the text."""
    out = [p for p in _PIECE.findall(text) if p]
    return out if "".join(out) == text else [text]


def _usage(question: str, text: str) -> dict[str, int]:
    return {"prompt_tokens": len(question), "completion_tokens": len(text), "total_tokens": len(question) + len(text)}


def _sse(obj: dict | str) -> bytes:
    data = obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False)
    return f"data: {data}\n\n".encode("utf-8")


def stream_events(answer: Reply, completion_id: str, created: int, model: str):
    base = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model}
    first = True
    for piece in pieces(answer.text):
        delta = {"role": "assistant", "content": piece} if first else {"content": piece}
        first = False
        yield _sse({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
    if first:
        yield _sse({**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                         "finish_reason": None}]})
    a = answer.answer
    yield _sse({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                "references": answer.references, "intent": a.intent, "abstained": a.abstained, "writer": a.writer})
    yield _sse("[DONE]")


@router.post("/v1/chat/completions", response_model=ChatCompletion, summary="提问（OpenAI 对话格式，带引用）",
             description="最后一条 user 消息是问题，之前的 user 消息是上下文。回答文本中的 [1] [2] 对应 references "
                         "中的单元；stream 为 true 时逐句返回，最后一个数据块带 references。")
async def chat_completions(req: ChatRequest, request: Request):
    st = state_of(request)
    question, history = question_and_history(req.messages)
    answer = await st.answer(reply, st.assistant, question, history, scope=_option(req, "scope"),
                             lead=_option(req, "lead"), category=_option(req, "category"),
                             base_url=st.base_url(request))
    completion_id, created = f"chatcmpl-{secrets.token_hex(12)}", int(time.time())
    if req.stream:
        return StreamingResponse(stream_events(answer, completion_id, created, req.model),
                                 media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
    a = answer.answer
    return {"id": completion_id, "object": "chat.completion", "created": created, "model": req.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.text,
                                                 "references": answer.references}, "finish_reason": "stop"}],
            "usage": _usage(question, answer.text), "references": answer.references, "intent": a.intent,
            "abstained": a.abstained, "writer": a.writer}


@router.get("/v1/models", summary="模型列表", description=f"文库作为一个模型列出：{MODEL_ID}。")
def models(request: Request):
    st = state_of(request)
    return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": st.started,
                                        "owned_by": "assistant", "documents": len(st.assistant.docs)}]}
