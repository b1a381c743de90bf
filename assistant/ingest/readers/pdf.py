"""PDF with a text layer via pdfplumber: paragraphs rebuilt from lines, ruled tables, nothing twice.

Per page: find the ruled tables, take the text lines outside them, and put both in top-to-bottom order.
Across pages: drop running headers/footers, measure the body's layout, reflow lines into paragraphs
(pdf_layout) and join a table continued on the next page into one (pdf_tables).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

from assistant.ingest.blocks import Block, Table
from assistant.ingest.readers._base import Extracted, fail
from assistant.ingest.readers._tables import is_empty, rectangular
from assistant.ingest.readers._text import clean_line
from assistant.ingest.readers.pdf_layout import PdfLine, Reflow, drop_running_lines, make_line, measure
from assistant.ingest.readers.pdf_tables import PdfTable, append_continuation, continues, find_tables

_TEXT_SETTINGS = {"x_tolerance_ratio": 0.25, "y_tolerance": 3}
_NOT_PDF = "文件已损坏或不是有效的 PDF"
_ENCRYPTED = "PDF 已加密，无法读取（请先去除密码）"
_SCANNED = "PDF 是扫描件，文字识别（OCR）没有识别出文字"
_SCANNED_NO_OCR = "PDF 没有可提取的文字层（扫描件），无法做文字识别"
_NO_TEXT = "PDF 没有可提取的文字层（页面上没有文字，也没有可识别的图片）"
_UNMAPPED = "PDF 的文字无法解码（字体缺少字符编码映射），请先做文字识别（OCR）或换用原始文件"


@dataclass
class Page:
    lines: list[PdfLine]
    tables: list[PdfTable]
    height: float
    chars: int = 0
    unmapped: int = 0  # glyphs without a Unicode mapping: pdfminer writes them as "(cid:N)"
    has_image: bool = False  # the page shows an image (a scan, when it has no text layer)


def read_pdf(path: Path, data: bytes) -> Extracted:
    if b"%PDF-" not in data[:1024]:
        raise fail(path, _NOT_PDF)
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = [_read_page(page, index) for index, page in enumerate(pdf.pages)]
            title = _metadata_title(pdf.metadata)
    except Exception as exc:  # pdfminer raises many types (and pdfplumber wraps them) for broken files
        raise fail(path, _ENCRYPTED if _is_encryption_error(exc) else _NOT_PDF, exc) from exc
    if sum(page.unmapped for page in pages) > 0.3 * sum(page.chars for page in pages):
        raise fail(path, _UNMAPPED)
    # Pages without a text layer are scans: their text is recognised; pages with one are read as they are.
    scanned = [index for index, page in enumerate(pages) if not page.chars and page.has_image]
    if scanned:
        from assistant.ingest.readers.ocr import OcrUnavailable, recognise_pdf_pages

        try:
            recognised = recognise_pdf_pages(path, data, scanned)
        except OcrUnavailable as exc:
            raise fail(path, f"{_SCANNED_NO_OCR}：{exc}", exc) from exc
        for index, lines in recognised.items():
            pages[index].lines = lines
    if not any(page.lines or page.tables for page in pages):
        raise fail(path, _SCANNED if scanned else _NO_TEXT)
    return Extracted(assemble(pages), title, ocr=bool(scanned))


def _read_page(page: Any, index: int) -> Page:
    # Fake bold (the same glyph drawn twice, slightly offset) is common in Chinese titles: keep one.
    duplicates = _duplicate_chars(page.chars)
    if duplicates:
        page = page.filter(lambda obj: id(obj) not in duplicates)
    tables = find_tables(page, index)
    boxes = [table.bbox for table in tables]

    def outside_tables(obj: dict) -> bool:
        if obj.get("object_type") != "char":
            return True
        x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

    text_page = page.filter(outside_tables) if boxes else page
    raw_lines = text_page.extract_text_lines(return_chars=True, **_TEXT_SETTINGS)
    lines = [line for raw in raw_lines if (line := make_line(index, raw)) is not None]
    unmapped = sum(1 for char in page.chars if char["text"].startswith("(cid:"))
    return Page(lines, tables, float(page.height), len(page.chars), unmapped, bool(page.images))


def _duplicate_chars(chars: list[dict]) -> set[int]:
    """ids of chars that repeat an earlier char (same text) within about a point in both directions."""
    seen: set[tuple[str, int, int]] = set()
    duplicates: set[int] = set()
    for char in chars:
        text, x, y = char["text"], round(char["x0"]), round(char["top"])
        if text.strip() and any((text, x + dx, y + dy) in seen for dx in (-1, 0, 1) for dy in (-1, 0, 1)):
            duplicates.add(id(char))
        else:
            seen.add((text, x, y))
    return duplicates


def assemble(pages: list[Page]) -> list[Block]:
    bodies = drop_running_lines([page.lines for page in pages], [page.height for page in pages])
    layout = measure(bodies)
    reflow = Reflow(layout) if layout else None
    blocks: list[Block] = []
    open_table: PdfTable | None = None  # the last thing read so far was this table: it may go on
    header: list[list[str]] = []

    def emit_text() -> None:
        if reflow:
            reflow.flush()
            blocks.extend(reflow.paragraphs)
            reflow.paragraphs.clear()

    def close_table() -> None:
        nonlocal open_table
        if open_table is not None:
            rows = rectangular(open_table.rows)
            if not is_empty(rows):
                blocks.append(Table(rows))
            open_table = None

    for page, lines in zip(pages, bodies, strict=True):
        items: list[tuple[float, int, PdfLine | PdfTable]] = [(line.top, 1, line) for line in lines]
        items += [(table.top, 0, table) for table in page.tables]
        items.sort(key=lambda item: (item[0], item[1]))
        for position, (_, _, item) in enumerate(items):
            if isinstance(item, PdfTable):
                emit_text()
                # Only a table that opens the page can continue the table that closed the page before.
                if open_table is not None and position == 0 and continues(open_table, item):
                    open_table = append_continuation(open_table, item, header)
                else:
                    close_table()
                    open_table, header = item, [list(r) for r in item.rows[:3]]
            elif reflow:
                close_table()
                reflow.add(item)
    close_table()
    emit_text()
    return blocks


def _metadata_title(metadata: dict) -> str:
    title = metadata.get("Title") if metadata else None
    if isinstance(title, bytes):
        title = _decode_pdf_string(title)
    return clean_line(title) if isinstance(title, str) else ""


def _decode_pdf_string(raw: bytes) -> str:
    # pdfminer leaves undecodable metadata strings as bytes: UTF-16 with BOM, else a guess.
    for codec in ("utf-16", "utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return ""


def _is_encryption_error(exc: BaseException) -> bool:
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, (PDFPasswordIncorrect, PDFEncryptionError)):
            return True
        stack.extend(arg for arg in current.args if isinstance(arg, BaseException))
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                stack.append(linked)
    return False
