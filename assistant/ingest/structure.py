"""Blocks → the tree of units, following Chinese official numbering.

Walks the body paragraphs once with a stack of open headings. A numbered paragraph opens a unit when its
number follows the previous one of the same style (so "3.5万" or a stray "2." inside text stays text);
a style already open closes back to it, a new style nests under the current unit, and 编/章/节/条 keep the
fixed order of laws. Inside an article (条) everything but the next 编/章/节/条 is the article's text: its
（一）（二） are 项, not units. Other paragraphs continue the open unit; a paragraph cut by a page break
(ending without sentence punctuation) is joined to the next without a line break. Tables become one unit
per row. Responsibility notes and "责任单位：…/时限要求：…" lines become the unit's lead/support/deadline.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from assistant.ingest.blocks import Block, Table
from assistant.ingest.dates import deadline_date
from assistant.ingest.metadata import FrontMatter
from assistant.ingest.numbering import ANNEX, ARTICLE, POINT, SUB, Numbering, Style, label_of, match_numbering
from assistant.ingest.responsibility import FIRST_LEADS, Duty, field_line, parse_note, split_closing_note
from assistant.ingest.table_rows import canonical_category, parse_table
from assistant.records import Unit
from assistant.textutil import fold, squeeze_spaces, strip_all_space

_TERMINAL = "。；;！!？?：:"
_HEADING_KINDS = ("book", "chapter", "section", "part", "annex")
_PAGE_NUMBER = re.compile(r"^[-—–－\s]*\d{1,3}[-—–－\s]*$|^第\s*\d+\s*页(\s*共\s*\d+\s*页)?$")
_INLINE_POINT = re.compile(r"(?:(?<=^)|(?<=[。;；:：)）]))\s*\(\s*(\d{1,2})\s*\)(?!\d)")
_INLINE_SUB = re.compile(r"(?:(?<=^)|(?<=[。;；:：)）]))\s*([①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳])")


@dataclass
class _Node:
    kind: str
    segment: str  # its piece of the ref: measure-3, task-70, preamble
    piece: str  # its piece of the label: （三）, 任务70, 第二十条
    number: int | None
    style: Style | None
    parent: "_Node | None"
    heading: str = ""  # the heading line's text after the numbering (written)
    paragraphs: list[tuple[str, str]] = field(default_factory=list)  # (written, folded)
    duty: Duty = field(default_factory=Duty)
    row: dict | None = None  # table rows: their fields

    def path(self) -> list["_Node"]:
        out, node = [], self
        while node is not None:
            out.append(node)
            node = node.parent
        return out[::-1]


def _join(parts: list[str]) -> str:
    """Paragraphs of one unit: a page-break split (no closing punctuation) joins directly."""
    text = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if text and text[-1] not in _TERMINAL and not text.endswith(("）", ")", "”")):
            text += part
        elif text:
            text += "\n" + part
        else:
            text = part
    return text


def _heading_line(rest: str) -> bool:
    rest = rest.strip()
    return 0 < len(rest) <= 30 and not re.search(r"[。；;，,:：]", rest)


def _split_inline(written: str, folded: str) -> tuple[Style, list[tuple[int | None, str, str]]]:
    """"…。(1)甲。(2)乙" → (POINT, [(None, "…。"), (1, "甲。"), (2, "乙")]) when (1), (2)… run in order
    after a sentence end; else one part."""
    for pattern, style in ((_INLINE_POINT, POINT), (_INLINE_SUB, SUB)):
        marks = []
        for m in pattern.finditer(folded):
            raw = m.group(1)
            number = int(raw) if raw.isdigit() else "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳".index(raw) + 1
            if number == len(marks) + 1:
                marks.append((m.start(), m.end(), number))
        if len(marks) >= 2:
            parts: list[tuple[int | None, str, str]] = []
            if marks[0][0] > 0:
                parts.append((None, written[: marks[0][0]], folded[: marks[0][0]]))
            for k, (start, end, number) in enumerate(marks):
                stop = marks[k + 1][0] if k + 1 < len(marks) else len(folded)
                parts.append((number, written[end:stop], folded[end:stop]))
            return style, parts
    return POINT, [(None, written, folded)]


class _Builder:
    def __init__(self, front: FrontMatter, reference: date | None):
        self.front = front
        self.reference = reference
        self.nodes: list[_Node] = []
        self.stack: list[_Node] = []
        self.preamble: _Node | None = None
        self.last_in_parent: dict[tuple[int, str], int] = {}
        self.last_global: Counter = Counter()
        self.tables_in: Counter = Counter()

    # -- opening units ------------------------------------------------------------------------------
    def _parent_for(self, style: Style) -> tuple[int, _Node | None]:
        """(stack depth to keep, parent) for a new unit of this style."""
        if style is ANNEX:
            return 0, None
        for depth, node in enumerate(self.stack):
            if node.style is None or node.style is ANNEX:
                continue
            same_family = node.style.legal == style.legal
            if node.style is style or (same_family and style.legal and node.style.rank > style.rank):
                return depth, node.parent
        return len(self.stack), self.stack[-1] if self.stack else None

    def _in_article(self) -> bool:
        return any(n.style is ARTICLE for n in self.stack)

    def accepts(self, num: Numbering) -> bool:
        style = num.style
        if style is ANNEX:
            return True
        if self._in_article() and not style.legal:
            return False
        _, parent = self._parent_for(style)
        last_here = self.last_in_parent.get((id(parent), style.name), 0)
        # A heading line may skip one number as published (第三章 then 第五章; 三、 then 五、): it is counted
        # as written. Only a short line that is a heading, never a number inside running text.
        skip = style.name in ("chapter", "book", "part") and _heading_line(num.rest)
        if style.legal and style.name in ("article", "chapter", "book"):
            last = self.last_global[style.name]
            return num.number in (1, last + 1) or (skip and last > 0 and num.number == last + 2)
        return num.number in (1, last_here + 1, self.last_global[style.name] + 1) or (
            skip and last_here > 0 and num.number == last_here + 2)

    def open(self, num: Numbering, written_rest: str, folded_rest: str) -> _Node:
        depth, parent = self._parent_for(num.style)
        del self.stack[depth:]
        piece = "附件" if num.implicit else label_of(num.style, num.number)
        node = _Node(kind=num.style.name, segment=f"{num.style.name}-{num.number}",
                     piece=piece, number=num.number, style=num.style, parent=parent)
        self.last_in_parent[(id(parent), num.style.name)] = num.number
        self.last_global[num.style.name] = max(self.last_global[num.style.name], num.number)
        self.nodes.append(node)
        self.stack.append(node)
        node.heading = written_rest
        if node.kind in _HEADING_KINDS:
            # A chapter's or part's line is its name; a sentence after the name is text.
            name, dot, rest = written_rest.partition("。")
            if dot and rest.strip() and len(name) <= 40:
                node.heading = name
                self._add_text(node, rest, folded_rest[len(name) + 1:])
        elif written_rest.strip():
            self._add_text(node, written_rest, folded_rest)
        return node

    def _add_text(self, node: _Node, written: str, folded: str) -> None:
        if self._in_article():
            node.paragraphs.append((written, folded))  # an article's （一）/(1) are its own 项, not units
            return
        style, parts = _split_inline(written, folded)
        target = node
        for number, w, f in parts:
            if number is None:
                target.paragraphs.append((w, f))
                continue
            child = _Node(kind=style.name, segment=f"{style.name}-{number}", piece=label_of(style, number),
                          number=number, style=style, parent=node, heading=w)
            child.paragraphs.append((w, f))
            self.nodes.append(child)
            target = child

    # -- body text ----------------------------------------------------------------------------------
    def text(self, written: str, folded: str) -> None:
        if self.stack and self.stack[-1].kind in _HEADING_KINDS and not self.stack[-1].paragraphs \
                and strip_all_space(folded) == strip_all_space(fold(self.stack[-1].heading)):
            return  # the annex's title repeated on its own line
        if self.stack:
            self._add_text(self.stack[-1], written, folded)
            return
        if self.preamble is None:
            self.preamble = _Node(kind="preamble", segment="preamble", piece="导语", number=None, style=None,
                                  parent=None)
            self.nodes.append(self.preamble)
        self.preamble.paragraphs.append((written, folded))

    def duty_line(self, duty: Duty) -> bool:
        target = self.stack[-1] if self.stack else None
        if target is None:
            return False
        # A lines-after note belongs to the deepest unit opened most recently (an inline (n) child).
        latest = self.nodes[-1]
        if latest.parent is target or latest is target:
            target = latest
        target.duty = target.duty.merged(duty)
        return True

    def table(self, table: Table) -> None:
        parsed = parse_table(table)
        parent = self.stack[-1] if self.stack else None
        if parsed.columns is None:
            for line in parsed.loose_text:
                self.text(line, fold(line))
            return
        self.tables_in[id(parent)] += 1
        table_no = self.tables_in[id(parent)]
        seen: set[int] = set()
        for position, row in enumerate(parsed.rows, start=1):
            number = row.number if row.number is not None and row.number not in seen else None
            if number is not None:
                seen.add(number)
            segment = f"task-{number}" if number is not None else f"row-{position}"
            holder = parent
            if table_no > 1 or any(n.kind == "table" for n in self.nodes if n.parent is parent):
                holder = self._table_node(parent, table_no)
            node = _Node(kind="task", segment=segment, piece=f"任务{number}" if number is not None else f"第{position}行",
                         number=number if number is not None else position, style=None, parent=holder,
                         row={"cells": row.cells, "extra": row.extra, "section": row.section})
            self.nodes.append(node)
        if table_no == 2:
            # A second table under one parent: the first one's rows get a table segment too.
            first = self._table_node(parent, 1)
            for node in self.nodes:
                if node.kind == "task" and node.parent is parent:
                    node.parent = first

    def _table_node(self, parent: _Node | None, number: int) -> _Node:
        for node in self.nodes:
            if node.kind == "table" and node.parent is parent and node.number == number:
                return node
        node = _Node(kind="table", segment=f"table-{number}", piece=f"表{number}", number=number, style=None,
                     parent=parent)
        self.nodes.append(node)
        return node


def _title_of(kind: str, heading: str) -> str:
    """A heading's name: a chapter's or part's whole line; a measure's or item's lead sentence when short."""
    heading = squeeze_spaces(heading)
    if kind in ("book", "chapter", "section", "part", "annex"):
        return heading.strip("：: ")
    if kind in ("article", "task", "preamble"):
        return ""
    first = re.split(r"。", heading, maxsplit=1)[0].strip()
    if len(first) <= 40 and first != heading.strip().rstrip("。"):
        return first
    if len(first) <= 25:
        return first.rstrip("；;，,")
    return ""


