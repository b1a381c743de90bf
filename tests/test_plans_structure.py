"""Complete real plans (tests/data/library/plans/) and the shapes of real excerpts: every task with a
responsibility note is a unit with the fields its note gives, a rule stated once governs every later note,
"负责" without such a rule stays responsible (no lead guessed), and set questions ("哪些由X负责/牵头") over
the library database are complete."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant.ingest.document import parse_document

ROOT = Path(__file__).resolve().parents[1]
PLANS = ROOT / "tests" / "data" / "library" / "plans"


@pytest.fixture(scope="module")
def plans():
    return {p.stem.split("-")[0] + "-" + p.stem.split("-")[1] + "-" + p.stem.split("-")[2]: parse_document(p, p.stem)
            for p in sorted(PLANS.glob("*.txt"))}


def _duty(unit):
    return unit.lead or unit.support or unit.responsible


def test_rule_stated_once_governs_every_later_note(plans):
    """"（…负责，排在第一位的部门为牵头部门，下同）": the first unit of every later note leads."""
    doc = plans["gov-2019-guofa3"]
    items = [u for u in doc.units if u.kind == "item"]
    assert len(items) == 21 and all(u.lead for u in items)
    assert items[0].lead == ("税务总局",) and items[0].support == ("财政部", "海关总署")
    assert "下同" not in items[0].text and "负责" not in items[0].text
    later = next(u for u in items if u.lead_raw.startswith("海关总署、商务部等有关部门"))
    assert later.lead == ("海关总署",) and later.support == ("商务部", "有关部门")
    assert not any(u.responsible for u in items)


def test_first_listed_leads_and_clauses_before_a_role(plans):
    """"（…负责。列第一位者为牵头单位，下同）"; "X、Y，各省级人民政府按职责分工负责": all named units count."""
    doc = plans["gov-2018-guofa39"]
    measures = [u for u in doc.units if u.kind == "measure"]
    assert all(u.lead for u in measures)
    first = measures[0]
    assert first.lead == ("人力资源社会保障部",) and first.support == ("财政部",)
    joint = next(u for u in measures if "科技部" in u.support)
    assert joint.lead == ("人力资源社会保障部",) and "各省级人民政府" in joint.support


def test_guidance_notes_are_responsible_units_not_a_guessed_lead(plans):
    """"（X、Y指导）" with no rule that the first leads: responsible units; each note closes its own task."""
    doc = plans["gov-2018-guobanfa128"]
    tasks = [u for u in doc.units if u.kind == "task"]
    assert len(tasks) >= 35 and all(_duty(u) for u in tasks)
    first = tasks[0]
    assert first.lead == ("生态环境部",) and "国家统计局" in first.support  # 牵头 … 参与
    second = tasks[1]
    assert second.lead == () and second.responsible == ("生态环境部", "试点城市政府")
    assert second.text.startswith("优化固体废物管理体制机制") and "指导" not in second.text
    assert sum(1 for u in tasks if u.lead) == 1  # only the note that names a lead gives one


def test_archive_page_with_notes_after_each_task(plans):
    """Header block (标题/发布时间/文号/发布机构) then the page on one line; "（责任单位：X、Y）" after each task."""
    doc = plans["pingtan-2015-shehuixinyong"]
    assert doc.title == "平潭综合实验区社会信用体系建设规划（2015-2020年）任务分工实施方案"
    assert doc.meta.doc_number == "岚综管办〔2015〕165号" and doc.meta.dates.get("published") == "2015-09-02"
    items = [u for u in doc.units if u.kind == "item"]
    assert [u.number for u in items] == list(range(1, len(items) + 1)) and len(items) >= 34
    assert all(u.responsible and not u.lead for u in items)  # no rule says who leads
    assert doc.unit("item-8").responsible == ("区人民银行平潭支行",)
    assert not any("当前位置" in u.text or "QQ空间" in u.text for u in doc.units)


def test_labelled_fields_after_a_task_with_two_stage_deadlines(plans):
    doc = plans["pingtan-2019-zhaotoubiao"]
    assert doc.title == "平潭综合实验区工程项目招投标领域营商环境专项整治实施方案"
    first = doc.unit("part-3.measure-1")
    assert first.lead == ("区公共资源交易综合监管办",)
    assert first.support == ("区交通与建设局", "区农业农村局", "区公共资源交易中心")
    assert first.deadline == "2019年10月13日前完成阶段性工作，2019年底前全面完成"
    check = doc.unit("part-3.measure-2.item-3")
    assert check.lead == ("区经济发展局", "区行政审批局") and len(check.support) == 3
    assert doc.unit("part-3.measure-2.item-5").responsible == ("区公共资源交易综合监管办",)
    assert doc.unit("part-3.measure-2.item-5").deadline_date == date(2019, 12, 5)
    assert "牵头单位" not in first.text and "完成时限" not in first.text


def test_run_together_plan_page_is_read(plans):
    doc = plans["pingtan-2016-shengtaihuanjing"]
    assert doc.title == "平潭综合实验区2016年生态环境保护工作要点"
    assert doc.meta.doc_number == "岚综管综〔2016〕62号"
    assert [u.number for u in doc.units if u.kind == "part"] == list(range(1, 12))


def test_task_table_run_together_by_a_crawler(plans):
    """Cells run together on one line: 46 numbered tasks in 11 groups; "注：主要责任单位第一个为牵头单位，其余为
    主要配合单位" (written after the table) makes the first unit lead and the others support."""
    doc = plans["pingtan-2016-shengtaihuanjing"]
    tasks = doc.tasks
    assert [t.number for t in tasks] == list(range(1, 47))
    assert len({t.category for t in tasks}) == 11
    assert all(t.lead and t.deadline for t in tasks)
    first = doc.unit("task-1")
    assert first.text == "建立生态文明建设领导机制，成立我区生态文明建设领导小组"
    assert first.category == "推进生态文明建设" and first.deadline_date == date(2016, 3, 31)
    assert first.lead == ("区经发局",) and first.support == ("区环土局",)
    sixteen = doc.unit("task-16")
    assert sixteen.lead == ("相关乡镇人民政府",) and sixteen.support == ("区环土局", "区农发局")
    assert doc.unit("task-22").category == "城乡生活污水处置、垃圾无害化处置"
    assert doc.unit("task-46").text == "完成城乡生态环境整治项目投资1.47亿元"
    assert "序号" not in " ".join(u.text for u in doc.units)


