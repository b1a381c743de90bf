"""Pure functions of understanding and evidence: compounds found where a text writes their words apart, typed
agency names, follow-ups to another version or to the document itself, pinyin glosses (fast: no model, no index)."""

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


def test_follow_up_to_another_version_and_to_the_document_itself():
    from assistant.understanding.followup import resolve

    lexicon = Lexicon.build([], [])
    version = resolve("那2020年版的呢？", ["北京条例对开办企业时间怎么规定的？"], lexicon)
    assert version.rewritten and version.text == "2020年版的北京条例对开办企业时间怎么规定的？"
    replaced = resolve("2020版的呢", ["2024年版北京条例第三条讲什么"], lexicon)
    assert replaced.text.startswith("2020年版") and "2024" not in replaced.text
    # "这个意见" names the document asked about, not a unit of the previous answer.
    document = resolve("这个意见一共有多少条措施？", ["就业意见里教育部参与的措施有哪些？"], lexicon)
    assert not document.refers_back
    unit = resolve("这个什么时候完成？", ["税务局牵头的任务都有哪些？"], lexicon)
    assert unit.refers_back


def test_pinyin_glosses_of_mirror_sites_are_removed_and_nothing_else():
    from assistant.ingest.readers._text import clean_line

    assert clean_line("州政發(fā)〔2021〕3号") == "州政發〔2021〕3号"
    assert clean_line("營商環(huán)境，优(yōu)化（jìng zhēng）") == "營商環境，优化"
    # Brackets without a tone mark are the document's own: (a), (1), (tiaoli).
    assert clean_line("第(1)项 (a) 条例(tiaoli)") == "第(1)项 (a) 条例(tiaoli)"


def test_a_hotline_number_and_the_articles_opening_name_the_subject_of_a_later_sentence():
    from assistant.answering.quotes import answers_with_value

    article = ("依托12345市民服务热线，集中受理有关营商环境的咨询和投诉举报，推进接诉即办。"
               "对属于本部门职权范围内的投诉举报，应当在五个工作日内办结并答复。")
    assert answers_with_value("12345打过去多久会答复？", article, "time")
    # A year is no such name: 2022 in the question and in the text do not make them about the same thing.
    assert not answers_with_value("2022年的申请多久答复？", "2022年起实行新制度。材料应当在三日内报送。", "time")


def test_a_programme_a_title_quotes_names_that_document():
    from assistant.records import DocMeta, Document
    from assistant.understanding.doc_scope import named_by_quoted_name

    docs = [Document("a", DocMeta("国务院办公厅关于印发“无废城市”建设试点工作方案的通知", "notice"), ()),
            Document("b", DocMeta("关于深化“放管服”改革优化营商环境的意见", "plan"), ()),
            Document("c", DocMeta("某市优化营商环境条例", "regulation"), ())]
    assert named_by_quoted_name("无废城市试点怎么选城市", docs) == ([docs[0]], "无废城市")
    assert named_by_quoted_name("放管服改革有哪些任务", docs)[0] == [docs[1]]
    assert named_by_quoted_name("营商环境条例讲什么", docs) == ([], "")


def test_a_short_name_typed_with_another_level_names_the_body_of_that_level():
    """人社 names the provincial 厅 in the alias data; 人社部 is the ministry, when the library has it."""
    lexicon = Lexicon.build([("自治区人力资源社会保障厅", 10, 0), ("人力资源社会保障部", 5, 0)], [])
    assert [m.names for m in lexicon.find("人社部牵头哪些")] == [("人力资源社会保障部",)]
    assert [m.names for m in lexicon.find("人社厅牵头哪些")] == [("自治区人力资源社会保障厅",)]
    alone = Lexicon.build([("自治区人力资源社会保障厅", 10, 0)], [])
    assert [m.names for m in alone.find("人社部牵头哪些")] == [("自治区人力资源社会保障厅",)]  # no ministry held


def test_the_words_of_a_value_do_not_make_a_passage_about_the_subject():
    from assistant.answering.quotes import answers_with_value

    water = "供水、供气、供热新增企业用户报装，应当自报装之日起分别于五个工作日、七个工作日、八个工作日内办结。"
    assert not answers_with_value("企业开办要几个工作日？", water, "time")
    assert answers_with_value("新增用户供水报装要几个工作日？", water, "time")


