"""The budget of reading one file: bytes on disk, bytes after decompression, pages, characters, units, wall
time and memory. The limits live in settings (assistant/config.py); this module checks them.

What can be checked before reading is checked here, in the process that adds the file (its size, a zip
package's directory, the characters a text file can at most hold); pages, characters and units are checked
as the file is read, in the worker process (assistant/ingest/worker.py) that also enforces time and memory.
Every refusal is a BudgetExceeded (a ReadError) whose Chinese reason names the limit.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

from assistant.ingest.blocks import Paragraph, RawDocument, ReadError

MB = 1024 * 1024
LARGE_FILES_FACTOR = 10  # `library add --large-files`
# Formats whose characters are at most 4 bytes each (UTF-8, GB18030, UTF-16): more bytes than 4 × the
# character budget cannot fit, whatever the encoding. HTML markup counts too: its text is less than its bytes.
TEXT_FORMATS = (".txt", ".md", ".markdown", ".html", ".htm")
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Budget:
    file_mb: int = 200
    unpacked_mb: int = 200
    pages: int = 1500
    chars: int = 10_000_000
    units: int = 50_000
    seconds: int = 300
    memory_mb: int = 3072

    @classmethod
    def from_settings(cls, settings, large: bool = False) -> "Budget":
        budget = cls(settings.max_file_mb, settings.max_unpacked_mb, settings.max_pages, settings.max_chars,
                     settings.max_units, settings.max_read_seconds, settings.max_read_memory_mb)
        return budget.raised() if large else budget

    def raised(self, factor: int = LARGE_FILES_FACTOR) -> "Budget":
        """The budget of `--large-files`: every limit times `factor` (memory at most doubled)."""
        return replace(self, file_mb=self.file_mb * factor, unpacked_mb=self.unpacked_mb * factor,
                       pages=self.pages * factor, chars=self.chars * factor, units=self.units * factor,
                       seconds=self.seconds * factor, memory_mb=self.memory_mb * 2)

    def describe(self) -> str:
        return (f"文件 {self.file_mb} MB、解压后 {self.unpacked_mb} MB、{self.pages} 页、{_count(self.chars)} 字、"
                f"{_count(self.units)} 个单元、{self.seconds} 秒、内存 {self.memory_mb} MB")


class BudgetExceeded(ReadError):
    """A file over one of the limits; the reason names the limit and how to raise it."""

    def __init__(self, path: Path | str, what: str):
        super().__init__(path, f"{what}，未导入（确需导入可用 `assistant library add --large-files` 放宽上限）")
        self.what = what


def _count(n: int) -> str:
    return f"{n // 10_000}万" if n >= 10_000 and n % 10_000 == 0 else str(n)


def check_before_reading(path: Path, budget: Budget) -> None:
    """What the file says about itself before a byte of content is parsed: its size, a zip package's
    directory (the sizes its members expand to), and the characters a text file can at most hold."""
    size = path.stat().st_size
    if size > budget.file_mb * MB:
        raise BudgetExceeded(path, f"文件大小 {size / MB:.0f} MB，超过 {budget.file_mb} MB 上限")
    if path.suffix.lower() in TEXT_FORMATS and size > 4 * budget.chars:
        raise BudgetExceeded(path, f"文件大小 {size / MB:.0f} MB，超过 {_count(budget.chars)} 字上限所能容纳的大小")
    with path.open("rb") as fh:
        head = fh.read(4)
    if head == _ZIP_MAGIC:
        check_zip(path, budget)


def check_zip(path: Path | io.BytesIO, budget: Budget, name: Path | None = None) -> None:
    """The sum of the members' sizes in the zip directory against the decompressed budget. Python's zipfile
    never gives more bytes for a member than the directory declares (and checks the CRC), so this bounds what
    any reader of the package can decompress."""
    shown = name or path
    try:
        with zipfile.ZipFile(path) as archive:
            total = 0
            for info in archive.infolist():
                total += info.file_size
                if total > budget.unpacked_mb * MB:
                    raise BudgetExceeded(shown, f"解压后超过 {budget.unpacked_mb} MB 上限")
    except zipfile.BadZipFile:
        return  # the reader says what is wrong with it


def check_pages(path: Path, data: bytes, budget: Budget) -> None:
    """The page count a PDF's page tree declares, before any page is laid out."""
    if path.suffix.lower() != ".pdf":
        return
    count = pdf_page_count(data)
    if count is not None and count > budget.pages:
        raise BudgetExceeded(path, f"共 {count} 页，超过 {budget.pages} 页上限")


def pdf_page_count(data: bytes) -> int | None:
    try:
        from pdfminer.pdfdocument import PDFDocument
        from pdfminer.pdfparser import PDFParser
        from pdfminer.pdftypes import resolve1

        document = PDFDocument(PDFParser(io.BytesIO(data)))
        count = resolve1(resolve1(document.catalog.get("Pages")).get("Count"))
        return int(count)
    except Exception:  # a broken or encrypted file: the reader says what is wrong with it
        return None


def check_chars(raw: RawDocument, budget: Budget) -> None:
    chars = 0
    for block in raw.blocks:
        chars += len(block.text) if isinstance(block, Paragraph) else sum(len(c) for row in block.rows for c in row)
        if chars > budget.chars:
            raise BudgetExceeded(raw.path, f"文字超过 {_count(budget.chars)} 字上限")


def check_units(path: Path, units: int, budget: Budget) -> None:
    if units > budget.units:
        raise BudgetExceeded(path, f"共 {units} 个单元，超过 {_count(budget.units)} 个单元上限")


def time_exceeded(path: Path, budget: Budget) -> BudgetExceeded:
    return BudgetExceeded(path, f"读取超过 {budget.seconds} 秒上限")


def memory_exceeded(path: Path, budget: Budget) -> BudgetExceeded:
    return BudgetExceeded(path, f"读取时内存超过 {budget.memory_mb} MB 上限")
