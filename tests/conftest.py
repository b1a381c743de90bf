"""Shared fixtures. Add new fixtures below; keep the existing ones.

`shared_assistant`: one real Assistant (real model and index; the index is built once if missing) for the
whole session. `chat_server`: the web chat on a free local port, in this process, for gradio_client and
the browser test.
"""

from __future__ import annotations

import os
import socket

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def shared_assistant():
    from assistant.service import Assistant

    assistant = Assistant(progress=False)
    assistant.warm_up()
    return assistant


class ChatServer:
    def __init__(self, url: str, feedback_file, app):
        self.url = url
        self.feedback_file = feedback_file
        self.app = app


@pytest.fixture(scope="session")
def chat_server(shared_assistant, tmp_path_factory):
    from assistant.chat_app import build_app, launch_app

    feedback_file = tmp_path_factory.mktemp("chat") / "feedback" / "feedback.jsonl"
    app = build_app(shared_assistant, feedback_file=feedback_file)
    port = free_port()
    launch_app(app, host="127.0.0.1", port=port, prevent_thread_lock=True)
    try:
        yield ChatServer(f"http://127.0.0.1:{port}/", feedback_file, app)
    finally:
        app.close()


@pytest.fixture(scope="session")
def chat_client(chat_server):
    from gradio_client import Client

    return Client(chat_server.url, verbose=False, download_files=False)


# --- retrieval: one real encoder and one index in a temp dir, shared by the retrieval tests ------------


@pytest.fixture(scope="session")
def retrieval_settings(tmp_path_factory):
    """Project settings with the index in a session temp dir (the project's index/ is never touched)."""
    from assistant.config import load_settings

    return load_settings(index_dir=tmp_path_factory.mktemp("retrieval") / "index")


@pytest.fixture(scope="session")
def real_encoder(retrieval_settings):
    """The real default encoder (multilingual-e5-small), loaded once per session."""
    from assistant.encoder import Encoder

    encoder = Encoder(retrieval_settings, progress=False)
    encoder.dim  # load now so no test is charged for it
    return encoder


@pytest.fixture(scope="session")
def project_notice(retrieval_settings):
    from assistant.notice_parser import load_notice

    return load_notice(retrieval_settings)


@pytest.fixture(scope="session")
def retrieval_index(retrieval_settings, project_notice, real_encoder):
    from assistant.index_store import load_or_build

    return load_or_build(retrieval_settings, project_notice, real_encoder, progress=False)


@pytest.fixture(scope="session")
def hybrid_searcher(retrieval_settings, real_encoder, retrieval_index):
    from assistant.hybrid_search import HybridSearcher

    return HybridSearcher(retrieval_settings, encoder=real_encoder, index=retrieval_index)