def test_the_items_of_a_long_article_that_name_what_is_asked():
    from assistant.answering.quotes import items_on_point

    filler = "，".join(["做好相关服务保障工作"] * 6)
    article = ("县级人民政府应当采取下列措施便利经营主体：\n"
               f"（一）推行开办全程网上办理，{filler}；\n"
               f"（二）推行“一业一证”改革，将一个行业涉及的多张许可证整合为一张，{filler}；\n"
               f"（三）推行注销网上办理，{filler}；\n"
               f"（四）推行住所申报承诺制，{filler}。")
    quoted = items_on_point("一业一证是怎么规定的？", article)
    assert quoted.startswith("县级人民政府应当采取下列措施便利经营主体：……") and "（二）推行“一业一证”" in quoted
    assert "（一）" not in quoted and "（三）" not in quoted
    assert items_on_point("这一条讲了什么？", article) is None  # about the article as a whole
    assert items_on_point("一业一证是怎么规定的？", article[:120]) is None  # short enough to quote whole


def test_a_time_is_read_in_the_unit_asked():
    from assistant.answering.quotes import best_quote, in_asked_unit

    hours, days = "热线事项不属于本单位职责的，应当在24小时内退回。", "承办单位应当在五个工作日内办理完毕并回复来电人。"
    assert in_asked_unit("打热线多少天内给回复？", [hours, days]) == [days]
    assert in_asked_unit("打热线几个小时内退回？", [hours, days]) == [hours]
    assert in_asked_unit("打热线多久回复？", [hours, days]) == [hours, days]  # no unit named
    assert best_quote("打热线多少天内给回复？", hours + days, "time") == days.rstrip("。") + "。"


def test_a_system_named_with_its_suffix_is_found_without_it():
    from assistant.answering.evidence import _with_stem

    assert _with_stem("告知承诺制") == ("告知承诺制", "告知承诺")
    assert _with_stem("首问负责制度") == ("首问负责制度", "首问负责")
    assert _with_stem("体制") == ("体制",) and _with_stem("河长制") == ("河长制",)  # the stem would be too short


def test_which_documents_is_asked_with_many_verbs():
    from assistant.language.cues import cue

    for question in ("文库里哪些条例讲到了随机抽查？", "哪几部条例提及信用修复？", "哪些法规涉及电子证照？"):
        assert cue("which_documents").search(question), question
    assert not cue("which_documents").search("这部条例讲到了随机抽查吗？")


def test_places_joined_before_a_kind_word_all_name_documents():
    from assistant.understanding.doc_scope import _kind_words, _names_document

    text = "四川和广东的条例对容缺受理分别怎么规定"
    assert _names_document(text, text.index("四川") + 2, _kind_words(text))
    listed = "云南、贵州、广西三地的条例怎么规定"
    assert _names_document(listed, 2, _kind_words(listed))
    assert not _names_document("四川企业在广东办事要注意什么条例", 2, _kind_words("四川企业在广东办事要注意什么条例"))


def _version(year: int, text: str):
    from assistant.records import DocMeta, Document, Unit

    unit = Unit("article-62", "article", "第六十二条", text=text)
    return Document(f"jinan-{year}", DocMeta("某市优化营商环境条例", "regulation", year=year), (unit,)), unit


def test_two_versions_compared_say_whether_the_point_changed():
    from assistant.answering.answerers.compare import _versions_verdict

    (old, old_unit), (new, new_unit) = _version(2019, "应当在十个工作日内办结。"), _version(2022, "应当在五个工作日内办结。")
    assert "第六十二条文字有修改" in _versions_verdict([(new, new_unit), (old, old_unit)])
    same_old = _version(2019, "应当在五个工作日内办结。")
    assert "没有修改" in _versions_verdict([same_old, (new, new_unit)])
    assert "2019年版没有相关规定，2022年版第六十二条新增" in _versions_verdict([(old, None), (new, new_unit)])
    assert "2022年版中没有找到" in _versions_verdict([(old, old_unit), (new, None)])


def test_another_version_is_not_the_same_document_in_another_format():
    from dataclasses import replace

    from assistant.library.catalog import same_document

    (old, _), (new, _) = _version(2019, "应当在五个工作日内办结。"), _version(2022, "应当在五个工作日内办结。")
    assert not same_document(old, new)  # the text alike, the year not: an amended regulation
    assert same_document(new, replace(new, doc="copy"))  # the same text and metadata: one document


