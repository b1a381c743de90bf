"""Tables written as plain text, turned into Table blocks before the structure is read.

Three shapes occur in real files: tab-separated lines (one row a line, the header repeated after page
breaks); pipe rows ("| a | b |"); and one cell per line — the header's cells first, then each row's
cells, maybe with "|" lines between cells, an empty cell simply missing, a category cell written only
where it changes, and section rows ("一、…") between. The last shape is cut into rows at its 序号 cells
(1, 2, 3 … in order).
"""

from __future__ import annotations

import re

from assistant.ingest.blocks import Block, Paragraph, Table
from assistant.ingest.columns import is_header_cell, looks_like_header, recognise
from assistant.textutil import fold

_SECTION = re.compile(r"^[一二三四五六七八九十]+[、.]")


def _tab_cells(text: str) -> list[str] | None:
    cells = text.split("\t")
    return [c.strip() for c in cells] if len(cells) >= 3 else None


def _pipe_cells(text: str) -> list[str] | None:
    t = text.strip()
    if t.startswith("|") and t.endswith("|") and t.count("|") >= 3:
        cells = [c.strip() for c in t.strip("|").split("|")]
        if all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
            return []  # the |---|---| rule line
        return cells
    return None


def _cell_text(text: str) -> str:
    return text.strip().strip("|").strip()


def _is_separator(text: str) -> bool:
    return text.strip() in ("|", "｜", "")


def _header_like(text: str) -> bool:
    """A short label with no sentence punctuation: 责任领导, 办事流程 (a header cell with no known role)."""
    t = _cell_text(text)
    return 0 < len(t) <= 8 and not t.isdigit() and not re.search(r"[。，,；;：:、()（）]", t) \
        and not _SECTION.match(fold(t))


def _header_run(paras: list[Paragraph], start: int) -> list[int]:
    """Indices of a run of one-cell-per-line header cells starting at `start` ("|" lines skipped): cells
    that name a column role, and short labels among them."""
    run: list[int] = []
    i = start
    while i < len(paras):
        text = paras[i].text
        if _is_separator(text):
            i += 1
            continue
        if not (is_header_cell(_cell_text(text)) or (run and _header_like(text))):
            break
        run.append(i)
        i += 1
    while run and not is_header_cell(_cell_text(paras[run[-1]].text)) and not _header_like(paras[run[-1]].text):
        run.pop()
    return run


def _cells_per_line(paras: list[Paragraph], start: int) -> tuple[Table, int] | None:
    """A one-cell-per-line table starting at `start`: (table, number of paragraphs it used), or None."""
    run = _header_run(paras, start)
    headers = [_cell_text(paras[i].text) for i in run]
    if len(headers) < 3 or not looks_like_header(headers):
        return None
    cells: list[tuple[int, str]] = [
        (i, _cell_text(paras[i].text)) for i in range(run[-1] + 1, len(paras)) if not _is_separator(paras[i].text)
    ]
    anchors: list[int] = []
    for position, (_, cell) in enumerate(cells):
        if cell == str(len(anchors) + 1):
            anchors.append(position)
    if not anchors:
        return None
    number_col = recognise(headers).index("number")
    if number_col is None:
        # The header does not name the 序号 column the rows have: put it where the rows put it, after the
        # cells that come before the number (a category written only where it changes).
        gaps = [anchors[k + 1] - anchors[k] - 1 for k in range(len(anchors) - 1)]
        after = min(gaps) if gaps else len(headers) - 1
        number_col = max(0, len(headers) - after)
        headers = headers[:number_col] + ["序号"] + headers[number_col:]
    after_count = len(headers) - number_col - 1
    texts = [c for _, c in cells]
    rows: list[tuple[str, ...]] = []

    def split_extra(extra: list[str]) -> list[str]:
        """Section rows ("一、…") among cells between rows become full-width rows; the rest is returned."""
        kept = []
        for cell in extra:
            if _SECTION.match(fold(cell)):
                rows.append(tuple([cell] * len(headers)))
            else:
                kept.append(cell)
        return kept[-number_col:] if number_col else []

    prefix = split_extra(texts[: anchors[0]])
    end = len(texts)
    for k, anchor in enumerate(anchors):
        last = k + 1 == len(anchors)
        stop = anchor + 1 + after_count if last else anchors[k + 1]
        tail = texts[anchor + 1 : stop]
        # A category cell merged down is written once: the rows below it repeat it.
        prefix = prefix or (list(rows[-1][:number_col]) if rows and number_col else [""] * number_col)
        row = prefix + [texts[anchor]] + tail[:after_count]
        rows.append(tuple(row + [""] * (len(headers) - len(row))))
        prefix = split_extra(tail[after_count:])
        if last:
            end = min(stop, len(texts))
    used = cells[end - 1][0] + 1 if end else run[-1] + 1
    return Table(tuple([tuple(headers)] + rows)), used


def text_tables(blocks: tuple[Block, ...] | list[Block]) -> list[Block]:
    """The blocks with every text-written table replaced by a Table block."""
    out: list[Block] = []

    def flush_rows(rows: list[list[str]]) -> None:
        if rows:
            width = max(len(r) for r in rows)
            # A section row ("一、…") spans the table: every cell holds it, as in the one-cell-per-line shape.
            out.append(Table(tuple(tuple(r * width if len(r) == 1 else r + [""] * (width - len(r)))
                                   for r in rows)))

    def section_inside(at: int, splitter) -> bool:
        """A section line between rows of a table: after it (and any sections whose rows were cut) comes
        another row of the table."""
        while at < len(blocks) and isinstance(blocks[at], Paragraph) and _SECTION.match(fold(blocks[at].text.strip())):
            at += 1
        return at < len(blocks) and isinstance(blocks[at], Paragraph) and bool(splitter(blocks[at].text))

    blocks = list(blocks)
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if not isinstance(block, Paragraph):
            out.append(block)
            i += 1
            continue
        for splitter in (_tab_cells, _pipe_cells):
            if splitter(block.text) is None:
                continue
            rows: list[list[str]] = []
            while i < len(blocks) and isinstance(blocks[i], Paragraph):
                cells = splitter(blocks[i].text)
                if cells is None:
                    if rows and section_inside(i, splitter):
                        rows.append([blocks[i].text.strip()])
                        i += 1
                        continue
                    break
                if cells:
                    rows.append(cells)
                i += 1
            flush_rows(rows)
            break
        else:
            if is_header_cell(_cell_text(block.text)):
                j = i
                paras: list[Paragraph] = []
                while j < len(blocks) and isinstance(blocks[j], Paragraph):
                    paras.append(blocks[j])
                    j += 1
                found = _cells_per_line(paras, 0)
                if found:
                    table, used = found
                    out.append(table)
                    i += used
                    continue
            out.append(block)
            i += 1
    return out
