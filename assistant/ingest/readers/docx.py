"""Word .docx via python-docx, walking the body's XML so paragraphs and tables keep document order.

python-docx opens the package and gives the XML of the body, styles and numbering; the walk reads the
WordprocessingML elements itself because the high-level API does not look inside content controls (w:sdt)
or text boxes, and because merged cells are expanded here from the grid (gridSpan, vMerge, gridBefore).
Word's automatic numbering ("第一条" from a list) is rendered by docx_numbering.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import docx
from lxml import etree

from assistant.ingest.blocks import Block, Paragraph, Table
from assistant.ingest.readers._base import Extracted, fail
from assistant.ingest.readers._tables import is_empty, rectangular
from assistant.ingest.readers._text import clean_line, join_cell_paragraphs
from assistant.ingest.readers.docx_numbering import Numbering, w, wval

_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Subtrees whose text is not part of the paragraph as displayed.
_SKIP = {
    w("del"),
    w("moveFrom"),
    w("txbxContent"),
    f"{{{_MC}}}Fallback",
    w("instrText"),
    w("delText"),
    w("pPr"),
    w("rPr"),
    w("footnoteReference"),
    w("endnoteReference"),
    w("commentReference"),
}
_WRAPPERS = {w("sdt"), w("sdtContent"), w("customXml"), w("smartTag")}
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.I)
_TITLE_STYLE = re.compile(r"^(?:title|标题)$", re.I)


def read_docx(path: Path, data: bytes) -> Extracted:
    if data.startswith(_OLE_MAGIC):
        raise fail(
            path, "这是旧版 Word（.doc）格式或加密的 Word 文档，请在 Word 或 WPS 中去掉密码并另存为 .docx 后再试"
        )
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # BadZipFile, KeyError, ValueError, XMLSyntaxError…: none may escape
        raise fail(path, "文件已损坏或不是有效的 Word 文档", exc) from exc

    try:
        numbering_xml = document.part.numbering_part.element
    except (KeyError, NotImplementedError):
        numbering_xml = None
    walker = _Walker(_Styles(document.styles.element), Numbering(numbering_xml))
    blocks = list(walker.blocks(document.element.body))
    return Extracted(blocks, clean_line(document.core_properties.title or ""))


class _Styles:
    """Paragraph styles with their based-on chain: what heading level and alignment a style gives."""

    def __init__(self, styles_xml: etree._Element):
        self._by_id: dict[str, etree._Element] = {}
        self.default_id: str | None = None
        for style in styles_xml.iterfind(w("style")):
            if style.get(w("type")) != "paragraph":
                continue
            self._by_id[style.get(w("styleId"))] = style
            if style.get(w("default")) in ("1", "true"):
                self.default_id = style.get(w("styleId"))

    def chain(self, style_id: str | None) -> Iterator[etree._Element]:
        seen: set[str] = set()
        style_id = style_id or self.default_id
        while style_id and style_id not in seen and style_id in self._by_id:
            seen.add(style_id)
            style = self._by_id[style_id]
            yield style
            style_id = wval(style.find(w("basedOn")))

    def heading_level(self, style_id: str | None) -> int:
        for style in self.chain(style_id):
            name = wval(style.find(w("name")), "") or ""
            if m := _HEADING_STYLE.match(name.strip()):
                return int(m.group(1)) or 1
            if _TITLE_STYLE.match(name.strip()):
                return 1
            if (level := _outline_level(style.find(w("pPr")))) is not None:
                return level
        return 0

    def property(self, style_id: str | None, tag: str) -> etree._Element | None:
        for style in self.chain(style_id):
            ppr = style.find(w("pPr"))
            if ppr is not None and (el := ppr.find(w(tag))) is not None:
                return el
        return None


class _Walker:
    def __init__(self, styles: _Styles, numbering: Numbering):
        self.styles = styles
        self.numbering = numbering

    def blocks(self, container: etree._Element) -> Iterator[Block]:
        for child in _content_children(container):
            if child.tag == w("p"):
                yield from self.paragraph(child)
            elif child.tag == w("tbl"):
                rows = self.table_rows(child)
                if rows and not is_empty(rows):
                    yield Table(rows)

    def paragraph(self, p: etree._Element) -> Iterator[Block]:
        ppr = p.find(w("pPr"))
        style_id = wval(ppr.find(w("pStyle"))) if ppr is not None else None
        lines = _paragraph_lines(p)
        # Word counts (and shows) the number even on an empty list paragraph, so the counter always advances.
        lines[0] = self._number_label(ppr, style_id) + lines[0]
        heading = self._heading_level(ppr, style_id)
        centered = self._centered(ppr, style_id)
        for line in map(clean_line, lines):
            if line:
                yield Paragraph(line, heading=heading, centered=centered)
        for box in _text_boxes(p):  # text boxes anchored in this paragraph follow it
            yield from self.blocks(box)

    def table_rows(self, tbl: etree._Element) -> tuple[tuple[str, ...], ...]:
        rows: list[list[str]] = []
        for tr in _content_children(tbl, w("tr")):
            row: list[str] = []
            trpr = tr.find(w("trPr"))
            before = int(wval(trpr.find(w("gridBefore")), "0") or 0) if trpr is not None else 0
            row.extend([""] * before)
            for tc in _content_children(tr, w("tc")):
                tcpr = tc.find(w("tcPr"))
                span = int(wval(tcpr.find(w("gridSpan")), "1") or 1) if tcpr is not None else 1
                vmerge = tcpr.find(w("vMerge")) if tcpr is not None else None
                if vmerge is not None and wval(vmerge, "continue") == "continue":
                    # Covered by the cell above: repeat its text in every grid column this cell spans.
                    above = rows[-1] if rows else []
                    col = len(row)
                    row.extend(above[col + i] if col + i < len(above) else "" for i in range(span))
                else:
                    row.extend([self.cell_text(tc)] * max(span, 1))
            rows.append(row)
        return rectangular(rows)

    def cell_text(self, tc: etree._Element) -> str:
        parts: list[str] = []
        for block in self.blocks(tc):
            if isinstance(block, Paragraph):
                parts.append(block.text)
            else:  # a nested table: one line per row, cells separated by a space
                parts.extend(" ".join(c for c in row if c) for row in block.rows)
        return join_cell_paragraphs(parts)

    def _number_label(self, ppr: etree._Element | None, style_id: str | None) -> str:
        num_pr = ppr.find(w("numPr")) if ppr is not None else None
        from_style = num_pr is None
        if from_style:
            num_pr = self.styles.property(style_id, "numPr")
        if num_pr is None:
            return ""
        num_id = wval(num_pr.find(w("numId")))
        if not num_id or num_id == "0":
            return ""
        ilvl_el = num_pr.find(w("ilvl"))
        if ilvl_el is not None:
            ilvl = int(wval(ilvl_el, "0") or 0)
        else:
            ilvl = self.numbering.level_for_style(num_id, style_id or "") if from_style else 0
        return self.numbering.label(num_id, ilvl)

    def _heading_level(self, ppr: etree._Element | None, style_id: str | None) -> int:
        direct = _outline_level(ppr)
        return direct if direct is not None else self.styles.heading_level(style_id)

    def _centered(self, ppr: etree._Element | None, style_id: str | None) -> bool:
        jc = ppr.find(w("jc")) if ppr is not None else None
        if jc is None:
            jc = self.styles.property(style_id, "jc")
        return wval(jc) == "center"


def _outline_level(ppr: etree._Element | None) -> int | None:
    """w:outlineLvl 0..8 is heading level 1..9; 9 means body text."""
    if ppr is None or (el := ppr.find(w("outlineLvl"))) is None:
        return None
    value = int(wval(el, "9") or 9)
    return value + 1 if value < 9 else 0


def _content_children(container: etree._Element, tag: str | None = None) -> Iterator[etree._Element]:
    """Children, looking through content controls and custom XML wrappers."""
    for child in container:
        if child.tag in _WRAPPERS:
            yield from _content_children(child, tag)
        elif tag is None or child.tag == tag:
            yield child


def _paragraph_lines(p: etree._Element) -> list[str]:
    """The paragraph's visible text, split where the author put a line break (w:br, w:cr)."""
    lines = [""]

    def visit(el: etree._Element) -> None:
        for child in el:
            tag = child.tag
            if tag in _SKIP or not isinstance(tag, str) or (tag == w("r") and _hidden(child)):
                continue
            if tag == w("t"):
                lines[-1] += child.text or ""
            elif tag in (w("tab"), w("ptab")):
                lines[-1] += "\t"
            elif (tag == w("br") and child.get(w("type")) not in ("page", "column")) or tag == w("cr"):
                lines.append("")
            elif tag == w("noBreakHyphen"):
                lines[-1] += "-"
            elif tag == w("sym"):
                lines[-1] += _symbol(child)
            else:
                visit(child)

    visit(p)
    return lines


def _hidden(run: etree._Element) -> bool:
    """A run formatted as hidden text (w:vanish) is not shown, so it is not read."""
    rpr = run.find(w("rPr"))
    vanish = rpr.find(w("vanish")) if rpr is not None else None
    return vanish is not None and wval(vanish, "1") not in ("0", "false")


def _symbol(sym: etree._Element) -> str:
    # Symbol-font code points (F0xx) are glyph indices in a decorative font, not characters.
    code = sym.get(w("char"), "")
    try:
        value = int(code, 16)
    except ValueError:
        return ""
    return "" if 0xF000 <= value <= 0xF0FF else chr(value)


def _text_boxes(p: etree._Element) -> list[etree._Element]:
    """Text boxes in this paragraph, once each (not the VML fallback copy, not boxes inside boxes)."""
    boxes = []
    for box in p.iter(w("txbxContent")):
        ancestors = []
        for ancestor in box.iterancestors():
            if ancestor is p:
                break
            ancestors.append(ancestor.tag)
        if f"{{{_MC}}}Fallback" not in ancestors and w("txbxContent") not in ancestors:
            boxes.append(box)
    return boxes
