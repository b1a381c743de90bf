"""A list of task rows as files to take away: CSV (UTF-8 with BOM, so Excel reads the Chinese) and Excel.

Rows are the dicts of ``Answer.rows`` (doc, doc_title, ref, label, number, category, goal, task, deadline,
lead, support, and ``其他:…`` for any other column of the document's table). Every key becomes a column; the
document each row comes from is named first, as a reader names it (《…》), and the unit by its label (任务7);
internal ids (the file stem, `task-7`) stay out. `names` gives a column the document's own header
(承诺时限 for the deadline).
"""

from __future__ import annotations

import csv
import os
import re
import secrets
import shutil
import tempfile
from pathlib import Path

# Known keys in reading order, with their Chinese column names.
COLUMNS = (
    ("doc_title", "文档"),
    ("label", "单元"),
    ("number", "序号"),
    ("category", "指标名称"),
    ("goal", "目标"),
    ("task", "具体任务"),
    ("deadline", "完成时限"),
    ("lead", "牵头单位"),
    ("support", "配合单位"),
)
_INTERNAL = ("doc", "ref")  # ids for the program, not for a reader
_WIDTHS = {"文档": 28, "单元": 9, "序号": 6, "指标名称": 14, "目标": 24, "具体任务": 60,
           "完成时限": 14, "牵头单位": 28, "配合单位": 28}


def table(rows: list[dict], names: dict[str, str] | None = None) -> tuple[list[str], list[list]]:
    """(headers, values): the known columns first, then every other key the rows have, in first-seen order.
    A known column no row fills (a table without 目标) is left out."""
    keys = [k for k, _ in COLUMNS if any(r.get(k) not in (None, "") for r in rows)]
    extra: list[str] = []
    for r in rows:
        for k in r:
            if k not in keys and k not in extra and k not in _INTERNAL and k not in dict(COLUMNS):
                extra.append(k)
    named = dict(COLUMNS) | (names or {})
    headers = [named[k] for k in keys] + [k.removeprefix("其他:") for k in extra]
    values = [[_cell(r.get(k), k) for k in keys + extra] for r in rows]
    return _unique(headers), values


def _unique(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        seen[h] = seen.get(h, 0) + 1
        out.append(h if seen[h] == 1 else f"{h}（{seen[h]}）")
    return out


def _cell(value, key: str = ""):
    if key == "doc_title" and value:
        return f"《{value}》"
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return value


_FORMULA_START = ("=", "+", "@", "\t", "\r")


def _safe_text(value):
    """A text cell that a spreadsheet would run as a formula is written with a leading apostrophe (CSV)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(rows: list[dict], path: Path | str, names: dict[str, str] | None = None) -> Path:
    path = Path(path)
    headers, values = table(rows, names)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        writer.writerows([[_safe_text(v) for v in row] for row in values])
    return path


def write_xlsx(rows: list[dict], path: Path | str, names: dict[str, str] | None = None,
               sheet: str = "任务清单") -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    path = Path(path)
    headers, values = table(rows, names)
    book = Workbook()
    ws = book.active
    ws.title = re.sub(r"[\[\]:*?/\\]", "", sheet)[:31] or "Sheet1"
    ws.append(headers)
    for row in values:
        ws.append(row)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="EEF2F7")
    for cell in ws[1]:
        cell.font = bold
        cell.fill = fill
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, never a formula
    for i, name in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(name, 18)
    ws.freeze_panes = "A2"
    if values:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(values) + 1}"
    book.save(path)
    return path


def file_stem(question: str, n: int) -> str:
    """A readable file name from the question as understood (a follow-up written out in full, not "那配合的
    呢"): 哪些任务由税务局牵头-19项."""
    words = re.sub(r"[^\w\u4e00-\u9fff]+", "", question or "")[:24] or "回答"
    return f"{words}-{n}项"


class DownloadFolder:
    """Where the files are written: one folder per list (by key), reused when asked again, the oldest removed
    past `keep` (Gradio copies each file it serves into its own cache, so a removed folder breaks no download).
    Files are written under a temporary name and renamed, so a reader never sees half a file."""

    def __init__(self, keep: int = 200):
        self.base = Path(tempfile.mkdtemp(prefix="assistant-downloads-"))
        self.keep = keep

    def make(self, key: str, rows: list[dict], stem: str, names: dict[str, str] | None = None) -> tuple[Path, Path]:
        folder = self.base / re.sub(r"[^\w-]", "_", key)[:150]
        csv_path, xlsx_path = folder / f"{stem}.csv", folder / f"{stem}.xlsx"
        if csv_path.is_file() and xlsx_path.is_file():
            return csv_path, xlsx_path
        folder.mkdir(parents=True, exist_ok=True)
        for path, write in ((csv_path, write_csv), (xlsx_path, write_xlsx)):
            partial = path.with_name(f".{secrets.token_hex(4)}{path.suffix}")
            write(rows, partial, names)
            os.replace(partial, path)
        self._prune()
        return csv_path, xlsx_path

    def _prune(self) -> None:
        folders = sorted((p for p in self.base.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
        for old in folders[: max(0, len(folders) - self.keep)]:
            shutil.rmtree(old, ignore_errors=True)
