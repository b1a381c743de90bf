"""User feedback (👍/👎 and an optional comment), appended to a JSONL file.

Each record is one JSON line. Appends are safe across threads and processes: the whole line is written
with a single write() on a file opened in append mode, under an exclusive flock on that file and a
process-local lock, so lines never interleave and earlier lines are never lost or rewritten.

Any text reads back as written: characters that some readers take for a line break (U+2028, U+2029, NEL)
and lone surrogates, which UTF-8 cannot carry, are written as JSON \\u escapes, and `read_feedback` splits
on "\\n" only. Fields are capped (a comment at MAX_COMMENT_CHARS) so no record can grow the log without
bound; `comment_problem` gives the Chinese message to show when a comment is too long.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path

VERDICTS = ("up", "down")
MAX_COMMENT_CHARS = 2000
MAX_QUESTION_CHARS = 2000
MAX_ANSWER_CHARS = 100_000  # the longest list answer (199 rows) is ~30,000
_LOCK = threading.Lock()
# Inside a JSON line these can only occur in strings, where an escape means the same character.
_ESCAPE = re.compile("[\x85\u2028\u2029\ud800-\udfff]")


class FeedbackError(OSError):
    """The feedback could not be saved; str() is a Chinese message without paths, fit to show a user."""


def comment_problem(comment: str | None) -> str | None:
    """A Chinese message when `comment` cannot be saved as given (too long), else None."""
    n = len((comment or "").strip())
    if n > MAX_COMMENT_CHARS:
        return f"意见过长（{n} 字），请精简到 {MAX_COMMENT_CHARS} 字以内后再提交。"
    return None


def _capped(text: object, limit: int) -> tuple[str, bool]:
    text = text if isinstance(text, str) else ("" if text is None else str(text))
    return (text[:limit], True) if len(text) > limit else (text, False)


def now_iso() -> str:
    """Local time with its UTC offset, ISO-8601, e.g. 2022-06-20T10:31:05+08:00."""
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def make_record(question: str, answer: str, refs: list[str], verdict: str, comment: str = "") -> dict:
    """The feedback record: time, question, answer, refs, verdict ("up"/"down"), comment. Over-long fields are
    cut to their cap and the record says so ("truncated": the names of the fields cut)."""
    if verdict not in VERDICTS:
        raise ValueError(f"verdict 必须是 up 或 down，收到 {str(verdict)[:20]!r}")
    question, q_cut = _capped(question, MAX_QUESTION_CHARS)
    answer, a_cut = _capped(answer, MAX_ANSWER_CHARS)
    comment, c_cut = _capped((comment or "").strip() if isinstance(comment, str) else comment, MAX_COMMENT_CHARS)
    record = {
        "time": now_iso(),
        "question": question,
        "answer": answer,
        "refs": [str(r)[:200] for r in list(refs or [])[:500]],
        "verdict": verdict,
        "comment": comment,
    }
    cut = [name for name, was_cut in (("question", q_cut), ("answer", a_cut), ("comment", c_cut)) if was_cut]
    if cut:
        record["truncated"] = cut
    return record


def feedback_line(record: dict) -> bytes:
    """The record as one UTF-8 JSON line that every JSON and line reader reads back unchanged."""
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    return (_ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n").encode("utf-8")


def append_feedback(path: Path | str, record: dict) -> None:
    """Append `record` as one JSON line to `path`, creating the parent folder if needed."""
    path = Path(path)
    line = feedback_line(record)
    try:
        _append_line(path, line)
    except OSError as exc:
        raise FeedbackError(_write_problem(exc)) from None


def _write_problem(exc: OSError) -> str:
    import errno

    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "反馈文件所在文件夹不可写，请联系管理员检查权限（或用 ASSISTANT_FEEDBACK_FILE 指定可写的位置）。"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "磁盘空间不足，请联系管理员。"
    return f"写入反馈文件时出错（{exc.strerror or type(exc).__name__}），请稍后再试。"


def _append_line(path: Path, line: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with _LOCK:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                data = line
                # A file left without a final newline (an interrupted writer, a hand edit) would glue
                # our record onto its last line; start on a fresh line instead.
                size = os.fstat(fd).st_size
                if size > 0 and os.pread(fd, 1, size - 1) != b"\n":
                    data = b"\n" + line
                written = os.write(fd, data)
                while written < len(data):  # regular files write everything at once; be safe anyway
                    written += os.write(fd, data[written:])
                os.fsync(fd)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def read_feedback(path: Path | str) -> list[dict]:
    """All records in the file (skipping blank lines); a missing file has none. Lines end at "\\n" only; a
    line that is not a JSON object (a hand edit) is skipped with a note on stderr."""
    path = Path(path)
    if not path.is_file():
        return []
    records = []
    for number, raw in enumerate(path.read_bytes().split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.decode("utf-8", "surrogateescape"))
        except ValueError:
            record = None
        if isinstance(record, dict):
            records.append(record)
        else:
            print(f"反馈文件第 {number} 行无法读取，已跳过。", file=sys.stderr)
    return records
