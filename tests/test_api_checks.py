"""The pure checks behind the API (no model, no server): the LLM writer's sentence checks, Dify's metadata
conditions, keys and rate limits, and the sentence pieces a stream sends."""

from __future__ import annotations

import pytest

from assistant.answering.draft import marker_token
from assistant.answering.llm_writer import check_reply
from assistant.app.api.keys import Policy, RateLimiter, check_bind, is_loopback
from assistant.app.api.openai_routes import pieces
from assistant.app.api.retrieval_route import Condition, MetadataCondition, metadata_holds
from assistant.errors import UserError

A, B = ("plan", "task-1"), ("law", "article-20")
TEXTS = {A: "企业开办全流程办理时间压缩至1个工作日。", B: "县级以上人民政府应当建立 统一的 政务服务平台。"}


def test_a_faithful_reply_becomes_a_draft_body():
    body = check_reply("开办企业“压缩至1个工作日”[1]。条例要求“建立统一的政务服务平台”。[2]", [A, B], TEXTS)
    assert body == f"开办企业“压缩至1个工作日”{marker_token(*A)}。条例要求“建立统一的政务服务平台”{marker_token(*B)}。"


@pytest.mark.parametrize("reply", [
    "开办企业压缩至1个工作日。",  # no marker
    "开办企业[1]压缩至1个工作日。",  # the marker is not at the end of its sentence
    "开办企业“压缩至半个工作日”[1]。",  # a quote the unit does not hold
    "开办企业“压缩至1个工作日”[2]。",  # quoted from a unit the sentence does not cite
    "另见规定[3]。",  # a marker only to a unit it was not given
    "", "   ",
])
def test_replies_that_fail_a_check(reply):
    assert check_reply(reply, [A, B], TEXTS) is None


def test_markers_to_units_not_given_are_dropped():
    assert check_reply("时间压缩至1个工作日[1][9]。", [A], TEXTS) == f"时间压缩至1个工作日{marker_token(*A)}。"


def test_dify_conditions():
    meta = {"category": "开办企业", "lead": "自治区市场监管局", "deadline": "2022年11月30日", "number": "7"}

    def holds(op, value, name="category", logical="and"):
        return metadata_holds(meta, MetadataCondition(logical_operator=logical, conditions=[
            Condition(name=[name], comparison_operator=op, value=value)]))

    assert holds("contains", "开办") and not holds("not contains", "开办")
    assert holds("start with", "开办") and holds("end with", "企业") and holds("is", "开办企业")
    assert holds("is not", "纳税") and holds("not empty", None) and holds("empty", None, "support")
    assert holds(">", 5, "number") and holds("≤", "7", "number") and not holds("<", 7, "number")
    assert metadata_holds(meta, MetadataCondition(logical_operator="or", conditions=[
        Condition(name=["category"], comparison_operator="is", value="纳税"),
        Condition(name=["lead"], comparison_operator="contains", value="市场监管")]))


def test_keys_and_limits():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    with pytest.raises(UserError):
        check_bind("0.0.0.0", ())
    with pytest.raises(UserError):
        check_bind("0.0.0.0", ("short",))
    check_bind("127.0.0.1", ())
    policy = Policy(keys=("first-key-000", "second-key-000"))
    assert policy.key_of("Bearer second-key-000") == ("second-key-000", None)
    assert policy.key_of(None) == (None, "missing") and policy.key_of("second-key-000") == (None, "format")
    assert policy.key_of("Bearer nope-nope-nope") == (None, "invalid")
    limiter = RateLimiter(per_minute=2)
    assert [limiter.allow("k", now=0.0) for _ in range(3)] == [True, True, False]
    assert limiter.allow("other", now=0.0) and limiter.allow("k", now=30.0)


def test_stream_pieces_join_to_the_text():
    text = "共 **3 项**：\n\n| [1] | 甲。 |\n“一。二。”[2]\n最后一句[3]。没有结尾"
    parts = pieces(text)
    assert "".join(parts) == text and len(parts) > 4
