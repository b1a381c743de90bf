"""The service other tools call, through the real clients against a real server (uvicorn on a free port, the
chat mounted at "/"), over a library of the seed notice and two regulations from ../shared/:

* the `openai` client, plain and streaming, gets the same answer and the same cited units as
  `assistant ask --json` for set, lookup, comparison, document and refusal questions;
* the MCP SDK's client lists the tools and calls each, over streamable HTTP (/mcp) and over stdio
  (`assistant mcp`);
* Dify's External Knowledge API returns records with scores and metadata, and Dify's error codes;
* the library as data (documents, units, task rows as JSON, CSV and Excel);
* bound beyond loopback, a request without a key is refused, and the server will not start without one;
* the optional LLM writer against a scripted OpenAI-compatible server: faithful, a made-up quote, a marker to a
  unit it was not given, slow, an error — and what the user gets in each case.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fastapi import Request  # the scripted server's handler annotation (resolved from this module's globals)

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "library"
SEED = ROOT / "corpus" / "guangxi-2022-business-environment-action-plan.txt"
REGULATIONS = ["national-2019-regulation.md", "guangdong-2022-regulation.md"]
KEY = "test-key-0123456789"

pytestmark = pytest.mark.slow

QUESTIONS = {
    "list": "税务局牵头的任务都有哪些？",
    "lookup": "开办一家企业要几个工作日？",
    "compare": "广东条例和国务院条例关于市场主体登记有什么不同？",
    "library": "文库里有哪些文件？",
    "abstain": "明天会下雨吗？",
}
NUMBERED = re.compile(r"\[(\d+)\]")
LABELLED = re.compile(r"\[[^\[\]\n]{1,60}\]")


@pytest.fixture(scope="module")
def library_settings(tmp_path_factory, seed_vectors):
    from assistant.config import load_settings
    from assistant.library.catalog import Library

    root = tmp_path_factory.mktemp("api")
    folder = root / "docs"
    folder.mkdir()
    shutil.copy(SEED, folder)
    for name in REGULATIONS:
        shutil.copy(DATA / name, folder)
    settings = load_settings(library=folder, index_dir=root / "index")
    library = Library(settings)
    library.sync()
    seed_vectors(library)
    return settings


@pytest.fixture(scope="module")
def bot(library_settings):
    from assistant.answering.service import Assistant

    assistant = Assistant(library_settings, progress=False)
    assistant.warm_up()
    return assistant


@pytest.fixture(scope="module")
def server(bot):
    """The API with the chat mounted at "/", as `assistant serve` runs it, on loopback (no key needed)."""
    from assistant.app.api.server import ApiServer, build_api
    from assistant.app.chat_app import build_app, mount_app

    port = free_port()
    chat = build_app(bot)
    running = ApiServer(mount_app(chat, build_api(bot, lock=chat.ask_lock)), "127.0.0.1", port)
    running.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.stop()


@pytest.fixture(scope="module")
def http(server):
    with httpx.Client(base_url=server, timeout=120, trust_env=False) as client:
        yield client


@pytest.fixture(scope="module")
def cli_answers(library_settings, tmp_path_factory):
    """`assistant ask --batch --json` over the same library and index: the contract the API must match."""
    path = tmp_path_factory.mktemp("batch") / "questions.jsonl"
    path.write_text("\n".join(json.dumps({"id": k, "question": q}, ensure_ascii=False) for k, q in QUESTIONS.items()),
                    encoding="utf-8")
    env = {**os.environ, "ASSISTANT_LIBRARY": str(library_settings.library),
           "ASSISTANT_INDEX_DIR": str(library_settings.index_dir), "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run([sys.executable, "-m", "assistant", "ask", "--batch", str(path), "--json"], cwd=ROOT,
                          env=env, capture_output=True, timeout=600)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")[-2000:]
    return {r["id"]: r for r in map(json.loads, proc.stdout.decode("utf-8").splitlines())}


def _plain(text: str) -> str:
    """The answer without its markers ([1] in the API, [任务70] in the CLI) and spaces."""
    return re.sub(r"\s+", "", LABELLED.sub("", text))


def _openai(server: str):
    from openai import OpenAI

    return OpenAI(base_url=f"{server}/v1", api_key="unused-on-loopback", max_retries=0, timeout=120)


# --- OpenAI-compatible chat ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(QUESTIONS))
def test_openai_client_gets_the_cli_answer_plain_and_streaming(kind, server, cli_answers):
    expected = cli_answers[kind]
    assert expected["intent"] == kind and expected["writer"] == "extractive"
    cited = [(c["doc"], c["ref"]) for c in expected["citations"]]
    client = _openai(server)

    completion = client.chat.completions.create(model="policy-library",
                                                messages=[{"role": "user", "content": QUESTIONS[kind]}])
    text = completion.choices[0].message.content
    extra = completion.model_extra
    references = extra["references"]
    assert [(r["doc"], r["ref"]) for r in references] == cited
    assert [r["index"] for r in references] == list(range(1, len(cited) + 1))
    assert _plain(text) == _plain(expected["answer"])
    assert {int(n) for n in NUMBERED.findall(text)} == set(range(1, len(cited) + 1))
    assert extra["intent"] == kind and extra["abstained"] == expected["abstained"] and extra["writer"] == "extractive"
    for r, c in zip(references, expected["citations"]):
        assert r["quote"] == c["quote"] and r["label"] == c["label"] and r["doc_title"] == c["doc_title"]
        assert r["url"] == f"{server}/#cite:-:{r['doc']}:{r['ref']}"

    stream = client.chat.completions.create(model="policy-library", stream=True,
                                            messages=[{"role": "user", "content": QUESTIONS[kind]}])
    chunks = list(stream)
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == text
    assert len(chunks) > 2 or kind == "abstain"  # sentence by sentence
    final = chunks[-1]
    assert final.choices[0].finish_reason == "stop"
    assert final.model_extra["references"] == references


def test_sets_keep_every_row_and_history_reads_follow_ups(server, bot):
    client = _openai(server)
    rows = sum(1 for d in bot.docs.values() for u in d.tasks if any("税务局" in x for x in u.lead))
    completion = client.chat.completions.create(model="x", messages=[{"role": "user", "content": QUESTIONS["list"]}])
    assert len(completion.model_extra["references"]) == rows
    follow = client.chat.completions.create(model="x", messages=[
        {"role": "user", "content": QUESTIONS["list"]}, {"role": "assistant", "content": "……"},
        {"role": "user", "content": "那配合的呢？"}])
    expected = bot.ask("那配合的呢？", history=[QUESTIONS["list"]])
    assert [(r["doc"], r["ref"]) for r in follow.model_extra["references"]] == \
        [(c.doc, c.ref) for c in expected.citations]


def test_scope_and_filters_in_extra_body(server, bot):
    client = _openai(server)
    scoped = client.chat.completions.create(model="x", messages=[{"role": "user", "content": "第二十条规定了什么？"}],
                                            extra_body={"scope": "广东条例"})
    (ref,) = scoped.model_extra["references"]
    assert ref["doc"] == next(d.doc for d in bot.docs.values() if d.short_name == "广东条例")
    assert ref["ref"] == "article-20"
    filtered = client.chat.completions.create(model="x", messages=[{"role": "user", "content": "有哪些任务？"}],
                                              extra_body={"lead": "广西税务局", "category": "纳税"})
    units = [bot.docs[r["doc"]].unit(r["ref"]) for r in filtered.model_extra["references"]]
    assert units and all(u.category == "纳税" and any("税务局" in x for x in u.lead) for u in units)


def test_models_and_errors_in_the_openai_shape(server, http):
    from openai import BadRequestError

    models = _openai(server).models.list()
    assert [m.id for m in models.data] == ["policy-library"]
    with pytest.raises(BadRequestError) as caught:
        _openai(server).chat.completions.create(model="x", messages=[{"role": "system", "content": "你好"}])
    assert "user" in caught.value.body["message"]
    for body in (b"not json", b"[]", b'{"messages": "x"}', b'{"messages": [{"content": 3}]}'):
        r = http.post("/v1/chat/completions", content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 400, body
        error = r.json()["error"]
        assert set(error) == {"message", "type", "param", "code"}
        assert re.search(r"[\u4e00-\u9fff]", error["message"]) and "/" not in error["message"].replace("/docs", "")
    big = http.post("/v1/chat/completions", content=b'{"messages": "' + b"x" * (2 * 1024 * 1024) + b'"}',
                    headers={"Content-Type": "application/json"})
    assert big.status_code == 413 and "过大" in big.json()["error"]["message"]
    docs = http.get("/docs")
    assert docs.status_code == 200
    spec = http.get("/openapi.json").json()
    assert spec["paths"]["/v1/chat/completions"]["post"]["summary"] == "提问（OpenAI 对话格式，带引用）"
    assert http.get("/").status_code == 200  # the chat is still there


# --- Dify's External Knowledge API ------------------------------------------------------------------------


def test_dify_retrieval_contract(http, bot):
    r = http.post("/retrieval", json={"knowledge_id": "policy-library", "query": "开办企业要多久",
                                      "retrieval_setting": {"top_k": 4, "score_threshold": 0.2}})
    assert r.status_code == 200
    records = r.json()["records"]
    assert 1 <= len(records) <= 4
    scores = [x["score"] for x in records]
    assert scores == sorted(scores, reverse=True) and all(0.2 <= s <= 1 for s in scores)
    for x in records:
        assert x["content"] and x["title"].startswith("《")
        meta = x["metadata"]
        unit = bot.docs[meta["doc"]].unit(meta["ref"])
        assert unit is not None and meta["label"] == unit.label and meta["url"].endswith(meta["ref"])

    scoped = http.post("/retrieval", json={"knowledge_id": "广东条例", "query": "市场主体登记",
                                           "retrieval_setting": {"top_k": 3, "score_threshold": 0}}).json()["records"]
    assert scoped and {x["metadata"]["doc_title"] for x in scoped} == {"广东省优化营商环境条例"}

    filtered = http.post("/retrieval", json={
        "knowledge_id": "policy-library", "query": "压缩办理时间",
        "retrieval_setting": {"top_k": 5, "score_threshold": 0},
        "metadata_condition": {"logical_operator": "and", "conditions": [
            {"name": ["category"], "comparison_operator": "contains", "value": "纳税"}]}}).json()["records"]
    assert filtered and all("纳税" in x["metadata"]["category"] for x in filtered)

    missing = http.post("/retrieval", json={"knowledge_id": "没有这个库", "query": "开办企业",
                                            "retrieval_setting": {"top_k": 3, "score_threshold": 0.5}})
    assert missing.status_code == 404 and missing.json()["error_code"] == 2001


# --- the library as data -----------------------------------------------------------------------------------


def test_documents_units_and_tasks(http, bot):
    listed = http.get("/api/documents").json()["documents"]
    assert {d["doc"] for d in listed} == set(bot.docs)
    gd = http.get("/api/documents/广东条例").json()
    assert gd["title"] == "广东省优化营商环境条例" and any(u["ref"] == "article-20" for u in gd["units"])
    by_ref = http.get(f"/api/documents/{gd['doc']}/units/article-20").json()
    by_label = http.get("/api/documents/广东条例/units/第二十条").json()
    assert by_ref == by_label and by_ref["text"] == bot.docs[gd["doc"]].unit("article-20").text
    missing = http.get("/api/documents/广东条例/units/第九百条")
    assert missing.status_code == 404 and "第九百条" in missing.json()["error"]["message"]

    tasks = http.get("/api/tasks", params={"lead": "税务局"}).json()
    answer = bot.ask(QUESTIONS["list"])
    assert tasks["total"] == len(answer.rows) and [t["ref"] for t in tasks["tasks"]] == [r["ref"] for r in answer.rows]
    dated = http.get("/api/tasks", params={"deadline_before": "2022-09-30"}).json()["tasks"]
    expected = [(d.doc, u.ref) for d in bot.docs.values() for u in d.tasks
                if u.deadline_date and u.deadline_date.isoformat() <= "2022-09-30"]
    assert dated and [(t["doc"], t["ref"]) for t in dated] == expected
    assert http.get("/api/tasks", params={"deadline_before": "九月"}).status_code == 400

    csv_file = http.get("/api/tasks", params={"lead": "税务局", "format": "csv"})
    assert csv_file.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(csv_file.content.decode("utf-8-sig"))))
    assert len(rows) == tasks["total"] + 1 and "牵头单位" in rows[0]
    from openpyxl import load_workbook

    xlsx = http.get("/api/tasks", params={"lead": "税务局", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == tasks["total"] + 1


# --- MCP ---------------------------------------------------------------------------------------------------

TOOLS = {"ask", "search", "list_documents", "show_unit", "list_tasks"}


async def _use_every_tool(target) -> dict:
    from mcp import Client

    out = {}
    async with Client(target, read_timeout_seconds=120) as client:
        tools = (await client.list_tools()).tools
        out["tools"] = {t.name: t for t in tools}
        calls = {"ask": {"question": QUESTIONS["list"]}, "search": {"query": "开办企业", "top_k": 3},
                 "list_documents": {}, "show_unit": {"doc": "广东条例", "ref": "第二十条"},
                 "list_tasks": {"lead": "税务局"}}
        for name, arguments in calls.items():
            result = await client.call_tool(name, arguments)
            assert not result.is_error, (name, result.content)
            out[name] = result.structured_content
        bad = await client.call_tool("show_unit", {"doc": "没有这份文档", "ref": "x"})
        out["bad"] = bad
    return out


def _check_mcp(out: dict, bot) -> None:
    assert set(out["tools"]) == TOOLS
    for tool in out["tools"].values():
        assert re.search(r"[\u4e00-\u9fff]", tool.description) and tool.input_schema["type"] == "object"
    assert out["tools"]["ask"].input_schema["required"] == ["question"]
    expected = bot.ask(QUESTIONS["list"])
    assert [(r["doc"], r["ref"]) for r in out["ask"]["references"]] == [(c.doc, c.ref) for c in expected.citations]
    assert len(out["search"]["results"]) == 3 and out["search"]["results"][0]["score"] > 0
    assert len(out["list_documents"]["documents"]) == len(bot.docs)
    assert out["show_unit"]["ref"] == "article-20"
    assert out["list_tasks"]["total"] == len(expected.rows)
    assert out["bad"].is_error and "没有" in out["bad"].content[0].text


def test_mcp_over_streamable_http(server, bot):
    _check_mcp(asyncio.run(_use_every_tool(f"{server}/mcp")), bot)


def test_mcp_over_stdio(library_settings, bot):
    from mcp.client.stdio import StdioServerParameters

    env = {**os.environ, "ASSISTANT_LIBRARY": str(library_settings.library),
           "ASSISTANT_INDEX_DIR": str(library_settings.index_dir), "PYTHONPATH": str(ROOT)}
    params = StdioServerParameters(command=sys.executable, args=["-m", "assistant", "mcp"], env=env, cwd=str(ROOT))
    _check_mcp(asyncio.run(_use_every_tool(params)), bot)


# --- keys ------------------------------------------------------------------------------------------------


def test_beyond_loopback_a_key_is_required(bot):
    from assistant.app.api.keys import Policy, check_bind
    from assistant.app.api.server import ApiServer, build_api
    from assistant.errors import UserError

    with pytest.raises(UserError, match="API 密钥"):
        check_bind("0.0.0.0", ())
    proc = subprocess.run([sys.executable, "-m", "assistant", "serve", "--host", "0.0.0.0", "--port", str(free_port())],
                          cwd=ROOT, env={**os.environ, "ASSISTANT_API_KEYS": ""}, capture_output=True, timeout=120)
    assert proc.returncode == 2 and "API 密钥" in proc.stderr.decode("utf-8")

    port = free_port()
    running = ApiServer(build_api(bot, Policy(keys=("another-key-99999", KEY), rate_per_minute=5), host="0.0.0.0"),
                        "0.0.0.0", port)
    running.start()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60, trust_env=False) as http:
            body = {"messages": [{"role": "user", "content": QUESTIONS["lookup"]}]}
            for headers in ({}, {"Authorization": "Bearer wrong-key-000000"}, {"Authorization": KEY}):
                r = http.post("/v1/chat/completions", json=body, headers=headers)
                assert r.status_code == 401 and r.json()["error"]["type"] == "authentication_error", headers
            assert http.get("/api/documents").status_code == 401
            assert http.post("/mcp", json={}).status_code == 401
            dify = http.post("/retrieval", json={"knowledge_id": "library", "query": "开办企业"})
            assert dify.status_code == 403 and dify.json()["error_code"] == 1002
            dify = http.post("/retrieval", json={"knowledge_id": "library", "query": "开办企业"},
                             headers={"Authorization": "Basic abc"})
            assert dify.json()["error_code"] == 1001
            good = {"Authorization": f"Bearer {KEY}"}
            assert http.post("/v1/chat/completions", json=body, headers=good).status_code == 200
            statuses = [http.get("/v1/models", headers=good).status_code for _ in range(6)]
            assert statuses[:4] == [200] * 4 and statuses[-1] == 429  # 5 a minute, one already spent
            limited = http.get("/v1/models", headers=good).json()["error"]
            assert limited["code"] == "rate_limit_exceeded" and "频繁" in limited["message"]
            other = {"Authorization": "Bearer another-key-99999"}
            assert http.get("/v1/models", headers=other).status_code == 200  # limits are per key
    finally:
        running.stop()


# --- the optional LLM writer, against a scripted OpenAI-compatible server ---------------------------------

UNIT_LINE = re.compile(r"^\[(\d+)\] 《([^》]+)》([^：]+)：(.*)$", re.M)


class ScriptedLLM:
    """An OpenAI-compatible server that plays one scripted reply, built from the units it was given."""

    def __init__(self):
        from fastapi import FastAPI
        from fastapi.responses import JSONResponse

        from assistant.app.api.server import ApiServer

        self.mode = "faithful"
        self.prompts: list[str] = []
        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def complete(request: Request):
            body = await request.json()
            user = body["messages"][-1]["content"]
            self.prompts.append(user)
            units = UNIT_LINE.findall(user)
            if self.mode == "error":
                return JSONResponse({"error": {"message": "overloaded"}}, status_code=503)
            if self.mode == "slow":
                await asyncio.sleep(3)
            first = units[0][3]
            span = first[:12]
            replies = {
                "faithful": "".join(f"《{t}》{label}规定：“{text[:12]}”[{n}]。" for n, t, label, text in units),
                "made_up": f"根据规定，“{span}并且全部免费办理”[1]。",
                "foreign": f"根据规定，“{span}”[1][{len(units) + 5}]。",
                "foreign_only": f"根据规定，“{span}”[1]。另有规定见[{len(units) + 5}]。",
                "slow": f"根据规定，“{span}”[1]。",
            }
            reply = replies[self.mode]
            return {"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": reply},
                                 "finish_reason": "stop"}]}

        self.port = free_port()
        self.server = ApiServer(app, "127.0.0.1", self.port)
        self.server.start()


@pytest.fixture(scope="module")
def scripted_llm():
    llm = ScriptedLLM()
    try:
        yield llm
    finally:
        llm.server.stop()


@pytest.mark.parametrize("mode, writer", [("faithful", "llm"), ("made_up", "extractive"), ("foreign", "llm"),
                                          ("foreign_only", "extractive"), ("slow", "extractive"),
                                          ("error", "extractive")])
def test_llm_writer_cases(mode, writer, scripted_llm, bot, server):
    from assistant.answering.llm_writer import LLMWriter, WriterSettings

    scripted_llm.mode = mode
    bot.writer = LLMWriter(WriterSettings(base_url=f"http://127.0.0.1:{scripted_llm.port}/v1", model="scripted",
                                          timeout=1.5))
    try:
        extractive = {k: _without_writer(bot, q) for k, q in QUESTIONS.items()}
        for kind in ("lookup", "compare"):
            asked = len(scripted_llm.prompts)
            completion = _openai(server).chat.completions.create(
                model="x", messages=[{"role": "user", "content": QUESTIONS[kind]}])
            extra, text = completion.model_extra, completion.choices[0].message.content
            assert len(scripted_llm.prompts) == asked + 1  # the LLM was asked
            assert extra["writer"] == writer, (mode, kind, text)
            given = extractive[kind]
            if writer == "extractive":
                assert _plain(text) == _plain(given.answer)
                continue
            # every sentence ends with a marker to a unit it was given; every quote is in its unit
            refs = extra["references"]
            assert refs and {(r["doc"], r["ref"]) for r in refs} <= {(c.doc, c.ref) for c in given.citations}
            for sentence in filter(None, re.split(r"(?<=。)", text.strip())):
                assert re.search(r"(\[\d+\])+。$", sentence), sentence
                numbers = [int(n) for n in NUMBERED.findall(sentence)]
                assert all(1 <= n <= len(refs) for n in numbers)
                for quoted in re.findall(r"“([^”]+)”", sentence):
                    assert any(quoted in bot.docs[refs[n - 1]["doc"]].unit(refs[n - 1]["ref"]).text for n in numbers)
        # sets, counts, documents and refusals never go through the LLM
        for kind in ("list", "library", "abstain"):
            asked = len(scripted_llm.prompts)
            answer = bot.ask(QUESTIONS[kind])
            assert len(scripted_llm.prompts) == asked and answer.writer == "extractive"
            assert answer.answer == extractive[kind].answer
    finally:
        bot.writer.close()
        bot.writer = None


def _without_writer(bot, question: str):
    writer, bot.writer = bot.writer, None
    try:
        return bot.ask(question)
    finally:
        bot.writer = writer


def test_llm_writer_flags_on_the_cli():
    env = {**os.environ}
    proc = subprocess.run([sys.executable, "-m", "assistant", "ask", "开办企业要多久", "--llm-base-url", "ftp://x",
                           "--llm-model", "m"], cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert proc.returncode == 2 and "http://" in proc.stderr.decode("utf-8")
