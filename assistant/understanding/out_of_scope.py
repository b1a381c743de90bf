"""Questions no document can answer by their kind: requests that are not questions (写一首诗, 讲个笑话), and
kinds of information policy documents never give (电话, 网址) unless the library does give them."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def _scope() -> dict:
    return json.loads(resources.files("assistant").joinpath("data/scope.json").read_text("utf-8"))


def request_reason(text: str, library_text: str) -> str | None:
    """Requests that are not questions about the documents, or ask for what they never contain."""
    if any(word in text for word in _scope()["requests"]):
        return "这不是关于文库内容的问题，"
    for word in _scope()["unavailable_info"]:
        if word in text and word not in library_text:
            return f"文库中没有“{word}”方面的信息，"
    return None
