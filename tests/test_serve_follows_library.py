"""A running server follows the library as other processes change it (issue 20): `assistant serve` in one
process, `library remove` / `library add` from the command line in another; the next answers follow within
seconds, never cite a removed document, and say that the library was reloaded. And a follow-up with a
10,000-question history is answered like one with the last few questions."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import free_port

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "library"
KEEP = "national-2019-online-government-services-provisions"
REMOVE = "kaifeng-2022-regulation"
ADD = "dezhou-2021-regulation"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "assistant.app.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr
    return done


def _cited(answer: dict) -> set[str]:
    return {c["doc"] for c in answer.get("citations", [])}


@pytest.mark.slow
def test_serve_follows_library_changes_made_from_the_command_line(tmp_path):
    import httpx
    from gradio_client import Client

    args = ["--library", str(tmp_path / "docs"), "--index-dir", str(tmp_path / "index")]
    run_cli(*args, "library", "add", str(DATA / f"{KEEP}.md"), str(DATA / f"{REMOVE}.md"))
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "assistant.app.cli", *args, "serve", "--port", str(port)],
                              cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                              env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"})
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + 400
        while "已就绪" not in (tmp_path / "serve.log").read_text() and time.time() < deadline:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            time.sleep(0.5)
        client = Client(url, verbose=False, download_files=False)
        question = "开封市优化营商环境条例第三条是怎么规定的？"
        assert REMOVE in _cited(client.predict(question, api_name="/chat_full"))

        run_cli(*args, "library", "remove", REMOVE)
        started = time.perf_counter()
        after = client.predict(question, api_name="/chat_full")
        followed = time.perf_counter() - started
        print(f"\n移除后下一次回答用时 {followed:.2f} 秒")
        assert REMOVE not in _cited(after) and "kaifeng" not in str(after.get("citations"))
        assert "已重新载入" in after["answer"]
        assert followed < 30

        run_cli(*args, "library", "add", str(DATA / f"{ADD}.md"))
        started = time.perf_counter()
        added = client.predict("德州市优化营商环境条例第一条是什么？", api_name="/chat_full")
        print(f"导入后下一次回答用时 {time.perf_counter() - started:.2f} 秒")
        assert ADD in _cited(added) and "已重新载入" in added["answer"]
        again = client.predict("德州市优化营商环境条例第一条是什么？", api_name="/chat_full")
        assert "已重新载入" not in again["answer"]  # said once
        assert httpx.get(url, timeout=10).status_code == 200
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.mark.slow
def test_a_10000_question_history_is_answered_like_the_last_turns(shared_assistant):
    from assistant.understanding.query import HISTORY_TURNS

    history = [f"第{i}个问题：开办企业要多久？" for i in range(9_994)] + ["税务局牵头的任务都有哪些？"] * 6
    started = time.perf_counter()
    long = shared_assistant.ask("那配合的呢？", history=history)
    seconds = time.perf_counter() - started
    short = shared_assistant.ask("那配合的呢？", history=history[-HISTORY_TURNS:])
    print(f"\n10000 个历史问题的追问用时 {seconds:.2f} 秒")
    assert long.answer == short.answer and not long.abstained
