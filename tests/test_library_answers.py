"""Questions over a library of several real documents (the seed notice, four regulations, six excerpts), with
the real model and index: scoped and unscoped questions, documents named the way people name them, exact
sets grouped by document, questions about the documents themselves, and citations that name their document."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "library"
# The four regulations these answers were written against (the folder holds more; a fixed set keeps them stable).
REGULATIONS = ["national-2019-regulation.md", "guangdong-2022-regulation.md", "beijing-2024-regulation.md",
               "jinan-2022-regulation.md"]
SEED = ROOT / "corpus" / "guangxi-2022-business-environment-action-plan.txt"
MARKER = re.compile(r"\[([^\[\]]+)\]")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def library_settings(tmp_path_factory, seed_vectors):
    from assistant.config import load_settings
    from assistant.library.catalog import Library

    root = tmp_path_factory.mktemp("multi")
    folder = root / "docs"
    (folder / "excerpts").mkdir(parents=True)
    shutil.copy(SEED, folder)
    for name in REGULATIONS:
        shutil.copy(DATA / name, folder)
    for path in (DATA / "excerpts").glob("*.txt"):
        shutil.copy(path, folder / "excerpts")
    settings = load_settings(library=folder, index_dir=root / "index")
    library = Library(settings)
    library.sync()
    seed_vectors(library)
    return settings


@pytest.fixture(scope="module")
def bot(library_settings):
    from assistant.answering.service import Assistant

    assistant = Assistant(library_settings, progress=False)
    assistant.warm_up()
    return assistant


def doc_of(bot, short_name: str) -> str:
    return next(d.doc for d in bot.docs.values() if d.short_name == short_name)


def keys(answer) -> list[tuple[str, str]]:
    return [(c.doc, c.ref) for c in answer.citations]


def test_short_names(bot):
    names = {d.short_name for d in bot.docs.values()}
    assert {"广西方案", "国务院条例", "广东条例", "北京条例", "济南条例", "厦门措施", "池州意见"} <= names
    assert len(names) == len(bot.docs) == 11


def test_scope_field_answers_from_that_document_only(bot):
    answer = bot.ask("第二十条规定了什么？", scope="广东省优化营商环境条例")
    assert keys(answer) == [(doc_of(bot, "广东条例"), "article-20")]
    assert not answer.abstained and "人力资源社会保障部门" in answer.answer
    lookup = bot.ask("对信用有什么要求", scope="北京条例")
    assert lookup.citations and {c.doc for c in lookup.citations} == {doc_of(bot, "北京条例")}
    assert all(h.doc == doc_of(bot, "北京条例") for h in lookup.hits[:3])
    unknown = bot.ask("第二十条规定了什么？", scope="上海市优化营商环境条例")
    assert unknown.abstained and "上海市优化营商环境条例" in unknown.answer


@pytest.mark.parametrize("question, short, ref", [
    ("北京的条例第十条是什么", "北京条例", "article-10"),
    ("济南条例第三条说的啥", "济南条例", "article-3"),
    ("国务院那个条例的第七十二条", "国务院条例", "article-72"),
    ("2022年的方案第（三十二）条", "广西方案", "measure-32"),
])
def test_documents_named_in_the_question(bot, question, short, ref):
    answer = bot.ask(question)
    assert keys(answer) == [(doc_of(bot, short), ref)], answer.answer


def test_article_number_without_a_document_shows_each(bot):
    answer = bot.ask("第二十条讲的是什么")
    assert {doc for doc, ref in keys(answer)} == {doc_of(bot, n) for n in ("国务院条例", "广东条例", "北京条例", "济南条例")}
    assert all(ref == "article-20" for _, ref in keys(answer))
    # Several documents cited: every marker names its document.
    assert {m.split("·")[0] for m in MARKER.findall(answer.answer)} >= {"广东条例", "北京条例"}
    assert len({c.doc_title for c in answer.citations}) == 4


@pytest.mark.parametrize("question, expected", [
    ("国务院的条例一共有多少条？", "72 条"),
    ("广东条例分几章", "6 章"),
    ("广西方案一共有多少条措施", "41 条措施"),
    ("2022年的方案任务清单有多少项", "199 项任务"),
])
def test_counts_from_the_document_model(bot, question, expected):
    answer = bot.ask(question)
    assert expected.replace(" ", "") in answer.answer.replace(" ", "").replace("*", ""), answer.answer
    assert not answer.abstained and answer.intent == "document"


def test_library_listing_and_meta(bot):
    listing = bot.ask("文库里都有哪些文件？")
    assert listing.intent == "library"
    for doc in bot.docs.values():
        assert doc.title in listing.answer
    meta = bot.ask("国务院的条例什么时候开始施行？")
    # The article that says "本条例自…起施行" answers first, the dates from the metadata follow.
    national = doc_of(bot, "国务院条例")
    assert "2020年1月1日" in meta.answer and keys(meta) == [(national, "article-72"), (national, "meta")]
    number = bot.ask("厦门的若干措施文号是多少")
    assert "厦府办〔2019〕10号" in number.answer


def test_sets_group_rows_by_document(bot):
    tax = bot.ask("税务局牵头负责哪些任务？")
    assert {c.doc for c in tax.citations} == {doc_of(bot, "广西方案")} and len(tax.citations) == 19
    chizhou = bot.ask("市工商质监局牵头负责哪些工作？")
    assert keys(chizhou) == [(doc_of(bot, "池州意见"), "point-1"), (doc_of(bot, "池州意见"), "point-2")]
    assert "共 **2 项**" in chizhou.answer and "池州" in chizhou.answer
    count = bot.ask("办公室负责的任务有多少项")
    assert "8" in count.answer or "4" in count.answer


def test_not_covered_names_what_the_library_covers(bot):
    answer = bot.ask("上海的条例对开办企业有什么规定？")
    assert answer.abstained and "上海" in answer.answer
    # Short: the kinds of document held and their places, not a wall of titles.
    assert "北京市" in answer.answer and "广西壮族自治区" in answer.answer and "条例" in answer.answer
    assert "文库里有哪些文件" in answer.answer and len(answer.answer) < 300
    year = bot.ask("2021年的行动方案有哪些任务？")
    assert year.abstained and "2021" in year.answer


def test_a_place_inside_a_covered_area_is_answered_with_a_note(bot):
    answer = bot.ask("上海这边注销公司有没有简便的办法？")
    assert not answer.abstained, answer.answer
    assert "上海" in answer.answer and "优化营商环境条例" in answer.answer
    assert {c.doc for c in answer.citations} == {doc_of(bot, "国务院条例")}


def test_every_citation_and_hit_names_its_document(bot):
    for question in ("开办一家企业需要几个工作日？", "政府采购不得限制外地企业参与", "第二十条讲的是什么"):
        answer = bot.ask(question)
        data = answer.to_dict()
        assert len(data["hits"]) >= 10
        titles = {d.doc: d.title for d in bot.docs.values()}
        for c in data["citations"]:
            assert c["doc_title"] == titles[c["doc"]] and c["label"] and c["quote"]
        for h in data["hits"]:
            assert set(h) == {"doc", "doc_title", "ref", "label", "score", "text"} and h["doc_title"] == titles[h["doc"]]


def test_seed_answers_do_not_change_with_more_documents(bot, shared_assistant):
    for question in ("税务局牵头负责哪些任务？", "带外线的供水工程要多少个工作日办完？", "纳税方面11月30日前要完成哪些任务？"):
        alone, together = shared_assistant.ask(question), bot.ask(question)
        assert [c.ref for c in alone.citations] == [c.ref for c in together.citations], question


def test_batch_contract_with_scope(library_settings, bot, tmp_path):
    batch = tmp_path / "q.jsonl"
    lines = [{"id": 1, "question": "第二十条规定了什么？", "scope": "广东条例"},
             {"id": 2, "question": "第二十条规定了什么？", "scope": doc_of(bot, "济南条例")},
             {"id": 3, "question": "第二十条规定了什么？", "history": ["国务院的条例有多少条"]}]
    batch.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "assistant.app.cli", "--library", str(library_settings.library),
                          "--index-dir", str(library_settings.index_dir), "ask", "--batch", str(batch), "--json"],
                         capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr
    objs = [json.loads(line) for line in out.stdout.splitlines()]
    assert [o["id"] for o in objs] == [1, 2, 3]
    assert [(c["doc"], c["ref"]) for c in objs[0]["citations"]] == [(doc_of(bot, "广东条例"), "article-20")]
    assert [(c["doc"], c["ref"]) for c in objs[1]["citations"]] == [(doc_of(bot, "济南条例"), "article-20")]
    assert all(c["doc_title"] for o in objs for c in o["citations"])


def test_numbered_part_after_a_question_on_one_document_stays_in_it(bot):
    """"第三章讲什么？" after a question about one regulation is that regulation's chapter; one it lacks is missing."""
    jinan = doc_of(bot, "济南条例")
    chapter = bot.ask("第三章讲什么？", history=["济南的条例一共有几章？"])
    assert not chapter.abstained and {d for d, _ in keys(chapter)} == {jinan}
    beyond = bot.ask("第九章讲什么？", history=["济南的条例一共有几章？"])
    assert beyond.abstained and "共 8 章" in beyond.answer


