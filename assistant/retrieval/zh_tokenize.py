"""Chinese tokenisation for BM25: jieba search mode, stopwords, domain dictionary and query synonyms.

All word lists live in assistant/data/ so they can be tuned without touching code:
- stopwords_zh.txt     tokens dropped on both sides (function words, chunk field labels, boilerplate)
- domain_words_zh.txt  words added to jieba so agency names and policy terms are not cut apart
- synonyms_zh.tsv      how users say things -> how the notice says them; applied to queries only
- agency_aliases.json  (owned by assistant.agencies) typed agency names such as 住建厅 -> 住房城乡建设厅

The index stores tokens produced here, so `resources_fingerprint()` goes into the index manifest: editing
any of these files makes the index stale and it is rebuilt.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

import jieba

from assistant.ingest.agencies import agency_data, short_name

DATA_FILES = ("stopwords_zh.txt", "domain_words_zh.txt", "synonyms_zh.tsv", "agency_aliases.json")

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
    """alias -> canonical phrases, from synonyms_zh.tsv (canonical<TAB>alias alias …) and the agency
    alias table (alias -> the agency name as the notice writes it, without the 自治区/广西 prefix)."""
    table: dict[str, list[str]] = {}

    def add(alias: str, canonical: str) -> None:
        alias, canonical = normalize(alias.strip()), normalize(canonical.strip())
        if alias and canonical and alias != canonical and canonical not in table.setdefault(alias, []):
            table[alias].append(canonical)

    for line in _data_lines("synonyms_zh.tsv"):
        canonical, _, aliases = line.partition("\t")
        for alias in aliases.split():
            add(alias, canonical)
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


def tokenize(text: str) -> list[str]:
    """Index-side tokens: jieba search mode (whole words plus their dictionary 2/3-grams), filtered."""
    tok = _get_tokenizer()
    stop = stopwords()
    return [t for t in tok.lcut_for_search(normalize(text)) if _keep(t, stop)]


def tokenize_many(texts: Iterable[str]) -> list[list[str]]:
    return [tokenize(t) for t in texts]


def synonym_expansion(tokens: list[str]) -> list[str]:
    """The notice's wording for every colloquial alias among `tokens` (aliases themselves not included)."""
    table = synonyms()
    # Search mode yields both 住建 and 住建厅; expand each canonical phrase once, not once per alias.
    phrases = dict.fromkeys(c for t in tokens for c in table.get(t, ()))
    return [w for phrase in phrases for w in tokenize(phrase)]


def tokenize_query_parts(text: str) -> tuple[list[str], list[str]]:
    """(the query's own tokens, synonym-expansion tokens) — kept apart so BM25 can weight them."""
    tokens = tokenize(text)
    return tokens, synonym_expansion(tokens)


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
