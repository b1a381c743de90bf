"""Adding documents from the browser (staff only; off unless `assistant serve --allow-upload`).

The same path as `assistant library add`: each file is read and parsed completely before it is copied into the
library, so a bad file leaves the library as it was, and each file gets the same Chinese message. Files over the
size limit are refused before they are read. After anything was added the assistant reloads the library and
brings its index up to date (only the new documents' chunks are encoded), so the next question can use them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

from assistant.app import ui_text as T

MAX_UPLOAD_MB = 20
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
from assistant.ingest.readers import SUPPORTED_EXTENSIONS as ACCEPTED


def limit_text(max_bytes: int = MAX_UPLOAD_BYTES) -> str:
    mb = max_bytes / (1024 * 1024)
    return f"{mb:g} MB" if mb >= 1 else f"{max(1, max_bytes // 1024)} KB"


def _path_of(item) -> Path:
    if isinstance(item, (str, os.PathLike)):
        return Path(item)
    if isinstance(item, dict):
        return Path(item.get("path") or item.get("name"))
    return Path(getattr(item, "path", None) or getattr(item, "name"))


def run_import(assistant, files, lock=None, max_bytes: int = MAX_UPLOAD_BYTES) -> Iterator[tuple[str, bool]]:
    """Check, add and load `files`, yielding (status markdown, whether the library changed) after each step;
    the last one is the result: one Chinese line per file and a summary."""
    paths = [_path_of(f) for f in (files or []) if f]
    if not paths:
        yield T.UPLOAD_NOTHING, False
        return
    lines: list[str] = []
    wanted: list[Path] = []
    for path in paths:
        try:
            size = path.stat().st_size
        except OSError as exc:
            lines.append(f"无法读取文件 {path.name}：{exc.strerror or exc}")
            continue
        if size > max_bytes:
            lines.append(T.UPLOAD_TOO_BIG.format(name=path.name, limit=limit_text(max_bytes)))
        elif path.suffix.lower() not in ACCEPTED:
            lines.append(T.UPLOAD_BAD_TYPE.format(name=path.name, suffix=path.suffix or "（无扩展名）"))
        else:
            wanted.append(path)
    changed = False
    if wanted:
        yield _status(lines, T.UPLOAD_RUNNING), False
        from assistant.errors import UserError

        try:
            results = assistant.library.add(wanted)
        except UserError as exc:
            yield _status(lines + [str(exc)]), False
            return
        lines += [r.message or f"{r.status}：{Path(r.path).name}" for r in results]
        changed = any(r.status in ("added", "merged") for r in results)
    if changed:
        yield _status(lines, T.UPLOAD_INDEXING), False
        with lock if lock is not None else nullcontext():
            assistant.reload()
            assistant.warm_up()  # the index takes the new documents now, not on the next question
        lines.append(T.UPLOAD_DONE.format(n=len(assistant.docs)))
    elif wanted:
        lines.append(T.UPLOAD_UNCHANGED)
    yield _status(lines), changed


def _status(lines: list[str], working: str = "") -> str:
    out = [f"- {line}" for line in lines]
    if working:
        out.append(f"\n⏳ {working}")
    return "\n".join(out)


def import_files(assistant, files, lock=None, max_bytes: int = MAX_UPLOAD_BYTES) -> tuple[str, bool]:
    """`run_import` to the end: (the result markdown, whether the library changed)."""
    result = ("", False)
    for result in run_import(assistant, files, lock, max_bytes):
        pass
    return result