def test_comparison_finds_a_compound_each_document_words_apart(bot):
    """拖欠账款: one regulation writes 拖欠…账款, another 拖欠…款项 and 账款 apart; both are compared, each cited."""
    answer = bot.ask("济南和广东两地条例关于拖欠账款是怎么规定的？")
    cited = keys(answer)
    assert not answer.abstained and answer.intent == "compare"
    assert (doc_of(bot, "济南条例"), "article-21") in cited and (doc_of(bot, "广东条例"), "article-27") in cited


def test_a_pronoun_asking_when_it_takes_effect_means_the_document_just_asked_about(bot):
    """"它从哪天起施行？" after "广东条例主要讲了什么": the document's own date, the article that says it first."""
    guangdong = doc_of(bot, "广东条例")
    answer = bot.ask("它从哪天起施行？", history=["广东条例主要讲了什么"])
    assert not answer.abstained and answer.intent == "meta"
    assert keys(answer)[0] == (guangdong, "article-66") and "2022年7月1日" in answer.answer


def test_this_regulation_or_its_numbered_article_means_the_document_just_asked_about(bot):
    """"这个条例哪天开始施行" and "那它的第三十条呢" after a question on one regulation: that regulation, not every
    regulation, and not the article the previous answer quoted."""
    jinan = doc_of(bot, "济南条例")
    when = bot.ask("这个条例哪天开始施行？", history=["济南条例对证明事项有什么要求？"])
    assert not when.abstained and {d for d, _ in keys(when)} == {jinan}
    article = bot.ask("那它的第三十条呢？", history=["广东条例第二十条讲了什么？"])
    assert keys(article) == [(doc_of(bot, "广东条例"), "article-30")], article.answer


