"""Who may call the API: keys, request size and rate limits, and errors in the OpenAI error shape.

Bound to loopback the API needs no key; bound to any other address it needs `Authorization: Bearer KEY`,
one of the keys given by --api-key (repeatable) or ASSISTANT_API_KEYS (comma-separated), compared in constant
time — and the server refuses to start without one. Keys given on loopback are required there too. Each
key has its own rate limit; request bodies have a size limit.
The guard is pure ASGI, so streamed answers pass through unbuffered.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import os
import threading
import time
from dataclasses import dataclass

from assistant.errors import UserError

PROTECTED = ("/v1/", "/retrieval", "/api/", "/mcp")
DEFAULT_MAX_BODY = 1024 * 1024  # bytes
DEFAULT_RATE = 600  # requests per minute per key


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def keys_from(given: list[str] | None, environ=os.environ) -> tuple[str, ...]:
    keys = [k.strip() for k in (given or []) if k and k.strip()]
    keys += [k.strip() for k in environ.get("ASSISTANT_API_KEYS", "").split(",") if k.strip()]
    return tuple(dict.fromkeys(keys))


def check_bind(host: str, keys: tuple[str, ...]) -> None:
    """Refuse (in Chinese) to serve beyond this machine without a key."""
    if not keys and not is_loopback(host):
        raise UserError(f"服务将监听 {host}，其他设备可以访问接口，必须设置 API 密钥：用 --api-key 密钥 或环境变量 "
                        "ASSISTANT_API_KEYS=密钥1,密钥2 指定；只在本机使用时请用 --host 127.0.0.1。")
    short = [k for k in keys if len(k) < 8]
    if short:
        raise UserError("API 密钥至少需要 8 个字符。")


def error_body(message: str, type_: str = "invalid_request_error", code: str | int | None = None,
               param: str | None = None) -> dict:
    """The OpenAI error shape: {"error": {"message", "type", "param", "code"}}."""
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def dify_error_body(error_code: int, message: str) -> dict:
    """Dify's External Knowledge API error ({"error_code", "error_msg"}), with the OpenAI shape beside it."""
    return {"error_code": error_code, "error_msg": message, **error_body(message, "invalid_request_error", error_code)}


@dataclass
class Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """A token bucket per key: `per_minute` requests a minute, bursts up to the same number. 0: no limit."""

    def __init__(self, per_minute: int = DEFAULT_RATE):
        self.per_minute = per_minute
        self._buckets: dict[str, Bucket] = {}
        self._lock = threading.Lock()

    def allow(self, who: str, now: float | None = None) -> bool:
        if self.per_minute <= 0:
            return True
        now = time.monotonic() if now is None else now
        rate = self.per_minute / 60.0
        with self._lock:
            b = self._buckets.get(who)
            if b is None:
                b = self._buckets[who] = Bucket(float(self.per_minute), now)
            b.tokens = min(float(self.per_minute), b.tokens + (now - b.stamp) * rate)
            b.stamp = now
            if b.tokens < 1.0:
                return False
            b.tokens -= 1.0
            return True


@dataclass(frozen=True)
class Policy:
    keys: tuple[str, ...] = ()
    max_body: int = DEFAULT_MAX_BODY
    rate_per_minute: int = DEFAULT_RATE

    def key_of(self, authorization: str | None) -> tuple[str | None, str | None]:
        """(key, None) when the header carries a valid key (or none is needed), else (None, why)."""
        if not self.keys:
            return "", None
        if not authorization:
            return None, "missing"
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None, "format"
        token = token.strip().encode()
        found = None
        for key in self.keys:  # every key compared, in constant time
            if hmac.compare_digest(token, key.encode()):
                found = key
        return (found, None) if found is not None else (None, "invalid")


_AUTH_MESSAGES = {
    "missing": "缺少 API 密钥：请在请求头中加入 Authorization: Bearer 密钥。",
    "format": "Authorization 请求头格式不正确，应为：Bearer 密钥。",
    "invalid": "API 密钥无效。",
}


class Guard:
    """ASGI middleware for the protected routes: key, rate limit, body size."""

    def __init__(self, app, policy: Policy):
        self.app = app
        self.policy = policy
        self.limiter = RateLimiter(policy.rate_per_minute)

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(PROTECTED):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        dify = path.startswith("/retrieval")
        key, why = self.policy.key_of(headers.get("authorization"))
        if key is None:
            code = 1001 if why == "format" else 1002
            body = dify_error_body(code, _AUTH_MESSAGES[why]) if dify else error_body(
                _AUTH_MESSAGES[why], "authentication_error", "invalid_api_key")
            await _send_json(send, 403 if dify else 401, body, {"www-authenticate": "Bearer"})
            return
        if key and not self.limiter.allow(key):
            await _send_json(send, 429, error_body("请求过于频繁，已超过该密钥每分钟的请求上限，请稍后再试。",
                                                   "rate_limit_error", "rate_limit_exceeded"), {"retry-after": "1"})
            return
        length = headers.get("content-length", "")
        limit = self.policy.max_body
        if length.isdigit() and int(length) > limit:
            await _send_json(send, 413, _too_large(limit))
            return
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge()
            return message

        try:
            await self.app(scope, limited_receive, send)
        except BodyTooLarge:
            await _send_json(send, 413, _too_large(limit))


class BodyTooLarge(Exception):
    pass


def _too_large(limit: int) -> dict:
    return error_body(f"请求内容过大（上限 {limit // 1024} KB）。", "invalid_request_error", "request_too_large")


async def _send_json(send, status: int, body: dict, headers: dict | None = None) -> None:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    raw = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(data)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": data})
