"""Rebuilding paragraphs from PDF text lines, and dropping running headers, footers and page numbers.

A PDF has lines, not paragraphs: the writer wrapped them wherever the right margin was. A line starts a
new paragraph when the layout says so:
- it is indented from the body's left margin (official text indents the first line by two characters),
  unless the line before is indented the same and full (then the whole block is indented);
- the line before ended clearly short of the right margin (more than two characters, and more than the
  first word of this line would have needed);
- the vertical gap to the line before is clearly larger than the usual line gap, or the font size changes;
- it or the line before is centred (titles, 第X章) or stands far to the right (signatures, dates).
Margins, font size and line gap are measured on the document itself (left margin per odd/even page).
Otherwise the line continues the paragraph: CJK text joins directly, two ASCII words keep a space.

Running headers and footers are lines at the top or bottom edge of a page that look like page numbers
("- 3 -", "第3页", "3/10", a bare number) or that repeat, digits aside, at the same height on many pages.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from assistant.ingest.blocks import Paragraph
from assistant.ingest.readers._text import clean_line, fix_radicals, join_wrapped

_PAGE_NUMBER = re.compile(
    r"^[\s\-—–－_~·•.]*(?:(?:page|第)\s*)?(?:\d{1,4}|[ivxlcIVXLC]{1,6})\s*(?:页)?"
    r"(?:\s*(?:[/／]|of|共)\s*\d{1,4}\s*页?)?[\s\-—–－_~·•.]*$",
    re.I,
)
_TOTAL_FIRST = re.compile(r"^\s*共\s*\d{1,4}\s*页\s*第?\s*\d{1,4}\s*页?\s*$")
_EDGE_BAND = 0.14  # share of the page height at the top and bottom where headers and footers live
_EDGE_LINES = 2  # only the first/last lines of a page can be running lines
_CJK = re.compile(r"[\u3000-\u9fff\uf900-\ufaff\uff00-\uffef]")


@dataclass
class PdfLine:
    page: int
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float  # median character size: the line's font size
    first_word: float  # width of the first unbreakable piece (a CJK character or an ASCII word)


def make_line(page: int, raw: dict) -> PdfLine | None:
    """A PdfLine from one pdfplumber text line (with its chars), or None when it holds no text."""
    text = fix_radicals(clean_line(raw["text"]))
    chars = [c for c in raw.get("chars", []) if c.get("text", "").strip()]
    if not text or not chars:
        return None
    size = statistics.median(float(c.get("size", 0) or (c["bottom"] - c["top"])) for c in chars)
    return PdfLine(page, text, raw["x0"], raw["x1"], raw["top"], raw["bottom"], size, _first_word_width(chars))


def _first_word_width(chars: list[dict]) -> float:
    first = chars[0]
    if _CJK.match(first["text"]):
        return first["x1"] - first["x0"]
    end = first["x1"]
    for prev, char in pairwise(chars):
        if _CJK.match(char["text"]) or char["x0"] - prev["x1"] > 0.2 * (char.get("size") or 10):
            break
        end = char["x1"]
    return end - first["x0"]


def drop_running_lines(pages: list[list[PdfLine]], heights: list[float]) -> list[list[PdfLine]]:
    """The pages' lines without running headers, footers and page numbers."""
    candidates: list[tuple[int, PdfLine]] = []
    for index, lines in enumerate(pages):
        ordered = sorted(lines, key=lambda line: line.top)
        height = heights[index]
        for line in ordered[:_EDGE_LINES]:
            if line.bottom <= height * _EDGE_BAND:
                candidates.append((index, line))
        for line in ordered[-_EDGE_LINES:]:
            if line.top >= height * (1 - _EDGE_BAND) and (index, line) not in candidates:
                candidates.append((index, line))

    # A text that recurs (digits aside) at the same height on several pages is a running header/footer.
    pages_needed = max(2, round(0.4 * len(pages)))

    def recurs(line: PdfLine) -> bool:
        key = _running_text(line)
        pages_with = {i for i, other in candidates if _running_text(other) == key and abs(other.top - line.top) <= 6}
        return len(pages_with) >= pages_needed

    running = {
        id(line)
        for _, line in candidates
        if _PAGE_NUMBER.match(line.text) or _TOTAL_FIRST.match(line.text) or recurs(line)
    }
    return [[line for line in lines if id(line) not in running] for lines in pages]


