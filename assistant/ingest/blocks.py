"""What a reader gives the structure layer: the file's text as an ordered list of blocks.

Readers know formats (txt, md, docx, pdf, html), not Chinese official documents: they return paragraphs
and tables in reading order, with the few layout hints a format really carries. Everything about
numbering, metadata and responsibility is decided later, on these blocks, the same way for every format.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Paragraph:
    text: str  # one paragraph as written (a txt/md line, a docx paragraph, a reflowed PDF paragraph)
    heading: int = 0  # markup heading level (md "#"=1, html h1=1, docx Heading 1/Title=1); 0: not a heading
    centered: bool = False  # centred in the source (docx/pdf/html); titles and signatures often are


@dataclass(frozen=True)
class Table:
    # Cell texts row by row. Merged cells are expanded: a cell merged across columns or down rows repeats
    # its text in every position it covers, so every row has the same number of cells.
    rows: tuple[tuple[str, ...], ...]


Block = Paragraph | Table


@dataclass(frozen=True)
class RawDocument:
    path: Path
    format: str  # "txt" | "md" | "docx" | "doc" | "wps" | "pdf" | "ofd" | "html" | "xlsx" | "xls" | "csv" | "image"
    blocks: tuple[Block, ...]
    sha256: str  # of the file's bytes
    title_hint: str = ""  # html <title>, docx/pdf core-properties title: a hint, not a verdict
    ocr: bool = False  # text recognised from images (a scanned PDF, a photo): may hold recognition errors


class ReadError(ValueError):
    """A file that cannot be read; the message is Chinese and names the file and the reason."""

    def __init__(self, path: Path | str, reason: str):
        super().__init__(f"无法读取文件 {Path(path).name}：{reason}")
        self.path = str(path)
        self.reason = reason
