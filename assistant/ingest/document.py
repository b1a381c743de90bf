"""One entry point: a file → a Document (metadata and units), the same way for every format."""

from __future__ import annotations

import re
from pathlib import Path

from assistant.ingest.blocks import Paragraph, RawDocument, ReadError, Table
from assistant.ingest.metadata import read_front_matter, reference_date
from assistant.ingest.reflow import reflow
from assistant.ingest.slug_title import title_from_file_name
from assistant.ingest.structure import build_units
from assistant.ingest.table_rows import table_columns
from assistant.ingest.text_tables import text_tables
from assistant.records import DocMeta, Document, Unit
from assistant.textutil import fold



def _parser_fingerprint() -> str:
    """Changes whenever the ingest code or its data changes, so a library re-reads its files then."""
    import hashlib
    from importlib import resources

    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    for name in ("agency_aliases.json", "categories.json", "table_columns.json", "places.json"):
        digest.update(resources.files("assistant").joinpath("data", name).read_bytes())
    return digest.hexdigest()[:16]


PARSER_VERSION = _parser_fingerprint()


class DocumentError(ValueError):
    """A file that was read but holds no document we can use; the message is Chinese and names the file."""

    def __init__(self, path: Path | str, reason: str):
        super().__init__(f"无法导入文件 {Path(path).name}：{reason}")
        self.path = str(path)
        self.reason = reason


def meta_unit(meta: DocMeta) -> Unit:
    """The document's header as a citable unit: one plain sentence with the standard labels."""
    parts = [f"《{meta.title}》"]
    if meta.notice_title:
        parts.append(f"以《{meta.notice_title}》印发")
    if meta.issuer:
        parts.append(f"发文机关（制定机关）是{meta.issuer}")
    if meta.doc_number:
        parts.append(f"文号为{meta.doc_number}")
    parts += [f"{name}{value}" for name, value in meta.named_dates()]
    if meta.release_note:
        parts.append(meta.release_note)
    if meta.ocr:
        parts.append("文字由扫描件识别（OCR）得到，可能有个别识别错误")
    label = "通知信息" if meta.notice_title else "文件信息"
    return Unit(ref="meta", kind="meta", label=label, text="，".join(parts) + "。")


def parse_raw(raw: RawDocument, doc_id: str) -> Document:
    blocks = text_tables(reflow(raw.blocks))
    written = [b.text if isinstance(b, Paragraph) else "" for b in blocks]
    folded = [fold(t) for t in written]
    markup_title = next((i for i, b in enumerate(blocks[:8]) if isinstance(b, Paragraph) and b.heading == 1), None)
    # No title line: a file name spelt in pinyin is read (池州信访局政务公开任务清单), else the name as it is.
    fallback = title_from_file_name(raw.path.stem) or re.sub(r"^\d+[-_]", "", raw.path.stem)
    front = read_front_matter(written, folded, raw.title_hint, fallback, markup_title)
    reference = reference_date(front.meta)
    units = build_units(blocks, front, reference)
    if not any(u.text or u.title for u in units):
        raise DocumentError(raw.path, "没有识别出任何正文内容")
    meta = front.meta
    if raw.ocr:
        meta = DocMeta.from_dict({**meta.to_dict(), "ocr": True})
    if meta.kind in ("plan", "notice") and units and sum(u.kind == "task" for u in units) > 0.6 * len(units) \
            and not any(u.kind in ("measure", "article") for u in units):
        meta = DocMeta.from_dict({**meta.to_dict(), "kind": "table"})
    if any(u.kind == "article" for u in units) and meta.kind == "notice":
        meta = DocMeta.from_dict({**meta.to_dict(), "kind": "regulation"})
    if any(u.kind == "task" for u in units):
        columns = table_columns([b for b in blocks if isinstance(b, Table)])
        meta = DocMeta.from_dict({**meta.to_dict(), "table_columns": columns})
    units = [meta_unit(meta)] + [_preamble_label(u, meta) for u in units]
    return Document(doc=doc_id, meta=meta, units=tuple(units), source=str(raw.path), sha256=raw.sha256,
                    format=raw.format)


def _preamble_label(unit: Unit, meta: DocMeta) -> Unit:
    if unit.kind != "preamble":
        return unit
    from dataclasses import replace

    return replace(unit, label="方案导语" if meta.kind == "plan" else "导语")


def parse_document(path: Path | str, doc_id: str) -> Document:
    """Read and parse one file. Raises ReadError or DocumentError with a Chinese message naming the file."""
    from assistant.ingest.readers import read_file

    raw = read_file(path)
    return parse_raw(raw, doc_id)


__all__ = ["DocumentError", "ReadError", "PARSER_VERSION", "parse_document", "parse_raw", "meta_unit"]
