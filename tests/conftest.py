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
def shared_assistant(retrieval_settings):
    """The product over the default library (the seed notice), with its index in a session temp dir."""
    from assistant.answering.service import Assistant

    assistant = Assistant(retrieval_settings, progress=False)
    assistant.warm_up()
    return assistant


class ChatServer:
    def __init__(self, url: str, feedback_file, app):
        self.url = url
        self.feedback_file = feedback_file
        self.app = app


@pytest.fixture(scope="session")
def chat_server(shared_assistant, tmp_path_factory):
    from assistant.app.chat_app import build_app, launch_app

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
    """Project settings (the default library: the seed notice) with the index in a session temp dir, so the
    project's own index/ is never touched."""
    from assistant.config import load_settings

    return load_settings(index_dir=tmp_path_factory.mktemp("retrieval") / "index")


@pytest.fixture(scope="session")
def seed_library(retrieval_settings):
    from assistant.library.catalog import Library

    library = Library(retrieval_settings)
    library.sync()
    return library


@pytest.fixture(scope="session")
def real_encoder(retrieval_settings):
    """The real default encoder (multilingual-e5-small), loaded once per session."""
    from assistant.retrieval.encoder import Encoder

    encoder = Encoder(retrieval_settings, progress=False)
    encoder.dim  # load now so no test is charged for it
    return encoder


@pytest.fixture(scope="session")
def seed_doc(seed_library):
    """The seed notice as a Document (task-N, measure-N …)."""
    (doc,) = seed_library.documents.values()
    return doc


@pytest.fixture(scope="session")
def seed_vectors(seed_library, retrieval_index, real_encoder):
    """Give another library's embedding cache the session index's vectors of the seed notice (the same texts
    and model, so the same vectors): tests of other libraries then encode only their own documents."""
    from assistant.retrieval.chunks import library_chunks
    from assistant.retrieval.index_store import text_sha

    chunks = library_chunks(list(seed_library.documents.values()))
    model = real_encoder.model_id
    vectors = seed_library.store.cached_vectors(model, [text_sha(c.text) for c in chunks])

    def copy(library) -> None:
        library.store.cache_vectors(model, vectors)

    return copy


@pytest.fixture(scope="session")
def retrieval_index(retrieval_settings, seed_library, real_encoder):
    from assistant.retrieval.index_store import load_or_build

    return load_or_build(retrieval_settings, list(seed_library.documents.values()), real_encoder,
                         seed_library.store, progress=False)


@pytest.fixture(scope="session")
def hybrid_searcher(retrieval_settings, real_encoder, retrieval_index):
    from assistant.retrieval.hybrid_search import HybridSearcher

    return HybridSearcher(retrieval_settings, encoder=real_encoder, index=retrieval_index)


# --- documents generated from the seed notice (tests/generated_docs.py) ----------------------------------


@pytest.fixture(scope="session")
def seed():
    """The seed notice split into prose lines, the 199 task rows and the lines after the table."""
    from generated_docs import read_seed

    return read_seed()


@pytest.fixture(scope="session")
def notice_docx(tmp_path_factory, seed):
    """The seed notice as a Word file with one real 199-row table (and a merged-cell table)."""
    from generated_docs import build_notice_docx

    path = tmp_path_factory.mktemp("docx") / "notice.docx"
    build_notice_docx(path, seed)
    return path


@pytest.fixture(scope="session")
def reflow_docx(tmp_path_factory, seed):
    from generated_docs import build_reflow_docx

    path = tmp_path_factory.mktemp("docx") / "reflow.docx"
    return path, build_reflow_docx(path, seed)


@pytest.fixture(scope="session")
def pdf_dir(tmp_path_factory, notice_docx, reflow_docx):
    """Both generated Word files turned into PDF by LibreOffice in one run."""
    from generated_docs import convert_to_pdf

    out = tmp_path_factory.mktemp("pdf")
    convert_to_pdf(out, tmp_path_factory.mktemp("lo-profile"), notice_docx, reflow_docx[0])
    return out


@pytest.fixture(scope="session")
def notice_pdf(pdf_dir):
    return pdf_dir / "notice.pdf"