def _refs(nodes: list[_Node]) -> dict[int, str]:
    """The shortest suffix of each unit's numbering path that no other unit ends with: stable, readable
    and unique in the document (measure-32, article-20, part-2.item-3)."""
    paths = {id(n): [p.segment for p in n.path() if p.kind != "preamble" or p is n] for n in nodes}
    suffix_count: Counter = Counter()
    for segs in paths.values():
        for k in range(1, len(segs) + 1):
            suffix_count[tuple(segs[-k:])] += 1
    refs: dict[int, str] = {}
    taken: Counter = Counter()
    for node in nodes:
        segs = paths[id(node)]
        k = next((k for k in range(1, len(segs) + 1) if suffix_count[tuple(segs[-k:])] == 1), len(segs))
        ref = ".".join(segs[-k:])
        taken[ref] += 1
        refs[id(node)] = ref if taken[ref] == 1 else f"{ref}~{taken[ref]}"
    return refs


def _label(node: _Node, ref: str) -> str:
    """How a person names the unit, as the document numbers it: 第二十条, 措施（三十二）, 任务70, and for
    nested items the numbering from the top (一、1.（2））, since "（2）" alone names nothing."""
    pieces = [p.piece for p in node.path() if p.kind not in ("table", "annex", "preamble")]
    depth = ref.split("~")[0].count(".") + 1
    if node.kind in ("item", "point", "sub"):
        return "".join(pieces)
    own = [p.piece for p in node.path()][-depth:]
    if len(own) == 1 and node.kind == "measure":
        return f"措施{own[0]}"
    return "".join(own)


