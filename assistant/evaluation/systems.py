"""The systems an evaluation compares, behind one small base class, and a registry by name.

* `assistant`  the product (`assistant.service.Assistant`, imported lazily)
* `bm25`       jieba BM25 over the task rows and measures (the product's index, lexical ranker only)
* `dense`      the same embedding model and index, dense ranker only
* `hybrid`     reciprocal-rank fusion of the two, without the product's structured layer
* `naive_rag`  what a generic RAG framework does: the raw notice text cut into ~500-character windows with
               overlap, dense top-5 with the same encoder, citing every task/measure whose text span the
               retrieved windows overlap

Baselines never abstain, cite their top-5 refs and answer with the concatenated texts of their top-5
chunks, so string-based answer accuracy is measurable for them too.

The model and the index are loaded once (`Resources`) and shared by every system in a run.
"""

from __future__ import annotations

import hashlib

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.config import Settings, load_settings
from assistant.records import Answer, Citation, Document, Hit

TOP_CITED = 5  # baselines cite (and answer with) their top-5
HIT_DEPTH = 20  # ranked refs kept on every baseline answer (MRR@10 needs at least 10)


def is_evidence_ref(ref: str) -> bool:
    """Units are what gold refs name (rows, measures, articles, items); the meta and preamble chunks are not."""
    return ref not in ("meta", "preamble")


class SystemUnavailableError(RuntimeError):
    """A system cannot be built (e.g. the product module is missing); the message is Chinese."""


# --- shared resources -----------------------------------------------------------------------------------


class Resources:
    """Settings, the library's documents and one HybridSearcher (encoder + index), created on first use."""

    def __init__(self, settings: Settings | None = None, progress: bool = False) -> None:
        self.settings = settings or load_settings()
        self.progress = progress
        self._library = None
        self._searcher = None

    @property
    def library(self):
        if self._library is None:
            from assistant.library.catalog import Library

            self._library = Library(self.settings, progress=self.progress)
            self._library.sync()
        return self._library

    @property
    def docs(self) -> list[Document]:
        return list(self.library.documents.values())

    @property
    def searcher(self):
        if self._searcher is None:
            from assistant.retrieval.hybrid_search import make_searcher

            self._searcher = make_searcher(self.settings, docs=self.docs, cache=self.library.store,
                                            progress=self.progress)
        return self._searcher

    def adopt_searcher(self, searcher) -> None:
        """Reuse the model and index some other component (the product) already loaded.

        The baselines get their own HybridSearcher over the same index and encoder, with any query-vector
        memo wrapper of the product's taken off: a baseline must pay for its own query encoding, or its
        latency would depend on which system ran before it."""
        from assistant.retrieval.hybrid_search import HybridSearcher, make_searcher

        if self._searcher is not None or not isinstance(searcher, HybridSearcher):
            return
        encoder = getattr(searcher.encoder, "_encoder", None) or searcher.encoder
        # The configured backend's searcher (Milvus reuses the product's collection), so that a baseline runs
        # where the product runs.
        self._searcher = make_searcher(self.settings, encoder=encoder, index=searcher.index, progress=self.progress)


# --- systems --------------------------------------------------------------------------------------------


class System:
    """Answers one question. Subclasses set `name` and implement `answer`."""

    name: str = "system"

    def answer(self, question: str, scope: str | None = None, history: list[str] | None = None) -> Answer:
        raise NotImplementedError

    def warm_up(self) -> None:
        """Load whatever is loaded lazily, so the first timed question is not charged for it."""
        self.answer("优化营商环境")


class AssistantSystem(System):
    """The product, in-process."""

    name = "assistant"

    def __init__(self, resources: Resources, assistant=None) -> None:
        """Wrap `assistant` (an already-built service.Assistant, e.g. a test session's) or build one."""
        self._resources = resources
        if assistant is not None:
            self._assistant = assistant
            return
        try:
            from assistant.answering.service import Assistant
        except ModuleNotFoundError as exc:
            if exc.name != "assistant.answering.service":
                raise
            raise SystemUnavailableError("问答服务 assistant.answering.service 不存在，无法评测系统 assistant") from exc
        self._assistant = Assistant(resources.settings, progress=resources.progress, library=resources.library)

    def share(self) -> None:
        """Load the product's model and index now and hand them to the baselines."""
        self._resources.adopt_searcher(getattr(self._assistant, "searcher", None))

    def answer(self, question: str, scope: str | None = None, history: list[str] | None = None) -> Answer:
        return self._assistant.ask(question, scope=scope, history=history)