def test_a_document_in_traditional_characters_is_weighed_in_simplified():
    from assistant.answering.evidence import Evidence
    from assistant.records import DocMeta, Document, Unit
    from assistant.textutil import is_traditional

    assert is_traditional("全面實施行政許可事項清單管理") and not is_traditional("全面实施行政许可事项清单管理")
    doc = Document("t", DocMeta("某市工作要點", "plan"), (Unit("item-1", "item", "1.", text="全面實施行政許可事項清單管理。"),
                                                       Unit("item-2", "item", "2.", text="持續優化營商環境。")))
    evidence = Evidence([doc])
    terms = evidence.terms("行政许可事项清单什么时候公布")
    assert evidence.coverage(terms, ("t", "item-1")) > evidence.coverage(terms, ("t", "item-2"))
    assert evidence.coverage(terms, ("t", "item-1")) > 0.4  # 行政许可事项清单 found, only 公布 missing


def test_a_compound_said_in_everyday_words_is_found_where_a_unit_writes_its_words_apart():
    from assistant.answering.evidence import Evidence
    from assistant.records import DocMeta, Document, Unit

    units = (Unit("article-1", "article", "第一条", text="机关不得拖欠民营企业、中小企业账款。"),
             Unit("article-2", "article", "第二条", text="大型企业不得拖欠账款。"),
             Unit("article-3", "article", "第三条", text="企业可以通过热线投诉。"))
    evidence = Evidence([Document("d", DocMeta("某条例", "regulation"), units)])
    terms = evidence.terms("政府欠企业的钱不给怎么办")
    said = next(t for t in terms if t.text == "欠企业的钱")
    assert said.share_in(units[0].text) == 1.0 and said.share_in(units[1].text) == 1.0
    assert said.share_in(units[2].text) == 0.0


def test_which_other_documents_and_the_details_follow_the_previous_question():
    from assistant.understanding.followup import resolve

    lexicon = Lexicon.build([], [])
    others = resolve("还有哪些条例也规定了？", ["青岛条例对首问负责怎么规定？"], lexicon)
    assert others.rewritten and others.text.startswith("哪些条例规定了") and "首问负责" in others.text
    assert "青岛" not in others.text  # any document, not the one asked before
    detail = resolve("具体怎么规定的？", ["哪些条例规定了首问负责？"], lexicon)
    assert detail.rewritten and detail.text == "哪些条例规定了首问负责？"


def test_a_signature_closing_the_text_dates_it(tmp_path):
    from assistant.ingest.document import parse_document

    lines = ["某省人民政府关于做好稳岗工作的若干意见", "某政发〔2021〕3号", "各市人民政府：", "一、总体要求",
             "（一）加大稳岗支持力度。对不裁员的企业返还失业保险费。", "某省人民政府", "2021年3月5日", "（此件公开发布）"]
    (tmp_path / "yijian.txt").write_text("\n".join(lines) + "\n", "utf-8")
    doc = parse_document(tmp_path / "yijian.txt", "d")
    assert doc.meta.dates.get("signed") == "2021年3月5日" and doc.meta.release_note == "此件公开发布"
    assert "2021年3月5日" not in doc.units[-1].text and "公开发布" not in doc.units[-1].text


def test_follow_ups_over_a_list_and_a_part_named_with_its_document():
    from assistant.understanding.followup import resolve

    lexicon = Lexicon.build([("财政部", 3, 2), ("区政府办", 2, 0)], [])
    listed = resolve("都是哪些？", ["这份意见里财政部参与几项措施？"], lexicon)
    assert listed.rewritten and listed.text == "这份意见里财政部参与哪些措施？"
    own = resolve("那各科室负责的呢？", ["分解表里区政府办负责哪些任务？"], lexicon)
    assert own.rewritten and own.text.startswith("分解表里各科室负责") and "区政府办" not in own.text
    part = resolve("泰安条例第五十八条呢？", ["泰安的一窗受理由哪个部门推进？"], lexicon)
    assert not part.rewritten and part.text == "泰安条例第五十八条呢？"


def test_an_agency_typed_without_its_bracketed_part_is_that_agency():
    lexicon = Lexicon.build([("各镇政府（街道办事处）", 2, 1)], [])
    assert lexicon.closest_agency("各镇政府") == ("各镇政府（街道办事处）",)
    parsed = parse_question("分解表里各镇政府负责哪些任务？", lexicon)
    assert [a.names for a in parsed.agencies] == [("各镇政府（街道办事处）",)] and not parsed.unknown_agency


