"""The policy library on real documents: every format and shape adds cleanly, the document model (counts,
refs, metadata, responsibility in every written form), incremental add/remove with the real model and
index, bad files that leave the library as it was, and the CLI contract of `library list/show --json`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "library"
SEED = ROOT / "corpus" / "guangxi-2022-business-environment-action-plan.txt"
ARTICLES = {"优化营商环境条例": 72, "广东省优化营商环境条例": 66, "北京市优化营商环境条例": 94,
            "济南市优化营商环境条例": 69}
CHAPTERS = {"优化营商环境条例": 7, "广东省优化营商环境条例": 6, "北京市优化营商环境条例": 6, "济南市优化营商环境条例": 8}


def run_cli(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant.app.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout)


def test_committed_copy_equals_shared_library():
    shared = ROOT.parent / "shared" / "library"
    if not shared.is_dir():
        pytest.skip("shared/ not beside this checkout")
    for path in shared.rglob("*"):
        if path.is_file():
            assert (DATA / path.relative_to(shared)).read_bytes() == path.read_bytes(), path.name


# --- every file of the sample library, through the command line -----------------------------------------


@pytest.fixture(scope="module")
def cli_library(tmp_path_factory):
    """A library built by `library add` from every sample file and the seed notice (no index: fast)."""
    root = tmp_path_factory.mktemp("cli")
    args = ["--library", str(root / "docs"), "--index-dir", str(root / "index")]
    # Every regulation, excerpt, plan and OFD file.
    files = [str(p) for p in sorted(DATA.iterdir()) if p.is_file()]
    added = run_cli(*args, "library", "add", *files, str(DATA / "excerpts"), str(DATA / "formats"), str(DATA / "plans"), str(SEED),
                    "--no-index")
    assert added.returncode == 0, added.stderr
    listed = run_cli(*args, "library", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    return args, added, json.loads(listed.stdout), root


def test_every_sample_file_adds_cleanly(cli_library):
    args, added, docs, root = cli_library
    assert "Traceback" not in added.stderr and "无法" not in added.stderr, added.stderr
    assert "跳过说明文件：README.md" in added.stdout
    # Same regulation in two formats: one document with both files as sources.
    by_title = {d["title"]: d for d in docs}
    assert sorted(by_title["优化营商环境条例"]["sources"]) == ["national-2019-regulation.docx", "national-2019-regulation.md"]
    assert sorted(by_title["广东省优化营商环境条例"]["sources"]) == ["guangdong-2022-regulation.md", "guangdong-2022-regulation.pdf"]
    assert sorted(by_title["北京市优化营商环境条例"]["sources"]) == ["beijing-2024-regulation.html", "beijing-2024-regulation.md"]
    files = sorted(p.name for p in (root / "docs").rglob("*") if p.is_file())
    assert len(files) == 33 and "README.md" not in files  # 17 regulation files, 6 excerpts, 2 OFD, 7 plans, the seed
    # The OFD files, with their titles and 文号.
    assert by_title["关于同意张阿三同志辞职的批复"]["doc_number"] == "路卫发〔2011〕76号"
    assert by_title["关于同意张阿三同志辞职的批复"]["sources"] == ["luqiao-2011-health-bureau-reply.ofd"]
    assert by_title["拿来主义"]["sources"] == ["essay-page.ofd"]


def test_list_reports_counts_as_the_documents_number_them(cli_library):
    _, _, docs, _ = cli_library
    by_title = {d["title"]: d for d in sorted(docs, key=lambda d: d["year"] or 0)}  # the newest of a title
    for title, articles in ARTICLES.items():
        assert by_title[title]["counts"]["articles"] == articles, title
        assert by_title[title]["counts"]["chapters"] == CHAPTERS[title], title
        assert by_title[title]["kind"] == "regulation"
    seed = by_title["2022年广西优化营商环境行动方案"]
    assert seed["counts"]["measures"] == 41 and seed["counts"]["tasks"] == 199 and seed["counts"]["parts"] == 9
    assert seed["doc_number"] == "桂政办发〔2022〕40号" and seed["kind"] == "plan" and seed["year"] == 2022
    assert set(seed) >= {"doc", "title", "kind", "issuer", "doc_number", "dates", "counts", "source"}
    national = by_title["优化营商环境条例"]
    assert national["issuer"] == "国务院" and national["doc_number"] == "中华人民共和国国务院令第722号"
    assert national["dates"] == {"adopted": "2019年10月8日", "published": "2019年10月22日", "effective": "2020年1月1日"}
    assert len({d["doc"] for d in docs}) == len(docs) == 30
    # The other regulations, as their own numbering counts them; two versions of one title stay two documents.
    by_doc = {d["doc"]: d for d in docs}
    for doc, articles in {"beijing-2020-regulation": 83, "dezhou-2021-regulation": 48, "qingdao-2021-regulation": 56,
                          "shangqiu-2020-regulation": 37, "kaifeng-2022-regulation": 38,
                          "national-2017-sme-promotion-law": 61, "shenzhen-2023-social-credit-regulation": 90,
                          "national-2019-online-government-services-provisions": 16,
                          "anyang-2021-government-services-regulation": 58}.items():
        assert by_doc[doc]["counts"]["articles"] == articles, doc
    assert by_doc["beijing-2020-regulation"]["year"] == 2020 and by_doc["beijing-2024-regulation"]["year"] == 2024


def test_show_json_has_every_unit_with_its_fields(cli_library):
    args, _, docs, _ = cli_library
    doc_id = next(d["doc"] for d in docs if d["title"] == "广东省优化营商环境条例")
    shown = run_cli(*args, "library", "show", doc_id, "--json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    articles = [u for u in data["units"] if u["kind"] == "article"]
    assert [u["ref"] for u in articles] == [f"article-{n}" for n in range(1, 67)]
    assert all(u["text"] and u["label"].startswith("第") and u["path"][0].startswith("第") for u in articles)
    for unit in data["units"]:
        assert {"ref", "label", "kind", "path", "text", "lead", "support", "deadline"} <= set(unit)
        assert isinstance(unit["lead"], list) and isinstance(unit["support"], list)
    assert run_cli(*args, "library", "show", "广西方案", "--json").returncode == 0  # by its short name
    missing = run_cli(*args, "library", "show", "上海条例")
    assert missing.returncode == 2 and "文库中没有" in missing.stderr and "Traceback" not in missing.stderr


# --- the document model on the real samples -----------------------------------------------------------


def parse(path: Path):
    from assistant.ingest.document import parse_document

    return parse_document(path, path.stem)


@pytest.mark.parametrize("name", ["national-2019-regulation.md", "national-2019-regulation.docx",
                                  "guangdong-2022-regulation.md", "guangdong-2022-regulation.pdf",
                                  "beijing-2024-regulation.md", "beijing-2024-regulation.html",
                                  "jinan-2022-regulation.md"])
def test_regulation_articles_in_every_format(name):
    doc = parse(DATA / name)
    articles = doc.articles
    assert len(articles) == ARTICLES[doc.title]
    assert [a.ref for a in articles] == [f"article-{n}" for n in range(1, len(articles) + 1)]
    assert all(a.text and a.parent and a.parent.startswith("chapter-") for a in articles)
    assert len(doc.of_kind("chapter")) == CHAPTERS[doc.title]
    # An article's （一）（二） are its own items, not units of the document.
    assert not doc.of_kind("measure") and not doc.of_kind("item")


def test_same_regulation_same_units_in_every_format():
    from assistant.library.catalog import same_document

    assert same_document(parse(DATA / "national-2019-regulation.md"), parse(DATA / "national-2019-regulation.docx"))
    assert same_document(parse(DATA / "guangdong-2022-regulation.md"), parse(DATA / "guangdong-2022-regulation.pdf"))
    assert same_document(parse(DATA / "beijing-2024-regulation.md"), parse(DATA / "beijing-2024-regulation.html"))


def test_excerpt_traditional_notes_keep_what_is_written():
    doc = parse(DATA / "excerpts" / "01-xianyang-2022-fangguanfu-gongzuoyaodian.txt")
    item = doc.unit("item-1")
    assert item.text.startswith("全面實施行政許可事項清單管理。")  # the text as written
    assert item.lead == ("市政府办公室", "市行政审批制度改革工作领导小组办公室")  # canonical beside it
    assert item.lead_raw == "市政府辦公室、市行政審批制度改革工作領導小組辦公室"
    assert item.support == ("市级各有关部门及各县市区政府",)
    assert "牽頭" not in item.text  # the note became fields
    assert doc.unit("item-2").text.startswith("持續深化相對集中行政許可權改革")  # cut inside its note: kept


def test_excerpt_lines_after_an_item_and_the_first_unit_rule():
    doc = parse(DATA / "excerpts" / "03-xiamen-2019-yingshang-ruogancuoshi.txt")
    assert doc.meta.doc_number == "厦府办〔2019〕10号" and doc.meta.issuer == "厦门市人民政府办公厅"
    assert doc.title == "厦门市聚焦企业关切进一步落实优化营商环境政策的若干措施"
    first = doc.unit("measure-1")
    assert first.lead == ("市发改委",) and first.support == ("市财政局",)  # 第一责任单位为牵头单位
    assert first.deadline == "持续推进" and first.deadline_date is None
    assert doc.unit("measure-2").lead == ("市建设局",)
    assert "责任单位" not in first.text and "时限要求" not in first.text


def test_excerpt_inline_sub_items_with_notes():
    doc = parse(DATA / "excerpts" / "05-chizhou-2017-simo-yingshang-shishiyijian.txt")
    assert doc.meta.doc_number == "池政〔2017〕101号" and doc.meta.place == "池州市"
    points = [u for u in doc.units if u.kind == "point"]
    assert [p.label for p in points] == ["1.（1）", "1.（2）", "1.（3）"] or [p.ref for p in points] == [
        "point-1", "point-2", "point-3"]
    assert points[0].lead == ("市工商质监局",) and points[1].lead == ("市工商质监局",)
    assert points[0].parent == "part-1.item-1" or points[0].parent == "item-1"


@pytest.mark.parametrize("name, rows, first", [
    ("08-liaozhong-2024-zhengfugongzuobaogao-renwufenjiebiao.txt", 5,
     dict(lead=("区农业农村局",), support=("区发展改革局", "区工业和信息化局", "沈阳近海经济区管委会"),
          category="一、做大做强主导产业")),
    ("10-chizhou-xinfangju-zhengwugongkai-renwuqingdan.txt", 8,
     dict(responsible=("办公室",), lead=(), deadline="年底前", category="强化行政规范性文件集中规范公开")),
    ("11-gongshang-xingzhengshenpi-banshichengxubiao.txt", 5,
     dict(text="个体工商户、个人独资、合伙企业冠名的预先核准", deadline="即办")),
])
def test_cell_per_line_tables(name, rows, first):
    doc = parse(DATA / "excerpts" / name)
    assert doc.meta.kind == "table"
    assert [t.number for t in doc.tasks] == list(range(1, rows + 1))
    for field, value in first.items():
        assert getattr(doc.unit("task-1"), field) == value, field


def test_merged_down_category_repeats():
    doc = parse(DATA / "excerpts" / "10-chizhou-xinfangju-zhengwugongkai-renwuqingdan.txt")
    assert doc.unit("task-4").category == doc.unit("task-3").category == "做好主动公开基础工作"
    assert doc.unit("task-4").text.startswith("规范做好政府信息公开工作年度报告")


# --- responsibility in each written form (real sentences from such documents) --------------------------

NOTES = """某市2023年优化营商环境工作要点

