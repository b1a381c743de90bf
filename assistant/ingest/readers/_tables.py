"""Table helpers shared by the readers: merged cells are expanded so every row has the same width."""

from __future__ import annotations

from dataclasses import dataclass

# Spans larger than this are treated as this: a broken page must not make us build a million cells.
_MAX_SPAN = 1000


@dataclass(frozen=True)
class SpanCell:
    text: str
    rowspan: int = 1
    colspan: int = 1


def rectangular(rows: list[list[str]]) -> tuple[tuple[str, ...], ...]:
    """Rows padded with empty cells to the widest row."""
    width = max((len(row) for row in rows), default=0)
    return tuple(tuple(row) + ("",) * (width - len(row)) for row in rows)


def expand_spans(rows: list[list[SpanCell]]) -> tuple[tuple[str, ...], ...]:
    """HTML's table model: each row lists its cells left to right, skipping positions that a cell with a
    rowspan from a row above already covers. Every covered position repeats the spanning cell's text."""
    grid: dict[tuple[int, int], str] = {}
    widths = [0] * len(rows)
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in grid:
                c += 1
            rowspan = min(max(cell.rowspan, 1), _MAX_SPAN, len(rows) - r)
            colspan = min(max(cell.colspan, 1), _MAX_SPAN)
            for dr in range(rowspan):
                for dc in range(colspan):
                    grid.setdefault((r + dr, c + dc), cell.text)
                widths[r + dr] = max(widths[r + dr], c + colspan)
            c += colspan
    return rectangular([[grid.get((r, c), "") for c in range(widths[r])] for r in range(len(rows))])


def is_empty(rows: tuple[tuple[str, ...], ...]) -> bool:
    return not any(cell.strip() for row in rows for cell in row)
