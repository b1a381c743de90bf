"""Chinese tokenisation for BM25: jieba search mode, stopwords, domain dictionary and query synonyms.

All word lists live in assistant/data/ so they can be tuned without touching code:
- stopwords_zh.txt     tokens dropped on both sides (function words, chunk field labels, boilerplate)
- domain_words_zh.txt  words added to jieba so agency names and policy terms are not cut apart
- thesaurus.tsv        how users say things -> how documents say them (assistant.thesaurus); queries only
- agency_aliases.json  (owned by assistant.agencies) typed agency names such as 住建厅 -> 住房城乡建设厅

The index stores tokens produced here, so `resources_fingerprint()` goes into the index manifest: editing
any of these files makes the index stale and it is rebuilt.

Queries in a fresh process need not load jieba's whole prefix dictionary (500k words, 1.2-1.5 s and ~100 MB
on a 2-core machine): jieba only ever looks up substrings of the sentence it cuts, so a query is cut exactly
as the full tokenizer would cut it by a tokenizer whose dictionary is a read-only SQLite copy of the final
one (jieba's words plus ours), looked up word by word (~1-3 ms per question). The copy is written once per
data fingerprint under `<cache>/jieba/` (`use_frozen_dictionary`); index builds keep the full tokenizer.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sqlite3
import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jieba

from assistant.ingest.agencies import agency_data, short_name
from assistant.thesaurus import thesaurus

DATA_FILES = ("stopwords_zh.txt", "domain_words_zh.txt", "thesaurus.tsv", "agency_aliases.json")

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def _read_data(name: str) -> str:
    return resources.files("assistant").joinpath("data", name).read_text(encoding="utf-8")


def _data_lines(name: str) -> list[str]:
    out = []
    for line in _read_data(name).splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def normalize(text: str) -> str:
    # NFKC folds full-width digits/latin/punctuation (２０２２, ＵＫｅｙ, （）) so both sides agree.
    return unicodedata.normalize("NFKC", text).lower()


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    return frozenset(normalize(w) for w in _data_lines("stopwords_zh.txt"))


@lru_cache(maxsize=1)
def domain_words() -> tuple[str, ...]:
    return tuple(normalize(w) for w in _data_lines("domain_words_zh.txt"))


@lru_cache(maxsize=1)
def synonyms() -> dict[str, tuple[str, ...]]:
    """alias -> canonical phrases, from the thesaurus (variant -> document terms) and the agency alias
    table (alias -> the agency name as the notice writes it, without the 自治区/广西 prefix)."""
    table: dict[str, list[str]] = {}

    def add(alias: str, canonical: str) -> None:
        alias, canonical = normalize(alias.strip()), normalize(canonical.strip())
        if alias and canonical and alias != canonical and canonical not in table.setdefault(alias, []):
            table[alias].append(canonical)

    for concept in thesaurus().concepts:
        for alias in concept.variants:
            add(alias, " ".join(concept.terms))
    for canonical, aliases in agency_data().aliases.items():
        for alias in aliases:
            add(alias, short_name(canonical))
    return {k: tuple(v) for k, v in table.items()}


def _get_tokenizer() -> jieba.Tokenizer:
    """A private jieba.Tokenizer so our dictionary changes never leak into other jieba users."""
    global _tokenizer
    if _tokenizer is not None:
        return _tokenizer
    with _lock:
        if _tokenizer is None:
            # jieba logs "Building prefix dict…" at DEBUG on its own logger; keep it quiet.
            jieba.setLogLevel(logging.WARNING)
            tok = jieba.Tokenizer()
            tok.initialize()
            # Aliases are added too: a user's 住建厅 must come out as one token to be looked up.
            for word in (*domain_words(), *synonyms().keys()):
                if len(word) > 1:
                    tok.add_word(word)
            _tokenizer = tok
    return _tokenizer


def _keep(token: str, stop: frozenset[str]) -> bool:
    if not token.strip() or token in stop:
        return False
    # Drop pure punctuation/symbol/space runs (Unicode categories P*, S*, Z*).
    return not all(unicodedata.category(ch)[0] in "PSZ" for ch in token)


def _cut(tok: jieba.Tokenizer, text: str) -> list[str]:
    stop = stopwords()
    return [t for t in tok.lcut_for_search(normalize(text)) if _keep(t, stop)]


def tokenize(text: str) -> list[str]:
    """Tokens for BM25: jieba search mode (whole words plus their dictionary 2/3-grams), filtered. The same
    from the full tokenizer and from the frozen dictionary, which a fresh process uses when it has one."""
    return _cut(_query_tokenizer(), text)


def content_words(text: str) -> list[str]:
    """The text's words in reading order (jieba precise mode with the domain dictionary), without stopwords
    and punctuation: what a question is about."""
    tok = _query_tokenizer()
    stop = stopwords()
    return [t for t in tok.lcut(normalize(text)) if _keep(t, stop)]


def is_dictionary_word(word: str) -> bool:
    """A word jieba knows (its dictionary or ours), as opposed to a fragment cut from colloquial text (楼能)."""
    return (_query_tokenizer().FREQ.get(normalize(word), 0) or 0) > 0


# Up to this many characters, a process that has not loaded the full tokenizer cuts index texts with the
# frozen dictionary when it is there (the same tokens): an add's few new chunks then cost ~0.1 s, not the
# ~0.6 s of loading jieba's prefix dictionary; in bulk the full tokenizer is the faster one.
FROZEN_BATCH_CHARS = 100_000


def tokenize_many(texts: Iterable[str]) -> list[list[str]]:
    """Index-side: many texts, through the full tokenizer, or a small batch through the frozen dictionary."""
    texts = list(texts)
    tok = None
    if _tokenizer is None and sum(len(t) for t in texts) <= FROZEN_BATCH_CHARS:
        tok = _frozen_if_there()
    tok = tok if tok is not None else _get_tokenizer()
    return [_cut(tok, t) for t in texts]


def synonym_expansion(tokens: list[str]) -> list[str]:
    """The notice's wording for every colloquial alias among `tokens` (aliases themselves not included)."""
    table = synonyms()
    # Search mode yields both 住建 and 住建厅; expand each canonical phrase once, not once per alias.
    phrases = dict.fromkeys(c for t in tokens for c in table.get(t, ()))
    return [w for phrase in phrases for w in tokenize(phrase)]


