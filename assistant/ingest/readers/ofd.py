"""OFD (GB/T 33190), the national fixed-layout format: a zip of XML read with lxml.

OFD.xml names each document's root (Document.xml); that lists its pages (and template pages) and the page
size; a page's Content.xml holds TextObjects, each with a Boundary rectangle, a Size and TextCode runs placed
at X/Y inside it with per-character advances (DeltaX, "g N d" abbreviating N repeats). Producers differ in
namespace URIs and prefixes (ofdspec.org/2016, none…) and in whether paths start with "/", so elements are
matched by local name and paths resolved both ways.

Each TextCode becomes a positioned run. PathObjects give the rules of ruled tables (ofd_tables: runs inside a
grid become its cells). The other runs on one baseline join into a line (left to right), and the lines and
tables go through the PDF reader's assembly: running headers/footers dropped, paragraphs reflowed, centred
titles kept, a table continued on the next page joined.
Units are millimetres; they are converted to points so the layout's thresholds mean what they mean for PDF.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from assistant.ingest.readers._base import Extracted, fail
from assistant.ingest.readers._text import clean_line, fix_radicals
from assistant.ingest.readers.pdf import Page, assemble
from assistant.ingest.readers.ofd_tables import Segment, TextPiece, find_tables, subpath_segments
from assistant.ingest.readers.pdf_layout import PdfLine

_MM_TO_PT = 72 / 25.4
_NOT_OFD = "文件已损坏或不是有效的 OFD 文件"
_NO_TEXT = "OFD 中没有可提取的文字（可能是扫描件）"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)


@dataclass
class _Run:
    text: str
    x0: float
    x1: float
    baseline: float
    size: float


def read_ofd(path: Path, data: bytes) -> Extracted:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise fail(path, _NOT_OFD, exc) from exc
    with archive:
        root = _xml(archive, names, "OFD.xml")
        if root is None or _local(root) != "OFD":
            raise fail(path, _NOT_OFD)
        pages: list[Page] = []
        title = ""
        for body in _children(root, "DocBody"):
            info = _first(body, "DocInfo")
            if info is not None and not title:
                title = clean_line(_text(_first(info, "Title")))
            doc_root = _text(_first(body, "DocRoot"))
            if doc_root:
                pages += _read_document(archive, names, _norm(doc_root))
    if not any(page.lines for page in pages):
        raise fail(path, _NO_TEXT)
    return Extracted(assemble(pages), title or _display_title(pages))


def _display_title(pages: list[Page]) -> str:
    """A hint, as a PDF's Title property is one: the first page's line set clearly larger than the body."""
    first = next((page.lines for page in pages if page.lines), [])
    sizes = sorted(line.size for page in pages for line in page.lines)
    body = sizes[len(sizes) // 2]
    biggest = max(first, key=lambda line: line.size)
    return biggest.text if biggest.size >= 1.3 * body and len(biggest.text) <= 40 else ""


def _read_document(archive: zipfile.ZipFile, names: set[str], doc_path: str) -> list[Page]:
    doc = _xml(archive, names, doc_path)
    if doc is None:
        return []
    base = posixpath.dirname(doc_path)
    default_box = _box(_deep_first(_first(doc, "CommonData"), "PhysicalBox"))
    templates: dict[str, str] = {}
    common = _first(doc, "CommonData")
    if common is not None:
        for template in _children(common, "TemplatePage"):
            if template.get("ID") and template.get("BaseLoc"):
                templates[template.get("ID")] = _resolve(base, template.get("BaseLoc"))
    pages: list[Page] = []
    pages_el = _first(doc, "Pages")
    for index, page_el in enumerate(_children(pages_el, "Page") if pages_el is not None else []):
        loc = page_el.get("BaseLoc")
        if not loc:
            continue
        page_path = _resolve(base, loc)
        page = _xml(archive, names, page_path)
        if page is None:
            continue
        box = _box(_deep_first(_first(page, "Area"), "PhysicalBox")) or default_box or (0, 0, 210, 297)
        runs, segments = _runs(page), _segments(page)
        for template in _children(page, "Template"):
            template_path = templates.get(template.get("TemplateID", ""))
            template_xml = _xml(archive, names, template_path) if template_path else None
            if template_xml is not None:
                runs += _runs(template_xml)
                segments += _segments(template_xml)
        pieces = [TextPiece(r.text, r.x0 * _MM_TO_PT, r.x1 * _MM_TO_PT, (r.baseline - r.size) * _MM_TO_PT,
                            r.baseline * _MM_TO_PT) for r in runs]
        scaled = [Segment(s.x0 * _MM_TO_PT, s.y0 * _MM_TO_PT, s.x1 * _MM_TO_PT, s.y1 * _MM_TO_PT) for s in segments]
        tables, outside = find_tables(index, scaled, pieces)
        kept = {id(p) for p in outside}
        runs = [r for r, p in zip(runs, pieces, strict=True) if id(p) in kept]
        pages.append(Page(_lines(index, runs), tables, box[3] * _MM_TO_PT))
    return pages


def _segments(page: etree._Element) -> list[Segment]:
    """The straight axis-aligned rules drawn by the page's PathObjects (mm)."""
    out: list[Segment] = []
    for obj in page.iter():
        if not isinstance(obj.tag, str) or _local(obj) != "PathObject":
            continue
        box = _box(obj.get("Boundary"))
        data = _text(_first(obj, "AbbreviatedData"))
        if box is None or not data:
            continue
        ctm = _ctm(obj.get("CTM")) or (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)

        def place(x: float, y: float) -> tuple[float, float]:
            a, b, c, d, e, f = ctm
            return box[0] + a * x + c * y + e, box[1] + b * x + d * y + f

        for points, closed in _subpaths(data.split()):
            out += subpath_segments([place(x, y) for x, y in points], closed)
    return out


