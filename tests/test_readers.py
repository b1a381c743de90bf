"""Readers (assistant.ingest.readers) on real documents and on files generated here from real text.

Real files: the regulation library (tests/data/library, a copy of shared/library; READERS_LIBRARY overrides) and the seed
notice in corpus/. Generated here: a .docx of the seed notice (prose, a merged-cell table, the whole 199-row
task table) and a .docx of paragraphs only layout can separate, both turned into PDF by LibreOffice in one
session-scoped run (those tests skip only when soffice is missing); a hand-made PDF that needs no
LibreOffice; a government portal page around the Beijing regulation; broken files of every kind.
"""

from __future__ import annotations

import io
import itertools
import os
import random
import re
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from assistant.ingest.blocks import Paragraph, RawDocument, ReadError, Table
from assistant.ingest.readers import read_file
from assistant.textutil import int_to_cn
from generated_docs import (CENTERED, ENGLISH, MERGED_CAPTION, MERGED_TABLE, RUNNING_HEADER, SEED, TASK_HEADER,
                            needs_soffice)

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = Path(os.environ.get("READERS_LIBRARY", Path(__file__).resolve().parent / "data" / "library"))

ARTICLE = re.compile(r"^第[一二三四五六七八九十百零]+条")
CHAPTER = re.compile(r"^第[一二三四五六七八九十]+章")
PAGE_NUMBER_LIKE = re.compile(r"^[\s\-—–]*(第\s*)?\d+\s*页?[\s\-—–]*$")
def compact(text: str) -> str:
    return "".join(text.split())


def paragraphs(doc: RawDocument) -> list[Paragraph]:
    return [b for b in doc.blocks if isinstance(b, Paragraph)]


def tables(doc: RawDocument) -> list[Table]:
    return [b for b in doc.blocks if isinstance(b, Table)]


def from_first_chapter(doc: RawDocument) -> list[str]:
    """Paragraph texts (whitespace removed) from the first chapter heading on: the regulation's body."""
    texts = [compact(p.text) for p in paragraphs(doc)]
    start = next(i for i, t in enumerate(texts) if CHAPTER.match(t))
    return texts[start:]


# ---------------------------------------------------------------------------------------------------------
# The regulation library: the same regulation in .md and in .docx / .pdf / .html


@pytest.fixture(scope="session")
def library() -> Path:
    assert LIBRARY.is_dir(), f"regulation library missing: {LIBRARY} (set READERS_LIBRARY)"
    return LIBRARY


@pytest.fixture(scope="session")
def read_library(library):
    cache: dict[str, RawDocument] = {}

    def read(name: str) -> RawDocument:
        if name not in cache:
            cache[name] = read_file(library / name)
        return cache[name]

    return read


REGULATIONS = [
    ("national-2019-regulation.md", 72, 7),
    ("national-2019-regulation.docx", 72, 7),
    ("guangdong-2022-regulation.md", 66, 6),
    ("guangdong-2022-regulation.pdf", 66, 6),
    ("beijing-2024-regulation.md", 94, 6),
    ("beijing-2024-regulation.html", 94, 6),
    ("jinan-2022-regulation.md", 69, 8),
]


@pytest.mark.parametrize("name,articles,chapters", REGULATIONS, ids=[r[0] for r in REGULATIONS])
def test_regulation_article_count_and_chapters(read_library, name, articles, chapters):
    doc = read_library(name)
    assert doc.format == name.rsplit(".", 1)[1]
    assert len(doc.sha256) == 64
    texts = [p.text for p in paragraphs(doc)]
    assert sum(1 for t in texts if ARTICLE.match(t)) == articles
    chapter_lines = [t for t in texts if CHAPTER.match(t)]
    # Chapter headings are paragraphs of their own (short: the heading, not a heading glued to text).
    assert len(chapter_lines) == chapters
    assert all(len(compact(t)) <= 20 for t in chapter_lines)
    md_name = name.rsplit(".", 1)[0] + ".md"
    expected = [p.text for p in paragraphs(read_library(md_name)) if CHAPTER.match(p.text)]
    assert [compact(t) for t in chapter_lines] == [compact(t) for t in expected]