def test_switching_the_role_keeps_the_document_of_the_previous_question(bot):
    """"那配合的呢？" after a question scoped to one task table stays in that table."""
    liaozhong = next(d for d in bot.docs.values() if "辽中" in d.meta.place)
    before = "辽中的任务分解表中区发改局牵头的工作有哪些？"
    answer = bot.ask("那配合的呢？", history=[before])
    cited = keys(answer)
    assert cited and {d for d, _ in cited} == {liaozhong.doc}
    assert all("区发展改革局" in liaozhong.unit(ref).support for _, ref in cited)


def test_documents_named_one_after_another_are_all_in_scope(bot):
    """A short name and a name by place and title, joined by 与: both documents, compared side by side."""
    question = "济南条例与国务院的营商环境条例对证明事项的要求"
    scope = bot.understand(question).scope
    assert set(scope.docs) == {doc_of(bot, "济南条例"), doc_of(bot, "国务院条例")}
    answer = bot.ask(question)
    assert answer.intent == "compare" and {d for d, _ in keys(answer)} == set(scope.docs)


def test_which_documents_lists_only_those_that_say_it(bot):
    """"哪些条例规定了…" over the library: a document whose nearest article shares only a common word with the
    question is named among those that say nothing, not listed as a provision."""
    answer = bot.ask("文库里哪些条例对区域评估的费用由谁承担作了规定？")
    assert answer.intent == "compare" and not answer.abstained
    for doc, ref in keys(answer):
        quote = bot.docs[doc].unit(ref).text
        assert "区域评估" in quote, (doc, ref)


def test_a_set_over_a_small_table_still_gives_ten_hits(bot):
    """The contract promises at least ten hits: a table of eight rows is filled up from the rest of the library,
    its own rows first."""
    table = next(d for d in bot.docs.values() if 0 < len(d.tasks) < 10)
    answer = bot.ask("各科室负责哪些任务？", scope=table.doc)
    data = answer.to_dict()
    assert len(data["hits"]) >= 10
    own = [h for h in data["hits"] if h["doc"] == table.doc]
    assert data["hits"][: len(own)] == own


def test_a_place_the_library_lacks_beside_one_it_holds_is_said_to_be_missing(bot):
    """Two places before one kind word: the one held answers, and the answer says the other is not held."""
    answer = bot.ask("云南和济南的条例对容缺受理分别是怎么规定的？")
    assert not answer.abstained and "文库中没有“云南”的条例" in answer.answer
    assert {d for d, _ in keys(answer)} == {doc_of(bot, "济南条例")}


def test_which_documents_counts_a_system_written_without_its_suffix(bot):
    """告知承诺制 is also written 实行告知承诺 (no 制): such a document is listed, not called silent."""
    answer = bot.ask("文库里哪几部条例讲到了告知承诺制？")
    assert answer.intent == "compare"
    cited = {d for d, _ in keys(answer)}
    for doc, ref in keys(answer):
        assert "告知承诺" in bot.docs[doc].unit(ref).text, (doc, ref)
    holders = {d.doc for d in bot.docs.values() if d.meta.kind == "regulation"
               and any("告知承诺" in u.text for u in d.units)}
    assert len(holders) >= 2 and holders <= cited