def test_every_note_in_the_plans_is_a_unit_with_fields(plans):
    """No closing responsibility note is left in any unit's text."""
    import re

    note = re.compile(r"[（(](?:[^（）()]*、)?[^（）()]{2,80}(?:负责|牵头|指导|责任单位[：:][^（）()]+)[)）]\s*$")
    for name, doc in plans.items():
        for unit in doc.units:
            for line in unit.text.split("\n"):
                assert not note.search(line), (name, unit.ref, line[-60:])


# --- shapes from real excerpts, as small texts ------------------------------------------------------------

CUT_NOTE = """某市2021年优化营商环境工作要点

一、提升市场主体满意度

1.全面推行市场主体登记确认制改革。〔牵头单位:市市场监管局、发展改革委;配合单位:市公安局、市税务局,各县(区)人民"""

DIVISIONS = """某局2022年政务公开工作要点

一、加强政策解读

1.做好政策文件解读工作，做到解读与文件同步起草、同步审签、同步发布。
责任处室：办公室牵头，各相关处室配合
完成时限：2022年12月底前
"""


def test_note_cut_by_the_end_of_the_file(tmp_path):
    path = tmp_path / "cut.txt"
    path.write_text(CUT_NOTE, encoding="utf-8")
    unit = parse_document(path, "cut").unit("item-1")
    assert unit.lead == ("市市场监管局", "市发展改革委")
    assert unit.support[:2] == ("市公安局", "市税务局")
    assert unit.text == "全面推行市场主体登记确认制改革。"


def test_internal_divisions_line(tmp_path):
    path = tmp_path / "divisions.txt"
    path.write_text(DIVISIONS, encoding="utf-8")
    unit = parse_document(path, "div").unit("item-1")
    assert unit.lead == ("办公室",) and unit.support == ("各相关处室",)
    assert unit.deadline_date == date(2022, 12, 31)


def test_chapters_counted_as_written():
    doc = parse_document(ROOT / "tests" / "data" / "library" / "shandong-2021-private-economy-regulation.md", "sd")
    chapters = [u for u in doc.units if u.kind == "chapter"]
    assert [u.number for u in chapters] == [1, 2, 3, 5, 6, 7]
    assert len([u for u in doc.units if u.kind == "article"]) == 50


# --- set answers over the plans: complete ----------------------------------------------------------------


@pytest.fixture(scope="module")
def store(plans, tmp_path_factory):
    from assistant.library.store import LibraryStore

    s = LibraryStore(tmp_path_factory.mktemp("plans") / "library.db")
    for doc in plans.values():
        s.put(doc, "test")
    return s


@pytest.mark.parametrize("question, role, agency", [
    ("哪些任务由海关总署负责？", "any", "海关总署"),
    ("哪些任务由区经济发展局负责", "any", "区经济发展局"),
    ("生态环境部指导或负责哪些工作", "any", "生态环境部"),
    ("哪些任务由人力资源社会保障部牵头？", "lead", "人力资源社会保障部"),
])
def test_set_answers_are_complete_over_the_plans(plans, store, question, role, agency):
    from assistant.answering.table_query import select_rows
    from assistant.understanding.lexicon import Lexicon
    from assistant.understanding.query_parse import parse_question

    lexicon = Lexicon.build(store.agency_names(), [])
    parsed = parse_question(question, lexicon)
    assert [(a.names, a.role) for a in parsed.agencies] == [((agency,), role)]
    docs = list(store.documents().values())
    got = {(d.doc, u.ref) for d, units in select_rows(store, docs, parsed) for u in units}
    fields = ("lead",) if role == "lead" else ("lead", "support", "responsible")
    expected = {(d.doc, u.ref) for d in plans.values() for u in d.units
                if any(agency in getattr(u, f) for f in fields)}
    assert got == expected and len(expected) >= 3