@pytest.mark.parametrize("name", [name for name, _, _ in REGULATIONS if name.endswith(".md")])
def test_markdown_structure(read_library, library, name):
    doc = read_library(name)
    blocks = paragraphs(doc)
    assert blocks[0].heading == 1  # "# title"
    assert all(p.heading == 2 for p in blocks if CHAPTER.match(p.text))
    assert not any("INFO END" in p.text or "<!--" in p.text for p in blocks)
    # Every non-empty source line that is not markup is one paragraph, in order.
    source = [ln.strip().lstrip("#").strip() for ln in (library / name).read_text("utf-8").splitlines()]
    source = [compact(ln) for ln in source if ln and not ln.startswith("<!--")]
    assert [compact(p.text) for p in blocks] == source


@pytest.mark.parametrize(
    "name,md_name",
    [
        ("national-2019-regulation.docx", "national-2019-regulation.md"),
        ("guangdong-2022-regulation.pdf", "guangdong-2022-regulation.md"),
        ("beijing-2024-regulation.html", "beijing-2024-regulation.md"),
    ],
)
def test_same_body_as_markdown(read_library, name, md_name):
    """Every paragraph of the regulation's body (articles, their further paragraphs, chapter headings) is the
    same paragraph, in the same order, as in the .md: a PDF paragraph broken mid-sentence, a page number or a
    running header would each add a paragraph here."""
    got, expected = from_first_chapter(read_library(name)), from_first_chapter(read_library(md_name))
    assert got == expected
    got_articles = [t for t in got if ARTICLE.match(t)]
    assert got_articles == [t for t in expected if ARTICLE.match(t)]


def test_pdf_regulation_has_no_page_furniture(read_library):
    doc = read_library("guangdong-2022-regulation.pdf")
    texts = [p.text for p in paragraphs(doc)]
    assert not [t for t in texts if PAGE_NUMBER_LIKE.match(t)]
    # Each article paragraph ends a sentence: none was cut at a line or page end.
    for text in texts:
        if ARTICLE.match(text):
            assert text.rstrip()[-1] in "。；：", text[-30:]
    assert not tables(doc)


def test_docx_regulation_headings(read_library):
    doc = read_library("national-2019-regulation.docx")
    blocks = paragraphs(doc)
    assert blocks[0].text == "优化营商环境条例" and blocks[0].heading == 1
    assert [p.heading for p in blocks if CHAPTER.match(p.text)] == [2] * 7
    assert all(p.heading == 0 for p in blocks if ARTICLE.match(p.text))


def test_html_regulation_title_hint(read_library):
    doc = read_library("beijing-2024-regulation.html")
    assert doc.title_hint == "北京市优化营商环境条例"
    assert all(p.heading == 2 for p in paragraphs(doc) if CHAPTER.match(p.text))


# ---------------------------------------------------------------------------------------------------------
# Plain text: the excerpts and the seed notice


def test_excerpts_one_paragraph_per_line(library):
    files = sorted((library / "excerpts").glob("*.txt"))
    assert len(files) == 6
    for path in files:
        doc = read_file(path)
        assert doc.format == "txt" and not tables(doc)
        lines = [" ".join(ln.split()) for ln in path.read_text("utf-8").splitlines()]
        assert [p.text for p in paragraphs(doc)] == [ln for ln in lines if ln], path.name
    traditional = read_file(files[0])
    assert traditional.blocks[0].text.startswith("以習近平新時代中國特色社會主義思想為指導")  # not converted
    assert "最佳化" in traditional.blocks[1].text
    cell_per_line = read_file(library / "excerpts" / "10-chizhou-xinfangju-zhengwugongkai-renwuqingdan.txt")
    assert [p.text for p in paragraphs(cell_per_line)][:3] == ["工作任务", "|", "具体要求"]


def test_seed_notice_txt_keeps_tab_rows(seed):
    doc = read_file(SEED)
    texts = [p.text for p in paragraphs(doc)]
    tab_rows = [t.split("\t") for t in texts if "\t" in t]
    assert len(tab_rows) == 199 + 45  # every data row plus the header repeated at each page of the original
    assert all(len(cells) == 7 for cells in tab_rows)  # empty last cells (trailing tab) are kept
    data = [tuple(" ".join(c.split()) for c in cells) for cells in tab_rows if tuple(cells) != TASK_HEADER]
    assert data == seed["rows"]
    assert texts[: len(seed["prose"])] == seed["prose"]
    assert not tables(doc)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "gbk", "gb18030"])
