"""Index persistence with the real model, real FAISS and real bm25s: staleness, interruption, corruption,
and filtered search.

Rebuilds reuse passage vectors through `MemoEncoder`, which wraps the real encoder and remembers the
vectors it already computed for a text — so the many rebuilds below cost seconds, not minutes, while
every vector still comes from the real model.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from assistant.retrieval import index_store
from assistant.retrieval.encoder import Encoder
from assistant.retrieval.hybrid_search import HybridSearcher, SearchFilters
from assistant.retrieval.index_store import (
    MANIFEST,
    IndexCorruptError,
    IndexIncompatibleError,
    IndexMissingError,
    IndexStaleError,
    IndexStoreError,
    build_index,
    check_compatible,
    load_index,
    load_or_build,
    read_manifest,
    search_dir,
)

pytestmark = pytest.mark.slow


class MemoEncoder:
    """The real encoder, with passage vectors remembered per (model, passage prompt, text)."""

    _memo: dict[tuple[str, str, str], np.ndarray] = {}

    def __init__(self, inner: Encoder):
        self.inner = inner
        self.passage_calls = 0

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dim(self) -> int:
        return self.inner.dim

    def encode_queries(self, texts):
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts):
        self.passage_calls += 1
        key = (self.inner.settings.model, self.inner.settings.passage_prompt)
        missing = [t for t in dict.fromkeys(texts) if (*key, t) not in self._memo]
        if missing:
            for t, v in zip(missing, self.inner.encode_passages(missing)):
                self._memo[(*key, t)] = v
        return np.stack([self._memo[(*key, t)] for t in texts])


@pytest.fixture(scope="module")
def encoder(real_encoder, retrieval_index):
    memo = MemoEncoder(real_encoder)
    # Seed the memo from the session index: same model, same chunk texts.
    vectors = retrieval_index.faiss_index.reconstruct_n(0, retrieval_index.faiss_index.ntotal)
    key = (real_encoder.settings.model, real_encoder.settings.passage_prompt)
    for chunk, vector in zip(retrieval_index.chunks, vectors):
        MemoEncoder._memo[(*key, chunk.text)] = vector
    return memo


@pytest.fixture
def settings(retrieval_settings, tmp_path):
    return retrieval_settings.with_overrides(index_dir=tmp_path / "index")


@pytest.fixture
def project_notice(seed_doc):
    """The library's documents: the seed notice alone."""
    return [seed_doc]


@pytest.fixture
def idx(settings):
    return search_dir(settings)


@pytest.fixture
def built(settings, project_notice, encoder):
    return build_index(settings, project_notice, encoder, progress=False)


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def _leftovers(index_dir: Path) -> list[Path]:
    return [p for p in index_dir.parent.iterdir() if p.name.startswith(f".{index_dir.name}.")]


# --- build / load ---------------------------------------------------------------------------------------


def test_build_writes_manifest_with_checksums(built, settings, idx, project_notice, real_encoder):
    m = read_manifest(idx)
    assert m.chunk_count == len(built.chunks) == 242
    assert m.model_id == real_encoder.model_id and m.dim == real_encoder.dim == 384
    assert m.docs == {project_notice[0].doc: project_notice[0].sha256}
    assert {"chunks.json", "vectors.faiss", "bm25/vocab.index.json"} <= set(m.files)
    assert all(len(info["sha256"]) == 64 and info["bytes"] > 0 for info in m.files.values())
    assert m.packages["faiss-cpu"] and m.packages["bm25s"] and m.built_at
    assert not _leftovers(idx)


def test_fresh_index_is_loaded_not_rebuilt(built, settings, idx, project_notice, encoder, capsys):
    before = _snapshot(idx)
    calls = encoder.passage_calls
    loaded = load_or_build(settings, project_notice, encoder, progress=False)
    assert encoder.passage_calls == calls
    assert _snapshot(idx) == before
    assert capsys.readouterr().err == ""
    assert [c.ref for c in loaded.chunks] == [c.ref for c in built.chunks]


def test_missing_index_is_built_with_message(settings, project_notice, encoder, capsys):
    loaded = load_or_build(settings, project_notice, encoder, progress=False)
    assert len(loaded) == 242
    assert "索引不存在" in capsys.readouterr().err
    with pytest.raises(IndexMissingError, match="index build --force"):
        load_or_build(settings.with_overrides(index_dir=Path(settings.index_dir).parent / "other"), project_notice,
                      encoder, rebuild=False)


# --- staleness ------------------------------------------------------------------------------------------


