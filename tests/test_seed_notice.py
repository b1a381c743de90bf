"""The seed notice through the general document parser: exact counts, exact field values typed from the
source file by hand, stable refs and labels."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus" / "guangxi-2022-business-environment-action-plan.txt"
CITIES = "各市、县（市、区）人民政府"
HIGH_COURT = "自治区高级人民法院"


@pytest.fixture(scope="module")
def notice():
    from assistant.ingest.document import parse_document

    return parse_document(CORPUS, "seed")


def _task(doc, number):
    return doc.unit(f"task-{number}")


def _measure(doc, number):
    return doc.unit(f"measure-{number}")


def test_corpus_is_committed_byte_for_byte():
    shared = ROOT.parent / "shared" / "corpus" / CORPUS.name
    if not shared.exists():
        pytest.skip("shared/ not beside this checkout")
    assert CORPUS.read_bytes() == shared.read_bytes()


def test_exact_counts(notice):
    counts = notice.counts()
    assert (counts["part"], counts["measure"], counts["task"]) == (9, 41, 199)
    assert [t.number for t in notice.tasks] == list(range(1, 200))
    assert [m.number for m in notice.of_kind("measure")] == list(range(1, 42))
    assert notice.meta.kind == "plan"


def test_refs_and_labels(notice):
    assert [u.ref for u in notice.units[:3]] == ["meta", "preamble", "part-1"]
    assert _measure(notice, 32).label == "措施（三十二）" and _task(notice, 70).label == "任务70"
    assert _measure(notice, 14).parent == "part-4" and _measure(notice, 14).path == ("四、", "（十四）")
    assert _task(notice, 5).parent == "annex-1"
    refs = [u.ref for u in notice.units]
    assert len(refs) == len(set(refs))


def test_metadata(notice):
    meta = notice.meta
    assert meta.title == "2022年广西优化营商环境行动方案"
    assert meta.doc_number == "桂政办发〔2022〕40号"
    assert meta.issuer == "广西壮族自治区人民政府办公厅"
    assert meta.dates == {"signed": "2022年6月17日", "printed": "2022年6月20日"}
    assert meta.release_note == "此件公开发布"
    assert meta.attachment_title == "2022年广西优化营商环境行动方案任务清单"
    assert meta.notice_title == "广西壮族自治区人民政府办公厅关于印发2022年广西优化营商环境行动方案的通知"
    assert meta.place == "广西壮族自治区" and meta.year == 2022
    assert meta.cc.startswith("自治区党委各部门") and meta.cc.endswith("自治区工商联。")
    assert notice.unit("preamble").text.startswith("为贯彻落实党中央、国务院")


def test_chapters(notice):
    titles = {u.number: u.title for u in notice.of_kind("part")}
    assert titles[1] == "着力打造公平竞争的市场环境"
    assert titles[7] == "着力打造优质普惠的企业全生命周期服务"
    assert titles[9] == "实施保障"
    per_chapter = [sum(1 for m in notice.of_kind("measure") if m.parent == f"part-{c}") for c in range(1, 10)]
    assert per_chapter == [3, 2, 7, 4, 6, 5, 7, 3, 4]


@pytest.mark.parametrize(
    "number, chapter, title",
    [
        (1, 1, "破除地方保护和区域壁垒"),
        (2, 1, "健全市场主体准入和退出机制"),
        (14, 4, "提升跨境贸易便利化水平"),
        (28, 7, "优化企业纳税事项服务"),  # heading with ASCII parentheses: (二十八)
        (29, 7, "提升普惠金融服务能力"),
        (30, 7, "优化公用设施接入服务"),
        (31, 7, "大力推进供电“转改直”"),
        (32, 7, "巩固提升供水供气改革成果"),
        (37, 8, "着力完善破产重整制度"),
        (41, 9, "注重宣传引导"),
    ],
)
def test_measure_titles(notice, number, chapter, title):
    measure = _measure(notice, number)
    assert (measure.parent, measure.title) == (f"part-{chapter}", title)
    assert measure.text.startswith(title + "。")


@pytest.mark.parametrize(
    "number, fragment",
    [
        (2, "推行企业住所（经营场所）标准化登记。实现开办企业7个事项1个工作日办结"),
        (5, "2022年自治区本级依申请政务服务事项即办件占比提升到45%"),
        (12, "办理不动产非公证继承手续20个工作日内办结，办理环节不超过5个。"),
        (16, "引进国（境）外青年科技创新人才项目等引才引智计划"),
        (19, "探索人才发展体制机制综合改革试点"),
        (21, "权利人诉讼权利义务告知制度"),
        (25, "制定进一步提高政府监管效能推动高质量发展的若干措施"),
        (33, "基本医疗保险参保率达到97%"),
        (37, "鼓励运用破产预重整制度，健全企业重整期间信用修复机制"),
        (41, "大力宣传中央和自治区优化营商环境的决策部署，持续宣传"),
    ],
)
def test_measure_page_breaks_repaired(notice, number, fragment):
    text = _measure(notice, number).text
    assert fragment in text
    assert "\n" not in text


def test_measure_32_full_text(notice):
    assert _measure(notice, 32).text == (
        "巩固提升供水供气改革成果。对无外线供水工程，2个工作日内办结；有外线供水工程，12个工作日内办结。"
        "对无外线供气工程，4个工作日内办结；有外线供气工程，14个工作日内办结。"
        "涉及国省干线、高速公路、快速路、轨道交通、交通量较大的农村公路等设施的复杂用水用气报装接入工程除外。"
    )


# Expected values typed from the corpus file by hand (not produced by the parser).
ROWS = {
    1: dict(category="开办企业", goal="7个事项1个工作日办结", deadline="2022年11月30日",
            lead=("自治区市场监管局", "人民银行南宁中心支行"),
            support=("自治区公安厅", "自治区人力资源社会保障厅", "自治区住房城乡建设厅", "自治区大数据发展局",
                     "自治区医保局", "广西税务局", "各住房公积金管理中心（分中心）", CITIES)),
    3: dict(category="开办企业", goal="提高网上办理率", text="新登记企业网上办理率超过90%。", deadline="2022年11月30日",
            lead=("自治区市场监管局",)),
    4: dict(lead=("自治区发展改革委", "自治区大数据发展局", "数字广西集团", CITIES),
            support=("自治区公安厅", "自治区民政厅", "自治区自然资源厅", "自治区住房城乡建设厅", "自治区市场监管局")),
    6: dict(deadline="2022年8月31日", lead=("自治区市场监管局",), support=(CITIES,)),
    14: dict(deadline="2022年6月30日", goal="提升企业退出便利化水平"),
    31: dict(lead=("自治区住房城乡建设厅",), support=("自治区工程建设项目审批制度改革领导小组其他成员单位", CITIES)),
    58: dict(category="获得电力", lead=("自治区发展改革委", "各供电企业"), support=("自治区工业和信息化厅",)),
    69: dict(category="获得用水用气", goal="巩固提升供水改革成果", lead=("自治区住房城乡建设厅",), support=(),
             text="无外线工程的，2个工作日内办结；有外线工程的，12个工作日内办结。涉及国省干线、高速公路、快速路、"
                  "轨道交通、交通量较大的农村公路等设施的复杂用水报装接入工程除外。"),
    70: dict(goal="巩固提升供气改革成果", lead=("自治区住房城乡建设厅",), support=(), support_raw=""),
    75: dict(lead=("自治区自然资源厅", "自治区公安厅", "自治区司法厅"), support=(HIGH_COURT,)),
    92: dict(category="保护中小投资者", lead=("广西证监局",), support=(HIGH_COURT, "自治区地方金融监管局"),
             support_raw="自治区高级法院，自治区地方金融监管局"),
    93: dict(lead=(HIGH_COURT,), support=("自治区地方金融监管局", "广西证监局"), lead_raw="自治区高级法院"),
    97: dict(lead=("自治区市场监管局",), support=(HIGH_COURT, "自治区公安厅")),
    99: dict(lead=(HIGH_COURT, "自治区检察院", "自治区公安厅"), support=()),
    100: dict(lead=(HIGH_COURT, "自治区市场监管局"), support=()),
    104: dict(lead=(HIGH_COURT,)),
    105: dict(lead=(HIGH_COURT, "自治区检察院")),
    108: dict(category="知识产权创造保护和运用", lead=("自治区市场监管局",)),
    109: dict(category="知识产权创造保护和运用", lead=("自治区科技厅",), support=("自治区商务厅",)),
    112: dict(category="跨境贸易", deadline="2022年12月31日", lead=("自治区商务厅",),
              support=("自治区交通运输厅", "自治区发展改革委", "广西税务局", "南宁海关", "广西出入境边防检查总站",
                       "人民银行南宁中心支行", "中国铁路南宁局集团有限公司", "广西北部湾国际港务集团",
                       "广西北部湾投资集团", "广西机场管理集团", "中国—东盟信息港股份有限公司", CITIES)),
    113: dict(goal="压缩出口退税办理时间", lead=("广西税务局",), support=()),
    114: dict(lead=("南宁海关", "广西北部湾国际港务集团"), support=(), lead_raw="南宁海关,广西北部湾国际港务集团",
              text="持续推进开展进口货物“船边直提”和出口货物“抵港直装”。"),
    116: dict(lead=("自治区发展改革委", "自治区交通运输厅", "自治区财政厅", "自治区北部湾办"),
              support=("广西北部湾国际港务集团", "北海市人民政府", "防城港市人民政府", "钦州市人民政府")),
    117: dict(lead=("自治区北部湾办", "自治区市场监管局", "口岸相关各市、县（市、区）人民政府"), support=()),
    139: dict(category="执行合同", lead=(HIGH_COURT,)),
    140: dict(lead=(HIGH_COURT,)),
    141: dict(goal="压缩办理时间", lead=(HIGH_COURT,)),
    142: dict(lead=(HIGH_COURT,)),
    143: dict(category="办理破产", lead=(HIGH_COURT,), lead_raw="自治区高级人民法院"),
    144: dict(category="办理破产", goal="降低办理破产时间", deadline="2022年11月30日", lead=(HIGH_COURT,),
              support=("自治区司法厅", "自治区公安厅", "自治区自然资源厅", "自治区市场监管局", "人民银行南宁中心支行",
                       "广西税务局", "南宁海关"),
              support_raw="自治区司法厅、公安厅、自然资源厅、市场监管局，人民银行南宁中心支行、广西税务局、南宁海关等"),
    145: dict(lead=(HIGH_COURT,), support=("自治区司法厅", "自治区公安厅", "自治区自然资源厅", "自治区市场监管局",
                                           "人民银行南宁中心支行", "广西税务局", "南宁海关")),
    146: dict(lead=(HIGH_COURT,)),
    147: dict(support=("自治区“双随机、一公开”监管厅际联席会议其他成员单位", CITIES)),
    152: dict(deadline="2022年12月31日", lead=("自治区市场监管局", "自治区住房城乡建设厅"),
              support=("自治区各有关部门", CITIES)),
    156: dict(lead=("各行业主管部门",)),
    160: dict(category="政务服务", lead=(
        "自治区大数据发展局", "自治区新闻出版局（版权局）", "自治区发展改革委", "自治区教育厅", "自治区工业和信息化厅",
        "自治区民宗委", "自治区公安厅", "自治区司法厅", "自治区财政厅", "自治区人力资源社会保障厅", "自治区自然资源厅",
        "自治区生态环境厅", "自治区交通运输厅", "自治区水利厅", "自治区农业农村厅", "自治区文化和旅游厅",
        "自治区卫生健康委", "自治区外事办", "自治区广电局", "自治区地方金融监管局", "自治区人防边海防办",
        "自治区医保局", "自治区海洋局", "自治区药监局"), support=()),
    164: dict(category="对外开放", goal="全区实际利用外资18.2亿美元", lead=("自治区商务厅", "自治区投资促进局")),
    192: dict(deadline="2023年1月20日", lead=("自治区生态环境厅",), support=(CITIES,), support_raw="各市、县(市、区)人民政府"),
    199: dict(category="保障措施", goal="健全投诉处理机制", deadline="2022年12月31日", lead=("自治区发展改革委",),
              support=("自治区优化营商环境工作领导小组其他成员单位",)),
}


@pytest.mark.parametrize("number", sorted(ROWS))
def test_row_fields(notice, number):
    row = _task(notice, number)
    for field, expected in ROWS[number].items():
        assert getattr(row, field) == expected, (number, field)


def test_every_high_court_row_resolves(notice):
    rows = [t.number for t in notice.tasks if "高级" in t.lead_raw + t.support_raw]
    assert rows == [75, 92, 93, 97, 99, 100, 104, 105, 139, 140, 141, 142, 143, 144, 145, 146]
    for number in rows:
        row = _task(notice, number)
        assert HIGH_COURT in row.lead + row.support
        assert "自治区高级法院" not in row.lead + row.support


def test_deadlines(notice):
    from assistant.ingest.dates import parse_full_date

    assert _task(notice, 3).deadline == "2022年11月30日"  # written "2022 年 11 月 30 日"
    assert _task(notice, 3).deadline_date == date(2022, 11, 30)
    assert _task(notice, 192).deadline_date == date(2023, 1, 20)
    assert parse_full_date("2022 年 8 月 31 日") == date(2022, 8, 31)
    assert all(t.deadline_date is not None for t in notice.tasks)
    assert all(" " not in t.deadline for t in notice.tasks)


def test_category_variants(notice):
    assert _task(notice, 108).category_raw == "知识产权保护和运用"
    categories = {t.category for t in notice.tasks}
    assert "知识产权保护和运用" not in categories
    assert len(categories) == 21
