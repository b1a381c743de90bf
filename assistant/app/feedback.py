"""User feedback (👍/👎 and an optional comment), appended to a JSONL file.

Each record is one JSON line. Appends are safe across threads and processes: the whole line is written
with a single write() on a file opened in append mode, under an exclusive flock on that file and a
process-local lock, so lines never interleave and earlier lines are never lost or rewritten.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from datetime import datetime, timezone
from pathlib import Path

VERDICTS = ("up", "down")
_LOCK = threading.Lock()


def now_iso() -> str:
    """Local time with its UTC offset, ISO-8601, e.g. 2022-06-20T10:31:05+08:00."""
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def make_record(question: str, answer: str, refs: list[str], verdict: str, comment: str = "") -> dict:
    """The feedback record: time, question, answer, refs, verdict ("up"/"down"), comment."""
    if verdict not in VERDICTS:
        raise ValueError(f"verdict 必须是 up 或 down，收到 {verdict!r}")
    return {
        "time": now_iso(),
        "question": question,
        "answer": answer,
        "refs": list(refs),
        "verdict": verdict,
        "comment": (comment or "").strip(),
    }


def append_feedback(path: Path | str, record: dict) -> None:
    """Append `record` as one JSON line to `path`, creating the parent folder if needed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
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
    """All records in the file (skipping blank lines); a missing file has none."""
    path = Path(path)
    if not path.is_file():
        return []
    return [json.loads(l) for l in path.read_text("utf-8").splitlines() if l.strip()]
