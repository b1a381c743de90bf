"""`assistant serve [--host 127.0.0.1] [--port 7860] [--allow-upload [--upload-limit-mb 20]] [--api-key KEY]…`:
the web chat at "/", and the API (app/api/: OpenAI-compatible chat, Dify retrieval, library data, MCP at
/mcp, documented at /docs) in the same process.

Loads the model and the index first (building the index, with a progress bar, when there is none), then
starts the server and prints one ready line with the URL and the seconds since the process started.
`--allow-upload` lets staff add documents from the browser (文库 tab), with the same checks as `library add`;
without it the server refuses every upload.
"""

from __future__ import annotations

import errno
import os
import socket
import sys
import time

from assistant.app.cli import settings_from as _settings
from assistant.errors import UserError

_IMPORTED_AT = time.time()


def process_age() -> float:
    """Seconds since this process started (from /proc; falls back to when this module was imported)."""
    try:
        with open("/proc/self/stat", "rb") as fh:
            stat = fh.read()
        # fields after the command name, which is in parentheses and may hold spaces
        fields = stat[stat.rindex(b")") + 2:].split()
        start_ticks = int(fields[19])  # field 22 overall: starttime, in clock ticks after boot
        with open("/proc/uptime", "rb") as fh:
            uptime = float(fh.read().split()[0])
        age = uptime - start_ticks / os.sysconf("SC_CLK_TCK")
        if age >= 0:
            return age
    except (OSError, ValueError, IndexError):
        pass
    return time.time() - _IMPORTED_AT


def check_port_free(host: str, port: int) -> None:
    """Raise UserError (in Chinese) when host:port cannot be bound, before anything slow is loaded."""
    if not 0 < port < 65536:
        raise UserError(f"端口 {port} 无效，应在 1–65535 之间")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise UserError(f"无法解析监听地址 {host}，请检查 --host") from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # the server sets SO_REUSEADDR too, so a port in TIME_WAIT is free for it
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise UserError(_bind_message(host, port, exc)) from None


def _bind_message(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return f"端口 {port} 已被占用（{host}:{port}），请先关闭占用它的程序，或用 --port 换一个端口"
    if exc.errno == errno.EACCES:
        return f"没有权限监听端口 {port}，请用 --port 换一个 1024 以上的端口"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"本机没有地址 {host}，请检查 --host"
    return f"无法监听 {host}:{port}（{exc.strerror or exc}），请用 --host/--port 换一个地址或端口"


def _display_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


# One question per route, asked before the ready line: the first question of each kind pays for loading what
# it needs (the index and query encoder, the tokenizer's dictionary, the speller's readings, conversion
# tables, compiled patterns), so no visitor does.
WARM_UP_QUESTIONS = (
    "开办企业几个工作日能办完？",  # retrieval
    "哪些任务由税务局牵头？",  # set question
    "市场监管局牵头多少项？",  # count
    "任务70是什么？",  # numbered unit
    "文库里有哪些文件？",  # document question
    "今天天气怎么样？",  # out of scope
    "开办企业要多久？住建厅牵头哪些任务？",  # aliases, two clauses
)


def warm_up(assistant) -> None:
    """Load everything answering needs and ask one question of each kind (answers are discarded)."""
    assistant.warm_up()
    for question in WARM_UP_QUESTIONS:
        try:
            assistant.ask(question)
        except Exception as exc:  # a bug in one route must not keep the server from starting; it is logged
            print(f"预热问题“{question}”出错（{type(exc).__name__}），已跳过。", file=sys.stderr, flush=True)


def warm_up_server(host: str, port: int, timeout: float = 30.0) -> None:
    """One question through the running server's own API, so the first visitor does not pay for what Gradio
    loads on its first event (matplotlib alone is ~0.65 s). Best effort: a failure only costs that time."""
    import httpx

    shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    base = f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}"
    try:
        with httpx.Client(base_url=base, timeout=timeout, verify=False, trust_env=False) as http:
            response = http.post("/gradio_api/call/chat", json={"data": [WARM_UP_QUESTIONS[0], "全部", "全部", "全部"]})
            response.raise_for_status()
            with http.stream("GET", f"/gradio_api/call/chat/{response.json()['event_id']}") as stream:
                for line in stream.iter_lines():
                    if line.startswith("event:") and line.split(":", 1)[1].strip() in ("complete", "error"):
                        break
    except Exception:  # noqa: BLE001 - the server works without it
        pass