def build_units(blocks: list[Block], front: FrontMatter, reference: date | None) -> list[Unit]:
    builder = _Builder(front, reference)
    first_leads = False
    for index, block in enumerate(blocks):
        if index < front.body_start or index in front.skip:
            continue
        if front.back_start is not None and index >= front.back_start:
            break
        if isinstance(block, Table):
            builder.table(block)
            continue
        written = block.text.strip()
        folded = fold(written)
        if not written or written in ("|", "｜") or _PAGE_NUMBER.match(folded):
            continue
        if FIRST_LEADS.search(folded):
            first_leads = True
        duty = field_line(written, folded)
        if duty is not None and builder.duty_line(duty):
            continue
        num = match_numbering(folded)
        if num and builder.accepts(num):
            builder.open(num, written[num.offset:], folded[num.offset:])
        else:
            builder.text(written, folded)
    return _units(builder.nodes, first_leads, reference)


def _units(nodes: list[_Node], first_leads: bool, reference: date | None) -> list[Unit]:
    refs = _refs(nodes)
    units: list[Unit] = []
    for node in nodes:
        if node.kind == "table":
            continue
        ref = refs[id(node)]
        path = tuple(p.piece for p in node.path() if p.kind != "table")
        parent = node.parent
        while parent is not None and parent.kind == "table":
            parent = parent.parent
        parent_ref = refs[id(parent)] if parent is not None else None
        if node.row is not None:
            units.append(_row_unit(node, ref, path, parent_ref, first_leads, reference))
            continue
        segments = _note_segments(node.paragraphs) if node.duty.empty else []
        if len(segments) >= 2:
            # Several tasks in one unit, each ending with its own note: the unit keeps its text, and each
            # task becomes a unit of its own under it with the fields its note gives.
            units.append(Unit(ref=ref, kind=node.kind, label=_label(node, ref), path=path, number=node.number,
                              parent=parent_ref, title=_title_of(node.kind, node.heading),
                              text=squeeze_spaces_keep_lines("\n".join(t for t, _ in segments))))
            for k, (text, duty) in enumerate(segments, start=1):
                who = duty.resolved(first_leads)
                units.append(Unit(
                    ref=f"{ref}.task-{k}", kind="task", label=f"{_label(node, ref)}第{k}项",
                    path=path + (f"第{k}项",), number=k, parent=ref, text=squeeze_spaces(text),
                    deadline=duty.deadline,
                    deadline_date=deadline_date(duty.deadline, reference) if duty.deadline else None,
                    lead=who.lead, support=who.support, lead_raw=who.lead_raw, support_raw=who.support_raw,
                    responsible=who.responsible, responsible_raw=who.responsible_raw))
            continue
        texts, duty = [], node.duty
        for written, folded in node.paragraphs:
            body, note = split_closing_note(written, folded)
            if note is not None:
                duty = duty.merged(note)
            texts.append(body)
        text = squeeze_spaces_keep_lines(_join(texts))
        who = duty.resolved(first_leads)
        units.append(Unit(
            ref=ref, kind=node.kind, label=_label(node, ref), path=path, number=node.number, parent=parent_ref,
            title=_title_of(node.kind, node.heading if node.kind != "preamble" else ""),
            text=text, deadline=duty.deadline, deadline_date=deadline_date(duty.deadline, reference) if duty.deadline else None,
            lead=who.lead, support=who.support, lead_raw=who.lead_raw, support_raw=who.support_raw,
            responsible=who.responsible, responsible_raw=who.responsible_raw,
        ))
    return units