def _baseline_answer(question: str, ranked: Sequence[tuple[str, str, float]], texts: Sequence[str],
                     cited: Sequence[Citation], intent: str) -> Answer:
    hits = [Hit(ref=ref, score=float(score), doc=doc) for doc, ref, score in ranked]
    return Answer(
        question=question,
        answer="\n\n".join(texts),
        citations=list(cited),
        hits=hits,
        abstained=False,
        intent=intent,
    )


class RetrievalSystem(System):
    """One mode of the product's HybridSearcher ("bm25", "dense" or "hybrid"), no structured layer."""

    def __init__(self, resources: Resources, mode: str) -> None:
        self.name = mode
        self.mode = mode
        self._searcher = resources.searcher

    def answer(self, question: str, scope: str | None = None, history: list[str] | None = None) -> Answer:
        raw = self._searcher.search(question, k=HIT_DEPTH + 10, mode=self.mode)
        hits = [h for h in raw if is_evidence_ref(h.ref)][:HIT_DEPTH]
        top = [self._searcher.chunk(h.ref, h.doc) for h in hits[:TOP_CITED]]
        cited = [Citation(doc=c.doc, doc_title="", ref=c.ref, label=c.title, quote=c.text, title=c.title)
                 for c in top if c is not None]
        return _baseline_answer(
            question, [(h.doc, h.ref, h.score) for h in hits], [c.text for c in top if c is not None], cited, self.mode
        )


# --- naive RAG ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    start: int  # character offsets into the raw corpus text, end exclusive
    end: int


@dataclass(frozen=True)
class RefSpan:
    ref: str
    start: int
    end: int


def split_text(text: str, size: int = 500, overlap: int = 100) -> list[Span]:
    """Fixed-size windows with overlap, cut at a line break (else 。；) in the window's second half when
    there is one: the recursive character splitter of the usual RAG frameworks, simplified."""
    if size <= 0 or not 0 <= overlap < size:
        raise ValueError("size must be positive and 0 <= overlap < size")
    spans: list[Span] = []
    start, n = 0, len(text)
    while start < n:
        end = min(start + size, n)
        if end < n:
            floor = start + size // 2
            cut = text.rfind("\n", floor, end)
            if cut < 0:
                cut = max(text.rfind("。", floor, end), text.rfind("；", floor, end))
            if cut >= 0:
                end = cut + 1
        if text[start:end].strip():
            spans.append(Span(start, end))
        if end >= n:
            break
        start = max(end - overlap, start + 1)
    return spans


def document_text(doc: Document) -> tuple[str, list[RefSpan]]:
    """A document as plain text (headings, paragraphs, one tab-separated line per table row), with where each
    unit lies in it: what a generic RAG pipeline sees after converting a file to text."""
    parts: list[str] = []
    spans: list[RefSpan] = []
    pos = 0
    for unit in doc.units:
        if unit.kind == "meta":
            continue
        if unit.kind == "task":
            line = "\t".join(str(x) for x in (unit.number, unit.category, unit.goal, unit.text, unit.deadline,
                                              unit.lead_raw, unit.support_raw))
        else:
            line = f"{unit.path[-1] if unit.path else ''}{unit.title}{'。' if unit.title and unit.text else ''}"
            line = (line + unit.text) if not unit.text.startswith(unit.title or "\0") else (
                (unit.path[-1] if unit.path else "") + unit.text)
        if not line.strip():
            continue
        spans.append(RefSpan(unit.ref, pos, pos + len(line)))
        parts.append(line)
        pos += len(line) + 1
    return "\n".join(parts), spans


def refs_in(span: Span, spans: Sequence[RefSpan]) -> list[str]:
    """Refs whose text overlaps the span, in text order."""
    return [s.ref for s in spans if min(span.end, s.end) > max(span.start, s.start)]


