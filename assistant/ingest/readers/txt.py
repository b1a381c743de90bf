"""Plain text: one Paragraph per non-empty line.

Tabs inside a line are kept: tab-separated lines are tables, which a later layer builds; here they stay
paragraphs. In such a line the tabs at its ends are kept too (they stand for an empty first or last cell);
in a line whose only tabs are at its ends they are indentation and go.
"""

from __future__ import annotations

import re
from pathlib import Path

from assistant.ingest.blocks import Block, Paragraph
from assistant.ingest.readers._base import Extracted, fail
from assistant.ingest.readers._encoding import DecodeFailure, decode_text
from assistant.ingest.readers._text import clean_line


def read_txt(path: Path, data: bytes) -> Extracted:
    try:
        text, _ = decode_text(data)
    except DecodeFailure as exc:
        raise fail(path, str(exc), exc) from exc
    return Extracted(paragraphs_from_lines(text.splitlines()))


# A Markdown heading written in a .txt ("# 标题"): a heading of that level, without its marks.
_MARKDOWN_HEADING = re.compile(r"^\s*(#{1,6})\s+(.*?)\s*#*\s*$")


def paragraphs_from_lines(lines: list[str]) -> list[Block]:
    out: list[Block] = []
    for line in lines:
        heading = _MARKDOWN_HEADING.match(line)
        if heading and heading.group(2).strip():
            out.append(Paragraph(clean_line(heading.group(2)), heading=len(heading.group(1))))
            continue
        text = clean_line(line, keep_tabs=True)
        if "\t" not in text.strip("\t"):
            text = text.strip()
        if text.strip():  # a line of tabs only is as blank as an empty one
            out.append(Paragraph(text))
    return out
