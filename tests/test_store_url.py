"""`store_url` is set like every other setting, and names the SQLite file by default (issue 18)."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_store_url_from_default_file_environment_and_flag(tmp_path, monkeypatch):
    from assistant.app.cli import build_parser, settings_from
    from assistant.config import load_settings

    monkeypatch.delenv("ASSISTANT_STORE_URL", raising=False)
    monkeypatch.setenv("ASSISTANT_CONFIG", str(tmp_path / "none.toml"))
    settings = load_settings(index_dir=tmp_path / "index")
    assert settings.resolved_store_url() == f"sqlite:///{tmp_path / 'index' / 'library.sqlite'}"
    (tmp_path / "a.toml").write_text('store_url = "postgresql://a@h/from_file"\n', encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_CONFIG", str(tmp_path / "a.toml"))
    assert load_settings().store_url == "postgresql://a@h/from_file"
    monkeypatch.setenv("ASSISTANT_STORE_URL", "postgresql://a@h/from_env")
    assert load_settings().store_url == "postgresql://a@h/from_env"
    args = build_parser().parse_args(["--store-url", "sqlite:///x/y.sqlite", "library", "list"])
    assert settings_from(args).resolved_store_url() == "sqlite:///x/y.sqlite"


def test_sqlite_url_opens_that_file_and_other_schemes_are_refused(tmp_path):
    from assistant.library.store import LibraryStore, StoreError

    store = LibraryStore(f"sqlite:///{tmp_path / 'elsewhere' / 'cat.sqlite'}", index_dir=tmp_path / "index")
    assert store.path == tmp_path / "elsewhere" / "cat.sqlite" and store.path.is_file() and store.version() == 0
    store.close()
    with pytest.raises(StoreError, match="不支持的文库数据库地址"):
        LibraryStore("mysql://u@h/db", index_dir=Path(tmp_path))