def test_when_it_was_issued_and_what_it_contains_are_questions_about_the_document():
    from assistant.answering.document_answers import asks_meta, asks_outline

    for question in ("这份分解表是哪天发的？", "这个意见是哪年印发的？", "该方案哪一年出台的"):
        assert asks_meta(question), question
    for question in ("放管服要点里有什么内容？", "这个清单中都有哪些内容"):
        assert asks_outline(question), question
    assert not asks_meta("企业开办哪天能拿到执照？") and not asks_outline("开办企业有什么要求？")


def test_an_age_and_a_rate_asked_with_their_question_words():
    from assistant.answering.quotes import answers_with_value, asked_value

    assert asked_value("见习补贴扩大到多大年龄的青年？") == "age"
    text = "组织失业青年参加3—12个月的就业见习。将补贴范围扩展至16—24岁失业青年。"
    assert answers_with_value("见习补贴扩大到多大年龄的青年？", text, "age")
    assert not answers_with_value("见习补贴扩大到多大年龄的青年？", "组织失业青年参加3—12个月的就业见习。", "age")
    rate = "小微企业当年新招用符合条件的人员数量达到企业现有在职职工人数25%并签订劳动合同的，给予贷款。"
    assert answers_with_value("小微企业新招人员占多少比例才能申请贷款？", rate, "rate")


def test_a_count_of_things_is_given_by_a_number_with_a_counter():
    from assistant.answering.quotes import answers_with_value

    dated = "2021年3月底前，试点城市政府对本地区试点情况进行评估总结。"
    counted = "在全国范围内选择10个左右有条件的城市开展试点。"
    assert not answers_with_value("试点要选几个城市？", dated, "number")  # a year is not a count of cities
    assert answers_with_value("试点要选几个城市？", counted, "number")
    # 个 counts anything: 多少个事项 is answered by a number of 项.
    assert answers_with_value("今年新增多少个跨省通办事项？", "2022年新增“跨省通办”事项100项。", "number")
    assert not answers_with_value("今年新增多少家跨省通办企业？", "2022年新增“跨省通办”事项100项。", "number")


def test_a_value_in_traditional_characters_answers_a_simplified_question():
    from assistant.answering.quotes import answers_with_value

    text = "依據國家清單,2022年10月底前編制並公布市、縣兩級行政許可事項清單。"
    assert answers_with_value("行政许可事项清单什么时候编制？", text, "time")


def test_who_supports_a_listed_set_asks_about_those_rows():
    from assistant.understanding.followup import resolve

    lexicon = Lexicon.build([("生态环境部", 3, 2)], [])
    who = resolve("哪些部门配合？", ["生态环境部牵头哪些任务？"], lexicon)
    assert who.refers_back and who.asks == "support"
    role = resolve("那配合的呢？", ["生态环境部牵头哪些任务？"], lexicon)  # the role switched, as before
    assert not role.refers_back and "配合" in role.text and "生态环境部" in role.text


def test_whole_document_lists_and_commitment_dates_are_recognised():
    from assistant.answering.answerers.lookup import _WHEN_DONE, _WHEN_MADE, _WHO_DOES
    from assistant.answering.document_answers import asks_whole_list

    assert asks_whole_list("咸阳的放管服要点有哪些工作？") == "task"
    assert asks_whole_list("这个意见提出了哪些措施？") == "outline"
    assert asks_whole_list("开办企业要几天？") is None
    for question in ("垃圾焚烧厂几月份建成？", "指标体系要在什么时候前建立？", "哪一年前基本建成回收体系？"):
        assert _WHEN_MADE.search(question) and not _WHEN_DONE.search(question), question
    assert _WHEN_DONE.search("这项任务什么时候完成？")
    for question in ("黄标车淘汰由哪个部门负责？", "监测站由谁建设？", "这项工作的责任单位是哪个？"):
        assert _WHO_DOES.search(question), question
    assert not _WHO_DOES.search("企业开办要几个工作日？")


def test_a_demonstrative_with_its_measure_word_is_not_part_of_a_documents_name():
    from assistant.understanding.doc_scope import _title_words

    assert _title_words("平潭那份生态环境保护工作要点里造林多少亩", "工作要点") == "生态环境保护"
    assert _title_words("这部优化营商环境条例第三条", "条例") == "优化营商环境"