def test_txt_encodings(tmp_path, encoding):
    text = SEED.read_text("utf-8")[:6000]
    path = tmp_path / f"notice-{encoding}.txt"
    path.write_bytes(text.encode(encoding))
    expected = [p.text for p in paragraphs(read_file(_write(tmp_path, text)))]
    assert len(expected) > 20
    assert [p.text for p in paragraphs(read_file(path))] == expected


def test_txt_big5_traditional(library, tmp_path):
    source = library / "excerpts" / "01-xianyang-2022-fangguanfu-gongzuoyaodian.txt"
    path = tmp_path / "big5.txt"
    path.write_bytes(source.read_text("utf-8").encode("big5"))
    assert [p.text for p in read_file(path).blocks] == [p.text for p in read_file(source).blocks]


@pytest.mark.parametrize("encoding,cut", [("gbk", b"\xb5"), ("utf-8", "经".encode()[:2])])
def test_txt_file_cut_inside_a_character(tmp_path, encoding, cut):
    """Archived excerpts end where the archive cut them, sometimes inside a character: keep the rest."""
    text = SEED.read_text("utf-8")[:700]
    path = tmp_path / "cut.txt"
    path.write_bytes(text.encode(encoding) + cut)
    assert [p.text for p in read_file(path).blocks] == [p.text for p in read_file(_write(tmp_path, text)).blocks]


def test_txt_whitespace_rules(tmp_path):
    path = _write(tmp_path, "\u3000\u3000第一条\u00a0\u00a0为了\u200b优化。  \n\n\t\t\n\t缩进的一行\n1\t开办企业\t\t\n")
    assert [p.text for p in read_file(path).blocks] == ["第一条 为了优化。", "缩进的一行", "1\t开办企业\t\t"]


