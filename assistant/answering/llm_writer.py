"""An optional LLM that writes, never decides: it phrases a lookup or a comparison from the units the
answerer chose, and its reply is kept only when every check passes.

The writer is given the units the extractive draft cites, numbered [1] … [n], and the question (prompts in
prompts/llm_writer.toml). Its reply is checked sentence by sentence:

* a marker to a unit it was not given ([7] when it got four) is dropped;
* every sentence must then end with a marker (before or after its final punctuation);
* every quoted span (“…”, 「…」, "…") must appear verbatim (spaces aside) in a unit the sentence cites.

A reply that fails a check, a timeout, an HTTP or network error, or a reply that is not the OpenAI shape gives
back the extractive draft unchanged, and the answer says which writer phrased it (`Answer.writer`). Sets,
counts, document questions and refusals never reach the writer. Any OpenAI-compatible server works (vLLM,
Ollama, llama.cpp server, DeepSeek, Qwen): POST {base_url}/chat/completions.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace

from assistant.answering.draft import Draft, Intent, Key, marker_token
from assistant.config import project_root
from assistant.records import Document

WRITTEN_INTENTS = (Intent.LOOKUP, Intent.COMPARE)
EXTRACTIVE, LLM = "extractive", "llm"

_NUMBER = re.compile(r"\[(\d{1,3})\]")
_END = "。！？!?；;"
# markers written after the sentence's punctuation ("…工作日。[1]") are moved before it
_AFTER_PUNCT = re.compile(f"([{_END}])((?:\\s*\\[\\d{{1,3}}\\])+)")
_SENTENCE = re.compile(f"[^{_END}]+(?:[{_END}]+|$)")
_ENDS_WITH_MARKER = re.compile(f"\\[\\d{{1,3}}\\]\\s*[{_END}]*\\s*$")
_QUOTED = re.compile(r"“([^”]+)”|「([^」]+)」|\"([^\"]+)\"|『([^』]+)』")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class WriterSettings:
    base_url: str
    model: str
    api_key: str = ""
    timeout: float = 20.0  # seconds for the whole reply


@dataclass(frozen=True)
class Prompts:
    system: str
    user: str

    @classmethod
    def load(cls) -> "Prompts":
        with (project_root() / "prompts" / "llm_writer.toml").open("rb") as fh:
            data = tomllib.load(fh)
        return cls(system=data["system"], user=data["user"])


def _squash(text: str) -> str:
    return _SPACE.sub("", text)


def unit_block(n: int, doc: Document, ref: str) -> str:
    unit = doc.unit(ref)
    text = (unit.text or unit.title) if unit else ""
    label = unit.label if unit else ref
    return f"[{n}] 《{doc.title}》{label}：{text}"


def check_reply(reply: str, given: list[Key], texts: Mapping[Key, str]) -> str | None:
    """The reply as a draft body (markers as tokens) when every check passes, else None (pure)."""
    if not isinstance(reply, str) or not reply.strip():
        return None
    lines_out: list[str] = []
    cited_any = False
    for line in reply.strip().splitlines():
        line = _AFTER_PUNCT.sub(lambda m: m.group(2).strip() + m.group(1), line.strip())
        if not line:
            lines_out.append("")
            continue
        out = []
        for sentence in _SENTENCE.findall(line):
            if not sentence.strip():
                continue
            numbers = [int(n) for n in _NUMBER.findall(sentence)]
            valid = [n for n in numbers if 1 <= n <= len(given)]
            kept = _NUMBER.sub(lambda m: m.group(0) if 1 <= int(m.group(1)) <= len(given) else "", sentence)
            if not valid or not _ENDS_WITH_MARKER.search(kept):
                return None  # a sentence that does not end with a marker to a unit it was given
            cited = [given[n - 1] for n in valid]
            for m in _QUOTED.finditer(kept):
                span = _squash(next(g for g in m.groups() if g is not None))
                if span and not any(span in _squash(texts.get(key, "")) for key in cited):
                    return None  # a quotation the cited units do not hold
            out.append(_NUMBER.sub(lambda m: marker_token(*given[int(m.group(1)) - 1]), kept))
            cited_any = True
        lines_out.append("".join(out))
    return "\n".join(lines_out).strip() if cited_any else None


class LLMWriter:
    def __init__(self, settings: WriterSettings, prompts: Prompts | None = None,
                 transport=None):
        import httpx  # only when a writer is configured

        self.settings = settings
        self.prompts = prompts or Prompts.load()
        headers = {"Authorization": f"Bearer {settings.api_key}"} if settings.api_key else {}
        self.http = httpx.Client(base_url=settings.base_url.rstrip("/") + "/", headers=headers, trust_env=False,
                                 timeout=httpx.Timeout(settings.timeout), transport=transport)

    def write(self, draft: Draft, question: str, docs: Mapping[str, Document]) -> tuple[Draft, str]:
        """(draft, writer): the LLM's phrasing when it passes every check, else the draft as it was."""
        if draft.intent not in WRITTEN_INTENTS or draft.abstained:
            return draft, EXTRACTIVE
        given = [key for key in draft.cited if key[0] in docs]
        if not given:
            return draft, EXTRACTIVE
        units = "\n".join(unit_block(n, docs[d], r) for n, (d, r) in enumerate(given, start=1))
        reply = self.complete(self.prompts.user.format(question=question, units=units))
        if reply is None:
            return draft, EXTRACTIVE
        texts = {}
        for d, r in given:
            unit = docs[d].unit(r)
            texts[(d, r)] = "\n".join(x for x in (unit.title, unit.text, draft.quotes.get((d, r), "")) if x) \
                if unit else draft.quotes.get((d, r), "")
        body = check_reply(reply, given, texts)
        if body is None:
            return draft, EXTRACTIVE
        return replace(draft, body=body), LLM

    def complete(self, user: str) -> str | None:
        """The reply's text, or None on a timeout, an error status, a network error or an unexpected shape."""
        import httpx

        payload = {"model": self.settings.model, "temperature": 0, "stream": False,
                   "messages": [{"role": "system", "content": self.prompts.system},
                                {"role": "user", "content": user}]}
        try:
            response = self.http.post("chat/completions", json=payload)
            response.raise_for_status()
            content = response.json()["choices"][0]["message"]["content"]
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError):
            return None
        return content if isinstance(content, str) else None

    def close(self) -> None:
        self.http.close()


