"""Hostile files, built at test time: a zip bomb, entity bombs, very large honest files, a PDF of blank pages.

Each builder writes into the folder it is given and returns the path; sizes are arguments so a test can
build just past the budget it checks."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

DATA = Path(__file__).parent / "data" / "library"
REGULATION = DATA / "guangdong-2022-regulation.md"  # a real regulation, repeated to make honest big files

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _docx(path: Path, document_xml: str, extra: tuple[str, int] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("word/document.xml", document_xml)
        if extra:
            name, megabytes = extra
            block = b"\0" * (1 << 20)
            with z.open(name, "w", force_zip64=True) as member:
                for _ in range(megabytes):
                    member.write(block)
    return path


def zip_bomb_docx(folder: Path, megabytes: int) -> Path:
    """A valid small Word file carrying a member of `megabytes` MB of zeros (a few hundred KB on disk)."""
    body = f'<w:document xmlns:w="{_W}"><w:body><w:p><w:r><w:t>第一条 测试。</w:t></w:r></w:p></w:body></w:document>'
    return _docx(folder / "bomb.docx", body, ("word/media/image1.bin", megabytes))


_LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "哈哈哈哈哈哈哈哈哈哈">'
           + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
           + "]>")


def entity_bomb_docx(folder: Path) -> Path:
    """Word XML with nine levels of nested entities (a billion laughs if a parser expanded them)."""
    body = (f'<?xml version="1.0" encoding="UTF-8"?>{_LAUGHS}<w:document xmlns:w="{_W}"><w:body>'
            '<w:p><w:r><w:t>第一条 &lol9;</w:t></w:r></w:p></w:body></w:document>')
    return _docx(folder / "laughs.docx", body)


def entity_bomb_html(folder: Path) -> Path:
    path = folder / "laughs.html"
    path.write_text(f'<?xml version="1.0"?>{_LAUGHS}<html><body><p>第一条 &lol9;</p></body></html>', encoding="utf-8")
    return path


def big_html(folder: Path, megabytes: int, name: str = "big.html") -> Path:
    """An honest page: a real regulation's paragraphs repeated to `megabytes` MB."""
    lines = [line for line in REGULATION.read_text(encoding="utf-8").splitlines() if line.strip()]
    chunk = "".join(f"<p>{line}</p>\n" for line in lines).encode("utf-8")
    path = folder / name
    with path.open("wb") as fh:
        fh.write(b"<html><head><meta charset='utf-8'><title>big</title></head><body>\n")
        for _ in range(megabytes * (1 << 20) // len(chunk) + 1):
            fh.write(chunk)
        fh.write(b"</body></html>")
    return path


def big_text(folder: Path, megabytes: int) -> Path:
    data = REGULATION.read_bytes()
    path = folder / "big.txt"
    with path.open("wb") as fh:
        for _ in range(megabytes * (1 << 20) // len(data) + 1):
            fh.write(data)
    return path


def blank_pdf(folder: Path, pages: int) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    path = folder / "blank.pdf"
    buffer = io.BytesIO()
    writer.write(buffer)
    path.write_bytes(buffer.getvalue())
    return path