def _write(tmp_path: Path, text: str, name: str = "sample.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------------------
# Markdown features beyond the regulations


def test_markdown_elements(tmp_path):
    source = """# 测试通知

<!-- INFO END -->

## 第一章 总则

第一条 这是第一条。
第二条 这是紧接的第二条（软换行）。

1. 第一项要求。
2. 第二项要求。

- 不带编号的一项

（一）保留原样的编号。

| 序号 | 事项 |
|---|---|
| 1 | 事项甲 |

<table><tr><td rowspan="2">开办企业</td><td>1</td></tr><tr><td>2</td></tr></table>
"""
    doc = read_file(_write(tmp_path, source, "sample.md"))
    assert doc.format == "md"
    assert doc.blocks[:3] == (
        Paragraph("测试通知", heading=1),
        Paragraph("第一章 总则", heading=2),
        Paragraph("第一条 这是第一条。"),
    )
    texts = [p.text for p in paragraphs(doc)]
    assert texts[3:] == [
        "第二条 这是紧接的第二条（软换行）。",
        "1. 第一项要求。",
        "2. 第二项要求。",
        "不带编号的一项",
        "（一）保留原样的编号。",
    ]
    assert [t.rows for t in tables(doc)] == [
        (("序号", "事项"), ("1", "事项甲")),
        (("开办企业", "1"), ("开办企业", "2")),
    ]


# ---------------------------------------------------------------------------------------------------------
# Generated .docx of the seed notice, and its PDF


def expected_notice_paragraphs(seed: dict) -> list[str]:
    return [*seed["prose"], MERGED_CAPTION, "2022年广西优化营商环境行动方案任务清单", *seed["trailer"]]


@pytest.fixture(scope="session")
def notice_docx_doc(notice_docx) -> RawDocument:
    return read_file(notice_docx)


def test_docx_notice_paragraphs(notice_docx_doc, seed):
    doc = notice_docx_doc
    assert doc.format == "docx" and doc.title_hint == "2022年广西优化营商环境行动方案"
    blocks = paragraphs(doc)
    assert [p.text for p in blocks] == expected_notice_paragraphs(seed)
    assert {p.text for p in blocks if p.heading == 2} == {
        t for t in seed["prose"] if re.match("^[一二三四五六七八九]、", t)
    }
    assert {p.text for p in blocks if p.centered} == CENTERED
    assert RUNNING_HEADER not in [p.text for p in blocks]  # page headers are not body text


def test_docx_notice_tables(notice_docx_doc, seed):
    doc = notice_docx_doc
    merged, task = tables(doc)
    assert merged.rows == MERGED_TABLE
    assert len(task.rows) == 200
    assert task.rows[0] == TASK_HEADER
    assert list(task.rows[1:]) == seed["rows"]
    # Tables sit between the right paragraphs.
    kinds = [type(b).__name__ + (":" + b.text if isinstance(b, Paragraph) else "") for b in doc.blocks]
    i = kinds.index("Paragraph:" + MERGED_CAPTION)
    assert kinds[i + 1 : i + 4] == ["Table", "Paragraph:2022年广西优化营商环境行动方案任务清单", "Table"]


def test_docx_automatic_numbering_and_nested_table(tmp_path):
    """Articles numbered by a Word list (第%1条, Chinese counting) and items (（%2）) get their numbers as text;
    a table nested in a cell is flattened into the cell's text."""
    doc = Document()
    numbering = doc.part.numbering_part.element
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90"><w:multiLevelType w:val="multilevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
        '<w:lvlText w:val="第%1条"/><w:suff w:val="space"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
        '<w:lvlText w:val="（%2）"/><w:suff w:val="nothing"/></w:lvl></w:abstractNum>'
    )
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))

    def numbered(text: str, level: int) -> None:
        p = doc.add_paragraph(text)
        p._p.get_or_add_pPr().append(
            parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>')
        )

    expected = []
    for n in range(1, 24):
        numbered(f"条文内容{n}。", 0)
        expected.append(f"第{int_to_cn(n)}条 条文内容{n}。")
        if n in (1, 21):
            for k in (1, 2):
                numbered(f"子项{k}；", 1)
                expected.append(f"（{int_to_cn(k)}）子项{k}；")
    outer = doc.add_table(rows=1, cols=2)
    outer.cell(0, 0).text = "外层"
    inner = outer.cell(0, 1).add_table(rows=2, cols=2)
    for r in range(2):
        for c in range(2):
            inner.cell(r, c).text = f"内{r}{c}"
    path = tmp_path / "numbered.docx"
    doc.save(path)

    got = read_file(path)
    assert [p.text for p in paragraphs(got)] == expected
    (table,) = tables(got)
    assert table.rows[0][0] == "外层"
    assert compact(table.rows[0][1]) == "内00内01内10内11"





@pytest.fixture(scope="session")
def notice_pdf_doc(notice_pdf) -> RawDocument:
    return read_file(notice_pdf)


@needs_soffice
def test_generated_pdf_really_splits_rows_and_repeats_header(notice_pdf):
    """The fixture must exercise what the reader claims to handle: the task table spans pages, its header
    repeats, and at least one row is cut by a page break (its 序号 cell is empty on the next page)."""
    import pdfplumber

    header = [compact(h) for h in TASK_HEADER]
    pages_with_header, split_rows = 0, 0
    with pdfplumber.open(notice_pdf) as pdf:
        assert len(pdf.pages) >= 5
        for page in pdf.pages[1:]:
            found = page.extract_tables({"vertical_strategy": "lines", "horizontal_strategy": "lines"})
            rows = [[compact(c or "") for c in row] for row in (found[0] if found else [])]
            if len(rows) >= 2 and rows[0] == header:
                pages_with_header += 1
                split_rows += rows[1][0] == ""
            if pages_with_header >= 3 and split_rows:
                break
    assert pages_with_header >= 3
    assert split_rows, "no row was split by a page break"


@needs_soffice
def test_pdf_notice_one_table_with_all_rows(notice_pdf_doc, seed):
    merged, task = tables(notice_pdf_doc)
    assert merged.rows == MERGED_TABLE
    assert compact("".join(task.rows[0])) == compact("".join(TASK_HEADER))
    assert len(task.rows) == 200
    assert [[compact(c) for c in row] for row in task.rows[1:]] == [[compact(c) for c in row] for row in seed["rows"]]