def add_arguments(parser) -> None:
    """--llm-base-url/--llm-model/--llm-api-key/--llm-timeout for the commands that answer."""
    parser.add_argument("--llm-base-url", help="可选：兼容 OpenAI 接口的大模型地址（如 http://127.0.0.1:8000/v1），"
                                               "只用于组织查找题和比较题的措辞")
    parser.add_argument("--llm-model", help="大模型名称（与 --llm-base-url 一起使用）")
    parser.add_argument("--llm-api-key", help="大模型的 API 密钥（也可用环境变量 ASSISTANT_LLM_API_KEY）")
    parser.add_argument("--llm-timeout", type=float, default=20.0, help="等待大模型回复的秒数（默认 20，超时改用摘录式回答）")


def writer_from(args) -> LLMWriter | None:
    from assistant.errors import UserError

    base_url, model = getattr(args, "llm_base_url", None), getattr(args, "llm_model", None)
    if not base_url and not model:
        return None
    if not base_url or not model:
        raise UserError("使用大模型撰写时需要同时给出 --llm-base-url 和 --llm-model。")
    if not re.match(r"^https?://", base_url):
        raise UserError(f"--llm-base-url 应以 http:// 或 https:// 开头，收到：{base_url}")
    timeout = getattr(args, "llm_timeout", 20.0) or 20.0
    if timeout <= 0:
        raise UserError("--llm-timeout 应大于 0")
    key = getattr(args, "llm_api_key", None) or os.environ.get("ASSISTANT_LLM_API_KEY", "")
    return LLMWriter(WriterSettings(base_url=base_url, model=model, api_key=key, timeout=timeout))
