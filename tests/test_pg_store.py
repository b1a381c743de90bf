"""The catalogue on PostgreSQL gives the same answers as on SQLite (issue 18).

One small library (the seed notice and two regulations) is read into the default SQLite store and into a real
PostgreSQL server started from Debian's package in a temporary folder; the catalogue, the documents, the
structured selections and the assistant's answers to "哪些/多少" questions must be identical."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from pg_server import pg_bin, postgres_server

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "guangxi-2022-business-environment-action-plan.txt"
REGULATIONS = [ROOT / "tests" / "data" / "library" / n
               for n in ("beijing-2020-regulation.md", "dezhou-2021-regulation.md")]


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    if pg_bin() is None:
        pytest.skip("未安装 PostgreSQL（apt-get install postgresql），跳过 PostgreSQL 文库数据库测试")
    pytest.importorskip("psycopg", reason="未安装 psycopg 3（pip install -e \".[pg]\"）")
    from assistant.answering.service import Assistant
    from assistant.config import load_settings

    root = tmp_path_factory.mktemp("pg-store")
    folder = root / "docs"
    folder.mkdir()
    for path in (SEED, *REGULATIONS):
        shutil.copy(path, folder)
    with postgres_server() as url:
        lite = Assistant(load_settings(library=folder, index_dir=root / "lite"), progress=False)
        (root / "pg").mkdir()
        # The same vectors: the embedding cache (SQLite in both set-ups) is copied, so only the store differs.
        shutil.copy(root / "lite" / "embeddings.sqlite", root / "pg" / "embeddings.sqlite")
        pg = Assistant(load_settings(library=folder, index_dir=root / "pg", store_url=url), progress=False)
        yield lite, pg
        pg.library.store.close()


def test_the_server_store_is_postgresql(stores):
    lite, pg = stores
    assert not lite.library.store.url and pg.library.store.url.startswith("postgresql://")
    assert len(pg.library.store.catalogue()) == 3


def test_catalogue_and_documents_are_equal(stores):
    lite, pg = stores
    a, b = lite.library.store, pg.library.store
    strip = lambda rows: [{k: v for k, v in r.items()} for r in rows]  # noqa: E731
    assert strip(a.catalogue()) == strip(b.catalogue())
    assert list(a.documents()) == list(b.documents())
    assert a.documents() == b.documents()
    assert a.agency_names() == b.agency_names() and len(a.agency_names()) > 5
    assert a.categories() == b.categories() and a.categories()
    some = [next(iter(a.documents()))]
    assert a.agency_names(some) == b.agency_names(some) and a.categories([]) == b.categories([])


def test_select_units_is_equal_for_every_kind_of_condition(stores):
    from assistant.library.store import RowCondition

    lite, pg = stores
    a, b = lite.library.store, pg.library.store
    names = [n for n, _, _ in a.agency_names()]
    led = [n for n, lead, _ in a.agency_names() if lead][:2]
    supporting = [n for n, _, sup in a.agency_names() if sup][:2]
    docs = list(a.documents())
    category = a.categories()[0][0]
    conditions = [
        {},
        {"docs": docs[:1]},
        {"docs": []},
        {"agencies": [RowCondition((led[0],), "lead")]},
        {"agencies": [RowCondition(tuple(supporting), "support")]},
        {"agencies": [RowCondition((names[0],), "any"), RowCondition((names[1],), "any")], "agency_join": "or"},
        {"agencies": [RowCondition((led[0],), "lead"), RowCondition((supporting[0],), "support")]},
        {"categories": [category]},
        {"deadline_from": date(2022, 6, 30)},
        {"deadline_to": date(2022, 12, 31), "no_support": True},
        {"no_deadline": True},
        {"agencies": [RowCondition((led[1],), "lead")], "categories": [category], "docs": docs},
    ]
    nonempty = 0
    for condition in conditions:
        rows = a.select_units(**condition)
        assert rows == b.select_units(**condition), condition
        nonempty += bool(rows)
    assert nonempty >= 6


def test_version_goes_up_on_every_change_on_both(stores):
    from assistant.library.store import LibraryStore

    for assistant in stores:
        store = assistant.library.store
        before = store.version()
        store.set_short_names({})
        assert store.version() == before + 1
    # Another connection (another process, as the watcher of a running server sees it) reads the change.
    pg = stores[1].library.store
    other = LibraryStore(pg.url, index_dir=Path(stores[1].settings.index_dir))
    try:
        seen = other.version()
        pg.delete("没有这个文件")
        assert other.version() == seen + 1
        assert other.select_units() == pg.select_units()
    finally:
        other.close()


def test_set_and_count_answers_are_identical(stores):
    lite, pg = stores
    agencies = lite.library.store.agency_names()
    lead = agencies[0][0]
    support = next(n for n, _, sup in agencies if sup)
    category = lite.library.store.categories()[0][0]
    questions = [
        f"{lead}牵头负责的任务有哪些？",
        f"由{lead}牵头的任务一共多少项？",
        f"{support}参与配合的工作有几项？",
        f"{category}方面都有哪些任务？",
        "2022年底前要完成哪些任务？",
        "哪些任务没有配合单位？",
    ]
    answered = 0
    for question in questions:
        x, y = lite.ask(question), pg.ask(question)
        assert x.answer == y.answer, question
        assert x.rows == y.rows and [c.to_dict() for c in x.citations] == [c.to_dict() for c in y.citations], question
        answered += not x.abstained and bool(x.rows)
    assert answered >= 3


def test_a_missing_server_is_a_clear_chinese_message(tmp_path):
    from assistant.library.store import LibraryStore, StoreError

    with pytest.raises(StoreError, match="无法连接 PostgreSQL"):
        LibraryStore(f"postgresql://nobody@/library?host={tmp_path}&port=1&connect_timeout=2", index_dir=tmp_path)