@needs_soffice
def test_pdf_notice_paragraphs_rebuilt(notice_pdf_doc, notice_docx_doc, seed):
    """Paragraphs rebuilt from wrapped lines equal the Word paragraphs; no running header or page number."""
    doc = notice_pdf_doc
    assert doc.title_hint == "2022年广西优化营商环境行动方案"
    got = [compact(p.text) for p in paragraphs(doc)]
    assert got == [compact(t) for t in expected_notice_paragraphs(seed)]
    assert not [p.text for p in paragraphs(doc) if PAGE_NUMBER_LIKE.match(p.text) or RUNNING_HEADER in p.text]
    assert {compact(p.text) for p in paragraphs(doc) if p.centered} == {compact(t) for t in CENTERED}
    # Same order of paragraphs and tables as the Word file.
    kinds = [type(b).__name__ for b in doc.blocks]
    assert kinds == [type(b).__name__ for b in notice_docx_doc.blocks]


@needs_soffice
def test_pdf_paragraphs_told_apart_by_layout_only(pdf_dir, reflow_docx):
    _, expected = reflow_docx
    doc = read_file(pdf_dir / "reflow.pdf")
    got = paragraphs(doc)
    assert [compact(p.text) for p in got] == [compact(t) for t in expected]
    assert ENGLISH in [p.text for p in got]  # words split by a line wrap are joined with a space
    assert [p.text for p in got if p.centered] == ["第一章 测试章节", "第二章 测试章节", "第三章 测试章节"]
    assert not [p.text for p in got if "页" in p.text and "共" in p.text]


@needs_soffice
def test_generated_pdf_has_paragraphs_ending_at_the_margin(pdf_dir):
    """The case only the indent rule resolves must be in the fixture: a paragraph's last line reaches the
    right margin and the next paragraph starts on the following line, indented, with no extra space."""
    import pdfplumber

    found = 0
    with pdfplumber.open(pdf_dir / "reflow.pdf") as pdf:
        for page in pdf.pages:
            lines = page.extract_text_lines()
            right = max(line["x1"] for line in lines)
            left = min(line["x0"] for line in lines)
            for line, following in itertools.pairwise(lines):
                if (
                    line["text"].endswith("。")
                    and right - line["x1"] < 12
                    and following["x0"] - left > 12
                    and following["top"] - line["bottom"] < 8
                ):
                    found += 1
    assert found >= 1


def _justified(text: str, first_width: int, width: int, full_last: bool = False) -> list[str]:
    """Lines of a justified paragraph in a monospaced font: the first `first_width` characters long (it is
    indented), the others `width`; every line but the last (with full_last, every line) is padded with
    spaces to its full width."""
    wrapped: list[list[str]] = [[]]
    for word in text.split():
        limit = first_width if len(wrapped) == 1 else width
        if wrapped[-1] and len(" ".join([*wrapped[-1], word])) > limit:
            wrapped.append([])
        wrapped[-1].append(word)
    lines = []
    for i, words in enumerate(wrapped):
        limit = first_width if i == 0 else width
        extra, gaps = limit - len(" ".join(words)), len(words) - 1
        if (i == len(wrapped) - 1 and not full_last) or gaps == 0:
            lines.append(" ".join(words))
        else:
            spaces = [" " * (1 + extra // gaps + (k < extra % gaps)) for k in range(gaps)]
            lines.append("".join(w + sp for w, sp in zip(words, spaces, strict=False)) + words[-1])
    return lines


def _courier_pdf(pages: list[list[tuple[float, float, str]]], width: int = 504, height: int = 700) -> bytes:
    """A minimal PDF whose pages draw the given (x, y, text) lines in 10-point Courier."""
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>",
    ]
    kids = []
    for lines in pages:
        stream = "".join(f"BT /F1 10 Tf {x} {y} Td ({text}) Tj ET\n" for x, y, text in lines).encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream")
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R"
            b" /Resources << /Font << /F1 3 0 R >> >> >>" % (width, height, len(objects))
        )
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


