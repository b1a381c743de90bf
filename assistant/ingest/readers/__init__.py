"""Readers: a file of any supported format → RawDocument (paragraphs and tables in reading order).

`read_file` checks what every format needs checked (the file exists, is a file, is not empty), picks the
reader by extension and guarantees that a bad file only ever raises ReadError with a Chinese reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from assistant.ingest.blocks import Block, Paragraph, RawDocument, ReadError, Table
from assistant.ingest.readers._base import Extracted, fail
from assistant.ingest.readers._tables import is_empty
from assistant.ingest.readers.docx import read_docx
from assistant.ingest.readers.html import read_html
from assistant.ingest.readers.markdown import read_markdown
from assistant.ingest.readers.ocr import read_image
from assistant.ingest.readers.ofd import read_ofd
from assistant.ingest.readers.office import read_doc
from assistant.ingest.readers.pdf import read_pdf
from assistant.ingest.readers.sheet import read_csv, read_xls, read_xlsx
from assistant.ingest.readers.txt import read_txt

__all__ = ["SUPPORTED_EXTENSIONS", "read_file"]

Reader = Callable[[Path, bytes], Extracted]

# extension → (format name in RawDocument.format, reader)
_READERS: dict[str, tuple[str, Reader]] = {
    ".txt": ("txt", read_txt),
    ".md": ("md", read_markdown),
    ".markdown": ("md", read_markdown),
    ".docx": ("docx", read_docx),
    ".pdf": ("pdf", read_pdf),
    ".html": ("html", read_html),
    ".htm": ("html", read_html),
    ".doc": ("doc", read_doc),
    ".wps": ("wps", read_doc),
    ".ofd": ("ofd", read_ofd),
    ".xlsx": ("xlsx", read_xlsx),
    ".xls": ("xls", read_xls),
    ".csv": ("csv", read_csv),
    ".png": ("image", read_image),
    ".jpg": ("image", read_image),
    ".jpeg": ("image", read_image),
}
SUPPORTED_EXTENSIONS = tuple(_READERS)
_SUPPORTED_TEXT = "支持 .txt .md .docx .doc .wps .pdf .ofd .html .xlsx .xls .csv .png .jpg"
# Formats people often have, with what to do about them.
_ADVICE = {
    ".rtf": "请用 Word 或 WPS 打开后另存为 .docx 再导入",
    ".odt": "请另存为 .docx 再导入",
    ".et": "请用 WPS 表格另存为 .xlsx 再导入",
    ".tif": "请把图片另存为 .png 或 .jpg 再导入",
    ".tiff": "请把图片另存为 .png 或 .jpg 再导入",
}


def read_file(path: Path | str) -> RawDocument:
    """Read one file into blocks. Raises ReadError (message: file name and Chinese reason) for any bad file."""
    path = Path(path)
    if not path.exists():
        raise ReadError(path, "文件不存在")
    if path.is_dir():
        raise ReadError(path, "这是一个文件夹，不是文件")
    ext = path.suffix.lower()
    if ext not in _READERS:
        kind = f"不支持的文件类型 {ext}" if ext else "不支持没有扩展名的文件"
        advice = _ADVICE.get(ext)
        raise ReadError(path, f"{kind}（{_SUPPORTED_TEXT}）" + (f"，{advice}" if advice else ""))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise fail(path, f"无法打开文件（{exc.strerror or type(exc).__name__}）", exc) from exc
    if not data:
        raise ReadError(path, "文件为空")

    fmt, reader = _READERS[ext]
    try:
        extracted = reader(path, data)
    except ReadError:
        raise
    except Exception as exc:  # a library failed in a way its reader did not foresee: still a ReadError
        raise fail(path, f"文件内容无法解析（{type(exc).__name__}），文件可能已损坏", exc) from exc

    blocks = tuple(b for b in extracted.blocks if _has_text(b))
    if not blocks:
        raise ReadError(path, "文件中没有可读取的文字")
    return RawDocument(
        path=path,
        format=fmt,
        blocks=blocks,
        sha256=hashlib.sha256(data).hexdigest(),
        title_hint=extracted.title_hint,
        ocr=extracted.ocr,
    )


def _has_text(block: Block) -> bool:
    if isinstance(block, Paragraph):
        return bool(block.text.strip())
    return isinstance(block, Table) and not is_empty(block.rows)