def _running_text(line: PdfLine) -> str:
    return re.sub(r"\d+", "#", line.text.replace(" ", ""))


@dataclass
class Layout:
    """The body's geometry, measured over all its lines."""

    size: float
    lefts: dict[int, float]  # page parity (0/1) → left margin
    rights: dict[int, float]
    line_gap: float

    def left(self, line: PdfLine) -> float:
        return self.lefts[line.page % 2]

    def right(self, line: PdfLine) -> float:
        return self.rights[line.page % 2]


def measure(pages: list[list[PdfLine]]) -> Layout | None:
    lines = [line for page in pages for line in page]
    if not lines:
        return None
    sizes: Counter[float] = Counter()
    for line in lines:
        sizes[round(line.size * 2) / 2] += len(line.text)
    size = sizes.most_common(1)[0][0] or 10.0

    lefts, rights = {}, {}
    for parity in (0, 1):
        # Odd and even pages may have mirrored margins; with few lines on one side, measure on all.
        group = [line for line in lines if line.page % 2 == parity]
        if len(group) < 20:
            group = lines
        lefts[parity] = _edge([line.x0 for line in group], smallest=True)
        rights[parity] = _edge([line.x1 for line in group], smallest=False)

    gaps = []
    for page in pages:
        for prev, line in pairwise(page):
            gap = line.top - prev.bottom
            if 0 <= gap < 3 * size and abs(line.size - prev.size) < 0.5:
                gaps.append(gap)
    line_gap = statistics.median(gaps) if gaps else 0.5 * size
    return Layout(size, lefts, rights, line_gap)


def _edge(values: list[float], smallest: bool) -> float:
    """The outermost x that many lines share: the margin (a few stray lines do not move it)."""
    counts = Counter(round(v) for v in values)
    needed = max(2, 0.05 * len(values))
    common = [x for x, n in counts.items() if n >= needed]
    if not common:
        return min(values) if smallest else max(values)
    edge = min(common) if smallest else max(common)
    # Lines at the edge differ by a fraction of a point; take the extreme of those near it.
    near = [v for v in values if abs(v - edge) <= 1.5]
    return min(near) if smallest else max(near)


class Reflow:
    """Feeds lines in reading order; collects paragraphs."""

    def __init__(self, layout: Layout):
        self.layout = layout
        self.paragraphs: list[Paragraph] = []
        self._text = ""
        self._centered = False
        self._previous: PdfLine | None = None

    def add(self, line: PdfLine) -> None:
        centered = self._is_centered(line)
        if self._previous is None or centered or self._centered or self._starts_paragraph(self._previous, line):
            self.flush()
            self._text, self._centered = line.text, centered
        else:
            self._text = join_wrapped(self._text, line.text)
        self._previous = line

    def flush(self) -> None:
        """End the current paragraph (also called when a table interrupts the text)."""
        text = clean_line(self._text)
        if text:
            self.paragraphs.append(Paragraph(text, centered=self._centered))
        self._text, self._centered, self._previous = "", False, None

    def _is_centered(self, line: PdfLine) -> bool:
        left, right = self.layout.left(line), self.layout.right(line)
        size = self.layout.size
        margin_left, margin_right = line.x0 - left, right - line.x1
        return (
            margin_left > 2.5 * size
            and margin_right > 2.5 * size
            and abs(margin_left - margin_right) < max(size, 0.04 * (right - left))
        )

    def _starts_paragraph(self, prev: PdfLine, line: PdfLine) -> bool:
        size = self.layout.size
        if abs(line.size - prev.size) > max(1.0, 0.12 * size):
            return True
        if line.page == prev.page:
            gap = line.top - prev.bottom
            if gap > self.layout.line_gap + max(0.5 * size, 3.0) or gap < -0.5 * size:
                return True
        indent = line.x0 - self.layout.left(line)
        prev_indent = prev.x0 - self.layout.left(prev)
        room = self.layout.right(prev) - prev.x1
        prev_full = room <= 2 * size or room <= line.first_word + 0.5 * size
        if not prev_full:
            return True
        if prev_indent > 4 * size and indent < prev_indent - size:
            return True  # the line before stood on its own far right (a signature, a date)
        # Indented: a first line, unless the line before is indented alike (a whole block is indented).
        return indent > 0.8 * size and not abs(indent - prev_indent) < 0.3 * size
