"""`assistant serve [--host 127.0.0.1] [--port 7860]`: the web chat.

Loads the model and the index first (building the index, with a progress bar, when there is none), then
starts the server and prints one ready line with the URL and the seconds since the process started.
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


def cmd_serve(args) -> int:
    host, port = args.host, args.port
    check_port_free(host, port)

    from assistant.answering.service import Assistant  # heavy: torch, the model

    assistant = Assistant(_settings(args), progress=True)
    assistant.warm_up()

    from assistant.app.chat_app import build_app, launch_app  # heavy: gradio

    app = build_app(assistant)
    try:
        launch_app(app, host=host, port=port, prevent_thread_lock=True)
    except OSError as exc:  # lost the port between the check and the launch, or Gradio's own check
        app.close()
        if exc.errno is not None:
            raise UserError(_bind_message(host, port, exc)) from None
        raise UserError(f"无法在 {host}:{port} 启动服务：端口可能已被占用，请用 --port 换一个端口") from None
    print(f"已就绪：{_display_url(host, port)} （从启动到就绪用时 {process_age():.1f} 秒；按 Ctrl+C 退出）", flush=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"注意：服务监听在 {host}，同一网络中的其他设备也可以访问。", file=sys.stderr, flush=True)
    try:
        while app.is_running:
            time.sleep(0.2)
    except KeyboardInterrupt:
        print("\n正在停止服务……", file=sys.stderr, flush=True)
    finally:
        app.close()
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("serve", help="启动网页问答界面（默认 http://127.0.0.1:7860）")
    p.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1，仅本机可访问）")
    p.add_argument("--port", type=int, default=7860, help="端口（默认 7860）")
    p.set_defaults(func=cmd_serve)
