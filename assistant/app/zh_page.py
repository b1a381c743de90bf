"""A Chinese page whatever the browser's language.

Gradio serves its page as ``<html lang="en">`` and picks its own words (aria-labels such as 清空对话 / 复制,
"通过 API 使用", toasts) from the browser's language. This ASGI middleware rewrites the page's HTML as it is
served: ``lang="zh-CN"``, and a first script in <head> that tells Gradio's locale detection the page is
zh-CN, so its Chinese translations are used for every visitor. Only HTML responses are touched; the API,
files and event streams pass through unchanged.
"""

from __future__ import annotations

import re

from assistant.app.ui_text import PAGE_LANG

_LOCALE_SCRIPT = (
    "<script>(function(){try{var l=%r;"
    "Object.defineProperty(Navigator.prototype,'language',{get:function(){return l},configurable:true});"
    "Object.defineProperty(Navigator.prototype,'languages',{get:function(){return [l,'zh']},configurable:true});"
    "document.documentElement.lang=l;}catch(e){}})();</script>" % PAGE_LANG
)
_HTML_TAG = re.compile(rb"<html(\s[^>]*)?>", re.I)
_LANG_ATTR = re.compile(rb"""\slang=(["'])[^"']*\1""", re.I)
_HEAD = re.compile(rb"<head(\s[^>]*)?>", re.I)


def localize_page(body: bytes) -> bytes:
    """The page with lang="zh-CN" on <html> and the locale script first in <head>."""

    def fix_html(m: re.Match) -> bytes:
        attrs = _LANG_ATTR.sub(b"", m.group(1) or b"")
        return b'<html lang="' + PAGE_LANG.encode() + b'"' + attrs + b">"

    body = _HTML_TAG.sub(fix_html, body, count=1)
    return _HEAD.sub(lambda m: m.group(0) + _LOCALE_SCRIPT.encode(), body, count=1)


class ChinesePageMiddleware:
    """Pure ASGI (no buffering of streams): only GET responses with content-type text/html are rewritten."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        start: dict | None = None
        chunks: list[bytes] = []
        passthrough = False

        async def wrapped_send(message):
            nonlocal start, passthrough
            if message["type"] == "http.response.start":
                headers = dict((k.lower(), v) for k, v in message.get("headers", []))
                is_html = headers.get(b"content-type", b"").startswith(b"text/html")
                encoded = headers.get(b"content-encoding", b"identity") not in (b"", b"identity")
                if not is_html or encoded:
                    passthrough = True
                    await send(message)
                    return
                start = message
                return
            if passthrough or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = localize_page(b"".join(chunks))
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, wrapped_send)