def test_a_regulation_asked_how_bodies_cooperate_is_answered_from_its_text(bot):
    """"法院和政府怎么配合" of a regulation, which has no task rows: an article, not an empty set of rows."""
    answer = bot.ask("广东条例里企业破产时法院和政府怎么配合？")
    assert answer.intent not in ("list", "count") and not answer.abstained
    assert {d for d, _ in keys(answer)} == {doc_of(bot, "广东条例")}
    assert "法院" in bot.docs[keys(answer)[0][0]].unit(keys(answer)[0][1]).text


def test_a_named_task_list_asked_for_its_tasks_lists_every_row(bot):
    """"…都有哪些任务" of one named table, with nothing else asked: every row, in order, each cited."""
    liaozhong = next(d for d in bot.docs.values() if "辽中" in d.meta.place)
    answer = bot.ask("辽中区那张任务分解表都有哪些任务？")
    assert answer.intent == "list" and not answer.abstained
    assert keys(answer) == [(liaozhong.doc, r.ref) for r in liaozhong.tasks]
    # named in words of its own that the title does not hold (工作报告分解表), asked for its work: the same list
    assert keys(bot.ask("辽中区的工作报告分解表有哪些工作？")) == [(liaozhong.doc, r.ref) for r in liaozhong.tasks]
    topic = bot.ask("辽中区任务分解表里装备制造方面有哪些任务？")  # a topic asked: not the whole table
    assert len(keys(topic)) < len(liaozhong.tasks)


def test_who_is_responsible_is_answered_with_the_rows_units(bot):
    """"…由哪个单位负责" of a task: the row's lead (and support) first, then which task it is."""
    liaozhong = next(d for d in bot.docs.values() if "辽中" in d.meta.place)
    answer = bot.ask("辽中的分解表里，废旧光伏板拆解项目开工由哪个单位负责？")
    doc, ref = keys(answer)[0]
    row = liaozhong.unit(ref)
    assert doc == liaozhong.doc and "光伏" in row.text
    assert answer.answer.startswith(f"**牵头单位：{'、'.join(row.lead)}**")


def test_a_date_written_in_traditional_characters_answers_when(bot):
    """A commitment's date in a document written in Traditional characters is found and quoted."""
    answer = bot.ask("咸阳放管服要点要求两级许可事项清单在什么时候前公布？")
    assert not answer.abstained and "2022年10月底前" in answer.answer


def test_a_word_that_also_names_a_documents_part_does_not_make_a_question_about_the_document(bot):
    """目录 in 收费目录清单 is the subject asked about, not the document's table of contents."""
    answer = bot.ask("国务院条例对收费实行目录清单管理是怎么要求的？")
    assert answer.intent != "outline" and not answer.abstained
    doc, ref = keys(answer)[0]
    assert doc == doc_of(bot, "国务院条例") and "目录清单" in bot.docs[doc].unit(ref).text
    assert bot.ask("国务院条例的目录").intent == "outline"


def test_a_row_asked_by_the_tables_name_gives_its_cell(bot):
    """The words that name the table (办事程序表) do not count against the row: the row's materials cell answers."""
    answer = bot.ask("工商那张办事程序表里，名称变更核准需要提交什么材料？")
    assert answer.answer.startswith("**审报提交材料**")
    doc, ref = keys(answer)[0]
    assert "变更核准" in bot.docs[doc].unit(ref).text


def test_rows_without_a_time_limit_are_a_set(bot):
    """"没有注明完成时限的任务": every row whose limit cell is empty, and none of a table whose rows all have one."""
    liaozhong = next(d for d in bot.docs.values() if "辽中" in d.meta.place)
    answer = bot.ask("辽中分解表里哪些任务没有注明完成时限？")
    assert answer.intent == "list"
    assert keys(answer) == [(liaozhong.doc, r.ref) for r in liaozhong.tasks if not r.deadline]
    seed = next(d for d in bot.docs.values() if len(d.tasks) > 100)
    assert "0 项" in bot.ask("没有期限要求的任务有几项？", scope=seed.doc).answer


def test_a_value_is_not_read_off_the_documents_header(tmp_path):
    """A regulation that states no 公告期: its header's dates (通过日期, 批准日期) are no answer to "几天"."""
    from assistant.answering.service import Assistant
    from assistant.config import load_settings
    from assistant.library.catalog import Library

    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(DATA / "dezhou-2021-regulation.md", folder)
    settings = load_settings(library=folder, index_dir=tmp_path / "index")
    Library(settings).sync()
    answer = Assistant(settings, progress=False).ask("德州条例里，简易注销的公告期是几天？")
    assert answer.abstained and "meta" not in [c.ref for c in answer.citations]
    assert "文件没有给出这一数值" in answer.answer
