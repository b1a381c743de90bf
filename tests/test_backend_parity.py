"""The library evaluation gives the same answers on both backend pairs (issue 18): the embedded default (FAISS +
bm25s, catalogue in SQLite) and the server backends (Milvus, here Milvus Lite, a real Milvus engine in the process;
catalogue on a real PostgreSQL server started from Debian's package in a temporary folder).

Every question of eval/library_gold.jsonl (both splits) is asked of both, over the evaluation library of
tests/data/library plus the seed notice (staged under the index dir, as tests/test_eval_library_gate.py does).
Question by question the graded outcome (correct, abstained), the citations and the answer text must be equal,
and so must the scores per category, per kind of document and the Hit@1 of product and plain hybrid retrieval
(which runs on the backend under test too). The server pair reads the same embedding cache (copied), so only
where the data lives differs.

Skipped, with the reason, only when PostgreSQL, psycopg, pymilvus or milvus-lite is not installed (CI installs
them: scripts/test.sh and the `test` extra).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from pg_server import pg_bin, postgres_server

pytestmark = pytest.mark.slow

COMPARED = ("correct", "abstained", "got_cited", "answer", "error")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    if pg_bin() is None:
        pytest.skip("未安装 PostgreSQL（apt-get install postgresql），跳过两套后端的对比评测")
    for module, extra in (("psycopg", "pg"), ("pymilvus", "milvus"), ("milvus_lite", "milvus")):
        pytest.importorskip(module, reason=f"未安装 {module}（pip install -e \".[{extra}]\"），跳过两套后端的对比评测")
    from assistant.answering.service import Assistant
    from assistant.config import load_settings
    from assistant.evaluation.library_eval import open_assistant, run_library_eval
    from assistant.retrieval.milvus_search import MilvusSearcher

    embedded = open_assistant(load_settings())
    root = tmp_path_factory.mktemp("server-backends")
    (root / "index").mkdir()
    shutil.copy(Path(embedded.settings.index_dir) / "embeddings.sqlite", root / "index" / "embeddings.sqlite")
    timings = {}
    with postgres_server() as url:
        started = time.perf_counter()
        settings = embedded.settings.with_overrides(index_dir=root / "index", store_url=url, search_backend="milvus",
                                                    milvus_uri=str(root / "milvus.db"))
        server = Assistant(settings, progress=False)
        server.warm_up()
        timings["server pair ready"] = time.perf_counter() - started
        assert isinstance(server.searcher, MilvusSearcher)
        assert server.library.store.url.startswith("postgresql://")
        out = {}
        for name, assistant in (("embedded", embedded), ("server", server)):
            started = time.perf_counter()
            out[name] = run_library_eval(assistant.settings, "all", assistant=assistant)
            timings[f"{name} evaluation"] = time.perf_counter() - started
        print("\n" + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()))
        yield out
        server.library.store.close()


def _differences(a_rows: list[dict], b_rows: list[dict]) -> list[str]:
    lines = []
    for a, b in zip(a_rows, b_rows, strict=True):
        assert a["id"] == b["id"]
        fields = [k for k in COMPARED if a[k] != b[k]]
        if fields:
            lines.append(f"{a['id']} {a['question']} ({', '.join(fields)}): "
                         f"FAISS+SQLite {a['correct']} {a['got_cited'][:2]} / Milvus+PostgreSQL {b['correct']} "
                         f"{b['got_cited'][:2]}")
    return lines


@pytest.mark.parametrize("split", ["test", "dev"])
def test_same_answers_question_by_question(runs, split):
    embedded, server = runs["embedded"].subset(split), runs["server"].subset(split)
    differ = _differences(embedded.rows(), server.rows())
    assert not differ, f"{len(differ)} of {len(embedded.gold)} {split} questions differ:\n" + "\n".join(differ)


@pytest.mark.parametrize("split", ["test", "dev"])
def test_same_scores(runs, split):
    from assistant.evaluation.library_eval import markdown

    summaries = [runs[name].subset(split).summary() for name in ("embedded", "server")]
    for s in summaries:
        s.pop("seconds")
    print("\n" + markdown({**summaries[0], "seconds": {}}))
    assert summaries[0]["errors"] == 0
    assert summaries[0] == summaries[1]
