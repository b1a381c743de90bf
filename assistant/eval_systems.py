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
import inspect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.config import Settings, load_settings
from assistant.records import Answer, Citation, Hit, Notice

TOP_CITED = 5  # baselines cite (and answer with) their top-5
HIT_DEPTH = 20  # ranked refs kept on every baseline answer (MRR@10 needs at least 10)
_EVIDENCE = re.compile(r"^(task|measure)-\d+$")


def is_evidence_ref(ref: str) -> bool:
    """Task rows and measures are what gold refs name; meta/preamble chunks are not."""
    return bool(_EVIDENCE.match(ref))


class SystemUnavailableError(RuntimeError):
    """A system cannot be built (e.g. the product module is missing); the message is Chinese."""


# --- shared resources -----------------------------------------------------------------------------------


class Resources:
    """Settings, the parsed notice and one HybridSearcher (encoder + index), created on first use."""

    def __init__(self, settings: Settings | None = None, progress: bool = False) -> None:
        self.settings = settings or load_settings()
        self.progress = progress
        self._notice: Notice | None = None
        self._searcher = None

    @property
    def notice(self) -> Notice:
        if self._notice is None:
            from assistant.notice_parser import load_notice

            self._notice = load_notice(self.settings)
        return self._notice

    @property
    def searcher(self):
        if self._searcher is None:
            from assistant.hybrid_search import HybridSearcher

            self._searcher = HybridSearcher(self.settings, notice=self.notice, progress=self.progress)
        return self._searcher

    def adopt_searcher(self, searcher) -> None:
        """Reuse the model and index some other component (the product) already loaded.

        The baselines get their own HybridSearcher over the same index and encoder, with any query-vector
        memo wrapper of the product's taken off: a baseline must pay for its own query encoding, or its
        latency would depend on which system ran before it."""
        from assistant.hybrid_search import HybridSearcher

        if self._searcher is not None or not isinstance(searcher, HybridSearcher):
            return
        encoder = getattr(searcher.encoder, "_encoder", None) or searcher.encoder
        self._searcher = HybridSearcher(self.settings, encoder=encoder, index=searcher.index, progress=self.progress)


# --- systems --------------------------------------------------------------------------------------------


class System:
    """Answers one question. Subclasses set `name` and implement `answer`."""

    name: str = "system"

    def answer(self, question: str) -> Answer:
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
            from assistant.service import Assistant
        except ModuleNotFoundError as exc:
            if exc.name != "assistant.service":
                raise
            raise SystemUnavailableError("问答服务 assistant.service 尚不存在，无法评测系统 assistant") from exc
        params = inspect.signature(Assistant).parameters
        kwargs = {}
        # Share the already-loaded model and index when the product accepts them.
        if "searcher" in params and resources._searcher is not None:
            kwargs["searcher"] = resources._searcher
        self._assistant = Assistant(resources.settings, progress=resources.progress, **kwargs)

    def share(self) -> None:
        """Load the product's model and index now and hand them to the baselines."""
        self._resources.adopt_searcher(getattr(self._assistant, "searcher", None))

    def answer(self, question: str) -> Answer:
        return self._assistant.ask(question)


