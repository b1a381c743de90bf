"""Documents as governments publish them, built here from real documents and read back: Word 97 `.doc` and
`.wps` (LibreOffice), OFD (the two real files, and one assembled from a real PDF's text positions the way
the real files are laid out), the seed task table as `.xlsx` (merged category cells, a title row), `.xls`
and GBK `.csv`, and scans (an image-only PDF, a `.png`, a PDF with scanned and text pages) read by OCR."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pdfplumber
import pytest

from assistant.ingest.blocks import Paragraph, RawDocument, ReadError
from assistant.ingest.document import parse_raw
from assistant.ingest.readers import read_file
from generated_docs import SEED, SOFFICE, TASK_HEADER, needs_soffice, read_seed

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "library"
FORMATS = DATA / "formats"
REGULATION_DOCX = DATA / "national-2019-regulation.docx"  # 72 articles, 7 chapters
REGULATION_PDF = DATA / "guangdong-2022-regulation.pdf"  # 66 articles, 6 chapters
TABLE_TITLE = "2022年广西优化营商环境行动方案任务清单"


def parse(path: Path):
    return parse_raw(read_file(path), path.stem)


def articles(doc) -> list[int]:
    return [u.number for u in doc.units if u.kind == "article"]


def task_fields(doc) -> list[tuple]:
    return [(u.number, u.category_raw, u.goal, u.text, u.deadline, u.lead_raw, u.support_raw, u.lead, u.support)
            for u in doc.units if u.kind == "task"]


def soffice_convert(source: Path, target: str, out: Path) -> Path:
    if SOFFICE is None:
        pytest.skip("需要 LibreOffice（soffice） / needs soffice")
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{out / 'profile'}", "--headless", "--convert-to",
                    target, "--outdir", str(out), str(source)], check=True, capture_output=True, timeout=300)
    return out / f"{source.stem}.{target}"


# --- .doc and .wps ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def word97(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("doc")
    return soffice_convert(REGULATION_DOCX, "doc", out)


@needs_soffice
def test_doc_and_wps_read_as_the_docx(word97, tmp_path):
    assert word97.read_bytes().startswith(b"\xd0\xcf\x11\xe0")  # really the Word 97 binary format
    wps = tmp_path / "regulation.wps"
    wps.write_bytes(word97.read_bytes())
    source = parse(REGULATION_DOCX)
    before = set(Path("/tmp").iterdir())
    for path in (word97, wps):
        doc = parse(path)
        assert articles(doc) == list(range(1, 73)) == articles(source)
        assert [u.title for u in doc.units if u.kind == "chapter"] == [u.title for u in source.units
                                                                        if u.kind == "chapter"]
        assert doc.meta.title == source.meta.title == "优化营商环境条例"
        assert doc.format == path.suffix[1:]
    assert not {p for p in set(Path("/tmp").iterdir()) - before if p.name.startswith("assistant-office-")}


def test_doc_without_libreoffice_says_what_to_install(word97, tmp_path, monkeypatch):
    from assistant.ingest.readers import office

    monkeypatch.setattr(office, "soffice", lambda: None)
    with pytest.raises(ReadError) as info:
        read_file(word97)
    assert "需要安装 LibreOffice" in info.value.reason and "libreoffice-writer-nogui" in info.value.reason


# --- OFD -------------------------------------------------------------------------------------------------


def body(raw: RawDocument) -> str:
    return "".join(b.text for b in raw.blocks if isinstance(b, Paragraph))


def test_real_ofd_government_reply():
    doc = parse(FORMATS / "luqiao-2011-health-bureau-reply.ofd")
    assert doc.meta.title == "关于同意张阿三同志辞职的批复"
    assert doc.meta.doc_number == "路卫发〔2011〕76号"
    assert doc.format == "ofd"
    text = body(read_file(FORMATS / "luqiao-2011-health-bureau-reply.ofd"))
    order = ["路卫发〔2011〕76号", "关于同意张阿三同志辞职的批复", "区中医院：",
             "你院《关于给张阿三同志辞职的请示》（路中医发〔2011〕10号）收悉。", "张阿三，男，1978年2月出生",
             "经研究，同意张阿三同", "2011年3月10日"]
    positions = [text.find(s) for s in order]
    assert -1 not in positions and positions == sorted(positions), positions


def test_real_ofd_essay_lines_joined_in_reading_order():
    raw = read_file(FORMATS / "essay-page.ofd")
    assert raw.title_hint == "拿来主义"
    paragraphs = [b.text for b in raw.blocks if isinstance(b, Paragraph)]
    assert paragraphs[0] == "拿来主义" and paragraphs[1] == "鲁迅"
    # One text object per line: the lines of a paragraph join without breaks or spaces, across the page.
    assert paragraphs[2].startswith("中国一向是所谓“闭关主义”，自己不去，别人也不许来。自从给枪炮打破了大门之后")
    assert paragraphs[-1].endswith("没有拿来的，文艺不能自成为新文艺。")
    assert parse(FORMATS / "essay-page.ofd").meta.title == "拿来主义"


def pdf_to_ofd(pdf: Path, prefix: str | None, namespace: str) -> bytes:
    """An OFD laid out like the real ones: a TextObject per run of text (Boundary in mm, per-character
    DeltaX), the PDF's rules and boxes as PathObjects (AbbreviatedData), page paths with or without a leading
    slash, the namespace under another prefix (or none)."""
    mm = 25.4 / 72
    tag = (lambda name: f"{prefix}:{name}") if prefix else (lambda name: name)
    xmlns = f'xmlns:{prefix}="{namespace}"' if prefix else f'xmlns="{namespace}"'
    buffer = io.BytesIO()
    with pdfplumber.open(pdf) as document, zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("OFD.xml", f'<?xml version="1.0" encoding="UTF-8"?><{tag("OFD")} {xmlns} Version="1.1" '
                         f'DocType="OFD"><{tag("DocBody")}><{tag("DocInfo")}><{tag("DocID")}>x</{tag("DocID")}>'
                         f'</{tag("DocInfo")}><{tag("DocRoot")}>/Doc_0/Document.xml</{tag("DocRoot")}>'
                         f'</{tag("DocBody")}></{tag("OFD")}>')
        pages = []
        for index, page in enumerate(document.pages):
            objects = []
            for number, word in enumerate(page.extract_words(x_tolerance=1.5, return_chars=True)):
                chars = [c for c in word["chars"] if c["text"].strip()]
                if not chars:
                    continue
                size = max(c["size"] for c in chars) * mm
                x0, top = chars[0]["x0"] * mm, min(c["top"] for c in chars) * mm
                deltas = " ".join(f"{(b['x0'] - a['x0']) * mm:.2f}" for a, b in zip(chars, chars[1:]))
                text = "".join(c["text"] for c in chars).replace("&", "&amp;").replace("<", "&lt;")
                width = (chars[-1]["x1"] - chars[0]["x0"]) * mm
                objects.append(f'<{tag("TextObject")} ID="{index * 1000 + number + 10}" Font="1" Size="{size:.2f}" '
                               f'Boundary="{x0:.2f} {top:.2f} {width:.2f} {size * 1.2:.2f}"><{tag("TextCode")} X="0" '
                               f'Y="{size:.2f}" DeltaX="{deltas}">{text}</{tag("TextCode")}></{tag("TextObject")}>')
            for number, shape in enumerate(page.lines + page.rects + page.curves):
                pts = [(x * mm, y * mm) for x, y in shape["pts"]] if shape["object_type"] != "rect" else [
                    (shape["x0"] * mm, shape["top"] * mm), (shape["x1"] * mm, shape["top"] * mm),
                    (shape["x1"] * mm, shape["bottom"] * mm), (shape["x0"] * mm, shape["bottom"] * mm)]
                ox, oy = min(p[0] for p in pts), min(p[1] for p in pts)
                path = " ".join(f"{'M' if k == 0 else 'L'} {x - ox:.3f} {y - oy:.3f}" for k, (x, y) in enumerate(pts))
                path += " C" if shape["object_type"] == "rect" else ""
                w, h = max(p[0] for p in pts) - ox, max(p[1] for p in pts) - oy
                objects.append(f'<{tag("PathObject")} ID="{index * 100000 + number + 50000}" Stroke="true" '
                               f'Boundary="{ox:.3f} {oy:.3f} {w:.3f} {h:.3f}"><{tag("AbbreviatedData")}>{path}'
                               f'</{tag("AbbreviatedData")}></{tag("PathObject")}>')
            # Objects in the file in reverse order: reading order comes from positions, not from the file.
            content = "".join(reversed(objects))
            archive.writestr(f"Doc_0/Pages/Page_{index}/Content.xml",
                             f'<?xml version="1.0" encoding="UTF-8"?><{tag("Page")} {xmlns}><{tag("Content")}>'
                             f'<{tag("Layer")} ID="2">{content}</{tag("Layer")}></{tag("Content")}></{tag("Page")}>')
            loc = f"Pages/Page_{index}/Content.xml" if index % 2 else f"/Doc_0/Pages/Page_{index}/Content.xml"
            pages.append(f'<{tag("Page")} ID="{index + 1}" BaseLoc="{loc}"/>')
        width, height = document.pages[0].width * mm, document.pages[0].height * mm
        archive.writestr("Doc_0/Document.xml",
                         f'<?xml version="1.0" encoding="UTF-8"?><{tag("Document")} {xmlns}><{tag("CommonData")}>'
                         f'<{tag("PageArea")}><{tag("PhysicalBox")}>0 0 {width:.1f} {height:.1f}</{tag("PhysicalBox")}>'
                         f'</{tag("PageArea")}></{tag("CommonData")}><{tag("Pages")}>{"".join(pages)}</{tag("Pages")}>'
                         f'</{tag("Document")}>')
    return buffer.getvalue()


@pytest.mark.parametrize("prefix,namespace", [("ofd", "http://www.ofdspec.org/2016"), (None, "http://www.ofdspec.org")])
def test_ofd_from_a_real_regulation_pdf(tmp_path, prefix, namespace):
    path = tmp_path / "guangdong.ofd"
    path.write_bytes(pdf_to_ofd(REGULATION_PDF, prefix, namespace))
    doc, source = parse(path), parse(REGULATION_PDF)
    assert articles(doc) == list(range(1, 67)) == articles(source)
    assert [u.title for u in doc.units if u.kind == "chapter"] == [u.title for u in source.units if u.kind == "chapter"]
    assert [u.text for u in doc.units if u.kind == "article"] == [u.text for u in source.units if u.kind == "article"]


@needs_soffice
def test_ofd_task_table_from_the_generated_notice(notice_pdf, tmp_path):
    """The seed notice as Word → PDF (LibreOffice) → OFD: the ruled 199-row table over many pages, with its
    repeated header and rows cut by page breaks, gives the same rows as the PDF does."""
    path = tmp_path / "notice.ofd"
    path.write_bytes(pdf_to_ofd(notice_pdf, "ofd", "http://www.ofdspec.org/2016"))
    doc, source = parse(path), parse(notice_pdf)
    assert len(task_fields(source)) == 199 + 4  # the task table and the small merged-cell example table
    assert task_fields(doc) == task_fields(source)
    assert doc.meta.title == source.meta.title and doc.meta.doc_number == source.meta.doc_number


def test_broken_ofd(tmp_path):
    path = tmp_path / "broken.ofd"
    path.write_bytes((FORMATS / "essay-page.ofd").read_bytes()[:300])
    with pytest.raises(ReadError, match="不是有效的 OFD"):
        read_file(path)


# --- spreadsheets: the seed task table -------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_tasks():
    return task_fields(parse(SEED))


@pytest.fixture(scope="module")
def table_rows():
    return read_seed()["rows"]


def build_xlsx(path: Path, rows: list[tuple[str, ...]]) -> None:
    """The task table as staff keep it: a title row merged across, the header, each category merged down."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "任务清单"
    sheet.append([TABLE_TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(TASK_HEADER))
    sheet.append(list(TASK_HEADER))
    for row in rows:
        sheet.append([int(row[0]), *row[1:]])
    start = 3
    for r in range(3, len(rows) + 4):
        if r == len(rows) + 3 or rows[r - 3][1] != rows[start - 3][1]:
            if r - 1 > start:
                sheet.merge_cells(start_row=start, start_column=2, end_row=r - 1, end_column=2)
            start = r
    notes = book.create_sheet("说明")
    notes.append(["本表由自治区优化营商环境领导小组办公室汇总"])
    book.save(path)


@pytest.fixture(scope="module")
def xlsx_file(tmp_path_factory, table_rows) -> Path:
    path = tmp_path_factory.mktemp("xlsx") / "task-table.xlsx"
    build_xlsx(path, table_rows)
    return path


def test_xlsx_really_has_merged_category_cells(xlsx_file):
    import openpyxl

    sheet = openpyxl.load_workbook(xlsx_file).worksheets[0]
    merged = [r for r in sheet.merged_cells.ranges if r.min_col == 2]
    assert len(merged) >= 20 and sheet.cell(4, 2).value is None  # the merged cells below the first are empty


def test_xlsx_task_table(xlsx_file, seed_tasks):
    doc = parse(xlsx_file)
    assert doc.meta.title == TABLE_TITLE and doc.meta.kind == "table"
    assert len(seed_tasks) == 199
    assert task_fields(doc) == seed_tasks


@needs_soffice
def test_xls_task_table(xlsx_file, seed_tasks, tmp_path):
    xls = soffice_convert(xlsx_file, "xls", tmp_path)
    if not xls.is_file():
        pytest.skip("LibreOffice Calc 未安装，无法生成 .xls / needs libreoffice-calc-nogui")
    assert xls.read_bytes().startswith(b"\xd0\xcf\x11\xe0")
    doc = parse(xls)
    assert doc.meta.title == TABLE_TITLE
    assert task_fields(doc) == seed_tasks


@needs_soffice
def test_html_exported_xls(tmp_path, table_rows, seed_tasks):
    """Web systems export "Excel" as an HTML table named .xls: read through LibreOffice."""
    import html

    cells = lambda row: "".join(f"<td>{html.escape(c)}</td>" for c in row)  # noqa: E731
    rows = "".join(f"<tr>{cells(r)}</tr>" for r in [TASK_HEADER, *table_rows[:20]])
    page = (f'<html><head><meta charset="utf-8"></head><body><table border="1"><tr><td colspan="7">{TABLE_TITLE}'
            f"</td></tr>{rows}</table></body></html>")
    path = tmp_path / "export.xls"
    path.write_text(page, "utf-8")
    doc = parse(path)
    assert doc.meta.title == TABLE_TITLE
    assert task_fields(doc) == seed_tasks[:20]


def gbk_csv(path: Path, title: str, rows: list[tuple[str, ...]]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([title])
    writer.writerow(TASK_HEADER)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("gbk"))
    return path


def test_gbk_csv_task_table(tmp_path, table_rows, seed_tasks):
    doc = parse(gbk_csv(tmp_path / "task-table.csv", TABLE_TITLE, table_rows))
    assert doc.meta.title == TABLE_TITLE
    assert task_fields(doc) == seed_tasks


def test_broken_spreadsheets(tmp_path):
    for name, data in (("a.xlsx", b"PK\x03\x04broken"), ("b.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1broken")):
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(ReadError):
            read_file(path)


# --- scans: OCR ------------------------------------------------------------------------------------------


def page_images(pdf: Path, pages: list[int], dpi: int = 150):
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf.read_bytes())
    try:
        return [document[i].render(scale=dpi / 72).to_pil().convert("RGB") for i in pages]
    finally:
        document.close()