@pytest.mark.parametrize("role", ["lead", "support"])
def test_rows_naming_an_agency_only_as_responsible_count_by_its_place_in_the_note(plans, store, role):
    """"（X、Y负责）" without a lead: asked who leads, X's rows where it is named first are added (the usual
    convention), asked who supports, those where it is named later; each set written out with a note."""
    from assistant.answering.citations import Marks
    from assistant.answering.table_query import rows_by_position
    from assistant.answering.writers import write_rows
    from assistant.understanding.lexicon import Lexicon
    from assistant.understanding.query_parse import parse_question

    lexicon = Lexicon.build(store.agency_names(), [])
    parsed = parse_question(f"哪些任务由生态环境部{'牵头' if role == 'lead' else '配合'}？", lexicon)
    docs = list(store.documents().values())
    got = {(d.doc, u.ref) for d, units in rows_by_position(store, docs, parsed) for u in units}
    expected = {(d.doc, u.ref) for d in plans.values() for u in d.units if "生态环境部" in u.responsible
                and (u.responsible.index("生态环境部") == 0) == (role == "lead")}
    assert got == expected and got
    assert not any(d.unit(ref).lead for d in plans.values() for doc, ref in got if d.doc == doc)
    groups = [(d, [d.unit(ref) for doc, ref in sorted(got) if doc == d.doc]) for d in docs]
    text, quotes = write_rows(parsed, groups, False, Marks({d.doc: d for d in docs}), got)
    assert f"其中 {len(got)} 项" in text and set(quotes) == got


def test_store_keeps_responsible_units(plans, store):
    doc = plans["pingtan-2015-shehuixinyong"]
    loaded = store.documents()[doc.doc]
    assert [u.responsible for u in loaded.units] == [u.responsible for u in doc.units]
    assert [u.responsible_raw for u in loaded.units] == [u.responsible_raw for u in doc.units]


def test_tab_table_with_section_rows_and_a_guidance_column(plans):
    """An annex table written with tabs, its sections ("一、…（共5项）") on lines of their own between the rows:
    every row is a task under its section, the 指导部门 column gives responsible units."""
    doc = plans["gov-2018-guobanfa126"]
    tasks = doc.tasks
    numbers = [t.number for t in tasks]
    assert numbers == sorted(numbers) and numbers[:5] == [1, 2, 3, 4, 5] and len(tasks) >= 15
    assert all(t.responsible for t in tasks)
    # Sections whose rows were cut ("四、…" right before "五、…") do not end the table.
    assert tasks[0].category.startswith("一、") and tasks[-1].category.startswith("五、")
    assert all("主要内容" in t.fields for t in tasks)
    # A pure-function check of the same shape, so that the rule is not one file's.
    from assistant.ingest.blocks import Paragraph, Table
    from assistant.ingest.text_tables import text_tables

    lines = ["序号\t工作任务\t责任单位", "一、第一类", "1\t甲事项\t市财政局", "二、第二类", "2\t乙事项\t市税务局",
             "三、第三类（行已删减）", "四、第四类", "4\t丁事项\t市商务局"]
    (table,) = text_tables([Paragraph(t) for t in lines])
    assert isinstance(table, Table)
    assert table.rows[1] == ("一、第一类",) * 3 and table.rows[4] == ("2", "乙事项", "市税务局")
    assert table.rows[-1] == ("4", "丁事项", "市商务局")


def test_an_indicator_a_plan_has_no_column_for_does_not_empty_its_rows(plans, store):
    """"人社部牵头的就业措施" reads 就业 as the seed's indicator 人力资源服务; the plans have no 指标 column, so the
    agency decides their rows (and the short name with 部 names the ministry)."""
    from assistant.answering.table_query import select_rows
    from assistant.understanding.lexicon import Lexicon
    from assistant.understanding.query_parse import parse_question

    # The seed notice beside the plans: its 厅 is what 人社 names in the alias data.
    lexicon = Lexicon.build(store.agency_names() + [("自治区人力资源社会保障厅", 12, 0)], ["人力资源服务"])
    parsed = parse_question("人社部牵头的就业措施有哪些？", lexicon)
    assert [a.names for a in parsed.agencies] == [("人力资源社会保障部",)] and parsed.categories
    docs = list(store.documents().values())
    got = {(d.doc, u.ref) for d, units in select_rows(store, docs, parsed) for u in units}
    expected = {(d.doc, u.ref) for d in plans.values() for u in d.units if u.lead[:1] == ("人力资源社会保障部",)}
    assert got == expected and len(expected) >= 5
