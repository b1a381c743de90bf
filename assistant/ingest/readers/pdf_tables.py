"""Ruled tables in PDF pages (pdfplumber's "lines" strategy), merged cells and tables across pages.

pdfplumber finds the cell rectangles; covered grid positions of merged cells come back as None and are
filled from the rectangle that covers them (so both horizontal and vertical spans repeat their text).
A table that runs over a page break is continued: the header row that Word/WPS repeat on every page is
dropped, and a row that the break cut in two (its first cell empty on the new page) is joined back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.ingest.readers._text import clean_line, fix_radicals, join_cell_paragraphs

_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
_TEXT_SETTINGS = {"x_tolerance_ratio": 0.25, "y_tolerance": 3}
_EDGE_TOLERANCE = 6.0  # points: same table edges on two pages
_MAX_REPEATED_HEADER_ROWS = 3

BBox = tuple[float, float, float, float]


@dataclass
class PdfTable:
    page: int
    bbox: BBox
    rows: list[list[str]]
    # For each row: the rectangle of the cell in its first column (several rows share it when merged down).
    first_cells: list[BBox | None] = field(default_factory=list)
    row_bottoms: list[float] = field(default_factory=list)

    def first_cell_ends_in_row(self, r: int) -> bool:
        cell = self.first_cells[r]
        return cell is None or cell[3] <= self.row_bottoms[r] + 1

    @property
    def top(self) -> float:
        return self.bbox[1]

    @property
    def bottom(self) -> float:
        return self.bbox[3]


def find_tables(page: Any, page_index: int) -> list[PdfTable]:
    """The page's ruled tables with at least two columns (a single framed box is text, not a table)."""
    out = []
    for table in page.find_tables(_SETTINGS):
        rows = table.rows
        if not rows or len(rows[0].cells) < 2:
            continue
        out.append(_read_table(table, page_index))
    return out


def _read_table(table: Any, page_index: int) -> PdfTable:
    texts = table.extract(**_TEXT_SETTINGS)
    rows = table.rows
    cell_text: dict[BBox, str] = {}
    for row, row_texts in zip(rows, texts, strict=True):
        for bbox, text in zip(row.cells, row_texts, strict=True):
            if bbox is not None:
                cell_text[tuple(bbox)] = _cell_text(text or "")

    xs = sorted({cell[0] for cell in table.cells})
    x1 = table.bbox[2]
    tops = [next(c[1] for c in row.cells if c is not None) for row in rows]
    bottoms = [*tops[1:], table.bbox[3]]
    grid: list[list[str]] = []
    first_cells: list[BBox | None] = []
    for r, row in enumerate(rows):
        out_row = []
        for c, bbox in enumerate(row.cells):
            if bbox is not None:
                out_row.append(cell_text[tuple(bbox)])
                continue
            # A covered position: the merged cell's rectangle contains its centre.
            cx = (xs[c] + (xs[c + 1] if c + 1 < len(xs) else x1)) / 2
            cy = (tops[r] + bottoms[r]) / 2
            cover = _covering(table.cells, cx, cy)
            out_row.append(cell_text.get(cover, "") if cover else "")
        grid.append(out_row)
        first = row.cells[0]
        cx0 = (xs[0] + (xs[1] if len(xs) > 1 else x1)) / 2
        cy0 = (tops[r] + bottoms[r]) / 2
        first_cells.append(tuple(first) if first is not None else _covering(table.cells, cx0, cy0))
    return PdfTable(page_index, tuple(table.bbox), grid, first_cells, bottoms)


def _covering(cells: list[BBox], x: float, y: float) -> BBox | None:
    return next(((b[0], b[1], b[2], b[3]) for b in cells if b[0] <= x <= b[2] and b[1] <= y <= b[3]), None)


def _cell_text(raw: str) -> str:
    lines = [fix_radicals(clean_line(line)) for line in raw.split("\n")]
    return join_cell_paragraphs([line for line in lines if line])


def continues(previous: PdfTable, table: PdfTable) -> bool:
    """Whether `table` (first thing on its page) carries on `previous` (last thing on the page before)."""
    if table.page != previous.page + 1 or not previous.rows or not table.rows:
        return False
    if len(table.rows[0]) != len(previous.rows[0]):
        return False
    return (
        abs(table.bbox[0] - previous.bbox[0]) <= _EDGE_TOLERANCE
        and abs(table.bbox[2] - previous.bbox[2]) <= _EDGE_TOLERANCE
    )


def append_continuation(previous: PdfTable, table: PdfTable, header: list[list[str]]) -> PdfTable:
    """`previous` extended with the rows of `table`; `header` is the first rows of the whole table."""
    repeated = 0
    while repeated < min(len(header), len(table.rows), _MAX_REPEATED_HEADER_ROWS) and _compact(
        table.rows[repeated]
    ) == _compact(header[repeated]):
        repeated += 1
    rows = [list(r) for r in table.rows[repeated:]]
    firsts = table.first_cells[repeated:]
    bottoms = table.row_bottoms[repeated:]

    merged = [list(r) for r in previous.rows]
    if rows and merged and not rows[0][0].strip():
        last = merged[-1]
        if table.first_cell_ends_in_row(repeated):
            # The page break cut a row in two: its rest sits here with an empty first cell.
            merged[-1] = [join_cell_paragraphs([a, b]) for a, b in zip(last, rows[0], strict=False)]
            rows, firsts, bottoms = rows[1:], firsts[1:], bottoms[1:]
        else:
            # A first-column cell merged down across the break: its text was printed on the page before.
            for row, cell in zip(rows, firsts, strict=True):
                if cell != firsts[0]:
                    break
                row[0] = last[0]
    return PdfTable(
        table.page,
        table.bbox,
        merged + rows,
        previous.first_cells + list(firsts),
        previous.row_bottoms + list(bottoms),
    )


def _compact(row: list[str]) -> list[str]:
    return ["".join(cell.split()) for cell in row]
