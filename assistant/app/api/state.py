"""What every route reads: the assistant, when the server started, and how to reach the chat; and the
API's errors, in the OpenAI error shape (Dify's for /retrieval), in Chinese, without paths."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.app.api.keys import dify_error_body, error_body
from assistant.app.concurrency import SharedLock
from assistant.app.api.library_api import NotFound

log = logging.getLogger("assistant.api")


@dataclass
class ApiState:
    assistant: object
    public_url: str = ""  # the chat's address for reference links; "" → the address the client used
    started: int = field(default_factory=lambda: int(time.time()))
    lock: SharedLock = field(default_factory=SharedLock)  # shared by answers; a library reload takes it alone

    _limiter: object = None

    def base_url(self, request: Request) -> str:
        return self.public_url or str(request.base_url)

    async def answer(self, fn, *args, **kwargs):
        """Run fn(*args, **kwargs) under the shared lock in a worker thread, at most ask_concurrency() at once
        (the chat's limit): waiting requests queue in order on the event loop instead of contending for the
        GIL in threads, which keeps the slowest answers close to the median."""
        import functools

        import anyio

        from assistant.app.concurrency import ask_concurrency

        if self._limiter is None:  # made on the event loop, on first use
            self._limiter = anyio.CapacityLimiter(ask_concurrency())

        def run():
            with self.lock.shared():
                return fn(*args, **kwargs)

        return await anyio.to_thread.run_sync(functools.partial(run), limiter=self._limiter)


def state_of(request: Request) -> ApiState:
    return request.app.state.api


class ApiError(Exception):
    def __init__(self, status: int, message: str, type_: str = "invalid_request_error", code: str | int | None = None,
                 param: str | None = None, dify_code: int | None = None):
        super().__init__(message)
        self.status, self.message, self.type, self.code, self.param = status, message, type_, code, param
        self.dify_code = dify_code


_STATUS_WORDS = {404: "没有这个接口。", 405: "该接口不支持这种请求方法。", 413: "请求内容过大。", 429: "请求过于频繁。"}


def _validation_message(exc: RequestValidationError) -> tuple[str, str | None]:
    errors = exc.errors()
    if not errors:
        return "请求格式不正确。", None
    first = errors[0]
    where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path"))
    kind = first.get("type", "")
    if kind == "missing":
        what = f"缺少字段 {where}"
    elif kind.startswith("json") or kind == "model_attributes_type":
        what = "请求体不是有效的 JSON 对象"
    else:
        what = f"字段 {where} 的值不正确" if where else "请求格式不正确"
    return f"{what}。请按接口文档（/docs）发送请求。", where or None


def _respond(request: Request, status: int, message: str, type_: str, code, param=None, dify_code=None):
    if request.url.path.startswith("/retrieval"):
        body = dify_error_body(dify_code or (2001 if status == 404 else 500 if status >= 500 else 400), message)
    else:
        body = error_body(message, type_, code, param)
    return JSONResponse(body, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        return _respond(request, exc.status, exc.message, exc.type, exc.code, exc.param, exc.dify_code)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound):
        return _respond(request, 404, str(exc), "invalid_request_error", "not_found", dify_code=2001)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        message, param = _validation_message(exc)
        return _respond(request, 400, message, "invalid_request_error", "invalid_request", param)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = _STATUS_WORDS.get(exc.status_code, "请求无法处理。")
        return _respond(request, exc.status_code, message, "invalid_request_error", exc.status_code)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception):
        log.exception("API 内部错误：%s", request.url.path)
        return _respond(request, 500, f"服务器内部错误（{type(exc).__name__}），请稍后再试或联系维护人员。",
                        "server_error", "internal_error")