COURIER_PARAGRAPHS = [
    "The council shall publish every regulation within ten working days after adoption, and shall keep the "
    "full text available to the public free of charge.",
    "Each department shall review its procedures every year, remove requirements that have no legal basis, "
    "and report the results to the council before the end of March of the following year, together with a "
    "plan for further simplification of the services offered to companies.",
    "This regulation takes effect on 1 July 2022.",
]


def test_pdf_without_soffice_reflow_headers_and_fake_bold(tmp_path):
    """A hand-made PDF (no LibreOffice needed): a title drawn twice (fake bold), justified paragraphs with
    4-character first-line indents (one ending on a full line), one paragraph running over the page break
    from a full line, a running header whose number changes, and "- N -" page numbers."""
    lines = [
        [(72.0, 680.0, "Ministry Gazette No. 1"), (237.0, 20.0, "- 1 -")],
        [(72.0, 680.0, "Ministry Gazette No. 2"), (237.0, 20.0, "- 2 -")],
    ]
    lines[0] += [(219.0, 630.0, "Regulations"), (219.4, 630.0, "Regulations")]
    flow = []
    for n, text in enumerate(COURIER_PARAGRAPHS):
        # The first paragraph's last line reaches the margin: only the next line's indent ends it.
        justified = _justified(text, 56, 60, full_last=n == 0)
        flow += [(96.0 if i == 0 else 72.0, line) for i, line in enumerate(justified)]
    split = len(_justified(COURIER_PARAGRAPHS[0], 56, 60)) + 2  # two full lines of the second paragraph
    for page, chunk, top in ((0, flow[:split], 600.0), (1, flow[split:], 640.0)):
        lines[page] += [(x, top - 14 * i, text) for i, (x, text) in enumerate(chunk)]
    path = tmp_path / "courier.pdf"
    path.write_bytes(_courier_pdf(lines))

    doc = read_file(path)
    assert [(p.text, p.centered) for p in paragraphs(doc)] == [("Regulations", True)] + [
        (text, False) for text in COURIER_PARAGRAPHS
    ]


# ---------------------------------------------------------------------------------------------------------
# HTML: a government portal page around the document


PORTAL = """<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>北京市优化营商环境条例_政策文件_北京市人民政府网站</title>
<script>var _hmt = _hmt || []; document.write("统计代码");</script>
<style>.nav{{color:red}}</style></head><body>
<div class="header"><div class="logo">北京市人民政府门户网站</div>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/bsfw/">办事服务</a></li>
<li><a href="/hdjl/">互动交流</a></li><li><a href="/zjbj/">走进北京</a></li></ul>
<form class="search"><input name="q"><button>搜索</button></form></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zcwj/">政策文件</a></div>
<div class="main"><div class="left">
<table class="info"><tr><td>索引号：</td><td>000014348/2024-00123</td><td>发文机构：</td><td>北京市人大常委会</td></tr></table>
<div class="article"><div id="zoom" class="TRS_Editor">
{body}
</div>
<div class="share">分享到：<a href="#">微信</a><a href="#">微博</a><a href="#">QQ空间</a></div>
<div class="printbar"><a href="javascript:window.print()">【打印本页】</a><a href="javascript:window.close()">【关闭窗口】</a></div>
</div></div>
<div class="right sidebar"><h3>相关链接</h3><ul><li><a href="/a">北京市优化营商环境条例解读</a></li>
<li><a href="/b">国务院优化营商环境条例</a></li><li><a href="/c">关于进一步优化营商环境的若干措施</a></li></ul></div>
</div>
<div class="footer"><p>主办：北京市人民政府办公厅　承办：北京市政务服务和数据管理局</p>
<p>版权所有：北京市人民政府　京ICP备05060933号　京公网安备11010502035845号</p><p>联系电话：010-12345　网站标识码：1100000088</p></div>
<script type="text/javascript">console.log("analytics");</script>
</body></html>"""
PORTAL_FURNITURE = [
    "首页",
    "政务公开",
    "办事服务",
    "互动交流",
    "当前位置",
    "政策文件",
    "相关链接",
    "条例解读",
    "若干措施",
    "分享到",
    "微信",
    "打印本页",
    "关闭窗口",
    "版权所有",
    "ICP",
    "公网安备",
    "联系电话",
    "网站标识码",
    "统计代码",
    "analytics",
    "搜索",
    "门户网站",
    "索引号",
]


