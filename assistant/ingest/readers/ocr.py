"""Offline text recognition (OCR) for scanned pages and photos: rapidocr-onnxruntime, whose PP-OCRv4
detection and recognition models ship inside its wheel (nothing is downloaded at run time).

The engine gives one box per run of text; runs whose vertical extents overlap are one line (left to right),
and the lines, in page coordinates (points), go through the PDF reader's layout, so paragraphs, centred
titles and running headers are handled as for a PDF with a text layer.
"""

from __future__ import annotations

import io
import os
import statistics
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from assistant.ingest.readers._base import Extracted, fail
from assistant.ingest.readers._text import clean_line, fix_radicals
from assistant.ingest.readers.pdf_layout import PdfLine

RENDER_DPI = 150  # scanned PDF pages are rendered at this resolution for recognition
_DEFAULT_IMAGE_DPI = 150
_MIN_SCORE = 0.5
_MAX_PIXELS = 60_000_000
# Characters the recogniser reads for others that official text uses: 丶 (a radical) for the 顿号 、.
_CONFUSED = str.maketrans({"丶": "、"})
_NOT_IMAGE = "文件已损坏或不是有效的图片"
_NO_TEXT = "图片中没有识别出文字"
_NO_ENGINE = "缺少文字识别组件 rapidocr-onnxruntime（pip install rapidocr-onnxruntime）"


@dataclass
class _Box:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float


class OcrUnavailable(RuntimeError):
    """The OCR engine cannot be loaded; the message is the Chinese reason."""


@lru_cache(maxsize=1)
def _engine() -> Any:
    try:
        from rapidocr_onnxruntime import RapidOCR
    except Exception as exc:  # missing package, or onnxruntime/opencv without their system libraries
        raise OcrUnavailable(f"{_NO_ENGINE}（{type(exc).__name__}）") from exc
    # Half the machine's cores (at most 4): onnxruntime's spinning threads slow everything down when they
    # outnumber the cores free, and the library is read while other work goes on.
    threads = max(1, min(4, len(os.sched_getaffinity(0)) // 2))
    return RapidOCR(print_verbose=False, intra_op_num_threads=threads, inter_op_num_threads=1)


def recognise(image: Any, page: int, points_per_pixel: float) -> list[PdfLine]:
    """The text lines of a page image (PIL), positions in points."""
    import numpy as np

    rgb = image.convert("RGB")
    # The engine works on OpenCV's BGR order. Its angle classifier is off: on upright pages it turns some
    # lines upside down, and their text is then lost.
    result, _ = _engine()(np.asarray(rgb)[:, :, ::-1], use_cls=False)
    boxes = []
    for corners, text, score in result or []:
        text = fix_radicals(clean_line(str(text))).translate(_CONFUSED)
        if not text or float(score) < _MIN_SCORE:
            continue
        xs = [float(p[0]) for p in corners]
        ys = [float(p[1]) for p in corners]
        boxes.append(_Box(text, min(xs) * points_per_pixel, max(xs) * points_per_pixel,
                          min(ys) * points_per_pixel, max(ys) * points_per_pixel))
    return _lines(page, boxes)


def _lines(page: int, boxes: list[_Box]) -> list[PdfLine]:
    groups: list[list[_Box]] = []
    for box in sorted(boxes, key=lambda b: (b.top + b.bottom) / 2):
        centre = (box.top + box.bottom) / 2
        if groups:
            last = groups[-1]
            top, bottom = min(b.top for b in last), max(b.bottom for b in last)
            if top <= centre <= bottom and box.top < bottom - 0.3 * (box.bottom - box.top):
                last.append(box)
                continue
        groups.append([box])
    out = []
    for group in groups:
        group.sort(key=lambda b: b.x0)
        size = _char_size(group)
        text = ""
        for previous, box in zip([None, *group], group, strict=False):
            if previous is not None and box.x0 - previous.x1 > 1.5 * size:
                text += " "
            text += box.text
        top, bottom = min(b.top for b in group), max(b.bottom for b in group)
        out.append(PdfLine(page, text, group[0].x0, group[-1].x1, top, bottom, size, size))
    return out


def _char_size(group: list[_Box]) -> float:
    """The font size, from the width each character takes (a box is taller than its glyphs)."""
    widths = []
    for box in group:
        units = sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in box.text)
        if units >= 1:
            widths.append((box.x1 - box.x0) / units)
    if widths:
        return statistics.median(widths)
    return 0.7 * max(b.bottom - b.top for b in group)


def normalise_size(lines: Iterable[PdfLine]) -> list[PdfLine]:
    """Short lines give noisy sizes: a line within a fifth of the document's usual size gets that size, so
    the layout does not take noise for a change of font."""
    lines = list(lines)
    if not lines:
        return lines
    usual = statistics.median(line.size for line in lines if len(line.text) >= 8) if any(
        len(line.text) >= 8 for line in lines) else statistics.median(line.size for line in lines)
    for line in lines:
        if abs(line.size - usual) <= 0.2 * usual:
            line.size = usual
            line.first_word = usual
    return lines


def read_image(path: Path, data: bytes) -> Extracted:
    """A photo or scan of a page (.png, .jpg): its text by OCR."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    from assistant.ingest.readers.pdf import Page, assemble

    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > _MAX_PIXELS:
            raise fail(path, f"图片过大（{image.width}×{image.height} 像素）")
        image.load()
        image = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise fail(path, _NOT_IMAGE, exc) from exc
    dpi = image.info.get("dpi", (_DEFAULT_IMAGE_DPI,))[0] or _DEFAULT_IMAGE_DPI
    scale = 72 / float(dpi)
    try:
        lines = normalise_size(recognise(image, 0, scale))
    except OcrUnavailable as exc:
        raise fail(path, str(exc), exc) from exc
    if not lines:
        raise fail(path, _NO_TEXT)
    return Extracted(assemble([Page(lines, [], image.height * scale)]), ocr=True)


def recognise_pdf_pages(path: Path, data: bytes, indices: list[int]) -> dict[int, list[PdfLine]]:
    """OCR of the given pages of a PDF (rendered with pypdfium2), lines in PDF points, with a progress bar."""
    import pypdfium2
    from tqdm import tqdm

    out: dict[int, list[PdfLine]] = {}
    document = pypdfium2.PdfDocument(data)
    try:
        for index in tqdm(indices, desc=f"文字识别 {path.name}", unit="页", leave=False):
            page = document[index]
            try:
                image = page.render(scale=RENDER_DPI / 72).to_pil()
            finally:
                page.close()
            out[index] = recognise(image, index, 72 / RENDER_DPI)
    finally:
        document.close()
    normalise_size(line for lines in out.values() for line in lines)
    return out
