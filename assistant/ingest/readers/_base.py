"""What every format reader returns to the dispatcher, and the error helper they share."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from assistant.ingest.blocks import Block, ReadError


@dataclass
class Extracted:
    blocks: list[Block] = field(default_factory=list)
    title_hint: str = ""
    ocr: bool = False  # some of the text was recognised from page images


def fail(path: Path, reason: str, cause: BaseException | None = None) -> ReadError:
    """A ReadError to raise (`raise fail(...) from exc`), so library exceptions never leak."""
    error = ReadError(path, reason)
    if cause is not None:
        error.__cause__ = cause
    return error