def tokenize_query_parts(text: str) -> tuple[list[str], list[str]]:
    """(the query's own tokens, synonym-expansion tokens) — kept apart so BM25 can weight them. Phrases are
    expanded from the whole text (注册个公司 → 开办企业), single words from their tokens (住建厅)."""
    tokens = tokenize(text)
    extra = synonym_expansion(tokens)
    for term in thesaurus().expansion(normalize(text)):
        extra += [t for t in tokenize(term) if t not in extra]
    return tokens, extra


def tokenize_query(text: str) -> list[str]:
    """Query tokens followed by their synonym expansion, as one list."""
    own, extra = tokenize_query_parts(text)
    return own + extra


def resources_fingerprint() -> str:
    """sha256 over the data files and the jieba version: any change means the BM25 index is stale."""
    h = hashlib.sha256(f"jieba={jieba.__version__}".encode())
    for name in DATA_FILES:
        h.update(name.encode())
        h.update(_read_data(name).encode("utf-8"))
    return h.hexdigest()


# --- the frozen dictionary: cold queries without loading jieba's prefix dictionary ------------------------

FROZEN_FORMAT = 1
_UNSET = Path("<unset>")
_frozen_dir: Path | None = _UNSET  # until configured: the settings' cache folder
_query_tok: jieba.Tokenizer | None = None