为持续优化营商环境，制定本要点。

一、提升政务服务效能

1.推进企业开办全程网办，实现开办企业1个工作日办结。（市市场监管局牵头，市公安局、市税务局配合）
2.深化工程建设项目审批制度改革。（市住建局牵头，各县区政府按职责分工负责，2023年6月底前完成）
3.优化不动产登记流程。〔牵头单位：市自然资源局、财政局；配合单位：市住建局〕
4.建立惠企政策直达机制。
责任单位：市发展改革委、市财政局、市工业和信息化局
时限要求：2023年9月30日前
5.推行涉企检查清单管理。（市司法局负责，12月底前完成）
"""


def test_every_written_form_of_responsibility(tmp_path):
    path = tmp_path / "yaodian.txt"
    path.write_text(NOTES, encoding="utf-8")
    doc = parse(path)
    assert doc.title == "某市2023年优化营商环境工作要点" and doc.meta.year == 2023
    one, two, three, four, five = (doc.unit(f"item-{n}") for n in range(1, 6))
    assert one.lead == ("市市场监管局",) and one.support == ("市公安局", "市税务局")
    assert one.text == "推进企业开办全程网办，实现开办企业1个工作日办结。"
    assert two.lead == ("市住建局",) and two.support == ("各县区政府",)
    assert two.deadline == "2023年6月底前" and two.deadline_date == date(2023, 6, 30)
    # A prefix written once applies to the names after it: 市自然资源局、财政局 → 市财政局.
    assert three.lead == ("市自然资源局", "市财政局") and three.support == ("市住建局",)
    assert three.lead_raw == "市自然资源局、财政局"
    # 责任单位 without the document saying the first leads: all are responsible, no lead or support guessed.
    assert four.responsible == ("市发展改革委", "市财政局", "市工业和信息化局")
    assert four.lead == () and four.support == ()
    assert four.deadline == "2023年9月30日前" and four.deadline_date == date(2023, 9, 30)
    assert five.responsible == ("市司法局",) and five.lead == () and five.deadline_date == date(2023, 12, 31)


def test_agency_prefix_rules():
    from assistant.ingest.agencies import split_agencies

    assert split_agencies("自治区公安厅、人力资源社会保障厅") == ("自治区公安厅", "自治区人力资源社会保障厅")
    assert split_agencies("市发展改革委、财政局、各区县政府") == ("市发展改革委", "市财政局", "各区县政府")
    assert split_agencies("区农业农村局、市场监管局、沈阳海关") == ("区农业农村局", "区市场监管局", "沈阳海关")
    assert split_agencies("省商务厅、人民银行广州分行") == ("省商务厅", "人民银行广州分行")
    assert split_agencies("北海、防城港、钦州市人民政府") == ("北海市人民政府", "防城港市人民政府", "钦州市人民政府")
    assert split_agencies("各县（市、区）人民政府、市直有关部门")[0] == "各县（市、区）人民政府"


# --- the seed notice in Word and PDF: the same rows as the text file -----------------------------------


def _task_table(doc) -> list:
    """The rows of the 199-row task table. The generated files put a small merged-cell table (4 rows, 序号 1-4)
    before it in the same annex, so the numbers both tables share are told apart by table: table-1.task-1 …"""
    return [t for t in doc.tasks if not t.ref.startswith("table-1.")]


def _rows(tasks) -> list[tuple]:
    return [(t.number, t.category, t.goal, t.lead, t.support, t.deadline, t.deadline_date) for t in tasks]


def test_seed_from_word_table_gives_the_same_rows(notice_docx):
    txt, docx = parse(SEED), parse(notice_docx)
    rows = _task_table(docx)
    assert len(rows) == 199
    assert _rows(rows) == _rows(txt.tasks)
    assert [t.text for t in rows] == [t.text for t in txt.tasks]
    assert docx.title == txt.title and docx.meta.doc_number == txt.meta.doc_number
    # The merged-cell table: the category merged down repeats, the section row spanning it is no row.
    small = [t for t in docx.tasks if t.ref.startswith("table-1.")]
    assert [(t.ref, t.category_raw) for t in small] == [
        ("table-1.task-1", "开办企业"), ("table-1.task-2", "开办企业"), ("table-1.task-3", "开办企业"),
        ("table-1.task-4", "纳税")]
    assert [t.ref for t in rows[:5]] == ["table-2.task-1", "table-2.task-2", "table-2.task-3", "table-2.task-4",
                                         "task-5"]


def test_seed_from_pdf_gives_the_same_rows(notice_pdf):
    txt, pdf = parse(SEED), parse(notice_pdf)
    rows = _task_table(pdf)
    assert len(rows) == 199
    assert _rows(rows) == _rows(txt.tasks)
    assert len(pdf.of_kind("measure")) == 41 and pdf.title == txt.title


# --- bad files: a clear message naming the file, the library as it was --------------------------------


def test_bad_files_leave_the_library_unchanged(tmp_path):
    from assistant.config import load_settings
    from assistant.library.catalog import Library

    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(SEED, folder)
    library = Library(load_settings(library=folder, index_dir=tmp_path / "index"))
    library.sync()
    before = (sorted(library.documents), sorted(p.name for p in folder.iterdir()))
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "扫描件.pdf").write_bytes(b"%PDF-1.4\n%garbage that is no pdf at all\n")
    (bad / "旧格式.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    (bad / "空文件.txt").write_bytes(b"")
    (bad / "损坏.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (bad / "乱码.txt").write_bytes(bytes(range(128, 256)) * 40)
    results = library.add([bad])
    assert [r.status for r in results] == ["error"] * 5
    for r in results:
        assert Path(r.path).name in r.message and "无法" in r.message
    assert "旧格式.doc：文件已损坏或不是有效的 Word/WPS 文档" in " ".join(r.message for r in results)
    assert (sorted(library.documents), sorted(p.name for p in folder.iterdir())) == before


def test_add_skips_files_that_are_not_documents_and_keeps_what_is_there(tmp_path):
    """`library add x/*.md` with a README among the files: skipped with a message, never half-added; a file
    the catalogue holds is never dropped while it is still in the folder."""
    import sqlite3

    from assistant.config import load_settings
    from assistant.library.catalog import Library

    folder, source = tmp_path / "docs", tmp_path / "src"
    folder.mkdir()
    source.mkdir()
    small = DATA / "excerpts" / "03-xiamen-2019-yingshang-ruogancuoshi.txt"
    shutil.copy(small, source / small.name)
    (source / "README.md").write_text("# 说明\n\n这个文件夹存放政策文件。\n", encoding="utf-8")
    (source / "LICENSE.txt").write_text("许可协议\n", encoding="utf-8")
    (source / ".notes.md").write_text("# 备忘\n", encoding="utf-8")
    library = Library(load_settings(library=folder, index_dir=tmp_path / "index"))
    given = sorted(source.iterdir())  # what a shell's x/* gives: each file named
    results = {Path(r.path).name: r for r in library.add(given)}
    assert results[small.name].status == "added"
    for name in ("README.md", "LICENSE.txt", ".notes.md"):
        assert results[name].status == "skipped" and name in results[name].message and "跳过" in results[name].message
    assert sorted(p.name for p in folder.iterdir()) == [small.name]

    # a README taken in by an earlier version stays while it is in the folder (and is not reported as gone)
    from assistant.hashing import file_sha256

    readme = folder / "README.md"
    shutil.copy(source / "README.md", readme)
    with library._writing():
        library._ingest(readme, "README.md", file_sha256(readme))
    again = Library(load_settings(library=folder, index_dir=tmp_path / "index"))
    assert not [m for m in again.sync() if "已不在" in m]
    with sqlite3.connect(tmp_path / "index" / "library.sqlite") as db:
        sources = sorted(row[0] for row in db.execute("SELECT source FROM documents"))
    assert sources == sorted(["README.md", small.name])


# --- incremental index updates with the real model --------------------------------------------------------


def test_add_and_remove_update_the_index_incrementally(tmp_path, real_encoder, seed_vectors):
    from assistant.config import load_settings
    from assistant.library.catalog import Library
    from assistant.retrieval.chunks import library_chunks
    from assistant.retrieval.index_store import load_or_build

    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(SEED, folder)
    settings = load_settings(library=folder, index_dir=tmp_path / "index")
    library = Library(settings)
    library.sync()
    seed_vectors(library)
    first = load_or_build(settings, list(library.documents.values()), real_encoder, library.store, progress=False)
    assert first.manifest.encoded == 0 and len(first) == 242

    results = library.add([DATA / "jinan-2022-regulation.md"])
    assert [r.status for r in results] == ["added"]
    docs = list(library.documents.values())
    second = load_or_build(settings, docs, real_encoder, library.store, progress=False)
    jinan = library.get("济南条例")
    new_chunks = [c for c in library_chunks(docs) if c.doc == jinan.doc]
    assert second.manifest.encoded == len(new_chunks) == 69 + 1  # its articles and its header; nothing else
    assert len(second) == 242 + len(new_chunks)

    removed = library.remove("济南条例")
    assert removed.doc == jinan.doc and not (folder / "jinan-2022-regulation.md").exists()
    third = load_or_build(settings, list(library.documents.values()), real_encoder, library.store, progress=False)
    assert third.manifest.encoded == 0 and len(third) == 242
    assert set(third.manifest.docs) == {d.doc for d in library.documents.values()}


def test_a_read_only_index_folder_still_answers(tmp_path, monkeypatch):
    """A server run by a user who may not write the index folder: the catalogue opens read-only, questions are
    answered, and a change in the library folder is reported instead of written."""
    from assistant.answering.service import Assistant
    from assistant.config import load_settings
    from assistant.library import store as store_module
    from assistant.library.catalog import Library

    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(SEED, folder)
    settings = load_settings(library=folder, index_dir=tmp_path / "index")
    Library(settings).sync()  # built by someone who could write
    database = tmp_path / "index" / "library.sqlite"
    real_access = store_module.os.access
    monkeypatch.setattr(store_module.os, "access",
                        lambda p, mode: False if Path(p) in (database, database.parent) else real_access(p, mode))
    shutil.copy(DATA / "jinan-2022-regulation.md", folder)
    assistant = Assistant(settings, progress=False)
    assert assistant.library.store.read_only
    assert any("只读" in m for m in assistant.sync_messages)
    answer = assistant.ask("税务局牵头的任务一共几项？")
    assert "共 19 项" in answer.answer and len(assistant.docs) == 1
