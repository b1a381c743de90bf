"""Question understanding, case by case (no model needed)."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.config import load_settings
from assistant.understanding.lexicon import Lexicon
from assistant.understanding.normalize import clean_question, normalize_text
from assistant.understanding.query_parse import parse_question


@pytest.fixture(scope="module")
def lexicon(tmp_path_factory):
    from assistant.library.catalog import Library

    library = Library(load_settings(index_dir=tmp_path_factory.mktemp("lexicon")))
    library.sync()
    return Lexicon.build(library.store.agency_names(), [c for c, _ in library.store.categories()])


def parse(text, lexicon):
    from datetime import date

    return parse_question(normalize_text(text), lexicon, date(2022, 6, 17))


@pytest.mark.parametrize(
    "question, expected",
    [
        ("税务局牵头负责哪些任务？", [("广西税务局", "lead")]),
        ("需要南宁海关配合的任务有哪些？", [("南宁海关", "support")]),
        ("人社厅负责的任务有哪些", [("自治区人力资源社会保障厅", "any")]),
        ("税务局是牵头单位的任务", [("广西税务局", "lead")]),
        ("牵头单位为市场监管局的任务有哪些", [("自治区市场监管局", "lead")]),
        ("市场监管局作为配合单位参与了哪些任务", [("自治区市场监管局", "support")]),
        ("海关配合或牵头的任务", [("南宁海关", "any")]),
        ("由税务局负责牵头的任务", [("广西税务局", "lead")]),
        ("高院和检察院共同牵头的任务", [("自治区高级人民法院", "lead"), ("自治区检察院", "lead")]),
        ("住建厅牵头、各市县政府配合的任务", [("自治区住房城乡建设厅", "lead"), ("各市、县（市、区）人民政府", "support")]),
        ("由稅務局牽頭的任務有哪些？", [("广西税务局", "lead")]),
        ("市场监官局牵头的任务", [("自治区市场监管局", "lead")]),  # a typo, resolved by close spelling
        ("发改委涉及哪些任务", [("自治区发展改革委", "any")]),
    ],
)
def test_agencies_and_roles(lexicon, question, expected):
    parsed = parse(question, lexicon)
    assert [(a.names[0], a.role) for a in parsed.agencies] == expected


@pytest.mark.parametrize(
    "question, start, end",
    [
        ("11月30日前要完成的纳税任务有哪些", None, date(2022, 11, 30)),
        ("8月底前要完成哪些任务", None, date(2022, 8, 31)),
        ("年底前完成的任务", None, date(2022, 12, 31)),
        ("完成时限是2022年12月31日的任务", date(2022, 12, 31), date(2022, 12, 31)),
        ("12月31日完成的任务", date(2022, 12, 31), date(2022, 12, 31)),
        ("11月30日之后到期的任务", date(2022, 12, 1), None),
        ("１１月３０日前完成的任务", None, date(2022, 11, 30)),
        ("拖到2023年才完成的任务", date(2023, 1, 1), date(2023, 12, 31)),
        ("10月份到期的任务", date(2022, 10, 1), date(2022, 10, 31)),
        ("完成时限在2022年10月31日（含）之前的任务有哪些", None, date(2022, 10, 31)),
    ],
)
def test_deadlines(lexicon, question, start, end):
    deadline = parse(question, lexicon).deadline
    assert (deadline.start, deadline.end) == (start, end)


@pytest.mark.parametrize(
    "question, tasks, measures, chapters",
    [
        ("第113项是什么", (113,), (), ()),
        ("任务113讲什么", (113,), (), ()),
        ("序号113的牵头单位", (113,), (), ()),
        ("第（十四）条讲什么", (), (14,), ()),
        ("第十四条措施", (), (14,), ()),
        ("（二十八）", (), (28,), ()),
        ("第九部分讲了什么", (), (), (9,)),
    ],
)
def test_numbers(lexicon, question, tasks, measures, chapters):
    parsed = parse(question, lexicon)
    assert (parsed.task_numbers, parsed.measure_numbers, parsed.chapter_numbers) == (tasks, measures, chapters)


@pytest.mark.parametrize(
    "question, counting",
    [("市场监管局一共牵头几项任务？", True), ("获得电力有几项任务", True), ("税务局一共牵头几个任务", True),
     ("住建厅参与的任务（牵头或者配合都算）有多少？", True), ("税务局牵头的有多少个？", True),
     ("纳税时间压缩到多少", False), ("开办一家企业需要几个工作日？", False), ("带外线的供水工程要多少个工作日办完？", False), ("开办企业包括几个事项", False)],
)
def test_counting(lexicon, question, counting):
    assert parse(question, lexicon).wants_count is counting


def test_categories_and_short_forms(lexicon):
    assert parse("纳税任务有哪些", lexicon).categories == ("纳税",)
    assert parse("信贷方面的任务", lexicon).categories == ("获得信贷",)
    assert parse("知识产权相关任务", lexicon).categories == ("知识产权创造保护和运用",)
    # 市场监管局 is an agency, not the category 市场监管
    parsed = parse("市场监管局牵头的任务", lexicon)
    assert parsed.categories == () and parsed.agencies[0].names == ("自治区市场监管局",)


def test_no_support_condition(lexicon):
    assert parse("没有配合单位的任务有几条", lexicon).no_support


@pytest.mark.parametrize("raw, clean", [("稅務局牽頭", "税务局牵头"), ("１２月３１日", "12月31日"), ("a\x00b\u200b c", "a b c")])
def test_normalisation(raw, clean):
    assert normalize_text(raw) == clean


def test_clean_question_errors():
    assert clean_question("").error and clean_question(" \t\n").error and clean_question("？？").error
    assert "过长" in clean_question("问" * 10_000).error
    assert clean_question(None).error
    assert clean_question("开办一家企业需要几个工作日？").error is None


@pytest.mark.parametrize(
    "question, role",
    [("住建厅参与的任务（牵头或者配合都算）有多少？", "any"), ("税务局牵头或者配合的任务", "any"),
     ("税务局负责牵头的任务", "lead"), ("海关作为配合单位参与的任务", "support"),
     ("涉及海关的任务都有哪些？牵头配合都算", "any")],
)
def test_nearest_role_word_wins(lexicon, question, role):
    assert parse(question, lexicon).agencies[0].role == role


def test_several_values_is_not_a_list(lexicon):
    parsed = parse("「銀稅互動」貸款投放目標金額與完成時限分別為何？", lexicon)
    assert not parsed.wants_list


def test_no_deadline_condition(lexicon):
    assert parse("哪些任务没有写明完成时限？", lexicon).no_deadline
    assert parse("没有期限要求的任务有几项", lexicon).no_deadline
    assert not parse("申请登记有没有时限要求？", lexicon).no_deadline  # whether a rule sets one
    assert not parse("11月30日前要完成的任务", lexicon).no_deadline
