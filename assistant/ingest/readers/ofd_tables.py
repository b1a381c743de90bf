"""Ruled tables in OFD pages: the rules are PathObjects (lines, rectangles, thin filled bars); the text is
the page's text runs. The rules that touch each other form one grid; a grid position without a rule between
it and its neighbour belongs to the same (merged) cell, whose text repeats in every position it covers.
The result is the PDF reader's PdfTable, so tables continued over a page break join as they do for PDF.
Coordinates are points, y growing downwards."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.ingest.readers._text import clean_line, join_cell_paragraphs
from assistant.ingest.readers.pdf_tables import PdfTable

_TOL = 1.5  # points: rules this close are one; a rule this thin is a line
_THIN = 2.0


@dataclass(frozen=True)
class Segment:
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def horizontal(self) -> bool:
        return abs(self.y1 - self.y0) <= _TOL and self.x1 - self.x0 > _THIN

    @property
    def vertical(self) -> bool:
        return abs(self.x1 - self.x0) <= _TOL and self.y1 - self.y0 > _THIN


def subpath_segments(points: list[tuple[float, float]], closed: bool) -> list[Segment]:
    """Axis-aligned rules of one subpath: its edges, or the whole subpath when it is a thin bar."""
    if len(points) < 2:
        return []
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    width, height = max(xs) - min(xs), max(ys) - min(ys)
    if closed and len(points) >= 3 and (width <= _THIN or height <= _THIN):
        if width <= _THIN:
            mid = (min(xs) + max(xs)) / 2
            return [Segment(mid, min(ys), mid, max(ys))]
        mid = (min(ys) + max(ys)) / 2
        return [Segment(min(xs), mid, max(xs), mid)]
    edges = list(zip(points, points[1:]))
    if closed:
        edges.append((points[-1], points[0]))
    out = []
    for (ax, ay), (bx, by) in edges:
        segment = Segment(min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))
        if segment.horizontal or segment.vertical:
            out.append(segment)
    return out


@dataclass
class TextPiece:
    """A text run placed on the page (points): what a cell's text is made of."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float


def find_tables(page: int, segments: list[Segment], pieces: list[TextPiece]) -> tuple[list[PdfTable], list[TextPiece]]:
    """The page's ruled tables (two columns or more) and the text pieces outside them."""
    rules = [s for s in segments if s.horizontal or s.vertical]
    tables: list[PdfTable] = []
    used: set[int] = set()
    for group in _connected(rules):
        table = _grid(page, group, pieces, used)
        if table is not None:
            tables.append(table)
    outside = [p for i, p in enumerate(pieces) if i not in used]
    return sorted(tables, key=lambda t: t.top), outside


def _touch(a: Segment, b: Segment) -> bool:
    return a.x0 - _TOL <= b.x1 and b.x0 - _TOL <= a.x1 and a.y0 - _TOL <= b.y1 and b.y0 - _TOL <= a.y1


def _connected(rules: list[Segment]) -> list[list[Segment]]:
    parent = list(range(len(rules)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(rules):
        for j in range(i + 1, len(rules)):
            if _touch(a, rules[j]):
                parent[root(i)] = root(j)
    groups: dict[int, list[Segment]] = {}
    for i, rule in enumerate(rules):
        groups.setdefault(root(i), []).append(rule)
    return list(groups.values())


def _positions(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > _TOL:
            out.append(v)
    return out


def _grid(page: int, rules: list[Segment], pieces: list[TextPiece], used: set[int]) -> PdfTable | None:
    horizontals = [r for r in rules if r.horizontal]
    verticals = [r for r in rules if r.vertical]
    ys = _positions([r.y0 for r in horizontals])
    xs = _positions([r.x0 for r in verticals])
    if len(ys) < 2 or len(xs) < 3:
        return None
    n_rows, n_cols = len(ys) - 1, len(xs) - 1

    def ruled_v(x: float, y: float) -> bool:
        return any(abs(r.x0 - x) <= _TOL and r.y0 - _TOL <= y <= r.y1 + _TOL for r in verticals)

    def ruled_h(y: float, x: float) -> bool:
        return any(abs(r.y0 - y) <= _TOL and r.x0 - _TOL <= x <= r.x1 + _TOL for r in horizontals)

    cell = list(range(n_rows * n_cols))

    def root(i: int) -> int:
        while cell[i] != i:
            cell[i] = cell[cell[i]]
            i = cell[i]
        return i

    for r in range(n_rows):
        ymid = (ys[r] + ys[r + 1]) / 2
        for c in range(n_cols):
            xmid = (xs[c] + xs[c + 1]) / 2
            if c + 1 < n_cols and not ruled_v(xs[c + 1], ymid):
                cell[root(r * n_cols + c)] = root(r * n_cols + c + 1)
            if r + 1 < n_rows and not ruled_h(ys[r + 1], xmid):
                cell[root(r * n_cols + c)] = root((r + 1) * n_cols + c)

    boxes: dict[int, list[float]] = {}
    for r in range(n_rows):
        for c in range(n_cols):
            box = boxes.setdefault(root(r * n_cols + c), [xs[c], ys[r], xs[c + 1], ys[r + 1]])
            box[0], box[1] = min(box[0], xs[c]), min(box[1], ys[r])
            box[2], box[3] = max(box[2], xs[c + 1]), max(box[3], ys[r + 1])

    texts: dict[int, list[TextPiece]] = {}
    for i, piece in enumerate(pieces):
        x, y = piece.x0 + min(2.0, (piece.x1 - piece.x0) / 2), (piece.top + piece.bottom) / 2
        if not (xs[0] <= x <= xs[-1] and ys[0] <= y <= ys[-1]):
            continue
        used.add(i)
        r = max(k for k in range(n_rows) if ys[k] <= y)
        c = max(k for k in range(n_cols) if xs[k] <= x)
        texts.setdefault(root(r * n_cols + c), []).append(piece)

    cell_text = {key: _cell_text(parts) for key, parts in texts.items()}
    rows = [[cell_text.get(root(r * n_cols + c), "") for c in range(n_cols)] for r in range(n_rows)]
    firsts = [tuple(boxes[root(r * n_cols)]) for r in range(n_rows)]
    return PdfTable(page, (xs[0], ys[0], xs[-1], ys[-1]), rows, firsts, [ys[r + 1] for r in range(n_rows)])


def _cell_text(pieces: list[TextPiece]) -> str:
    lines: list[list[TextPiece]] = []
    for piece in sorted(pieces, key=lambda p: ((p.top + p.bottom) / 2, p.x0)):
        centre = (piece.top + piece.bottom) / 2
        if lines and abs((lines[-1][0].top + lines[-1][0].bottom) / 2 - centre) <= 0.4 * (piece.bottom - piece.top):
            lines[-1].append(piece)
        else:
            lines.append([piece])
    return join_cell_paragraphs([clean_line(_join(sorted(line, key=lambda p: p.x0))) for line in lines])


def _join(line: list[TextPiece]) -> str:
    """Pieces of one line left to right; a gap of a quarter of the text's height is a space (as for PDF)."""
    text = ""
    for previous, piece in zip([None, *line], line, strict=False):
        if previous is not None and piece.x0 - previous.x1 > 0.25 * (piece.bottom - piece.top):
            text += " "
        text += piece.text
    return text