_ARGS = {"M": 2, "S": 2, "L": 2, "Q": 4, "B": 6, "A": 7, "C": 0}


def _subpaths(tokens: list[str]) -> list[tuple[list[tuple[float, float]], bool]]:
    """AbbreviatedData → subpaths as point lists (curves by their end points) and whether each is closed."""
    out: list[tuple[list[tuple[float, float]], bool]] = []
    points: list[tuple[float, float]] = []
    i = 0
    while i < len(tokens):
        op = tokens[i]
        n = _ARGS.get(op)
        if n is None:
            i += 1
            continue
        args = [_float(t, 0.0) for t in tokens[i + 1:i + 1 + n]]
        i += 1 + n
        if len(args) < n:
            break
        if op in ("M", "S"):
            if len(points) > 1:
                out.append((points, False))
            points = [(args[0], args[1])]
        elif op == "C":
            if len(points) > 1:
                out.append((points, True))
            points = points[:1]
        else:
            points.append((args[-2], args[-1]))
    if len(points) > 1:
        out.append((points, False))
    return out


def _runs(page: etree._Element) -> list[_Run]:
    runs: list[_Run] = []
    for obj in page.iter():
        if not isinstance(obj.tag, str) or _local(obj) != "TextObject":
            continue
        box = _box(obj.get("Boundary"))
        if box is None:
            continue
        size = _float(obj.get("Size"), 0.0) or box[3] or 3.5
        x, y = 0.0, size
        ctm = _ctm(obj.get("CTM"))
        for code in _children(obj, "TextCode"):
            text = code.text or ""
            x = _float(code.get("X"), x)
            y = _float(code.get("Y"), y)
            if not text.strip():
                continue
            advances = _advances(code.get("DeltaX"), len(text) - 1)
            scale_x, scale_y = (ctm[0], ctm[3]) if ctm else (1.0, 1.0)
            hscale = _float(obj.get("HScale"), 1.0) or 1.0
            x0 = box[0] + x * scale_x
            x1 = x0 + (sum(advances) + size * hscale) * scale_x
            if box[2] > 0:
                x1 = min(x1, box[0] + box[2])  # the boundary encloses the glyphs drawn
            runs.append(_Run(text, x0, max(x1, x0), box[1] + y * scale_y, size * abs(scale_y or 1.0)))
    return runs


