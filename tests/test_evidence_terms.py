"""Pure functions of the evidence check: how a compound the question writes whole is found in a text that writes
its words apart (fast: no model, no index)."""

from __future__ import annotations

from assistant.answering.evidence import Term, compound_parts
from assistant.understanding.query_parse import parse_question
from assistant.understanding.lexicon import Lexicon


def test_compound_parts_write_the_word_end_to_end():
    assert compound_parts("拖欠账款") == ("拖欠", "账款")  # not the overlapping 欠账
    assert compound_parts("拖欠款项") == ("拖欠", "款项")  # not 拖欠款 + a stray 项
    assert compound_parts("容缺受理") == ()  # 受理 alone leaves 容缺 unwritten
    assert compound_parts("受理") == ()  # too short to split


def test_all_parts_in_one_sentence():
    term = Term("拖欠账款", ("拖欠账款",), 1.0, ("拖欠", "账款"), all_parts=True, other_parts=(("拖欠", "款项"),))
    assert term.share_in("不得拖欠中小企业的货物、工程等账款。") == 1.0
    assert term.share_in("不得拖欠中小企业的货物、工程或者服务等款项。") == 1.0  # the documents' other term
    assert term.share_in("不得拖欠工资。应当及时支付账款。") == 0.0  # words scattered over two sentences
    partial = Term("拖欠账款", ("拖欠账款",), 1.0, ("拖欠", "账款"))
    assert partial.share_in("不得拖欠工资。") == 0.5  # outside comparisons a share still counts


def test_a_typed_agency_name_is_one_agency_not_also_the_shorter_name_inside_it():
    lexicon = Lexicon.build([("自治区发展改革委", 5, 0), ("区发展改革局", 0, 3)], [])
    parsed = parse_question("区发改局配合哪些工作？", lexicon)
    assert [a.names for a in parsed.agencies] == [("区发展改革局",)]
