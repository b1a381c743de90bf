"""`assistant index …` and `assistant search …` end to end, on the session's temp index."""

from __future__ import annotations

import json

import pytest

from assistant.app.cli import main
from assistant.retrieval.index_store import FORMAT_VERSION

pytestmark = pytest.mark.slow


@pytest.fixture
def index_args(retrieval_settings, retrieval_index):
    return ["--index-dir", str(retrieval_settings.index_dir)]


def test_search_table(index_args, capsys):
    assert main([*index_args, "search", "出口退税要多少天？", "--k", "3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:5] == ["#", "ref", "score", "向量排名", "BM25排名"]
    assert len(out) == 4 and out[1].split()[1] == "task-113"


def test_search_json_with_filters(index_args, capsys):
    code = main([*index_args, "search", "办结时间", "--json", "--k", "10", "--category", "获得用水用气", "--lead", "住建厅"])
    assert code == 0
    hits = json.loads(capsys.readouterr().out)
    assert sorted(h["ref"] for h in hits) == ["task-69", "task-70", "task-71"]
    assert set(hits[0]) == {"rank", "doc", "ref", "score", "dense_rank", "bm25_rank", "kind", "title"}
    assert [h["rank"] for h in hits] == [1, 2, 3]


def test_search_modes_and_dates(index_args, capsys):
    assert main([*index_args, "search", "开办企业", "--mode", "bm25", "--json", "--deadline-to", "2022年7月31日"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert sorted(h["ref"] for h in hits) == ["task-14", "task-8"]  # due 2022-06-30 and 2022-07-31
    assert all(h["dense_rank"] is None and h["bm25_rank"] for h in hits)
    assert main([*index_args, "search", "开办企业", "--deadline-to", "明天"]) == 2
    assert "日期格式无法识别" in capsys.readouterr().err


def test_index_build_when_fresh_and_info(index_args, capsys):
    assert main([*index_args, "index", "build"]) == 0
    assert "索引已是最新" in capsys.readouterr().out
    assert main([*index_args, "index", "info", "--json"]) == 0
    manifest = json.loads(capsys.readouterr().out)
    assert manifest["chunk_count"] == 242 and manifest["format_version"] == FORMAT_VERSION


def test_index_info_without_index(tmp_path, capsys):
    assert main(["--index-dir", str(tmp_path / "none"), "index", "info"]) == 2
    assert "索引不存在" in capsys.readouterr().err
