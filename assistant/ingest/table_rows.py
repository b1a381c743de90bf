"""A task table → its rows, each with the fields its header names (columns.py): 序号, category, goal, task,
deadline, lead, support, responsible, and every other column kept under its own header.

Repeated header rows (a table continued after a page break) are dropped; a row whose cells are all the same
(a section row merged across the table, "一、做大做强主导产业") names the category of the rows below it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from assistant.ingest.blocks import Table
from assistant.ingest.columns import Columns, looks_like_header, recognise
from assistant.textutil import cn_to_int, fold, squeeze_spaces, strip_all_space


@lru_cache(maxsize=1)
def _category_variants() -> dict[str, str]:
    raw = resources.files("assistant").joinpath("data/categories.json").read_text("utf-8")
    return dict(json.loads(raw)["variants"])


def canonical_category(name: str) -> str:
    """One name for the same indicator written two ways (知识产权保护和运用 = 知识产权创造保护和运用)."""
    return _category_variants().get(name, name)


@dataclass
class Row:
    number: int | None
    cells: dict[str, str]  # role → cell text as written (squeezed); roles from columns.ROLES
    extra: dict[str, str] = field(default_factory=dict)  # header → cell, for columns with no role
    section: str = ""  # the section row above it, if any


@dataclass
class ParsedTable:
    columns: Columns | None
    rows: list[Row]
    loose_text: list[str]  # rows of a table with no task header: kept as text lines


_SECTION = re.compile(r"^[一二三四五六七八九十]+[、.]|^[(（][一二三四五六七八九十]+[)）]|^第[一二三四五六七八九十]+(部分|章)")


def _number(text: str) -> int | None:
    t = strip_all_space(fold(text)).rstrip(".、")
    if not t:
        return None
    try:
        return cn_to_int(t)
    except ValueError:
        return None


def parse_table(table: Table) -> ParsedTable:
    rows = [tuple(squeeze_spaces(c or "") for c in r) for r in table.rows]
    header_at = next((i for i, r in enumerate(rows[:5]) if looks_like_header(r)), None)
    if header_at is None:
        lines = [" ".join(dict.fromkeys(c for c in r if c)) for r in rows]
        return ParsedTable(None, [], [line for line in lines if line])
    columns = recognise(rows[header_at])
    header_key = tuple(strip_all_space(fold(h)) for h in rows[header_at])
    out: list[Row] = []
    section = ""
    for raw in rows[header_at + 1 :]:
        key = tuple(strip_all_space(fold(c)) for c in raw)
        if key == header_key or not any(key):
            continue
        distinct = {c for c in raw if c}
        if len(distinct) == 1 and len(raw) > 1 and (len([c for c in raw if c]) > 1 or _SECTION.match(fold(raw[0]))):
            section = next(iter(distinct))
            continue
        cells: dict[str, str] = {}
        extra: dict[str, str] = {}
        for header, role, cell in zip(columns.headers, columns.roles, raw):
            if role:
                cells[role] = cell
            elif header or cell:
                extra[header or f"列{len(extra) + 1}"] = cell
        number = _number(cells.get("number", "")) if "number" in cells else None
        if not cells.get("task") and not any(cells.get(r) for r in ("lead", "support", "responsible")):
            continue  # a caption or note row inside the table
        out.append(Row(number, cells, extra, section))
    return ParsedTable(columns, out, [])


def table_columns(tables: list[Table]) -> tuple[tuple[str, str], ...]:
    """The columns of a document's task tables, in order, as (header as written, role or ""): the first
    table's columns, then any new column of a later one. A column whose header is empty is left out."""
    out: dict[str, str] = {}
    for table in tables:
        parsed = parse_table(table)
        if parsed.columns is None or not parsed.rows:
            continue
        for header, role in zip(parsed.columns.headers, parsed.columns.roles):
            if header and header not in out:
                out[header] = role or ""
    return tuple(out.items())