def test_document_change_triggers_rebuild(built, settings, idx, project_notice, encoder, tmp_path, capsys):
    from assistant.ingest.document import parse_document

    seed = project_notice[0]
    text = Path(settings.library, seed.source).read_text(encoding="utf-8")
    assert text.count("有外线工程的，12个工作日内办结") == 1
    changed = tmp_path / "corpus.txt"
    changed.write_text(text.replace("有外线工程的，12个工作日内办结", "有外线工程的，10个工作日内办结"), encoding="utf-8")
    notice2 = parse_document(changed, seed.doc)
    assert notice2.sha256 != seed.sha256

    with pytest.raises(IndexStaleError, match="文库已变更"):
        load_or_build(settings, [notice2], encoder, rebuild=False)
    loaded = load_or_build(settings, [notice2], encoder, progress=False)
    assert "文库已变更（更新 1 份）" in capsys.readouterr().err
    chunk = next(c for c in loaded.chunks if c.ref == "task-69")
    assert "10个工作日内办结" in chunk.text
    assert read_manifest(idx).docs == {seed.doc: notice2.sha256}
    # and back again
    load_or_build(settings, project_notice, encoder, progress=False)
    assert "文库已变更" in capsys.readouterr().err


def test_model_change_triggers_rebuild_or_clear_error(built, settings, idx, project_notice, encoder, real_encoder, capsys):
    # The encoder's model_id covers the prompts, which change every vector: a different "model".
    other = MemoEncoder(Encoder(replace(real_encoder.settings, query_prompt="查询: "), progress=False))
    assert other.model_id != encoder.model_id

    with pytest.raises(IndexIncompatibleError) as err:
        load_or_build(settings, project_notice, other, rebuild=False)
    assert "assistant index build --force" in str(err.value) and "构建" in str(err.value)
    with pytest.raises(IndexIncompatibleError):
        check_compatible(read_manifest(idx), other)
    with pytest.raises(IndexIncompatibleError):
        HybridSearcher(settings, encoder=other, index=built)

    loaded = load_or_build(settings, project_notice, other, progress=False)
    assert "嵌入模型已变更" in capsys.readouterr().err
    assert loaded.manifest.model_id == other.model_id
    check_compatible(loaded.manifest, other)


def test_tokenizer_resources_change_triggers_rebuild(built, settings, project_notice, encoder, monkeypatch, capsys):
    monkeypatch.setattr(index_store, "resources_fingerprint", lambda: "0" * 64)
    with pytest.raises(IndexStaleError, match="分词词表"):
        load_or_build(settings, project_notice, encoder, rebuild=False)
    load_or_build(settings, project_notice, encoder, progress=False)
    assert "分词词表" in capsys.readouterr().err


# --- interruption ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("exc", [RuntimeError("磁盘已满"), KeyboardInterrupt()])
def test_exception_mid_build_leaves_previous_index_intact(built, settings, idx, project_notice, encoder, monkeypatch, exc):
    before = _snapshot(idx)

    def fail(directory, tokens):  # after the vectors and chunk store are already written
        (directory / "half-written.npy").write_bytes(b"\x00" * 10)
        raise exc

    monkeypatch.setattr(index_store, "_save_bm25", fail)
    with pytest.raises(type(exc)):
        build_index(settings, project_notice, encoder, progress=False)
    assert _snapshot(idx) == before
    assert not _leftovers(idx)
    monkeypatch.undo()
    assert len(load_index(idx)) == 242
    assert len(load_or_build(settings, project_notice, encoder, progress=False, rebuild=False)) == 242


def test_crash_between_swap_renames_is_recovered(built, settings, idx, project_notice, encoder, capsys):
    before = _snapshot(idx)
    aside = idx.parent / f".{idx.name}.old-99999-1"
    os.replace(idx, aside)  # what a kill between the two os.replace calls leaves
    loaded = load_or_build(settings, project_notice, encoder, progress=False)
    assert capsys.readouterr().err == ""  # recovered, not rebuilt
    assert _snapshot(idx) == before and len(loaded) == 242


def test_leftover_temp_dir_of_a_killed_build_is_cleaned(built, settings, idx, project_notice, encoder):
    junk = idx.parent / f".{idx.name}.tmp-killed"
    junk.mkdir()
    (junk / "vectors.faiss").write_bytes(b"partial")
    build_index(settings, project_notice, encoder, progress=False)
    assert not _leftovers(idx)


# --- corruption -----------------------------------------------------------------------------------------


def _index_files(index_dir: Path) -> list[str]:
    return sorted([*read_manifest(index_dir).files, MANIFEST])


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _garble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    for i in range(mid, min(mid + 16, len(data))):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))


def _delete(path: Path) -> None:
    path.unlink()


@pytest.mark.parametrize("damage", [_truncate, _garble, _delete], ids=["truncate", "garble", "delete"])
def test_every_damaged_file_is_detected_and_rebuilt(built, settings, idx, project_notice, encoder, damage, capsys):
    names = _index_files(idx)
    assert len(names) >= 8
    for name in names:
        damage(idx / name)
        with pytest.raises(IndexStoreError) as err:
            load_or_build(settings, project_notice, encoder, rebuild=False)
        if name != MANIFEST:
            assert isinstance(err.value, IndexCorruptError), name
        loaded = load_or_build(settings, project_notice, encoder, progress=False)
        assert "正在更新索引" in capsys.readouterr().err, name
        assert len(loaded) == 242
        load_index(idx)  # checksums verify again
        assert loaded.faiss_index.ntotal == 242