class _FrozenFreq:
    """jieba's FREQ (word -> count, 0 for a prefix that is no word) read from SQLite, one word at a time.

    Supports what jieba's cutting uses: `in`, `[]` and `get`. Read-only, so threads share one memo and
    each has its own connection."""

    _MISSING = object()

    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()
        self._memo: dict[str, int | None] = {}
        self.total = int(self._db().execute("SELECT value FROM info WHERE key='total'").fetchone()[0])

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            # immutable: the file never changes once written, so SQLite may skip locking altogether
            db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro&immutable=1", uri=True,
                                 check_same_thread=False)
            self._local.db = db
        return db

    def get(self, word: str, default=None):
        value = self._memo.get(word, self._MISSING)
        if value is self._MISSING:
            row = self._db().execute("SELECT n FROM freq WHERE word=?", (word,)).fetchone()
            value = row[0] if row else None
            if len(self._memo) > 200_000:
                self._memo.clear()
            self._memo[word] = value
        return default if value is None else value

    def __contains__(self, word: str) -> bool:
        return self.get(word) is not None

    def __getitem__(self, word: str) -> int:
        value = self.get(word)
        if value is None:
            raise KeyError(word)
        return value


def frozen_dictionary_path(cache_dir: Path) -> Path:
    return Path(cache_dir) / "jieba" / f"dict-v{FROZEN_FORMAT}-{resources_fingerprint()[:16]}.sqlite"


def use_frozen_dictionary(cache_dir: Path | None) -> None:
    """Cut queries with the frozen dictionary under `cache_dir` (written on first use); None turns it off."""
    global _frozen_dir, _query_tok
    with _lock:
        if _frozen_dir != (Path(cache_dir) if cache_dir else None):
            _frozen_dir = Path(cache_dir) if cache_dir else None
            _query_tok = None


def write_frozen_dictionary(path: Path) -> None:
    """Write the full tokenizer's final dictionary to `path` (atomically; a concurrent writer is harmless)."""
    tok = _get_tokenizer()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    try:
        with contextlib.closing(sqlite3.connect(tmp)) as db:
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("PRAGMA synchronous = OFF")
            db.execute("CREATE TABLE info (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            db.execute("CREATE TABLE freq (word TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID")
            db.execute("INSERT INTO info VALUES ('total', ?)", (str(int(tok.total)),))
            db.executemany("INSERT INTO freq VALUES (?, ?)", list(tok.FREQ.items()))
            db.commit()
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        for old in path.parent.glob("dict-v*.sqlite"):  # copies for data that has changed since
            if old != path:
                with contextlib.suppress(OSError):
                    old.unlink()
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _frozen_tokenizer(path: Path) -> jieba.Tokenizer:
    freq = _FrozenFreq(path)
    tok = jieba.Tokenizer()
    tok.FREQ, tok.total, tok.initialized = freq, freq.total, True
    return tok


def _frozen_if_there() -> jieba.Tokenizer | None:
    """The frozen tokenizer when its file exists and the full one is not loaded anyway; else None."""
    global _query_tok
    if _frozen_dir is _UNSET:
        from assistant.config import load_settings

        use_frozen_dictionary(load_settings().cache_dir)
    if _frozen_dir is None or _tokenizer is not None:
        return None
    path = frozen_dictionary_path(_frozen_dir)
    if not path.is_file():
        return None
    with _lock:
        if _query_tok is None:
            with contextlib.suppress(sqlite3.Error, OSError, TypeError, ValueError):
                _query_tok = _frozen_tokenizer(path)
    return _query_tok if _query_tok is not _tokenizer else None


def _query_tokenizer() -> jieba.Tokenizer:
    """The frozen tokenizer when its file exists and the full one is not loaded anyway; else the full one
    (writing the frozen copy for later processes, once)."""
    global _query_tok
    tok = _query_tok if _query_tok is not None else _frozen_if_there()
    if tok is not None:
        return tok
    if _frozen_dir is None:
        return _get_tokenizer()
    path = frozen_dictionary_path(_frozen_dir)
    full = _get_tokenizer()
    if not path.is_file():
        with contextlib.suppress(sqlite3.Error, OSError):  # a read-only cache only costs later processes time
            write_frozen_dictionary(path)
    _query_tok = full
    return full
