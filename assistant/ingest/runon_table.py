"""A task table whose cells a crawler ran together into one paragraph, back into rows.

Shape (web archives of government pages): "序号主要工作任务具体工作措施完成时限主要责任单位任务来源1推进生态
文明建设1、建立…领导小组3月区经发局区环土局1、平潭…（岚综委〔2016〕5号）2、制定…6月区环土局 …". The header
is a run of column names (data/table_columns.json words); the tasks are numbered N、 in order through the
whole table; each task's cell is followed by its time limit (3月, 12月底前, 全年, 年底前, 持续推进) and its units
run together (区经发局区环土局). What lies between one task's units and the next task is the previous row's
other columns (a source list numbered 1、2、… of its own) and, when it changes, the group cell ("2分解推动…").
"""

from __future__ import annotations

import re

from assistant.ingest.blocks import Table
from assistant.ingest.columns import looks_like_header, role_words
from assistant.textutil import fold

_DEADLINE = r"(?:\d{4}年)?\d{1,2}月(?:底|中旬|上旬|下旬|份)?前?|全年|年底前?|长期坚持|持续推进"
_UNIT = r"[\u4e00-\u9fff（）()]{1,16}?(?:人民政府|政府|局|部|办|委|站|管理处|中心|支队|队|海关|支行|办公室)"
_ROW_TAIL = re.compile(rf"(?P<deadline>{_DEADLINE})(?P<units>(?:{_UNIT}[、，,]?)+)")
_TASK_START = re.compile(r"(\d{1,3})[、．.](?!\d)")


def _group(text: str, number: int) -> re.Match | None:
    """The group cell "2分解推动…" (numbered in order) at the end of the text between two rows."""
    last = None
    for m in re.finditer(rf"(?<![\d.、])({number})\s*(?=[\u4e00-\u9fff])((?:(?!\d{{1,2}}、)[^，。；;()]){{2,40}})$", text):
        last = m
    return last


def _header(text: str) -> tuple[list[str], int] | None:
    """(header cells, where the header ends) for a paragraph that starts a run-together header."""
    words = sorted({w for ws in role_words().values() for w in ws if len(w) >= 2}, key=len, reverse=True)
    start = text.find("序号")
    if start < 0:
        return None
    end = start
    while end < len(text) and not text[end].isdigit() and end - start < 60:
        end += 1
    head = text[start:end]
    cells: list[str] = []
    gap = ""
    i = 0
    while i < len(head):
        word = next((w for w in words if head.startswith(w, i)), None)
        if word is None:
            gap += head[i]
            i += 1
            continue
        cells.append(gap + word)
        gap = ""
        i += len(word)
    if gap and cells:
        cells[-1] += gap
    merged = cells
    if len(merged) < 4 or not looks_like_header(merged):
        return None
    return merged, end


def runon_table(text: str) -> tuple[str, Table, str] | None:
    """(text before the table, the table, text after it) when `text` holds a run-together task table; else None."""
    found = _header(fold(text))
    if not found:
        return None
    headers, body_start = found
    folded = fold(text)
    rows: list[tuple[str, ...]] = []
    expected, cursor, group, group_no = 1, body_start, "", 0
    pending_rest = ""
    last_end = body_start
    while True:
        match = None
        for m in _TASK_START.finditer(folded, cursor):
            if int(m.group(1)) != expected:
                continue
            tail = _ROW_TAIL.search(folded, m.end())
            if not tail:
                continue
            task = folded[m.end():tail.start()]
            if re.search(r"\d{1,2}、", task) or len(task) > 300:
                continue  # another numbered list (the previous row's sources) was crossed
            match = (m, tail)
            break
        if match is None:
            break
        m, tail = match
        between = text[last_end:m.start()].strip()
        g = _group(fold(between), group_no + 1)
        source = between
        if g:
            group_no += 1
            group = between[g.start(2):].strip()
            source = between[:g.start()].strip()
        if rows and source:
            rows[-1] = rows[-1][:-1] + (source,)
        elif source and not rows:
            pending_rest = source
        units = text[tail.start("units"):tail.end("units")].strip("、，, ")
        units = "、".join(re.findall(_UNIT, units))
        rows.append((str(expected), group, text[m.end():tail.start()].strip(),
                     text[tail.start("deadline"):tail.end("deadline")], units, ""))
        expected += 1
        cursor = last_end = tail.end()
    if len(rows) < 3:
        return None
    rest = text[last_end:]
    stop = re.search(r"\s+(?=注\s*[:：]|附件|[\u4e00-\u9fff]{2,30}\s+\d{4}年)", rest)
    after = rest[stop.start():].strip() if stop else ""
    rest = (rest[:stop.start()] if stop else rest).strip()
    if rest:
        rows[-1] = rows[-1][:-1] + (rest,)
    del pending_rest
    header = ("序号", headers[1] if len(headers) > 1 else "工作任务", headers[2] if len(headers) > 2 else "具体任务",
              *headers[3:5], headers[5] if len(headers) > 5 else "备注")
    return text[: text.find("序号")].strip(), Table(tuple([tuple(header)] + rows)), after
