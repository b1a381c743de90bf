"""A shared/exclusive lock for the server: many questions at once, a library reload alone.

`Assistant.ask` is safe to run from several threads at once: SQLite connections are per thread
(`library.store`), the searcher is created under a lock, FAISS and numpy release the GIL while they search,
and the query encoder gathers concurrent queries into one batched call (`retrieval.encoder`). What must not
overlap an answer is a reload after an upload, which replaces the documents, lexicon and searcher the answer
is reading. So questions take the lock shared and a reload takes it exclusively:

    lock = SharedLock()
    with lock.shared():      # a question
        ...
    with lock:               # a reload: waits for running questions; new questions wait for it
        ...
"""

from __future__ import annotations

import contextlib
import os
import threading


class SharedLock:
    """Readers share, a writer excludes everyone; a waiting writer holds back new readers (no starvation)."""

    def __init__(self):
        self._cv = threading.Condition()
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    @contextlib.contextmanager
    def shared(self):
        with self._cv:
            while self._writer or self._writers_waiting:
                self._cv.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cv:
                self._readers -= 1
                if not self._readers:
                    self._cv.notify_all()

    def acquire(self) -> bool:
        with self._cv:
            self._writers_waiting += 1
            try:
                while self._writer or self._readers:
                    self._cv.wait()
            finally:
                self._writers_waiting -= 1
            self._writer = True
        return True

    def release(self) -> None:
        with self._cv:
            self._writer = False
            self._cv.notify_all()

    def __enter__(self) -> "SharedLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def ask_concurrency() -> int:
    """How many questions the server answers at once (Gradio's concurrency limit for the answering events).

    Answers are mostly Python (the GIL), but the query encoder, FAISS and SQLite release it, and the encoder
    batches whatever queries arrive together. A question waiting in a worker thread costs nothing, while one
    waiting in Gradio's queue is rescanned by its dispatch loop every millisecond; so the limit is generous.
    Measured with benchmarks/bench_load.py on the 2-core machine (every question encoded): server CPU per
    question at 50 clients 64 ms with 8 at once, 37 ms with 16, 38 ms with 32; at 25 clients ~43 ms for all.
    ASSISTANT_ASK_CONCURRENCY overrides it."""
    value = os.environ.get("ASSISTANT_ASK_CONCURRENCY", "")
    if value.isdigit() and int(value) > 0:
        return int(value)
    return min(32, max(8, 8 * _usable_cores()))


def queue_size() -> int:
    """Questions waiting beyond those being answered before the server says it is busy (Gradio's max_size):
    at ~20 answers per second, 256 waiting is ~13 s, about as long as anyone waits for an answer."""
    value = os.environ.get("ASSISTANT_QUEUE_SIZE", "")
    return int(value) if value.isdigit() and int(value) > 0 else 256