def _bad_manifests(good: dict) -> list:
    return [
        [1, 2, 3],
        {**good, "files": {"chunks.json": 5}},
        {**good, "files": {**good["files"], "../outside.json": {"sha256": "0" * 64, "bytes": 1}}},
        {**good, "dim": "three hundred"},
        {k: v for k, v in good.items() if k != "files"},
    ]


@pytest.mark.parametrize("case", range(5))
def test_malformed_manifest_is_corrupt(built, settings, idx, project_notice, encoder, case):
    path = idx / MANIFEST
    path.write_text(json.dumps(_bad_manifests(json.loads(path.read_text()))[case]))
    with pytest.raises(IndexCorruptError):
        load_or_build(settings, project_notice, encoder, rebuild=False)
    assert len(load_or_build(settings, project_notice, encoder, progress=False)) == 242


def test_search_dir_is_a_file(settings, idx, project_notice, encoder):
    idx.parent.mkdir(parents=True, exist_ok=True)
    idx.write_text("not a directory")
    loaded = load_or_build(settings, project_notice, encoder, progress=False)
    assert len(loaded) == 242 and idx.is_dir()


# --- filters --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_tasks(seed_doc):
    return {t.ref: t for t in seed_doc.tasks}


def _tasks(by_ref, hits):
    assert all(h.ref in by_ref for h in hits), [h.ref for h in hits]
    return [by_ref[h.ref] for h in hits]


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_lead_filter_returns_only_that_agencys_tasks(hybrid_searcher, seed_tasks, mode):
    hits = hybrid_searcher.search("压缩办理时间", k=20, filters=SearchFilters(lead="市场监管局"), mode=mode)
    assert hits
    assert all("自治区市场监管局" in t.lead for t in _tasks(seed_tasks, hits))


def test_category_filter_ranks_only_within_the_category(hybrid_searcher):
    # The query is about export tax refunds, but only the three water/gas rows may come back.
    hits = hybrid_searcher.search("出口退税要多少天？", k=10, filters=SearchFilters(category="获得用水用气"))
    assert sorted(h.ref for h in hits) == ["task-69", "task-70", "task-71"]
    assert all(h.dense_rank is not None for h in hits)


def test_deadline_filter(hybrid_searcher, seed_tasks):
    window = SearchFilters(deadline_from=date(2022, 7, 1), deadline_to=date(2022, 8, 31))
    hits = hybrid_searcher.search("企业", k=50, filters=window)
    tasks = _tasks(seed_tasks, hits)
    assert tasks and all(date(2022, 7, 1) <= t.deadline_date <= date(2022, 8, 31) for t in tasks)
    expected = {t.ref for t in seed_tasks.values() if t.deadline_date
                and date(2022, 7, 1) <= t.deadline_date <= date(2022, 8, 31)}
    assert {h.ref for h in hits} == expected  # filters run before ranking: nothing allowed is lost


def test_agency_and_support_filters(hybrid_searcher, seed_tasks):
    hits = hybrid_searcher.search("数据共享", k=30, filters=SearchFilters(agency="大数据局"))
    assert hits and all(
        "自治区大数据发展局" in (t.lead + t.support) for t in _tasks(seed_tasks, hits)
    )
    hits = hybrid_searcher.search("数据共享", k=30, filters=SearchFilters(support="税务局", category="开办企业"))
    assert hits and all(
        "广西税务局" in t.support and t.category == "开办企业" for t in _tasks(seed_tasks, hits)
    )


def test_filter_matching_nothing_returns_nothing(hybrid_searcher):
    assert hybrid_searcher.search("开办企业", filters=SearchFilters(lead="不存在的单位")) == []
    assert hybrid_searcher.search("开办企业", filters=SearchFilters(deadline_to=date(2000, 1, 1))) == []


def test_search_edge_cases(hybrid_searcher):
    assert hybrid_searcher.search("", k=5) == []
    assert hybrid_searcher.search("   ", k=5) == []
    assert hybrid_searcher.search("开办企业", k=0) == []
    assert hybrid_searcher.search("的了吗", k=5, mode="bm25") == []  # only stopwords: no lexical evidence
    assert len(hybrid_searcher.search("的了吗", k=5, mode="hybrid")) == 5  # dense still ranks
    with pytest.raises(ValueError, match="检索模式"):
        hybrid_searcher.search("开办企业", mode="sparse")
    hits = hybrid_searcher.search("开办一家企业需要几个工作日？", k=300)
    assert len(hits) == 242 and len({h.ref for h in hits}) == 242


def test_hits_carry_both_ranks(hybrid_searcher):
    hits = hybrid_searcher.search("出口退税要多少天？", k=5)
    top = hits[0]
    assert top.ref == "task-113" and top.dense_rank == 1 and top.bm25_rank == 1
    assert top.score == pytest.approx(2 / (hybrid_searcher.settings.rrf_k + 1))
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