def _lines(page_index: int, runs: list[_Run]) -> list[PdfLine]:
    """Runs on one baseline (within a fifth of their size) joined left to right, lines top to bottom."""
    lines: list[list[_Run]] = []
    for run in sorted(runs, key=lambda r: (r.baseline, r.x0)):
        if lines and abs(lines[-1][0].baseline - run.baseline) <= 0.2 * max(run.size, lines[-1][0].size):
            lines[-1].append(run)
        else:
            lines.append([run])
    out = []
    for parts in lines:
        parts.sort(key=lambda r: r.x0)
        text = ""
        for previous, run in zip([None, *parts], parts, strict=False):
            gap = run.x0 - previous.x1 if previous is not None else 0.0
            ascii_pair = text[-1:].isascii() and text[-1:].isalnum() and run.text[:1].isascii() and run.text[:1].isalnum()
            if text and not text.endswith(" ") and (gap > 1.5 * run.size or (ascii_pair and gap > 0.15 * run.size)):
                text += " "
            text += run.text
        text = fix_radicals(clean_line(text))
        if not text:
            continue
        size = max(r.size for r in parts)
        first = parts[0]
        first_word = (first.x1 - first.x0) / max(len(first.text), 1)
        out.append(PdfLine(page_index, text, first.x0 * _MM_TO_PT, max(r.x1 for r in parts) * _MM_TO_PT,
                           (first.baseline - size) * _MM_TO_PT, first.baseline * _MM_TO_PT, size * _MM_TO_PT,
                           first_word * _MM_TO_PT))
    return out


def _advances(delta: str | None, count: int) -> list[float]:
    """DeltaX: numbers, with "g N d" meaning N times d; as many as needed for `count` gaps."""
    if not delta or count <= 0:
        return []
    tokens = delta.split()
    out: list[float] = []
    i = 0
    while i < len(tokens) and len(out) < count:
        if tokens[i] == "g" and i + 2 < len(tokens):
            out += [_float(tokens[i + 2], 0.0)] * int(_float(tokens[i + 1], 0.0))
            i += 3
        else:
            out.append(_float(tokens[i], 0.0))
            i += 1
    return out[:count] + [out[-1] if out else 0.0] * max(0, count - len(out))


def _ctm(value: str | None) -> tuple[float, ...] | None:
    numbers = [_float(v, 0.0) for v in (value or "").split()]
    return tuple(numbers) if len(numbers) == 6 else None


def _box(value: str | None) -> tuple[float, float, float, float] | None:
    if not value:
        return None
    numbers = [_float(v, float("nan")) for v in re.split(r"[\s,]+", value.strip())]
    if len(numbers) != 4 or any(n != n for n in numbers):
        return None
    return numbers[0], numbers[1], numbers[2], numbers[3]


def _float(value: str | None, default: float) -> float:
    try:
        return float(value) if value is not None else default
    except ValueError:
        return default


def _norm(loc: str) -> str:
    return posixpath.normpath(loc.strip().lstrip("/"))


def _resolve(base: str, loc: str) -> str:
    loc = loc.strip()
    return _norm(loc) if loc.startswith("/") else posixpath.normpath(posixpath.join(base, loc))


def _xml(archive: zipfile.ZipFile, names: set[str], name: str) -> etree._Element | None:
    candidates = [name, name.lstrip("/")]
    lowered = {n.lower(): n for n in names}
    for candidate in candidates:
        real = candidate if candidate in names else lowered.get(candidate.lower())
        if real:
            try:
                return etree.fromstring(archive.read(real), _PARSER)
            except (etree.XMLSyntaxError, ValueError, KeyError, zipfile.BadZipFile):
                return None
    return None


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _children(element: etree._Element | None, name: str) -> list[etree._Element]:
    return [] if element is None else [c for c in element if _local(c) == name]


def _first(element: etree._Element | None, name: str) -> etree._Element | None:
    found = _children(element, name)
    return found[0] if found else None


def _deep_first(element: etree._Element | None, name: str) -> str | None:
    if element is None:
        return None
    return next((_text(e) for e in element.iter() if isinstance(e.tag, str) and _local(e) == name), None)


def _text(element: etree._Element | None | str) -> str:
    if element is None:
        return ""
    if isinstance(element, str):
        return element
    return (element.text or "").strip()
