"""What runs in the worker process (see worker.py): imported once by the fork server, so every reader and
the structure parser are loaded before a file is read."""

from __future__ import annotations

import resource
from pathlib import Path

from assistant.ingest.blocks import ReadError
from assistant.ingest.budget import Budget, check_chars, check_pages, check_units, MB
from assistant.ingest.document import DocumentError, parse_raw
from assistant.ingest.readers import read_file  # noqa: F401  (loads every reader in the fork server)


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _near_limit(limit: int) -> bool:
    """Whether the address space came close to the cap: then a parser's odd error (lxml reports a failed
    allocation as XPathEvalError or a parse error) was really the memory budget."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) * 1024 >= 0.85 * limit
    except (OSError, ValueError):
        pass
    return False


def read_within(path: Path, doc_id: str, budget: Budget):
    if path.suffix.lower() == ".pdf" and path.is_file():
        check_pages(path, path.read_bytes(), budget)
    raw = read_file(path)
    check_chars(raw, budget)
    document = parse_raw(raw, doc_id)
    check_units(path, len(document.units), budget)
    return document


def run(conn, path: str, doc_id: str, budget: Budget) -> None:
    limit = budget.memory_mb * MB
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        pass
    try:
        try:
            document = read_within(Path(path), doc_id, budget)
            message = ("ok", document, peak_mb())
        except (ReadError, DocumentError) as exc:
            if type(exc).__name__ != "BudgetExceeded" and _near_limit(limit):
                message = ("memory", peak_mb())
            else:
                message = ("error", type(exc).__name__, getattr(exc, "what", ""), exc.reason, peak_mb())
        except MemoryError:
            message = ("memory", peak_mb())
        except RecursionError:
            message = ("error", "ReadError", "", "文件结构嵌套过深，无法读取", peak_mb())
        except Exception as exc:  # noqa: BLE001 - a parser bug is still a refusal with a reason
            reason = f"文件内容无法解析（{type(exc).__name__}），文件可能已损坏"
            message = ("memory", peak_mb()) if _near_limit(limit) else ("error", "ReadError", "", reason, peak_mb())
        conn.send(message)
    except MemoryError:
        conn.send(("memory", peak_mb()))
    finally:
        conn.close()