_ANY_NOTE = re.compile(r"[(〔\[【]([^()〔〕\[\]【】]{2,300})[)〕\]】]")


def _note_segments(paragraphs: list[tuple[str, str]]) -> list[tuple[str, Duty]]:
    """A unit's text cut after each responsibility note it contains (at a paragraph's end or after a
    sentence inside it): [(task text without its note, duty)]. Text after the last note joins the last task."""
    segments: list[tuple[str, Duty]] = []
    pending = ""
    for written, folded in paragraphs:
        cursor = 0
        for m in _ANY_NOTE.finditer(folded):
            before = folded[:m.start()].rstrip()
            after = folded[m.end():].lstrip(" 。.;；")
            if not (before.endswith(("。", ";", "；", ".", "”")) or not after):
                continue
            duty = parse_note(written[m.start(1):m.end(1)], m.group(1))
            if duty is None:
                continue
            text = (pending + written[cursor:m.start()]).strip()
            pending, cursor = "", m.end()
            segments.append((text, duty))
        rest = written[cursor:].strip(" 。")
        if rest:
            pending += ("\n" if pending else "") + written[cursor:].strip()
    if pending and segments:
        text, duty = segments[-1]
        segments[-1] = (text + "\n" + pending, duty)
    return segments


def squeeze_spaces_keep_lines(text: str) -> str:
    return "\n".join(squeeze_spaces(line) for line in text.split("\n"))


def _row_unit(node: _Node, ref: str, path: tuple[str, ...], parent_ref: str | None, first_leads: bool,
              reference: date | None) -> Unit:
    cells: dict[str, str] = node.row["cells"]
    task = cells.get("task", "")
    duty = Duty(lead_raw=cells.get("lead", ""), support_raw=cells.get("support", ""),
                responsible_raw=cells.get("responsible", ""), deadline=strip_all_space(cells.get("deadline", "")))
    if duty.empty or not (duty.lead_raw or duty.responsible_raw):
        body, note = split_closing_note(task, fold(task))
        if note is not None:
            task, duty = body, duty.merged(note)
    who = duty.resolved(first_leads)
    category_raw = cells.get("category", "") or node.row["section"]
    extra = dict(node.row["extra"])
    if cells.get("category") and node.row["section"]:
        extra["分组"] = node.row["section"]
    return Unit(
        ref=ref, kind="task", label=_label(node, ref), path=path, number=node.number, parent=parent_ref,
        text=task, goal=cells.get("goal", ""), category=canonical_category(category_raw), category_raw=category_raw,
        deadline=duty.deadline, deadline_date=deadline_date(duty.deadline, reference) if duty.deadline else None,
        lead=who.lead, support=who.support, lead_raw=who.lead_raw, support_raw=who.support_raw, fields=extra,
        responsible=who.responsible, responsible_raw=who.responsible_raw,
    )