def test_a_system_name_cut_in_two_is_one_word_again():
    from assistant.answering.evidence import _system_names

    documents = "各级人民政府应当健全首问负责、一次告知等制度，实行河长制。"
    written = lambda form: form in documents  # noqa: E731
    assert _system_names("哪些条例规定了首问负责制？", ["条例", "首问", "负责制"], written) == ["条例", "首问负责制"]
    # A verb before the suffix, which the documents never write with it, stays a word of its own.
    assert _system_names("哪些条例实行负责制？", ["条例", "实行", "负责制"], written) == ["条例", "实行", "负责制"]
    assert _system_names("河长制", ["河长制"], written) == ["河长制"]


def test_fewer_visits_is_not_a_question_of_how_many():
    from assistant.answering.quotes import asked_value

    assert asked_value("政府检查能不能少来几次？") is None
    assert asked_value("办一次要跑几次？") == "number"


def test_another_date_for_the_same_question_and_a_bare_month_before():
    from datetime import date

    from assistant.understanding.followup import resolve
    from assistant.understanding.query_parse import parse_deadline

    lexicon = Lexicon.build([], [])
    assert resolve("那12月的呢？", ["环保要点中10月底前要完成哪些工作？"], lexicon).text == "环保要点中12月底前要完成哪些工作？"
    assert resolve("那11月30日前的呢？", ["6月底前要完成的任务有哪些？"], lexicon).text.startswith("11月30日前")
    due = parse_deadline("6月前要完成的任务有哪些", date(2016, 3, 31))
    assert due.start is None and due.end == date(2016, 6, 30)
    assert parse_deadline("6月的任务", date(2016, 3, 31)) is None  # a month alone is not a condition


def test_words_of_the_sentence_running_into_a_documents_name():
    from assistant.understanding.doc_scope import resolve_scope
    from assistant.records import DocMeta, Document

    plan = Document("plan", DocMeta("国务院办公厅关于印发“无废城市”建设试点工作方案的通知", "plan", place="全国", year=2018), ())
    other = Document("rule", DocMeta("广东省优化营商环境条例", "regulation", place="广东省", year=2022), ())
    scope = resolve_scope("生态环境部参与了无废城市方案里的多少项任务", [plan, other])
    assert scope.reason is None and scope.docs == ("plan",)


def test_an_item_without_a_heading_is_about_its_measures_heading():
    from assistant.answering.evidence import Evidence
    from assistant.records import DocMeta, Document, Unit

    measure = Unit("measure-23", "measure", "措施（二十三）", title="中介服务业信用建设", text="中介服务业信用建设。")
    item = Unit("item-33", "item", "33.", parent="measure-23",
                text="建立完善中介机构及其从业人员的信用记录和披露制度。", responsible=("区办公室",))
    other = Unit("item-7", "item", "7.", title="重点领域信用记录", text="率先从中介服务等重点领域开始建立信用档案。")
    evidence = Evidence([Document("plan", DocMeta("信用体系建设任务分工方案", "plan"), (measure, item, other))])
    terms = evidence.terms("中介服务业信用建设谁负责？")
    assert evidence.coverage(terms, ("plan", "item-33")) > evidence.coverage(terms, ("plan", "item-7"))


def test_an_amount_is_given_only_by_a_clause_that_names_what_is_counted():
    from assistant.answering.quotes import WHEN_ASKED, answers_with_value, asked_value

    reply = "张某，1978年2月出生，2001年9月参加工作。经研究，同意张某同志辞职。"
    assert not answers_with_value("张某辞职以后医院给了多少经济补偿？", reply, "number")
    assert answers_with_value("张某辞职以后医院给了多少经济补偿？", "同意张某辞职，给予经济补偿3万元。", "number")
    # the documents' word for it, which the thesaurus appends to the question, names it too
    assert answers_with_value("创业能拿到多少补贴？ 奖励", "对创业者给予一次性奖励5000元。", "money")
    # "从哪年开始" prefers a dated unit without requiring one (answerers/lookup.py): not a value kind of its own
    assert asked_value("张某从哪年开始一直没来上班？") is None and WHEN_ASKED.search("张某从哪年开始一直没来上班？")
    # a count asked with 个 prefers a number with a counter, and takes any number when no clause has one
    assert answers_with_value("试点要选几个城市？", "选择10左右城市开展试点。", "number", exact_count=False)


