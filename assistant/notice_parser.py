"""The notice's text file → typed records (metadata, chapters, measures, task rows).

Everything is validated before anything is returned, so a bad file never yields half a notice.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .agencies import split_agencies
from .config import Settings
from .records import Chapter, Measure, Notice, NoticeMeta, TaskRow
from .textutil import cn_to_int, squeeze_spaces

DOC_ID = "gx-2022-yshj"  # 广西 2022 优化营商环境行动方案
TABLE_COLUMNS = ("序号", "指标名称", "目标", "具体任务", "完成时限", "牵头单位", "配合单位")

_CHAPTER = re.compile(r"^([一二三四五六七八九十]+)、(.+)$")
_MEASURE = re.compile(r"^[（(]\s*([一二三四五六七八九十]+)\s*[）)]\s*(.*)$")
_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]+〔\d{4}〕\d+号")


class CorpusError(ValueError):
    """A corpus file that cannot be parsed; the message names the file and, where known, the line."""

    def __init__(self, path: Path | str, message: str, line: int | None = None):
        where = f"{path}" + (f" 第{line}行" if line else "")
        super().__init__(f"语料文件有误（{where}）：{message}")
        self.path = str(path)
        self.line = line


def parse_date(text: str) -> date | None:
    match = _DATE.search(squeeze_spaces(text).replace(" ", ""))
    if not match:
        return None
    year, month, day = map(int, match.groups())
    return date(year, month, day)


@lru_cache(maxsize=1)
def _category_variants() -> dict[str, str]:
    raw = resources.files("assistant").joinpath("data/categories.json").read_text("utf-8")
    return dict(json.loads(raw)["variants"])


def canonical_category(name: str) -> str:
    return _category_variants().get(name, name)


def read_corpus(path: Path) -> tuple[str, str]:
    """Return (text, sha256), with clear errors for a missing, empty or non-UTF-8 file."""
    path = Path(path)
    if not path.is_file():
        raise CorpusError(path, "文件不存在")
    data = path.read_bytes()
    if not data.strip():
        raise CorpusError(path, "文件为空")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CorpusError(path, f"不是 UTF-8 编码（字节位置 {exc.start}）", line) from None
    return text.lstrip("\ufeff"), hashlib.sha256(data).hexdigest()


def _parse_meta(lines: list[str], path: Path, plan_title_idx: int) -> NoticeMeta:
    head = [squeeze_spaces(l) for l in lines[:plan_title_idx]]
    tail = [squeeze_spaces(l) for l in lines]

    def find(pred, where=head, default: str | None = None) -> str:
        for line in where:
            if line and pred(line):
                return line
        if default is not None:
            return default
        raise CorpusError(path, "找不到通知的元数据（文号、标题或日期）")

    doc_number = _DOC_NUMBER.search(find(lambda l: bool(_DOC_NUMBER.fullmatch(l)))).group(0)
    notice_title = find(lambda l: "关于印发" in l)
    issuer = notice_title.split("关于印发")[0]
    addressees = find(lambda l: l.endswith("：") and "各" in l, default="")
    signed = find(lambda l: bool(_DATE.fullmatch(l)))
    release = find(lambda l: "公开发布" in l, default="").strip("（）()")
    printed_line = find(lambda l: l.endswith("印发") and bool(_DATE.search(l)), where=tail)
    cc_start = next((i for i, l in enumerate(tail) if l.startswith("抄送")), None)
    cc = ""
    if cc_start is not None:
        block = []
        for line in tail[cc_start:]:
            if not line:
                break
            block.append(line)
        cc = "".join(block).removeprefix("抄送：")
    attachment = find(lambda l: l.startswith("附件"), where=tail, default="")
    title = squeeze_spaces(lines[plan_title_idx])
    return NoticeMeta(
        doc_id=DOC_ID,
        title=title,
        notice_title=notice_title,
        doc_number=doc_number,
        issuer=issuer,
        addressees=addressees,
        signed_date=signed,
        printed_date=_DATE.search(printed_line).group(0),
        release_note=release,
        attachment_title=attachment.split("：", 1)[-1],
        cc=cc,
    )


def _parse_body(lines: list[str], path: Path, start: int, end: int):
    """Chapters and measures between the plan title and the attachment line."""
    chapters: list[Chapter] = []
    measures: list[tuple[int, int, list[str], int]] = []  # number, chapter, paragraphs, line
    preamble: list[str] = []
    for idx in range(start, end):
        line = lines[idx].strip()
        if not line:
            continue
        if m := _CHAPTER.match(line):
            chapters.append(Chapter(number=cn_to_int(m.group(1)), title=squeeze_spaces(m.group(2))))
            continue
        if m := _MEASURE.match(line):
            if not chapters:
                raise CorpusError(path, "措施出现在第一个章节之前", idx + 1)
            measures.append((cn_to_int(m.group(1)), chapters[-1].number, [m.group(2)], idx + 1))
            continue
        if measures:
            # A paragraph after a measure heading is that measure's text cut by a PDF page break.
            measures[-1][2].append(line)
        else:
            preamble.append(line)
    parsed = []
    for number, chapter, parts, line_no in measures:
        # Page breaks split words ("标准化登\n\n记"): Chinese needs no separator, so join directly.
        text = squeeze_spaces("".join(p.strip() for p in parts))
        title = re.split(r"[。.]", text, maxsplit=1)[0].strip()
        if not title:
            raise CorpusError(path, f"措施（{number}）没有标题", line_no)
        parsed.append(Measure(number=number, chapter=chapter, title=title, text=text))
    return chapters, parsed, squeeze_spaces("".join(preamble))


def _parse_table(lines: list[str], path: Path, start: int) -> list[TaskRow]:
    rows: list[TaskRow] = []
    for idx in range(start, len(lines)):
        line = lines[idx].rstrip("\r")
        if "\t" not in line:
            continue
        fields = line.split("\t")
        if tuple(f.strip() for f in fields) == TABLE_COLUMNS:
            continue
        line_no = idx + 1
        if len(fields) != len(TABLE_COLUMNS):
            raise CorpusError(path, f"任务表行应有 {len(TABLE_COLUMNS)} 列，实际 {len(fields)} 列", line_no)
        number_text, category, goal, task, deadline, lead, support = (f.strip() for f in fields)
        if not number_text.isdigit():
            raise CorpusError(path, f"任务表行的序号不是数字：{number_text!r}", line_no)
        number = int(number_text)
        expected = len(rows) + 1
        if number != expected:
            raise CorpusError(path, f"任务表序号不连续：应为 {expected}，实际 {number}", line_no)
        if not category or not task or not lead:
            raise CorpusError(path, f"任务 {number} 缺少指标名称、具体任务或牵头单位", line_no)
        deadline_text = squeeze_spaces(deadline).replace(" ", "")
        deadline_date = parse_date(deadline_text)
        if deadline_text and deadline_date is None:
            raise CorpusError(path, f"任务 {number} 的完成时限无法识别：{deadline!r}", line_no)
        rows.append(
            TaskRow(
                number=number,
                category=canonical_category(squeeze_spaces(category)),
                goal=squeeze_spaces(goal),
                task=squeeze_spaces(task),
                deadline=deadline_text,
                deadline_date=deadline_date,
                lead=split_agencies(lead),
                support=split_agencies(support),
                lead_raw=lead,
                support_raw=support,
                line=line_no,
                category_raw=category,
            )
        )
    return rows


def parse_notice(path: Path | str) -> Notice:
    path = Path(path)
    text, digest = read_corpus(path)
    lines = text.split("\n")
    stripped = [squeeze_spaces(l) for l in lines]
    attach_idx = next((i for i, l in enumerate(stripped) if l.startswith("附件")), None)
    if attach_idx is None:
        raise CorpusError(path, "找不到“附件”行（任务清单的起点）")
    # The plan's own title stands alone on a line just before its preamble; the first chapter follows.
    first_chapter = next((i for i, l in enumerate(stripped) if _CHAPTER.match(l)), None)
    if first_chapter is None or first_chapter > attach_idx:
        raise CorpusError(path, "找不到正文章节（一、…）")
    title_idx = next(
        (i for i in range(first_chapter - 1, -1, -1) if stripped[i].endswith("方案") and len(stripped[i]) < 40),
        None,
    )
    if title_idx is None:
        raise CorpusError(path, "找不到行动方案标题")
    meta = _parse_meta(lines, path, title_idx)
    chapters, measures, preamble = _parse_body(lines, path, title_idx + 1, attach_idx)
    tasks = _parse_table(lines, path, attach_idx + 1)
    if not tasks:
        raise CorpusError(path, "任务表为空")
    numbers = [m.number for m in measures]
    if numbers != list(range(1, len(numbers) + 1)):
        raise CorpusError(path, f"措施编号不连续：{numbers}")
    return Notice(
        meta=meta,
        preamble=preamble,
        chapters=tuple(chapters),
        measures=tuple(measures),
        tasks=tuple(tasks),
        source=str(path),
        sha256=digest,
    )


_cache: dict[tuple[str, float, int], Notice] = {}


def load_notice(settings: Settings) -> Notice:
    """Parse once per (path, mtime, size): the CLI, the app and the tests share one parse."""
    path = Path(settings.corpus)
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_mtime, stat.st_size)
    except OSError:
        return parse_notice(path)  # raises the clear CorpusError
    if key not in _cache:
        _cache[key] = parse_notice(path)
    return _cache[key]