def test_html_portal_page_keeps_only_the_document(library, read_library, tmp_path):
    source = (library / "beijing-2024-regulation.html").read_text("utf-8")
    body = re.search(r"<body>(.*)</body>", source, re.S).group(1)
    body = re.sub(r'<header id="title-block-header">.*?</header>', "", body, flags=re.S)
    path = tmp_path / "portal.html"
    path.write_text(PORTAL.format(body=body), encoding="utf-8")

    doc = read_file(path)
    assert doc.title_hint == "北京市优化营商环境条例_政策文件_北京市人民政府网站"
    all_text = "\n".join(p.text for p in paragraphs(doc))
    assert [word for word in PORTAL_FURNITURE if word in all_text] == []
    assert not tables(doc)
    assert paragraphs(doc)[0] == Paragraph("北京市优化营商环境条例", heading=1)
    assert sum(1 for p in paragraphs(doc) if ARTICLE.match(p.text)) == 94
    assert from_first_chapter(doc) == from_first_chapter(read_library("beijing-2024-regulation.md"))


NOTICE_PAGE = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>关于印发测试措施的通知_通知公告_某某市人民政府</title><script>var a="首页";</script></head>
<body><table width="100%" class="topnav"><tr><td><a href="/">首页</a></td><td><a href="/zwgk">政务公开</a></td></tr></table>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a>通知公告</a></div>
<div class="wrap"><div class="article">
<h1 class="title">关于印发测试措施的通知</h1>
<div class="TRS_Editor" id="zoom">
<p style="text-align:center">某政办发〔2024〕1号</p>
<p>各县（市、区）人民政府，市政府各部门：</p>
<p>&nbsp;&nbsp;&nbsp;&nbsp;现将《测试措施》印发给你们，请认真贯彻执行。</p>
<p align="right">某某市人民政府办公室<br>2024年1月18日</p>
<p>（此件公开发布）</p>
<table border="1"><tr><th>序号</th><th>任务</th><th>牵头单位</th><th>完成时限</th></tr>
<tr><td colspan="4">一、优化政务服务</td></tr>
<tr><td>1</td><td>推行“一网通办”</td><td rowspan="2">市政务服务局</td><td>2024年6月底前</td></tr>
<tr><td>2</td><td><p>压缩审批时限。</p><p>审批时间减少一半。</p></td><td>持续推进</td></tr>
</table>
<p>抄送：市委办公室。</p>
</div>
<div class="bdshare">分享到：<a>微信</a><a>微博</a></div>
</div>
<div class="sidebar"><h3>相关链接</h3><ul><li><a href="#">国务院优化营商环境条例</a></li></ul></div></div>
<div id="foot">版权所有：某某市人民政府　备案号：某ICP备12345678号</div>
</body></html>"""


def test_html_gbk_notice_with_spanning_table(tmp_path):
    path = tmp_path / "notice.htm"
    path.write_bytes(NOTICE_PAGE.encode("gb18030"))
    doc = read_file(path)
    assert doc.format == "html" and doc.title_hint == "关于印发测试措施的通知_通知公告_某某市人民政府"
    assert doc.blocks == (
        Paragraph("关于印发测试措施的通知", heading=1),  # the title above the content div belongs to the document
        Paragraph("某政办发〔2024〕1号", centered=True),
        Paragraph("各县（市、区）人民政府，市政府各部门："),
        Paragraph("现将《测试措施》印发给你们，请认真贯彻执行。"),
        Paragraph("某某市人民政府办公室"),
        Paragraph("2024年1月18日"),
        Paragraph("（此件公开发布）"),
        Table(
            (
                ("序号", "任务", "牵头单位", "完成时限"),
                ("一、优化政务服务",) * 4,
                ("1", "推行“一网通办”", "市政务服务局", "2024年6月底前"),
                ("2", "压缩审批时限。\n审批时间减少一半。", "市政务服务局", "持续推进"),
            )
        ),
        Paragraph("抄送：市委办公室。"),
    )


# ---------------------------------------------------------------------------------------------------------
# Files that cannot be read: always ReadError, naming the file and the reason in Chinese


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hello")
    return buffer.getvalue()


def _jpeg_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(buffer, "JPEG")
    return buffer.getvalue()


def _image_only_pdf() -> bytes:
    """A 'scanned' page: an image of text, no text layer."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 800), "white")
    draw = ImageDraw.Draw(image)
    for y in range(100, 700, 30):
        draw.line((60, y, 540, y), fill="black", width=8)
    buffer = io.BytesIO()
    image.save(buffer, "PDF")
    return buffer.getvalue()


