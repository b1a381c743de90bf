"""One FastAPI app for everything `assistant serve` offers: the API routes, the MCP server at /mcp, /docs,
and the Gradio chat mounted at "/" — run by uvicorn in a thread of this process."""

from __future__ import annotations

import contextlib
import threading
import time

from fastapi import FastAPI

from assistant.app.api import data_routes, openai_routes, retrieval_route
from assistant.app.api.keys import Guard, Policy
from assistant.app.api.state import ApiState, install_error_handlers

DESCRIPTION = """政策文库问答助手的接口。

* **对话**：`POST /v1/chat/completions`（OpenAI 对话格式；回答中的 [1] [2] 对应 `references`；`stream` 逐句返回）；
  `GET /v1/models`。
* **外部知识库**：`POST /retrieval`（Dify 外部知识库 API）。
* **文库数据**：`/api/documents`、`/api/documents/{doc}`、`/api/documents/{doc}/units/{ref}`、`/api/tasks`（可导出 CSV/Excel）。
* **MCP**：`/mcp`（streamable HTTP；工具 ask、search、list_documents、show_unit、list_tasks）。

服务只监听本机时无需密钥；监听其他地址时，请求须带 `Authorization: Bearer 密钥`。错误以 OpenAI 的错误格式返回。"""


def build_api(assistant, policy: Policy | None = None, host: str = "127.0.0.1", public_url: str = "",
              mcp: bool = True, lock=None) -> FastAPI:
    """The API app (no chat yet: mount it with chat_app.mount_app). `lock`: the chat's (build_app's
    ask_lock), so an upload's library reload never runs under an API answer."""
    from assistant.app.concurrency import SharedLock

    lock = lock or SharedLock()
    mcp_server = None
    if mcp:
        from assistant.app.api.mcp_server import build_mcp

        mcp_server = build_mcp(assistant, public_url, lock)
        mcp_app = mcp_server.streamable_http_app(streamable_http_path="/mcp", stateless_http=True,
                                                 json_response=True, host=host)

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        if mcp_server is None:
            yield
            return
        async with mcp_server.session_manager.run():
            yield

    app = FastAPI(title="政策文库问答助手 API", description=DESCRIPTION, version="1.0", lifespan=lifespan,
                  docs_url="/docs", redoc_url=None, openapi_url="/openapi.json")
    app.state.api = ApiState(assistant, public_url, lock=lock)
    install_error_handlers(app)
    app.include_router(openai_routes.router)
    app.include_router(retrieval_route.router)
    app.include_router(data_routes.router)
    if mcp_server is not None:
        app.router.routes.extend(mcp_app.routes)
    app.add_middleware(Guard, policy=policy or Policy())
    return app


class ApiServer:
    """uvicorn serving `app` on host:port in a background thread (start() returns once it listens)."""

    def __init__(self, app, host: str, port: int, log_level: str = "warning"):
        import uvicorn

        config = uvicorn.Config(app, host=host, port=port, log_level=log_level, lifespan="on",
                                timeout_keep_alive=30, access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="uvicorn", daemon=True)

    def start(self, timeout: float = 60.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise OSError("服务未能启动")
            time.sleep(0.05)

    @property
    def is_running(self) -> bool:
        return self.thread.is_alive() and not self.server.should_exit

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
