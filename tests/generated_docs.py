"""Files the tests build from the seed notice's real text: a Word file with a real 199-row table (and a
merged-cell table), a Word file whose paragraphs only layout tells apart, and the PDFs LibreOffice makes of
them. Shared by the reader tests and the library tests (fixtures in conftest.py)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "guangxi-2022-business-environment-action-plan.txt"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(
    SOFFICE is None, reason="需要 LibreOffice（soffice）把 .docx 转成 PDF / needs soffice"
)

TASK_HEADER = ("序号", "指标名称", "目标", "具体任务", "完成时限", "牵头单位", "配合单位")
# Seed lines set centred in the generated .docx (title block and the table's title).
CENTERED = {
    "广西壮族自治区人民政府 办公厅文件",
    "桂政办发〔2022〕40号",
    "2022年广西优化营商环境行动方案",
    "2022年广西优化营商环境行动方案任务清单",
}
MERGED_TABLE = (
    ("类别", "序号", "事项", "完成时限"),
    ("一、市场环境",) * 4,
    ("开办企业", "1", "事项甲", "2022年6月30日"),
    ("开办企业", "2", "事项乙", "2022年9月30日"),
    ("开办企业", "3", "事项丙", "2022年11月30日"),
    ("纳税", "4", "事项丁", "2022年12月31日"),
)
MERGED_CAPTION = "表1 重点任务分类示例"
RUNNING_HEADER = "广西壮族自治区人民政府办公厅 行政规范性文件"



def read_seed() -> dict:
    """The seed notice split into prose lines, the 199 task rows and the lines after the table."""
    lines = SEED.read_text("utf-8").splitlines()
    first = next(i for i, ln in enumerate(lines) if ln.startswith("序号\t"))
    prose = [" ".join(ln.split()) for ln in lines[:first] if ln.strip()]
    rows: list[tuple[str, ...]] = []
    last = first
    for i, line in enumerate(lines[first:], first):
        if "\t" in line:
            last = i
            cells = tuple(" ".join(c.split()) for c in line.split("\t"))
            if cells != TASK_HEADER:
                rows.append(cells + ("",) * (7 - len(cells)))
    trailer = [" ".join(ln.split()) for ln in lines[last + 1 :] if ln.strip()]
    assert len(rows) == 199 and [r[0] for r in rows] == [str(n) for n in range(1, 200)]
    return {"prose": prose, "rows": rows, "trailer": trailer}


def _add_field(paragraph, instruction: str) -> None:
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def build_notice_docx(path: Path, seed: dict) -> None:
    """The seed notice as an official-looking Word file: A4, 2-character first-line indents, centred title
    block, 一、 headings in Heading 2, a running header and a "— N —" page-number footer, a small table with
    merged cells and the 199-row task table (header row repeated on each page, rows may break across pages)."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(2.2)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(10.5)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "WenQuanYi Micro Hei")
    header = section.header.paragraphs[0]
    header.text = RUNNING_HEADER
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("— ")
    _add_field(footer, "PAGE")
    footer.add_run(" —")

    for text in seed["prose"]:
        if re.match(r"^[一二三四五六七八九十]+、", text):
            p = doc.add_heading(text, level=2)
        elif text in CENTERED:
            p = doc.add_paragraph(text)
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.runs[0].font.size = Pt(16 if text.endswith("方案") else 12)
        else:
            p = doc.add_paragraph(text)
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            p.paragraph_format.first_line_indent = Pt(21)
        p.paragraph_format.space_after = Pt(0)

    doc.add_paragraph(MERGED_CAPTION)
    merged = doc.add_table(rows=6, cols=4)
    merged.style = "Table Grid"
    for r, row in enumerate(MERGED_TABLE):
        for c, text in enumerate(row):
            if r != 1 and not (r in (3, 4) and c == 0):
                merged.cell(r, c).text = text
    merged.cell(1, 0).merge(merged.cell(1, 3)).text = "一、市场环境"  # a section row across all columns
    merged.cell(2, 0).merge(merged.cell(4, 0))  # a category cell down three rows

    doc.add_paragraph("2022年广西优化营商环境行动方案任务清单").alignment = WD_ALIGN_PARAGRAPH.CENTER
    tasks = doc.add_table(rows=1 + len(seed["rows"]), cols=7)
    tasks.style = "Table Grid"
    tasks.autofit = False
    widths = [Cm(1), Cm(2), Cm(2.4), Cm(5.6), Cm(1.8), Cm(2.2), Cm(2)]
    for c, width in enumerate(widths):
        tasks.columns[c].width = width
    tasks.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for r, row in enumerate([TASK_HEADER, *seed["rows"]]):
        for c, (cell, text) in enumerate(zip(tasks.rows[r].cells, row, strict=True)):
            cell.width = widths[c]
            cell.paragraphs[0].add_run(text).font.size = Pt(9)
    for text in seed["trailer"]:
        doc.add_paragraph(text)
    doc.core_properties.title = "2022年广西优化营商环境行动方案"
    doc.save(path)


def build_reflow_docx(path: Path, seed: dict) -> list[str]:
    """Paragraphs that only the layout can tell apart: no space between paragraphs, 2-character first-line
    indents, lengths chosen so that some last lines end at the right margin (then only the next line's
    indent shows a new paragraph), centred chapter lines, an English paragraph that wraps between words,
    a right-aligned signature and date, a non-indented line after them, and a "第 N 页 共 M 页" footer."""
    text = "".join(ln for ln in seed["prose"][8:40] if not re.match("^[一二三四五六七八九]、", ln))
    text = re.sub(r"[\s0-9A-Za-z%]", "", text)
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(12)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "WenQuanYi Micro Hei")
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer.add_run("第 ")
    _add_field(footer, "PAGE")
    footer.add_run(" 页 共 ")
    _add_field(footer, "NUMPAGES")
    footer.add_run(" 页")
    texts: list[str] = []

    def add(line: str, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent: bool = True) -> None:
        p = doc.add_paragraph(line)
        p.alignment = align
        p.paragraph_format.space_after = p.paragraph_format.space_before = Pt(0)
        if indent:
            p.paragraph_format.first_line_indent = Pt(24)
        texts.append(line)

    position = 0
    for chapter in "一二三":
        add(f"第{chapter}章 测试章节", WD_ALIGN_PARAGRAPH.CENTER, indent=False)
        for length in range(60, 80):
            add(text[position : position + length] + "。")
            position += length
    add(ENGLISH)
    add("广西壮族自治区人民政府办公厅", WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    add("2022年6月17日", WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    add("抄送：自治区党委各部门，广西军区，武警广西总队，各人民团体。", indent=False)
    doc.save(path)
    return texts


ENGLISH = (
    "The State Council issued the Regulations on Optimizing the Business Environment in October 2019, "
    "and the regulations took effect on 1 January 2020 across the whole country."
)


def convert_to_pdf(out: Path, profile: Path, *docx: Path) -> None:
    """Word files → PDFs with LibreOffice, in one run (its start-up is the slow part)."""
    if SOFFICE is None:
        pytest.skip("需要 LibreOffice（soffice）把 .docx 转成 PDF / needs soffice")
    if fc_list := shutil.which("fc-list"):
        fonts = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True).stdout
        assert fonts.strip(), "LibreOffice needs a CJK font: apt-get install fonts-wqy-microhei (or fonts-noto-cjk)"
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf", "--outdir",
         str(out), *map(str, docx)],
        check=True, capture_output=True, timeout=300,
    )
