"""Markdown (CommonMark + pipe tables) via markdown-it-py.

Chinese official text in Markdown has no soft wraps: every source line is a paragraph of the document, so
a Markdown paragraph of several lines gives one Paragraph per line. Headings carry their level, ordered
list items keep their number as written ("1."), raw HTML tables are read like HTML tables, and HTML
comments (`<!-- INFO END -->`) are dropped.
"""

from __future__ import annotations

import re
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from assistant.ingest.blocks import Block, Paragraph, Table
from assistant.ingest.readers._base import Extracted, fail
from assistant.ingest.readers._encoding import DecodeFailure, decode_text
from assistant.ingest.readers._tables import rectangular
from assistant.ingest.readers._text import clean_line

_COMMENT_ONLY = re.compile(r"^\s*(<!--.*?-->\s*)+$", re.S)
_LINE_BREAK_TAG = re.compile(r"^<br\s*/?>$", re.I)


def read_markdown(path: Path, data: bytes) -> Extracted:
    try:
        text, _ = decode_text(data)
    except DecodeFailure as exc:
        raise fail(path, str(exc), exc) from exc
    return Extracted(markdown_blocks(text))


def markdown_blocks(text: str) -> list[Block]:
    parser = MarkdownIt("commonmark").enable("table")
    tokens = parser.parse(text)
    blocks: list[Block] = []
    heading = 0
    list_kinds: list[str] = []  # "ol" / "ul" for the lists we are inside
    pending_prefix = ""  # "3. " waiting for the first line of an ordered list item
    table_rows: list[list[str]] | None = None

    for token in tokens:
        kind = token.type
        if kind == "heading_open":
            heading = int(token.tag[1:])
        elif kind == "heading_close":
            heading = 0
        elif kind in ("ordered_list_open", "bullet_list_open"):
            list_kinds.append(token.tag)
        elif kind in ("ordered_list_close", "bullet_list_close"):
            list_kinds.pop()
        elif kind == "list_item_open":
            pending_prefix = f"{token.info}{token.markup} " if list_kinds and list_kinds[-1] == "ol" else ""
        elif kind == "table_open":
            table_rows = []
        elif kind == "table_close":
            if table_rows:
                blocks.append(Table(rectangular(table_rows)))
            table_rows = None
        elif kind == "tr_open" and table_rows is not None:
            table_rows.append([])
        elif kind == "inline":
            lines = _inline_lines(token)
            if table_rows is not None:
                table_rows[-1].append(" ".join(lines))
                continue
            for line in lines:
                if pending_prefix:
                    line, pending_prefix = pending_prefix + line, ""
                blocks.append(Paragraph(line, heading=heading))
        elif kind in ("code_block", "fence"):
            blocks.extend(Paragraph(line) for line in map(clean_line, token.content.splitlines()) if line)
        elif kind == "html_block" and not _COMMENT_ONLY.match(token.content):
            from assistant.ingest.readers.html import fragment_blocks  # html pulls in lxml; only when needed

            blocks.extend(fragment_blocks(token.content))
    return blocks


def _inline_lines(token: Token) -> list[str]:
    """The plain text of an inline token, split at soft and hard line breaks (and inline <br>)."""
    lines = [""]
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            lines[-1] += child.content
        elif child.type in ("softbreak", "hardbreak") or (
            child.type == "html_inline" and _LINE_BREAK_TAG.match(child.content.strip())
        ):
            lines.append("")
        elif child.type == "image":
            lines[-1] += child.content  # the alt text
    return [line for line in map(clean_line, lines) if line]
