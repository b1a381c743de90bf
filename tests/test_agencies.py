"""Agency splitting rules case by case, and alias coverage of every agency in the table."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.ingest.agencies import agency_data, alias_table, is_collective, short_name, split_agencies

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "guangxi-2022-business-environment-action-plan.txt"


def _seed():
    from assistant.ingest.document import parse_document

    return parse_document(CORPUS, "seed")


@pytest.mark.parametrize(
    "raw, expected",
    [
        # a level prefix (自治区) given to every bare department of its 、 group
        ("自治区公安厅、人力资源社会保障厅", ("自治区公安厅", "自治区人力资源社会保障厅")),
        # groups separated by full-width ， and by ASCII ,
        ("自治区市场监管局，人民银行南宁中心支行", ("自治区市场监管局", "人民银行南宁中心支行")),
        ("南宁海关,广西北部湾国际港务集团", ("南宁海关", "广西北部湾国际港务集团")),
        # the prefix does not leak into the next group
        ("自治区地方金融监管局，人民银行南宁中心支行、广西银保监局",
         ("自治区地方金融监管局", "人民银行南宁中心支行", "广西银保监局")),
        # 各市、县（市、区）人民政府 is one unit, in either bracket width
        ("各市、县（市、区）人民政府", ("各市、县（市、区）人民政府",)),
        ("各市、县(市、区)人民政府", ("各市、县（市、区）人民政府",)),
        ("自治区工业和信息化厅，各市、县（市、区）人民政府", ("自治区工业和信息化厅", "各市、县（市、区）人民政府")),
        # bare city names share 市人民政府
        ("北海、防城港、钦州市人民政府", ("北海市人民政府", "防城港市人民政府", "钦州市人民政府")),
        # a trailing 等 is dropped
        ("人民银行南宁中心支行、广西税务局、南宁海关等", ("人民银行南宁中心支行", "广西税务局", "南宁海关")),
        # spelling variants
        ("自治区高级法院", ("自治区高级人民法院",)),
        ("自治区高级人民法院", ("自治区高级人民法院",)),
        ("自治区市场监管局、住房和城乡建设厅", ("自治区市场监管局", "自治区住房城乡建设厅")),
        ("广西北部湾国际港务集团公司", ("广西北部湾国际港务集团",)),
        # 、 inside quotation marks does not split
        ("自治区“双随机、一公开”监管厅际联席会议其他成员单位",
         ("自治区“双随机、一公开”监管厅际联席会议其他成员单位",)),
        # items that carry their own prefix keep it once
        ("自治区高级法院、自治区检察院", ("自治区高级人民法院", "自治区检察院")),
        # one rule for every level: a 省/市 group's bare departments take its prefix, named places keep theirs,
        # a department's second name in brackets does not stop it
        ("山东省发展改革委、财政厅、济南海关", ("山东省发展改革委", "山东省财政厅", "济南海关")),
        ("市委宣传部、新闻出版局（版权局）、青岛电网公司", ("市委宣传部", "市新闻出版局（版权局）", "青岛电网公司")),
        ("", ()),
    ],
)
def test_split_rules(raw, expected):
    assert split_agencies(raw) == expected


@pytest.mark.parametrize(
    "name, collective",
    [
        ("自治区工程建设项目审批制度改革领导小组其他成员单位", True),
        ("自治区各有关部门", True),
        ("各行业主管部门", True),
        ("自治区优化营商环境工作领导小组其他成员单位", True),
        ("各市、县（市、区）人民政府", False),
        ("自治区市场监管局", False),
    ],
)
def test_collective_phrases(name, collective):
    assert is_collective(name) is collective


def test_every_canonical_agency_has_an_alias_entry():
    notice = _seed()
    names = sorted({a for t in notice.tasks for a in t.lead + t.support})
    missing = [n for n in names if n not in agency_data().aliases]
    assert not missing, f"这些单位在别名文件中没有条目：{missing}"
    stale = [n for n in agency_data().aliases if n not in names]
    assert not stale, f"别名文件中有表里不存在的单位：{stale}"


@pytest.mark.parametrize(
    "typed, canonical",
    [
        ("税务局", "广西税务局"), ("广西税务局", "广西税务局"), ("市场监管局", "自治区市场监管局"),
        ("人社厅", "自治区人力资源社会保障厅"), ("发改委", "自治区发展改革委"), ("住建厅", "自治区住房城乡建设厅"),
        ("高院", "自治区高级人民法院"), ("高级法院", "自治区高级人民法院"), ("高级人民法院", "自治区高级人民法院"),
        ("大数据局", "自治区大数据发展局"), ("工信厅", "自治区工业和信息化厅"), ("自然资源厅", "自治区自然资源厅"),
        ("生态环境厅", "自治区生态环境厅"), ("商务厅", "自治区商务厅"), ("财政厅", "自治区财政厅"),
        ("教育厅", "自治区教育厅"), ("科技厅", "自治区科技厅"), ("公安厅", "自治区公安厅"), ("司法厅", "自治区司法厅"),
        ("医保局", "自治区医保局"), ("卫健委", "自治区卫生健康委"), ("民政厅", "自治区民政厅"),
        ("交通厅", "自治区交通运输厅"), ("文旅厅", "自治区文化和旅游厅"), ("林业局", "自治区林业局"),
        ("统计局", "自治区统计局"), ("人民银行", "人民银行南宁中心支行"), ("人行南宁中心支行", "人民银行南宁中心支行"),
        ("银保监局", "广西银保监局"), ("证监局", "广西证监局"), ("南宁海关", "南宁海关"), ("海关", "南宁海关"),
        ("金融监管局", "自治区地方金融监管局"), ("北部湾办", "自治区北部湾办"), ("通信管理局", "自治区通信管理局"),
        ("机关事务管理局", "自治区机关事务管理局"), ("投资促进局", "自治区投资促进局"), ("检察院", "自治区检察院"),
    ],
)
def test_typed_names_resolve(typed, canonical):
    notice = _seed()
    table = alias_table(sorted({a for t in notice.tasks for a in t.lead + t.support}))
    assert table[typed] == (canonical,)


def test_full_and_short_names_reach_every_agency():
    notice = _seed()
    names = sorted({a for t in notice.tasks for a in t.lead + t.support})
    table = alias_table(names)
    for name in names:
        assert name in table[name]
        assert name in table[short_name(name)]


@pytest.mark.parametrize("name, short", [("广西税务局", "税务局"), ("山东省财政厅", "财政厅"), ("自治区公安厅", "公安厅"),
                                         ("南宁海关", "南宁海关"), ("桂林市人民政府", "桂林市人民政府")])
def test_short_names_drop_a_province_or_level_only(name, short):
    assert short_name(name) == short