def test_a_preamble_is_quoted_by_what_the_question_asks_beside_the_documents_own_subject():
    from assistant.answering.writers import _without_title_words

    assert _without_title_words("张阿三从哪年开始没来上班？", "关于同意张阿三同志辞职的批复") == " 从哪年开始没来上班？"
    assert _without_title_words("辞职要交什么材料", "关于同意张阿三同志辞职的批复") == "辞职要交什么材料"  # two characters stay


def test_the_day_a_document_was_signed_is_a_question_about_the_document():
    from assistant.answering.document_answers import asks_meta

    assert asks_meta("这份意见是在哪一天成文的？") and asks_meta("这个批复哪一天签发的？")


def test_the_askers_own_shop_and_everyday_verbs_are_not_the_subject():
    from assistant.answering.evidence import Evidence
    from assistant.records import DocMeta, Document, Unit

    row = Unit("task-1", "task", "任务1", text="企业开办营业执照办理全流程压缩至1个工作日。")
    evidence = Evidence([Document("plan", DocMeta("营商环境行动方案", "plan"), (row,))])
    words = [t.text for t in evidence.terms("我想开个奶茶店，营业执照多久能拿到？")]
    assert "奶茶" not in words and "拿到" not in words and "想开" not in words
    assert "营业执照" in words
    assert "奶茶" in [t.text for t in evidence.terms("奶茶的食品许可怎么办？")]  # the subject itself stays


def test_follow_ups_asking_likewise_how_they_differ_where_and_what_else():
    from assistant.understanding.followup import resolve

    lexicon = Lexicon.build([], [])
    before = "德州条例对企业破产府院联动有什么规定？"
    assert resolve("广东的条例也有类似规定吗？", [before], lexicon).text.startswith("广东条例对企业破产府院联动")
    compared = resolve("两者有什么不同？", ["德州和广东的条例对破产分别怎么规定？"], lexicon)
    assert compared.rewritten and compared.text.startswith("德州和广东的条例对破产分别怎么规定") and "不同" in compared.text
    for question in ("具体是哪一条？", "原文怎么写的？", "出自哪里？"):
        where = resolve(question, ["广东条例对容缺受理有规定吗？"], lexicon)
        assert where.refers_back and where.text == "广东条例对容缺受理有规定吗？", question
    for question in ("再详细一点", "能不能说具体些？"):
        assert resolve(question, [before], lexicon).text == before, question
    other = resolve("还有别的条款提到吗？", ["国务院条例对涉企保证金怎么规定？"], lexicon)
    assert other.text.startswith("文库里哪些文件提到了") and "保证金" in other.text and "国务院" not in other.text


def test_a_subject_no_unit_writes_is_unknown_unless_its_words_stand_together():
    from assistant.answering.evidence import Evidence
    from assistant.records import DocMeta, Document, Unit

    plan = Document("plan", DocMeta("环保工作要点", "plan"), (
        Unit("m1", "measure", "（一）", text="推进大气污染整治。"), Unit("m2", "measure", "（二）", text="开展噪声和扬尘污染治理。")))
    evidence = Evidence([plan])
    assert evidence.unknown_subject(evidence.terms("有没有关于光污染的任务？")) == "光污染"
    assert evidence.unknown_subject(evidence.terms("有没有关于噪声污染的任务？")) is None  # 噪声…污染 in one unit


def test_a_library_question_asks_for_the_kinds_it_names():
    from assistant.answering.document_answers import asked_kinds, asks_library

    assert asks_library("文库里有哪些条例？") and asked_kinds("文库里有哪些条例？") == {"regulation"}
    assert asked_kinds("文库里有哪些文件？") == set()
    assert asks_library("有哪些文件？")
    assert not asks_library("就业意见里对退役军人就业有什么政策？")  # about one document


def test_a_limit_written_without_a_figure_is_a_value_of_its_column():
    from datetime import date

    from assistant.answering.answerers.columns import named_values
    from assistant.records import DocMeta, Document, Unit

    rows = (Unit("task-1", "task", "任务1", number=1, text="整治露天烧烤", deadline="全年", deadline_date=date(2016, 12, 31)),
            Unit("task-2", "task", "任务2", number=2, text="建成垃圾焚烧厂", deadline="8月", deadline_date=date(2016, 8, 31)))
    doc = Document("plan", DocMeta("环保工作要点", "plan", year=2016), rows)
    assert [v for _, v in named_values("全年要完成的任务有哪些？", doc)] == ["全年"]
    assert named_values("年底前要完成的任务有哪些？", doc) == []  # a date of its own: the date filter answers
