"""Every column of a task table is a field, on real excerpts: the document keeps its own headers; a question
names a column by its header, head noun or kind; a value in a short-valued column or a time limit written in
words is a set condition; the 文库 table and its filters use the document's columns and only their values."""

from __future__ import annotations

from pathlib import Path

import pytest

EXCERPTS = Path(__file__).resolve().parent / "data" / "library" / "excerpts"


@pytest.fixture(scope="module")
def tables():
    from assistant.ingest.document import parse_document

    names = {"leaders": "08-liaozhong-2024-zhengfugongzuobaogao-renwufenjiebiao.txt",
             "approvals": "11-gongshang-xingzhengshenpi-banshichengxubiao.txt",
             "words": "10-chizhou-xinfangju-zhengwugongkai-renwuqingdan.txt"}
    return {k: parse_document(EXCERPTS / v, k) for k, v in names.items()}


def test_the_document_keeps_its_own_headers(tables):
    assert tables["approvals"].meta.table_columns == (
        ("序号", "number"), ("行政审批事项", "task"), ("审批类别", "category"), ("办事流程", ""),
        ("审报提交材料", ""), ("承诺时限", "deadline"))
    assert ("责任领导", "") in tables["leaders"].meta.table_columns
    from assistant.records import DocMeta

    meta = tables["approvals"].meta
    assert DocMeta.from_dict(meta.to_dict()) == meta  # stored as JSON and read back the same


def test_questions_name_columns_and_values(tables):
    from assistant.answering.answerers.columns import asked_column, named_values

    approvals, leaders, words = tables["approvals"], tables["leaders"], tables["words"]
    assert asked_column("个体工商户冠名预先核准要交哪些材料", approvals).header == "审报提交材料"
    assert asked_column("其他企业冠名的预先核准要多久", approvals).header == "承诺时限"
    assert asked_column("注销核准是什么审批类别", approvals).header == "审批类别"
    assert asked_column("变更核准的办事流程", approvals).header == "办事流程"
    assert asked_column("这项由哪位领导负责", leaders).header == "责任领导"
    assert asked_column("注销核准在哪里办", approvals) is None
    assert [(c.header, v) for c, v in named_values("冯冬昌负责哪些任务", leaders)] == [("责任领导", "冯冬昌")]
    assert named_values("哪些任务是年底前完成的", words)[0][1] == "年底前"  # kept as written, not a date
    assert named_values("受理环节有哪些", approvals) == []  # 办事流程 holds text, not values to name


def test_library_table_uses_the_documents_columns(tables):
    from assistant.app import library_view as lib

    approvals, leaders = tables["approvals"], tables["leaders"]
    frame = lib.tasks_frame(approvals, approvals.tasks)
    assert list(frame.columns) == ["序号", "行政审批事项", "审批类别", "办事流程", "审报提交材料", "承诺时限"]
    assert lib.filter_columns(approvals) == {"category": "审批类别", "deadline": "承诺时限"}
    assert lib.filter_choices(approvals)["category"] == ["终审"] and lib.filter_choices(approvals)["lead"] == []
    assert lib.filter_columns(leaders)["category"] == "分组"  # section rows, named as such
    assert [t.number for t in lib.select_tasks(leaders, text="冯冬昌")] == [2, 3, 4]
    records = lib.task_records(leaders, lib.select_tasks(leaders, text="冯冬昌"))
    assert all(r["其他:责任领导"] == "冯冬昌" for r in records)
