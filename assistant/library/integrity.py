"""Damaged SQLite files: found at start (PRAGMA quick_check) and set aside, so they can be rebuilt.

The catalogue is rebuilt from the library folder (every file is read again); the embedding cache lives in
its own file, so a damaged catalogue costs no re-encoding (and a damaged cache costs only that).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from pathlib import Path


def problem_of(path: Path) -> str | None:
    """None when the database at `path` passes quick_check; else a short Chinese reason."""
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    except sqlite3.DatabaseError as exc:
        return f"无法打开：{exc}"
    try:
        rows = db.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return _reason(exc)
    finally:
        db.close()
    if rows != [("ok",)]:
        return "完整性检查未通过"
    return None


def _reason(exc: Exception) -> str:
    text = str(exc).lower()
    if "not a database" in text:
        return "不是有效的数据库文件"
    if "malformed" in text or "corrupt" in text:
        return "数据页已损坏"
    if "locked" in text or "busy" in text:
        return ""  # another process is writing: not damage
    return f"无法读取（{exc}）"


def set_aside(path: Path) -> Path:
    """Rename the damaged file (and its -wal/-shm) to `name.damaged-TIME`, kept for inspection."""
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    os.replace(path, aside)
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(OSError):
            Path(f"{path}{suffix}").unlink()
    return aside


def check_or_set_aside(path: Path, what: str, consequence: str) -> str | None:
    """quick_check `path`; when damaged, set it aside and return the Chinese message saying so."""
    if not path.is_file():
        return None
    problem = problem_of(path)
    if not problem:
        return None
    aside = set_aside(path)
    return f"{what}已损坏（{path.name}：{problem}），已移到 {aside.name}，{consequence}"
