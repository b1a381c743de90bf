"""Spreadsheets: .xlsx (openpyxl), .xls (xlrd; LibreOffice when xlrd cannot read it), .csv (any encoding).

Every sheet gives its rows as one Table, merged cells expanded (a category merged down over its rows repeats
in each of them); rows above the table's header (a title merged across the sheet, a note) become paragraphs,
so the title is read as a title. The header itself is recognised later, as for any table.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from assistant.ingest.blocks import Block, Paragraph, Table
from assistant.ingest.columns import looks_like_header
from assistant.ingest.readers._base import Extracted, fail
from assistant.ingest.readers._encoding import DecodeFailure, decode_text
from assistant.ingest.readers._tables import is_empty, rectangular
from assistant.ingest.readers._text import clean_line, join_cell_paragraphs

_HEADER_SEARCH = 8  # rows at the top of a sheet that may hold titles and notes above the header
_MAX_CELLS = 2_000_000
_NOT_XLSX = "文件已损坏或不是有效的 Excel 文件"
_NOT_XLS = "文件已损坏或不是有效的 Excel 97 文件（.xls）"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CSV_DELIMITERS = ",\t;|，"

Grid = list[list[str]]


def read_xlsx(path: Path, data: bytes) -> Extracted:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # zipfile, KeyError, InvalidFileException…: a bad file, whatever the cause
        raise fail(path, _NOT_XLSX, exc) from exc
    blocks: list[Block] = []
    for sheet in book.worksheets:
        if sheet.max_row * sheet.max_column > _MAX_CELLS:
            raise fail(path, f"工作表“{sheet.title}”过大（超过 {_MAX_CELLS} 个单元格）")
        grid = [[_cell_text(cell.value) for cell in row] for row in sheet.iter_rows()]
        for merged in sheet.merged_cells.ranges:
            value = grid[merged.min_row - 1][merged.min_col - 1] if grid else ""
            for r in range(merged.min_row - 1, min(merged.max_row, len(grid))):
                for c in range(merged.min_col - 1, min(merged.max_col, len(grid[r]))):
                    grid[r][c] = value
        blocks += sheet_blocks(grid)
    return Extracted(blocks)


def read_xls(path: Path, data: bytes) -> Extracted:
    import xlrd

    if data.startswith(b"PK\x03\x04"):
        return read_xlsx(path, data)  # an .xlsx under the old name
    if not data.startswith(_OLE_MAGIC):
        if data.lstrip()[:1] != b"<":
            raise fail(path, _NOT_XLS)
        # An "xls" that a web system exported as HTML or XML spreadsheet: LibreOffice reads those.
        from assistant.ingest.readers.office import convert

        return read_xlsx(path, convert(path, data, "xlsx"))
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=False)
    except Exception as exc:  # xlrd raises many types for broken or encrypted workbooks
        raise fail(path, _NOT_XLS + "（或已加密）", exc) from exc
    blocks: list[Block] = []
    for sheet in book.sheets():
        grid = [[_xls_text(sheet.cell(r, c), book.datemode) for c in range(sheet.ncols)] for r in range(sheet.nrows)]
        for r0, r1, c0, c1 in sheet.merged_cells:
            value = grid[r0][c0]
            for r in range(r0, r1):
                for c in range(c0, c1):
                    grid[r][c] = value
        blocks += sheet_blocks(grid)
    return Extracted(blocks)


def read_csv(path: Path, data: bytes) -> Extracted:
    try:
        text, _ = decode_text(data)
    except DecodeFailure as exc:
        raise fail(path, str(exc), exc) from exc
    sample = text[:20000]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=_CSV_DELIMITERS)
    except csv.Error:
        dialect = csv.excel
    grid = [[clean_line(cell) for cell in row] for row in csv.reader(io.StringIO(text), dialect)]
    return Extracted(sheet_blocks(grid))


def sheet_blocks(grid: Grid) -> list[Block]:
    """One sheet: the lines above its header as paragraphs, then its rows as a table."""
    rows = [row for row in (_trim(r) for r in grid)]
    while rows and not any(rows[-1]):
        rows.pop()
    while rows and not any(rows[0]):
        rows.pop(0)
    if not rows:
        return []
    header = next((i for i, row in enumerate(rows[:_HEADER_SEARCH]) if looks_like_header(row)), 0)
    blocks: list[Block] = []
    for row in rows[:header]:
        text = " ".join(dict.fromkeys(cell for cell in row if cell))
        if text:
            blocks.append(Paragraph(text, centered=len({c for c in row if c}) == 1))
    table = rectangular([r for r in rows[header:] if any(r)])
    if table and len(table[0]) == 1:  # one column: lines of text, not a table
        blocks += [Paragraph(row[0]) for row in table if row[0]]
    elif not is_empty(table):
        blocks.append(Table(table))
    return blocks


def _trim(row: list[str]) -> list[str]:
    row = list(row)
    while row and not row[-1]:
        row.pop()
    return row


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return join_cell_paragraphs([clean_line(part) for part in text.split("\n")])


def _xls_text(cell, datemode: int) -> str:
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return _cell_text(xlrd.xldate_as_datetime(cell.value, datemode))
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return str(cell.value)
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return ""
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return _cell_text(bool(cell.value))
    return _cell_text(cell.value)