def _baseline_answer(question: str, ranked: Sequence[tuple[str, float]], texts: Sequence[str], cited: Sequence[Citation], intent: str) -> Answer:
    hits = [Hit(ref=ref, score=float(score)) for ref, score in ranked]
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

    def answer(self, question: str) -> Answer:
        raw = self._searcher.search(question, k=HIT_DEPTH + 10, mode=self.mode)
        hits = [h for h in raw if is_evidence_ref(h.ref)][:HIT_DEPTH]
        top = [self._searcher.chunk(h.ref) for h in hits[:TOP_CITED]]
        cited = [Citation(ref=c.ref, doc=c.doc, title=c.title, quote=c.text) for c in top if c is not None]
        return _baseline_answer(
            question, [(h.ref, h.score) for h in hits], [c.text for c in top if c is not None], cited, self.mode
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


_CHAPTER_LINE = re.compile(r"^[一二三四五六七八九十]+、")
_MEASURE_LINE = re.compile(r"^[（(]\s*([一二三四五六七八九十]+)\s*[）)]")


def ref_spans(text: str, notice: Notice) -> list[RefSpan]:
    """Where each task row (its table line) and each measure (heading to the next heading) lies in the raw
    text, whitespace trimmed. Line numbers are those of the parser: text split at "\\n"."""
    from assistant.textutil import cn_to_int, squeeze_spaces

    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)

    def trimmed(first: int, last: int) -> tuple[int, int]:  # lines [first, last) → trimmed char span
        start, end = offsets[first], offsets[last] - 1
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        return start, end

    spans: list[RefSpan] = []
    for row in notice.tasks:
        if row.line:
            start, end = trimmed(row.line - 1, row.line)
            spans.append(RefSpan(row.ref, start, end))

    stripped = [squeeze_spaces(l) for l in lines]
    attach = next((i for i, l in enumerate(stripped) if l.startswith("附件")), len(lines))
    first_chapter = next((i for i, l in enumerate(stripped) if _CHAPTER_LINE.match(l)), attach)
    heads: list[tuple[int, int | None]] = []  # (line index, measure number or None for a chapter)
    for i in range(first_chapter, attach):
        if _CHAPTER_LINE.match(stripped[i]):
            heads.append((i, None))
        elif m := _MEASURE_LINE.match(stripped[i]):
            heads.append((i, cn_to_int(m.group(1))))
    heads.append((attach, None))
    for (i, number), (j, _) in zip(heads, heads[1:]):
        if number is not None:
            start, end = trimmed(i, j)
            spans.append(RefSpan(f"measure-{number}", start, end))
    return sorted(spans, key=lambda s: s.start)


def refs_in(span: Span, spans: Sequence[RefSpan]) -> list[str]:
    """Refs whose text overlaps the span, in text order."""
    return [s.ref for s in spans if min(span.end, s.end) > max(span.start, s.start)]


class NaiveRagSystem(System):
    name = "naive_rag"
    size = 500
    overlap = 100

    def __init__(self, resources: Resources) -> None:
        from assistant.notice_parser import read_corpus

        self._searcher = resources.searcher
        self._encoder = self._searcher.encoder
        notice = resources.notice
        text, digest = read_corpus(Path(resources.settings.corpus))
        self._text = text
        self._windows = split_text(text, self.size, self.overlap)
        spans = ref_spans(text, notice)
        self._refs = [refs_in(w, spans) for w in self._windows]
        self._vectors = self._load_vectors(resources.settings, digest)
        self._titles = {c.ref: c.title for c in self._searcher.chunks}
        self._doc = notice.meta.doc_id

    def _load_vectors(self, settings: Settings, corpus_digest: str) -> np.ndarray:
        """Passage vectors, cached under cache_dir keyed by corpus, model and chunking."""
        key = hashlib.sha256(
            f"{corpus_digest}|{self._encoder.model_id}|{self.size}|{self.overlap}|v1".encode()
        ).hexdigest()[:16]
        path = Path(settings.cache_dir) / "eval" / f"naive_rag-{key}.npy"
        if path.is_file():
            try:
                vectors = np.load(path)
                if vectors.shape[0] == len(self._windows):
                    return vectors
            except (OSError, ValueError):
                pass
        vectors = self._encoder.encode_passages([self._text[w.start : w.end] for w in self._windows])
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp.npy")
            np.save(tmp, vectors)
            tmp.replace(path)
        except OSError:
            pass  # a read-only cache only costs the re-encoding next time
        return vectors

    def answer(self, question: str) -> Answer:
        query = self._encoder.encode_queries([question])[0]
        scores = self._vectors @ query
        order = np.argsort(-scores, kind="stable")
        ranked: list[tuple[str, float]] = []
        seen: set[str] = set()
        for i in order:
            for ref in self._refs[i]:
                if ref not in seen:
                    seen.add(ref)
                    ranked.append((ref, float(scores[i])))
            if len(ranked) >= HIT_DEPTH:
                break
        top = order[:TOP_CITED]
        cited: list[Citation] = []
        cited_refs: set[str] = set()
        for i in top:
            quote = self._text[self._windows[i].start : self._windows[i].end]
            for ref in self._refs[i]:
                if ref not in cited_refs:
                    cited_refs.add(ref)
                    cited.append(Citation(ref=ref, doc=self._doc, title=self._titles.get(ref, ref), quote=quote))
        texts = [self._text[self._windows[i].start : self._windows[i].end] for i in top]
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