def _encrypted_pdf(source: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(source)))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _blank_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


BAD_FILES = [
    ("empty.txt", b"", "文件为空"),
    ("blank.md", b"  \n\n\t\n", "没有可读取的文字"),
    ("random.txt", random.Random(7).randbytes(4096), "不是文本文件"),
    ("random-no-nul.txt", bytes(b or 1 for b in random.Random(8).randbytes(4096)), "不是文本文件"),
    ("zip.docx", _zip_bytes(), "文件已损坏或不是有效的 Word 文档"),
    ("photo.docx", None, "文件已损坏或不是有效的 Word 文档"),
    ("photo.pdf", None, "文件已损坏或不是有效的 PDF"),
    ("old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "另存为 .docx"),
    ("scan.pdf", None, "PDF 是扫描件，文字识别（OCR）没有识别出文字"),
    ("blank.pdf", None, "PDF 没有可提取的文字层"),
    ("sheet.xlsx", _zip_bytes(), "文件已损坏或不是有效的 Excel 文件"),
    ("notice.wps", b"x", "文件已损坏或不是有效的 Word/WPS 文档"),
    ("picture.JPG", None, "图片中没有识别出文字"),
    ("notes.rtf", b"{\\rtf1 x}", "不支持的文件类型 .rtf（支持 .txt .md .docx .doc .wps .pdf .ofd .html .xlsx .xls .csv .png .jpg），请用 Word 或 WPS 打开后另存为 .docx"),
    ("README", b"text", "不支持没有扩展名的文件"),
    ("empty.html", b"<html><body><script>var a=1;</script></body></html>", "没有可读取的文字"),
]


@pytest.mark.parametrize("name,data,reason", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_files_raise_read_error(tmp_path, name, data, reason):
    if data is None:
        data = {
            "photo.docx": _jpeg_bytes,
            "photo.pdf": _jpeg_bytes,
            "picture.JPG": _jpeg_bytes,
            "scan.pdf": _image_only_pdf,
            "blank.pdf": _blank_pdf,
        }[name]()
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ReadError) as info:
        read_file(path)
    assert reason in info.value.reason
    assert str(info.value).startswith(f"无法读取文件 {name}：")


def test_encrypted_pdf(tmp_path, library):
    path = tmp_path / "locked.pdf"
    path.write_bytes(_encrypted_pdf((library / "guangdong-2022-regulation.pdf").read_bytes()))
    with pytest.raises(ReadError, match=re.escape("locked.pdf：PDF 已加密，无法读取")):
        read_file(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ReadError, match=re.escape("missing.pdf：文件不存在")):
        read_file(tmp_path / "missing.pdf")
    (tmp_path / "folder.txt").mkdir()
    with pytest.raises(ReadError, match=re.escape("folder.txt：这是一个文件夹")):
        read_file(tmp_path / "folder.txt")


@pytest.mark.parametrize(
    "name", ["national-2019-regulation.docx", "guangdong-2022-regulation.pdf", "beijing-2024-regulation.html"]
)
def test_truncated_files_never_raise_anything_else(library, tmp_path, name):
    data = (library / name).read_bytes()
    for fraction in (0.02, 0.3, 0.7, 0.97):
        path = tmp_path / f"cut-{fraction}-{name}"
        path.write_bytes(data[: int(len(data) * fraction)])
        try:
            doc = read_file(path)
        except ReadError as error:
            assert error.reason
        else:
            assert doc.blocks