def cmd_serve(args) -> int:
    host, port = args.host, args.port
    from assistant.answering.llm_writer import writer_from
    from assistant.app.api.keys import DEFAULT_MAX_BODY, Policy, check_bind, keys_from

    keys = keys_from(args.api_key)
    check_bind(host, keys)  # before anything slow: a server beyond this machine needs a key
    check_port_free(host, port)
    limit_mb = args.upload_limit_mb if args.upload_limit_mb is not None else 20
    if limit_mb <= 0:
        raise UserError(f"--upload-limit-mb 应大于 0，收到 {limit_mb:g}")
    if args.rate_limit < 0:
        raise UserError(f"--rate-limit 不能为负数，收到 {args.rate_limit}")
    writer = writer_from(args)

    from assistant.answering.service import Assistant  # heavy: the model, the index

    assistant = Assistant(_settings(args), progress=True)
    assistant.writer = writer
    warm_up(assistant)

    from assistant.app.api.server import ApiServer, build_api
    from assistant.app.chat_app import build_app, mount_app  # heavy: gradio

    blocks = build_app(assistant, allow_upload=args.allow_upload, max_upload_bytes=int(limit_mb * 1024 * 1024))
    policy = Policy(keys=keys, max_body=DEFAULT_MAX_BODY, rate_per_minute=args.rate_limit)
    api = build_api(assistant, policy, host=host, public_url=args.public_url or "", lock=blocks.ask_lock)
    server = ApiServer(mount_app(blocks, api, auth=_gradio_auth(args)), host, port)
    try:
        server.start()
    except OSError as exc:  # lost the port between the check and the start
        server.stop()
        if exc.errno is not None:
            raise UserError(_bind_message(host, port, exc)) from None
        raise UserError(f"无法在 {host}:{port} 启动服务：端口可能已被占用，请用 --port 换一个端口") from None
    warm_up_server(host, port)
    print(f"已就绪：{_display_url(host, port)} （从启动到就绪用时 {process_age():.1f} 秒；按 Ctrl+C 退出）", flush=True)
    print(f"接口文档：{_display_url(host, port)}docs ；兼容 OpenAI 的对话接口：{_display_url(host, port)}v1 ；"
          f"MCP：{_display_url(host, port)}mcp", flush=True)
    if writer is not None:
        print(f"查找题和比较题由大模型 {writer.settings.model} 撰写（逐句核对，不通过时改用摘录式回答）。", flush=True)
    if args.allow_upload:
        print(f"已开启网页导入文档（单个文件不超过 {limit_mb:g} MB）：在“文库”标签页中导入。", flush=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"注意：服务监听在 {host}，同一网络中的其他设备也可以访问；接口需要 API 密钥。", file=sys.stderr, flush=True)
    try:
        while server.is_running:
            time.sleep(0.2)
    except KeyboardInterrupt:
        print("\n正在停止服务……", file=sys.stderr, flush=True)
    finally:
        server.stop()
    return 0


def _gradio_auth(args):
    """Gradio's own login for the chat page: --chat-login 用户名:密码 (optional)."""
    if not args.chat_login:
        return None
    user, sep, password = args.chat_login.partition(":")
    if not sep or not user or not password:
        raise UserError("--chat-login 的格式应为 用户名:密码")
    return (user, password)


def register(subparsers) -> None:
    p = subparsers.add_parser("serve", help="启动网页问答界面（默认 http://127.0.0.1:7860）")
    p.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1，仅本机可访问）")
    p.add_argument("--port", type=int, default=7860, help="端口（默认 7860）")
    p.add_argument("--allow-upload", action="store_true",
                   help="允许工作人员在网页“文库”标签页中导入文档（默认关闭）")
    p.add_argument("--upload-limit-mb", type=float, default=None,
                   help="网页导入时单个文件的大小上限，单位 MB（默认 20）")
    p.add_argument("--api-key", action="append", default=[],
                   help="接口密钥（可重复给出多个；也可用环境变量 ASSISTANT_API_KEYS=密钥1,密钥2）。"
                        "监听本机以外的地址时必须设置")
    p.add_argument("--rate-limit", type=int, default=600, help="每个密钥每分钟的接口请求上限（默认 600，0 表示不限）")
    p.add_argument("--public-url", help="引用链接使用的网址（默认用客户端访问的地址），例如 https://zhengce.example.cn/")
    p.add_argument("--chat-login", help="问答页面的登录账号，格式 用户名:密码（可选）")
    from assistant.answering.llm_writer import add_arguments

    add_arguments(p)
    p.set_defaults(func=cmd_serve)
