"""Reading a file in a worker process, within the budget (assistant/ingest/budget.py).

The worker is forked from a small server process (multiprocessing's forkserver, which has the readers
imported once), so a file costs a fork rather than a new interpreter. In the worker the address space is
capped (resource.setrlimit) at the budget's memory; the parent waits at most the budget's seconds and then
kills it. Whatever happens in the worker — a parser's MemoryError, a crash, a hang — the caller gets either
the Document or a ReadError/DocumentError with a Chinese reason, and nothing is left behind.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from assistant.ingest.blocks import ReadError
from assistant.ingest.budget import Budget, check_before_reading, memory_exceeded, time_exceeded
from assistant.ingest.document import DocumentError
from assistant.records import Document

_CHILD = "assistant.ingest.worker_child"
_context = None
_context_lock = threading.Lock()


@dataclass(frozen=True)
class ReadReport:
    path: str
    document: Document | None
    error: ReadError | DocumentError | None
    seconds: float  # wall time, parent's view
    peak_mb: float  # peak resident memory of the reading process (0 when it was killed before saying)


def _mp():
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([_CHILD])
            _context = context
        return _context


_start_lock = threading.Lock()


@contextlib.contextmanager
def _main_not_reimported():
    """Start a worker without it importing the caller's script: multiprocessing re-runs a script's top level in
    each new process (its `__file__`), which in a script without `if __name__ == "__main__":` that opens a
    library would start reading again, in every worker. The worker needs only worker_child, so the script's
    path is withheld while the process starts (a module run with -m is imported by name, harmlessly)."""
    main = sys.modules.get("__main__")
    if main is None or getattr(main, "__spec__", None) is not None or not hasattr(main, "__file__"):
        yield
        return
    with _start_lock:
        saved = main.__dict__.pop("__file__")
        try:
            yield
        finally:
            main.__file__ = saved


def read_document(path: Path | str, doc_id: str, budget: Budget) -> ReadReport:
    """Read and parse `path` into a Document within `budget` (see module doc); never raises for a bad file."""
    path = Path(path)
    started = time.perf_counter()

    def report(document=None, error=None, peak=0.0) -> ReadReport:
        return ReadReport(str(path), document, error, round(time.perf_counter() - started, 3), peak)

    try:
        check_before_reading(path, budget)
    except ReadError as exc:
        return report(error=exc)
    except OSError:
        pass  # missing, unreadable: the reader gives the message
    context = _mp()
    receiver, sender = context.Pipe(duplex=False)
    from assistant.ingest import worker_child

    process = context.Process(target=worker_child.run, args=(sender, str(path), doc_id, budget), daemon=True)
    with _main_not_reimported():
        process.start()
    sender.close()
    try:
        if not receiver.poll(budget.seconds):
            process.kill()
            return report(error=time_exceeded(path, budget))
        try:
            message = receiver.recv()
        except (EOFError, OSError):
            return report(error=memory_exceeded(path, budget))
    finally:
        receiver.close()
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join(5)
    kind = message[0]
    peak = float(message[-1])
    if kind == "ok":
        return report(document=message[1], peak=peak)
    if kind == "memory":
        return report(error=memory_exceeded(path, budget), peak=peak)
    _, error_class, what, reason = message[:4]
    if error_class == "BudgetExceeded":
        from assistant.ingest.budget import BudgetExceeded

        error = BudgetExceeded(path, what)
    elif error_class == "DocumentError":
        error = DocumentError(path, reason)
    else:
        error = ReadError(path, reason)
    return report(error=error, peak=peak)


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def read_documents(jobs: Sequence[tuple[Path | str, str, Budget]], workers: int | None = None) -> Iterator[ReadReport]:
    """read_document for each (path, doc_id, budget), up to `workers` (default: the usable cores) worker
    processes at once; the reports come back in the order of `jobs`, each as soon as it and those before it
    are done. Each read is still its own worker process with its own budget: the threads here only wait."""
    jobs = list(jobs)
    workers = max(1, min(workers or usable_cores(), len(jobs)))
    if workers == 1:
        yield from (read_document(*job) for job in jobs)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="read") as pool:
        futures = [pool.submit(read_document, *job) for job in jobs]
        try:
            for future in futures:
                yield future.result()
        finally:
            for future in futures:
                future.cancel()


def parse_within(path: Path | str, doc_id: str, budget: Budget) -> Document:
    """read_document, raising the error (ReadError or DocumentError) of a refused file."""
    result = read_document(path, doc_id, budget)
    if result.error is not None:
        raise result.error
    assert result.document is not None
    return result.document
