"""HTML pages via lxml: the document's paragraphs and tables, not the site around them.

html_content decides which element holds the document; this module decodes the page and turns that
element into blocks the way a browser lays it out: block elements and <br> end a line, <h1>–<h6> give the
heading level, align/text-align:center give `centered`, tables keep rowspan/colspan expanded. Tables used
for page layout (one column, or holding other tables) are read as containers, not as data.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

from assistant.ingest.blocks import Block, Paragraph, Table
from assistant.ingest.readers._base import Extracted, fail
from assistant.ingest.readers._encoding import DecodeFailure, decode_text
from assistant.ingest.readers._tables import SpanCell, expand_spans, is_empty
from assistant.ingest.readers._text import clean_line, join_cell_paragraphs
from assistant.ingest.readers.html_content import main_content, prune

# Elements that end the current line (a browser starts a new line box before and after them).
_BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption center dd details dialog div dl dt fieldset figcaption figure"
    " footer form h1 h2 h3 h4 h5 h6 header hr html li main nav ol p pre section summary table tbody td tfoot th"
    " thead tr ul".split()
)
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_CHARSET_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_CENTER_STYLE = re.compile(r"text-align\s*:\s*center", re.I)
_OTHER_ALIGN_STYLE = re.compile(r"text-align\s*:\s*(left|right|justify|start|end)", re.I)
_SPAN_NUMBER = re.compile(r"\d+")


def read_html(path: Path, data: bytes) -> Extracted:
    declared = _declared_charset(data)
    try:
        text, _ = decode_text(data, declared)
    except DecodeFailure as exc:
        raise fail(path, str(exc), exc) from exc
    try:
        root = lxml_html.document_fromstring(_XML_DECLARATION.sub("", text))
    except (etree.ParserError, ValueError) as exc:
        raise fail(path, "文件不是有效的 HTML 网页", exc) from exc

    title = clean_line(root.findtext(".//title") or "")
    prune(root)
    container, lead_headings = main_content(root, title)
    walker = _Walker()
    for heading in lead_headings:
        walker.walk(heading)
    walker.walk(container)
    return Extracted(walker.finish(), title)


def fragment_blocks(markup: str) -> list[Block]:
    """Blocks of an HTML fragment embedded in another format (a raw table inside Markdown)."""
    try:
        root = lxml_html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return []
    prune(root)
    walker = _Walker()
    walker.walk(root)
    return walker.finish()


def _declared_charset(data: bytes) -> str | None:
    match = _CHARSET_META.search(data[:8192])
    return match.group(1).decode("ascii") if match else None


class _Walker:
    """Depth-first walk that collects inline text into lines and emits a block at every line end."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self._line = ""
        self._style = (0, False)  # (heading, centered) of the block the current line started in

    def finish(self) -> list[Block]:
        self._flush()
        return self.blocks

    def walk(self, el: etree._Element, heading: int = 0, centered: bool = False) -> None:
        """Emit the element's content (its tail belongs to the parent, which adds it)."""
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if not tag:
            return
        if tag == "br":
            self._flush()
            return
        if tag == "table" and not _is_layout_table(el):
            self._flush()
            rows = _table_rows(el)
            if rows and not is_empty(rows):
                self.blocks.append(Table(rows))
            return
        block = tag in _BLOCK_TAGS
        if block:
            self._flush()
        heading = _HEADINGS.get(tag, heading)
        centered = _centered(el, tag, centered)
        if tag == "pre":
            self._preformatted(el.text_content(), heading, centered)
        else:
            self._add(el.text, heading, centered)
            for child in el:
                self.walk(child, heading, centered)
                self._add(child.tail, heading, centered)
        if block:
            self._flush()

    def _add(self, text: str | None, heading: int, centered: bool) -> None:
        if not text:
            return
        if not self._line.strip():
            self._style = (heading, centered)
        self._line += text

    def _preformatted(self, text: str, heading: int, centered: bool) -> None:
        for line in text.splitlines():
            self._add(line, heading, centered)
            self._flush()

    def _flush(self) -> None:
        text = clean_line(self._line)
        if text:
            self.blocks.append(Paragraph(text, heading=self._style[0], centered=self._style[1]))
        self._line = ""


def _centered(el: etree._Element, tag: str, inherited: bool) -> bool:
    if tag == "center":
        return True
    align = (el.get("align") or "").lower()
    style = el.get("style") or ""
    if align == "center" or _CENTER_STYLE.search(style):
        return True
    if align in ("left", "right", "justify") or _OTHER_ALIGN_STYLE.search(style):
        return False
    return inherited


def _rows_of(table: etree._Element) -> list[etree._Element]:
    """The table's own rows (not those of tables nested in its cells), in document order."""
    rows = []
    for child in table:
        tag = child.tag.lower() if isinstance(child.tag, str) else ""
        if tag == "tr":
            rows.append(child)
        elif tag in ("thead", "tbody", "tfoot"):
            rows.extend(c for c in child if isinstance(c.tag, str) and c.tag.lower() == "tr")
    return rows


def _cells_of(row: etree._Element) -> list[etree._Element]:
    return [c for c in row if isinstance(c.tag, str) and c.tag.lower() in ("td", "th")]


def _is_layout_table(table: etree._Element) -> bool:
    """Tables that position content rather than hold data: a single column, or holding other tables."""
    if (table.get("role") or "").lower() in ("presentation", "none"):
        return True
    rows = _rows_of(table)
    if not rows or max(len(_cells_of(r)) for r in rows) <= 1:
        return True
    return any(cell.find(".//table") is not None for r in rows for cell in _cells_of(r))


def _table_rows(table: etree._Element) -> tuple[tuple[str, ...], ...]:
    span_rows = []
    for row in _rows_of(table):
        span_rows.append(
            [
                SpanCell(_cell_text(cell), _span(cell.get("rowspan"), zero_means_all=True), _span(cell.get("colspan")))
                for cell in _cells_of(row)
            ]
        )
    return expand_spans(span_rows)


def _cell_text(cell: etree._Element) -> str:
    walker = _Walker()
    walker.walk(cell)
    parts: list[str] = []
    for block in walker.finish():
        if isinstance(block, Paragraph):
            parts.append(block.text)
        else:
            parts.extend(" ".join(c for c in row if c) for row in block.rows)
    return join_cell_paragraphs(parts)


def _span(value: str | None, zero_means_all: bool = False) -> int:
    # rowspan="0" means "to the end of the table" (expand_spans clips it); colspan="0" is invalid: 1.
    match = _SPAN_NUMBER.search(value or "")
    number = int(match.group()) if match else 1
    if number == 0:
        return 10**6 if zero_means_all else 1
    return number
