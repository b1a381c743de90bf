"""Titles read from file names spelt in pinyin (fast: data table only)."""

from __future__ import annotations

from assistant.ingest.slug_title import read_pinyin, title_from_file_name


def test_pinyin_words_and_a_name_ending():
    assert read_pinyin("renwuqingdan") == "任务清单"
    assert read_pinyin("gongzuoyaodian") == "工作要点"  # the policy word, not 药店
    assert read_pinyin("shuiwuju") == "税务局"  # 局 only ends a name
    assert read_pinyin("ju") is None  # a name-ending character alone is no word
    assert read_pinyin("final") is None


def test_file_names():
    assert title_from_file_name("07-nanning-2023-zhengwufuwu-gongzuoyaodian") == "南宁2023年政务服务工作要点"
    assert title_from_file_name("hangzhou-shichangjianguanju-renwufenjiebiao") == "杭州市场监管局任务分解表"
    # English or mixed names that are not mostly pinyin give nothing (the file name is kept as it is).
    assert title_from_file_name("national-2019-regulation") == ""
    assert title_from_file_name("report-final-v2") == ""