def pdf_pages(pdf: Path, pages: list[int], out: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    reader, writer = PdfReader(pdf), PdfWriter()
    for i in pages:
        writer.add_page(reader.pages[i])
    with out.open("wb") as f:
        writer.write(f)
    return out


@pytest.fixture(scope="module")
def scans(tmp_path_factory):
    out = tmp_path_factory.mktemp("scans")
    images = page_images(REGULATION_PDF, [0, 1])
    images[0].save(out / "scan.pdf", save_all=True, append_images=images[1:], resolution=150)
    images[0].save(out / "page.png", dpi=(150, 150))
    text = pdf_pages(REGULATION_PDF, [0, 1], out / "text.pdf")
    return out, text


@pytest.mark.slow
def test_image_only_pdf_keeps_every_article(scans):
    out, text = scans
    assert not pdfplumber.open(out / "scan.pdf").pages[0].chars  # really no text layer
    raw = read_file(out / "scan.pdf")
    assert raw.ocr
    doc, source = parse_raw(raw, "scan"), parse(text)
    assert doc.meta.ocr and not source.meta.ocr
    assert articles(doc) == articles(source) and len(articles(doc)) >= 8
    assert doc.meta.title == "广东省优化营商环境条例"
    assert "扫描件识别" in doc.units[0].text
    from assistant.answering.citations import collect_citations

    cited = collect_citations([("scan", "article-1")], {}, {"scan": doc})
    assert cited[0].label == "第一条（扫描件识别）"
    # Recognised text is close to the text layer's: at most a few characters differ per article.
    import difflib

    for ours, theirs in zip(doc.of_kind("article"), source.of_kind("article"), strict=True):
        ratio = difflib.SequenceMatcher(None, ours.text, theirs.text, autojunk=False).ratio()
        assert ratio > 0.97, (ours.label, ours.text, theirs.text)


@pytest.mark.slow
def test_png_page(scans):
    out, text = scans
    doc = parse(out / "page.png")
    assert doc.meta.ocr and doc.format == "image"
    first_page = parse_raw(read_file(pdf_pages(REGULATION_PDF, [0], out / "first.pdf")), "first")
    assert articles(doc) == articles(first_page)


@pytest.mark.slow
def test_pages_with_a_text_layer_are_not_recognised(scans, monkeypatch):
    from pypdf import PdfReader, PdfWriter

    from assistant.ingest.readers import ocr

    out, text = scans
    writer = PdfWriter()
    writer.add_page(PdfReader(text).pages[0])
    writer.add_page(PdfReader(out / "scan.pdf").pages[1])
    mixed = out / "mixed.pdf"
    with mixed.open("wb") as f:
        writer.write(f)
    seen: list[list[int]] = []
    real = ocr.recognise_pdf_pages
    monkeypatch.setattr(ocr, "recognise_pdf_pages", lambda path, data, indices: seen.append(indices) or real(
        path, data, indices))
    doc = parse(mixed)
    assert seen == [[1]]
    assert doc.meta.ocr and articles(doc) == articles(parse(text))


# --- a folder of every format through `library add` ------------------------------------------------------


@needs_soffice
def test_library_add_folder_of_formats(tmp_path, word97, xlsx_file, table_rows):
    import json
    import sys

    folder = tmp_path / "incoming"
    folder.mkdir()
    shutil.copy(word97, folder / "national.doc")
    shutil.copy(xlsx_file, folder / "tasks.xlsx")
    for ofd in FORMATS.glob("*.ofd"):
        shutil.copy(ofd, folder / ofd.name)
    gbk_csv(folder / "营商环境任务.csv", "2022年营商环境重点任务表", table_rows[:30])
    (folder / "broken.wps").write_bytes(b"not a document")
    args = ["--library", str(tmp_path / "docs"), "--index-dir", str(tmp_path / "index")]

    def cli(*more):
        return subprocess.run([sys.executable, "-m", "assistant.app.cli", *args, *more], capture_output=True,
                              text=True, cwd=ROOT, timeout=600)

    added = cli("library", "add", str(folder), "--no-index")
    assert "无法读取文件 broken.wps：" in added.stdout + added.stderr
    listed = json.loads(cli("library", "list", "--json").stdout)
    titles = {d["title"] for d in listed}
    assert {"优化营商环境条例", TABLE_TITLE, "关于同意张阿三同志辞职的批复", "拿来主义", "2022年营商环境重点任务表"} <= titles
    counts = {d["title"]: d["counts"] for d in listed}
    assert counts[TABLE_TITLE]["tasks"] == 199 and counts["2022年营商环境重点任务表"]["tasks"] == 30
    assert not (tmp_path / "docs" / "broken.wps").exists()