class NaiveRagSystem(System):
    name = "naive_rag"
    size = 500
    overlap = 100

    def __init__(self, resources: Resources) -> None:
        self._searcher = resources.searcher
        self._encoder = self._searcher.encoder
        self._windows: list[tuple[str, str, Span]] = []  # (doc, text, window)
        self._refs: list[list[str]] = []
        texts: dict[str, str] = {}
        for doc in resources.docs:
            text, spans = document_text(doc)
            texts[doc.doc] = text
            for window in split_text(text, self.size, self.overlap):
                self._windows.append((doc.doc, text, window))
                self._refs.append(refs_in(window, spans))
        digest = hashlib.sha256("\n".join(f"{d}\n{t}" for d, t in texts.items()).encode()).hexdigest()
        self._vectors = self._load_vectors(resources.settings, digest)
        self._titles = {c.key: c.title for c in self._searcher.chunks}

    def _window_text(self, i: int) -> str:
        _, text, w = self._windows[i]
        return text[w.start : w.end]

    def _load_vectors(self, settings: Settings, corpus_digest: str) -> np.ndarray:
        """Passage vectors, cached under cache_dir keyed by corpus, model and chunking."""
        key = hashlib.sha256(
            f"{corpus_digest}|{self._encoder.model_id}|{self.size}|{self.overlap}|v2".encode()
        ).hexdigest()[:16]
        path = Path(settings.cache_dir) / "eval" / f"naive_rag-{key}.npy"
        if path.is_file():
            try:
                vectors = np.load(path)
                if vectors.shape[0] == len(self._windows):
                    return vectors
            except (OSError, ValueError):
                pass
        vectors = self._encoder.encode_passages([self._window_text(i) for i in range(len(self._windows))])
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp.npy")
            np.save(tmp, vectors)
            tmp.replace(path)
        except OSError:
            pass  # a read-only cache only costs the re-encoding next time
        return vectors

    def answer(self, question: str, scope: str | None = None, history: list[str] | None = None) -> Answer:
        query = self._encoder.encode_queries([question])[0]
        scores = self._vectors @ query
        order = np.argsort(-scores, kind="stable")
        ranked: list[tuple[str, str, float]] = []
        seen: set[tuple[str, str]] = set()
        for i in order:
            doc = self._windows[i][0]
            for ref in self._refs[i]:
                if (doc, ref) not in seen:
                    seen.add((doc, ref))
                    ranked.append((doc, ref, float(scores[i])))
            if len(ranked) >= HIT_DEPTH:
                break
        top = order[:TOP_CITED]
        cited: list[Citation] = []
        cited_keys: set[tuple[str, str]] = set()
        for i in top:
            doc = self._windows[i][0]
            quote = self._window_text(i)
            for ref in self._refs[i]:
                if (doc, ref) not in cited_keys:
                    cited_keys.add((doc, ref))
                    title = self._titles.get((doc, ref), ref)
                    cited.append(Citation(doc=doc, doc_title="", ref=ref, label=title, quote=quote, title=title))
        texts = [self._window_text(i) for i in top]
        return _baseline_answer(question, ranked[:HIT_DEPTH], texts, cited, "naive_rag")


# --- registry -------------------------------------------------------------------------------------------

SYSTEMS: dict[str, Callable[[Resources], System]] = {
    "assistant": AssistantSystem,
    "bm25": lambda r: RetrievalSystem(r, "bm25"),
    "dense": lambda r: RetrievalSystem(r, "dense"),
    "hybrid": lambda r: RetrievalSystem(r, "hybrid"),
    "naive_rag": NaiveRagSystem,
}
DEFAULT_SYSTEMS: tuple[str, ...] = tuple(SYSTEMS)
BASELINES: tuple[str, ...] = ("bm25", "dense", "hybrid", "naive_rag")


def parse_system_names(text: str | None) -> list[str]:
    """"bm25, dense" → ["bm25", "dense"]; None/empty → all; unknown names raise ValueError (Chinese)."""
    if not text or not text.strip():
        return list(DEFAULT_SYSTEMS)
    names: list[str] = []
    for part in re.split(r"[,，\s]+", text.strip()):
        if not part:
            continue
        if part not in SYSTEMS:
            raise ValueError(f"未知的系统: {part}（可选 {', '.join(SYSTEMS)}）")
        if part not in names:
            names.append(part)
    if not names:
        raise ValueError(f"未指定要评测的系统（可选 {', '.join(SYSTEMS)}）")
    return names


def build_systems(names: Sequence[str], resources: Resources) -> list[System]:
    """Build in a fixed order: the product first, so baselines can reuse the searcher it loaded."""
    ordered = sorted(names, key=lambda n: (n != "assistant", list(names).index(n)))
    built: dict[str, System] = {}
    for name in ordered:
        built[name] = SYSTEMS[name](resources)
        if isinstance(built[name], AssistantSystem) and len(names) > 1:
            built[name].share()
    return [built[name] for name in names]
