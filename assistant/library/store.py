"""The catalogue and the structured rows in SQLite (standard library).

Plain relational tables — documents, units, unit_agencies — with the JSON only for what has no fixed shape
(metadata dates, extra table columns), so a server database could take the same schema. "Which / how
many" questions are SQL over units ⋈ unit_agencies (see `select_units`). The embedding cache, keyed by
(model, text hash), is its own file beside this one (embedding_cache.py); a damaged catalogue found at start
(quick_check) is set aside and rebuilt from the library folder (integrity.py); `version()` goes up with every
change, so a running server notices what another process changed.

The same schema and SQL run on PostgreSQL (`store_url = "postgresql://…"`, psycopg 3): only the connection
and a few dialect pieces differ (`_SQLite`, `_Postgres`); the embedding cache stays in SQLite beside the index.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from assistant.library.embedding_cache import EmbeddingCache
from assistant.library.integrity import check_or_set_aside
from assistant.records import DocMeta, Document, Unit

SCHEMA_VERSION = 2  # 2: responsible units (unit_agencies role, units.responsible_raw)

_AGENCIES_TABLE = """CREATE TABLE IF NOT EXISTS unit_agencies (
    doc TEXT NOT NULL,
    ref TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('lead', 'support', 'responsible')),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (doc, ref, role, position),
    FOREIGN KEY (doc, ref) REFERENCES units(doc, ref) ON DELETE CASCADE
)"""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    issuer TEXT NOT NULL DEFAULT '',
    doc_number TEXT NOT NULL DEFAULT '',
    place TEXT NOT NULL DEFAULT '',
    year INTEGER,
    short_name TEXT NOT NULL DEFAULT '',
    meta_json TEXT NOT NULL,
    source TEXT NOT NULL,
    sources_json TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    format TEXT NOT NULL,
    parser_version TEXT NOT NULL,
    added_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE IF NOT EXISTS units (
    doc TEXT NOT NULL REFERENCES documents(doc) ON DELETE CASCADE,
    ref TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    path_json TEXT NOT NULL,
    number INTEGER,
    parent TEXT,
    title TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    goal TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT '',
    category_raw TEXT NOT NULL DEFAULT '',
    deadline TEXT NOT NULL DEFAULT '',
    deadline_date TEXT,
    lead_raw TEXT NOT NULL DEFAULT '',
    support_raw TEXT NOT NULL DEFAULT '',
    responsible_raw TEXT NOT NULL DEFAULT '',
    fields_json TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (doc, ref)
);
""" + _AGENCIES_TABLE + """;
CREATE INDEX IF NOT EXISTS unit_agencies_name ON unit_agencies(name, role);
CREATE INDEX IF NOT EXISTS units_kind ON units(kind, doc);
CREATE INDEX IF NOT EXISTS units_deadline ON units(deadline_date);
"""


def _migrate_1_to_2(db) -> None:
    """A version-1 catalogue: responsible units get their column and their role; rows are kept (their
    documents are re-read anyway when the parser changed)."""
    columns = db.columns("units")
    if "responsible_raw" not in columns:
        db.execute("ALTER TABLE units ADD COLUMN responsible_raw TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE unit_agencies RENAME TO unit_agencies_v1")
    db.execute("DROP INDEX IF EXISTS unit_agencies_name")
    db.execute(_AGENCIES_TABLE)
    db.execute("CREATE INDEX IF NOT EXISTS unit_agencies_name ON unit_agencies(name, role)")
    db.execute("INSERT INTO unit_agencies SELECT doc, ref, role, position, name FROM unit_agencies_v1")
    db.execute("DROP TABLE unit_agencies_v1")
    db.execute("UPDATE info SET value=? WHERE key='schema'", (str(SCHEMA_VERSION),))


class StoreError(RuntimeError):
    """The database cannot be opened or written; the message is Chinese."""


class _SQLite:
    """A connection to the SQLite file, with the dialect pieces the shared SQL needs."""

    name = "sqlite"
    errors: tuple[type[Exception], ...] = (sqlite3.DatabaseError,)
    pad_seq = "printf('%08d', seq)"

    def __init__(self, path: Path, read_only: bool):
        if read_only:
            self.conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
            return
        self.conn = sqlite3.connect(path, timeout=30, check_same_thread=False)
        self.conn.execute("PRAGMA foreign_keys = ON")
        with contextlib.suppress(sqlite3.DatabaseError):
            self.conn.execute("PRAGMA journal_mode = WAL")

    def execute(self, sql: str, params: Sequence = ()):
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: list) -> None:
        self.conn.executemany(sql, rows)

    def executescript(self, sql: str) -> None:
        self.conn.executescript(sql)

    def columns(self, table: str) -> set[str]:
        return {row[1] for row in self.conn.execute(f"PRAGMA table_info({table})")}

    @contextlib.contextmanager
    def transaction(self):
        with self.conn:  # the file lock serialises writers
            yield self

    def close(self) -> None:
        self.conn.close()


# Every writer of one catalogue takes this lock for its transaction, as SQLite's file lock does.
_PG_WRITE_LOCK = 0x6C696272


class _Postgres:
    """A connection to a PostgreSQL server (psycopg 3, autocommit outside `transaction()`)."""

    name = "postgresql"
    pad_seq = "lpad(seq::text, 8, '0')"

    def __init__(self, url: str):
        try:
            import psycopg
        except ImportError:
            raise StoreError("使用 PostgreSQL 文库数据库需要 psycopg 3，请先安装：pip install -e \".[pg]\""
                             "（或 pip install \"psycopg[binary]>=3.1\"）") from None
        self.errors = (psycopg.Error,)
        self.conn = psycopg.connect(url, autocommit=True)

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("?", "%s")

    def execute(self, sql: str, params: Sequence = ()):
        return self.conn.execute(self._sql(sql), list(params))

    def executemany(self, sql: str, rows: list) -> None:
        if rows:
            with self.conn.cursor() as cur:
                cur.executemany(self._sql(sql), rows)

    def executescript(self, sql: str) -> None:
        # Text compares by code point, as in SQLite (BINARY), whatever the server's locale; documents keep an
        # insertion counter where SQLite has its rowid.
        sql = re.sub(r"\bTEXT\b", 'TEXT COLLATE "C"', sql)
        sql = sql.replace("doc TEXT COLLATE \"C\" PRIMARY KEY,", "doc TEXT COLLATE \"C\" PRIMARY KEY, rowid BIGSERIAL,")
        for statement in sql.split(";"):
            if statement.strip():
                self.conn.execute(statement)

    def columns(self, table: str) -> set[str]:
        return {row[0] for row in self.conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s", (table,))}

    @contextlib.contextmanager
    def transaction(self):
        with self.conn.transaction():
            self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (_PG_WRITE_LOCK,))
            yield self

    def close(self) -> None:
        self.conn.close()


def _sqlite_path(target: Path | str) -> Path | None:
    """The SQLite file a store target names, or None for a server URL."""
    if isinstance(target, Path):
        return target
    if target.startswith(("postgresql://", "postgres://")):
        return None
    if target.startswith("sqlite:///"):
        return Path(target[len("sqlite:///"):])
    if "://" in target:
        raise StoreError(f"不支持的文库数据库地址：{target.split('://')[0]}://…（可用 sqlite:/// 或 postgresql://）")
    return Path(target)


@dataclass(frozen=True)
class RowCondition:
    """One agency condition of a set question: any of `names`, in `role` (lead | support | any)."""

    names: tuple[str, ...]
    role: str


# A write touching more documents than this drops the documents cache (read whole on next use) instead.
_REFRESH_MAX = 200


class LibraryStore:
    """One SQLite file or one PostgreSQL database. Connections are per thread; writes go through
    `transaction()`."""

    def __init__(self, path: Path | str, index_dir: Path | None = None):
        self._local = threading.local()
        self._docs_cache: dict[str, Document] | None = None
        self._docs_version = -1
        self._lock = threading.Lock()
        self._messages: list[str] = []
        sqlite_path = _sqlite_path(path)
        if sqlite_path is None:
            self._open_server(str(path), index_dir)
            return
        self.url = ""
        self.path = sqlite_path
        # A database in a folder this user may not write (a server run by another user than the one who
        # built it) is opened read-only: questions are answered, the catalogue is not changed.
        self.read_only = self.path.is_file() and not (os.access(self.path, os.W_OK)
                                                      and os.access(self.path.parent, os.W_OK))
        if self.read_only:
            self.embeddings = EmbeddingCache(self.path.with_name("embeddings.sqlite"), read_only=True)
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # A damaged catalogue is set aside; the library then reads its folder again into a new one.
            message = check_or_set_aside(self.path, "文库数据库", "正在从文库文件夹重建")
            if message:
                self._messages.append(message)
            legacy = self.path if self.path.is_file() else None
            self.embeddings = EmbeddingCache(self.path.with_name("embeddings.sqlite"), legacy=legacy)
            self._messages += self.embeddings.messages
            self._create_schema()
        except sqlite3.DatabaseError as exc:
            raise StoreError(_db_message(self.path, exc)) from None
        except OSError as exc:
            raise StoreError(f"无法创建文库数据库所在文件夹 {self.path.parent.name}：{exc.strerror or exc}") from None

    def _open_server(self, url: str, index_dir: Path | None) -> None:
        self.url = url
        self.read_only = False
        # Messages and the embedding cache name the database without its password.
        self.path = Path(re.sub(r"//[^@/]*@", "//", url).split("?")[0].rstrip("/").split("/")[-1] or "postgresql")
        cache_dir = Path(index_dir) if index_dir is not None else Path.cwd() / "index"
        cache_dir.mkdir(parents=True, exist_ok=True)
        self.embeddings = EmbeddingCache(cache_dir / "embeddings.sqlite")
        self._messages += self.embeddings.messages
        try:
            self._create_schema()
        except StoreError:
            raise
        except Exception as exc:  # psycopg.Error: the server is down, refuses the user, or lacks the database
            raise StoreError(_db_message(self.path, exc)) from None

    def _create_schema(self) -> None:
        with self.transaction() as db:
            db.executescript(_SCHEMA)
            version = db.execute("SELECT value FROM info WHERE key='schema'").fetchone()
            if version is None:
                db.execute("INSERT INTO info VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            elif int(version[0]) == 1:
                _migrate_1_to_2(db)
            elif int(version[0]) != SCHEMA_VERSION:
                raise StoreError(f"文库数据库版本不符（{self.path.name}：{version[0]}，需要 {SCHEMA_VERSION}）")

    def take_messages(self) -> list[str]:
        """What opening the database found and did (a damaged file set aside), said once."""
        messages, self._messages = self._messages, []
        return messages

    def version(self) -> int:
        """Goes up with every change of the catalogue by any process: a cheap check that it changed."""
        return self._version(self._db())

    @staticmethod
    def _version(db) -> int:
        row = db.execute("SELECT value FROM info WHERE key='version'").fetchone()
        return int(row[0]) if row else 0

    @staticmethod
    def _bump(db) -> None:
        db.execute("INSERT INTO info (key, value) VALUES ('version', '1') ON CONFLICT(key) DO UPDATE"
                   " SET value = CAST(CAST(info.value AS INTEGER) + 1 AS TEXT)")

    # -- connections --------------------------------------------------------------------------------
    def _db(self) -> _SQLite | _Postgres:
        db = getattr(self._local, "db", None)
        if db is None:
            db = _Postgres(self.url) if self.url else _SQLite(self.path, self.read_only)
            self._local.db = db
        return db

    @contextlib.contextmanager
    def transaction(self):
        try:
            db = self._db()
            with db.transaction():
                yield db
        except StoreError:
            raise
        except (sqlite3.OperationalError, *self._server_errors()) as exc:
            raise StoreError(_db_message(self.path, exc)) from None
        finally:
            self._docs_cache = None

    def _server_errors(self) -> tuple[type[Exception], ...]:
        if not self.url:
            return ()
        import psycopg
        return (psycopg.OperationalError,)

    # -- documents ----------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _changing(self, docs: Sequence[str], reinserted: bool = False):
        """A write of the rows of `docs` (version bumped). When the documents cache was current before it, it
        is brought up to date by reading only those documents again: an add to a large library reads one
        document, not the whole catalogue. `reinserted`: their rows are new (put), so they move to the end."""
        with self._lock:
            cache, version = self._docs_cache, self._docs_version
        fresh = None
        with self.transaction() as db:
            self._bump(db)
            yield db
            # Writers are serialised: our bump giving version + 1 means nobody else wrote since the cache was read.
            if cache is not None and len(docs) <= _REFRESH_MAX and self._version(db) == version + 1:
                fresh = self._load_documents(db, docs)
        if fresh is not None:
            with self._lock:
                if self._docs_cache is None:  # nobody read it again meanwhile (transaction() cleared it)
                    updated = dict(cache)  # a new dict: a caller may hold the old one
                    for doc in docs:
                        if reinserted or doc not in fresh:
                            updated.pop(doc, None)
                        if doc in fresh:
                            updated[doc] = fresh[doc]
                    self._docs_cache, self._docs_version = updated, version + 1

    def put(self, document: Document, parser_version: str) -> None:
        with self._changing([document.doc], reinserted=True) as db:
            self._delete(db, document.doc)
            m = document.meta
            db.execute(
                "INSERT INTO documents (doc, title, kind, issuer, doc_number, place, year, short_name, meta_json,"
                " source, sources_json, sha256, format, parser_version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (document.doc, m.title, m.kind, m.issuer, m.doc_number, m.place, m.year, document.short_name,
                 json.dumps(m.to_dict(), ensure_ascii=False), document.source,
                 json.dumps(list(document.sources or (document.source,)), ensure_ascii=False), document.sha256,
                 document.format, parser_version),
            )
            db.executemany(
                "INSERT INTO units (doc, ref, seq, kind, label, path_json, number, parent, title, text, goal,"
                " category, category_raw, deadline, deadline_date, lead_raw, support_raw, responsible_raw, fields_json)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [(document.doc, u.ref, seq, u.kind, u.label, json.dumps(list(u.path), ensure_ascii=False), u.number,
                  u.parent, u.title, u.text, u.goal, u.category, u.category_raw, u.deadline,
                  u.deadline_date.isoformat() if u.deadline_date else None, u.lead_raw, u.support_raw,
                  u.responsible_raw, json.dumps(u.fields, ensure_ascii=False)) for seq, u in enumerate(document.units)],
            )
            db.executemany(
                "INSERT INTO unit_agencies (doc, ref, role, position, name) VALUES (?,?,?,?,?)",
                [(document.doc, u.ref, role, i, name) for u in document.units
                 for role, names in (("lead", u.lead), ("support", u.support), ("responsible", u.responsible))
                 for i, name in enumerate(names)],
            )

    def set_short_names(self, names: dict[str, str]) -> None:
        with self._changing(list(names)) as db:
            db.executemany("UPDATE documents SET short_name=? WHERE doc=?", [(v, k) for k, v in names.items()])

    def set_sources(self, doc: str, sources: Sequence[str]) -> None:
        with self._changing([doc]) as db:
            db.execute("UPDATE documents SET sources_json=? WHERE doc=?",
                       (json.dumps(list(sources), ensure_ascii=False), doc))

    def delete(self, doc: str) -> None:
        with self._changing([doc]) as db:
            self._delete(db, doc)

    @staticmethod
    def _delete(db, doc: str) -> None:
        db.execute("DELETE FROM unit_agencies WHERE doc=?", (doc,))
        db.execute("DELETE FROM units WHERE doc=?", (doc,))
        db.execute("DELETE FROM documents WHERE doc=?", (doc,))

    def catalogue(self) -> list[dict]:
        """One row per document: id, source files, checksum and parser version (for syncing)."""
        rows = self._db().execute(
            "SELECT doc, source, sources_json, sha256, parser_version FROM documents ORDER BY rowid").fetchall()
        return [{"doc": d, "source": s, "sources": json.loads(ss), "sha256": h, "parser_version": v}
                for d, s, ss, h, v in rows]

    def documents(self) -> dict[str, Document]:
        """Every document with its units, in the order they were added (cached until the next write)."""
        with self._lock:
            version = self.version()  # another process may have changed the catalogue since it was read
            if self._docs_cache is None or self._docs_version != version:
                self._docs_cache = self._load_documents(self._db())
                self._docs_version = version
            return self._docs_cache

    @staticmethod
    def _load_documents(db, only: Sequence[str] | None = None) -> dict[str, Document]:
        """Every document, or those of `only`, with their units."""
        where, params = ("", []) if only is None else (f" WHERE doc IN ({','.join('?' * len(only))})", list(only))
        if only is not None and not only:
            return {}
        units: dict[str, list[Unit]] = {}
        agencies: dict[tuple[str, str], dict[str, list[str]]] = {}
        paths: dict[str, tuple[str, ...]] = {}  # a library has few distinct heading paths: each parsed once
        for doc, ref, role, name in db.execute(
                f"SELECT doc, ref, role, name FROM unit_agencies{where} ORDER BY doc, ref, role, position", params):
            agencies.setdefault((doc, ref), {"lead": [], "support": [], "responsible": []})[role].append(name)
        for row in db.execute(
                "SELECT doc, ref, kind, label, path_json, number, parent, title, text, goal, category, category_raw,"
                " deadline, deadline_date, lead_raw, support_raw, responsible_raw, fields_json FROM units"
                f"{where} ORDER BY doc, seq", params):
            (doc, ref, kind, label, path_json, number, parent, title, text, goal, category, category_raw,
             deadline, deadline_day, lead_raw, support_raw, responsible_raw, fields_json) = row
            names = agencies.get((doc, ref), {})
            path = paths.get(path_json)
            if path is None:
                path = paths[path_json] = tuple(json.loads(path_json))
            units.setdefault(doc, []).append(Unit(
                ref=ref, kind=kind, label=label, path=path, number=number, parent=parent,
                title=title, text=text, goal=goal, category=category, category_raw=category_raw, deadline=deadline,
                deadline_date=date.fromisoformat(deadline_day) if deadline_day else None,
                lead=tuple(names.get("lead", ())), support=tuple(names.get("support", ())),
                lead_raw=lead_raw, support_raw=support_raw, fields=json.loads(fields_json) if fields_json != "{}" else {},
                responsible=tuple(names.get("responsible", ())), responsible_raw=responsible_raw))
        out: dict[str, Document] = {}
        for doc, meta_json, source, sources_json, sha, fmt, short in db.execute(
                f"SELECT doc, meta_json, source, sources_json, sha256, format, short_name FROM documents{where}"
                " ORDER BY rowid", params):
            out[doc] = Document(doc=doc, meta=DocMeta.from_dict(json.loads(meta_json)), units=tuple(units.get(doc, ())),
                                source=source, sha256=sha, format=fmt, short_name=short,
                                sources=tuple(s[0] if isinstance(s, list) else s for s in json.loads(sources_json)))
        return out

    # -- structured questions -----------------------------------------------------------------------
    def select_units(self, docs: Sequence[str] | None = None, agencies: Sequence[RowCondition] = (),
                     agency_join: str = "and", categories: Sequence[str] = (), deadline_from: date | None = None,
                     deadline_to: date | None = None, no_support: bool = False,
                     no_deadline: bool = False) -> list[tuple[str, str]]:
        """(doc, ref) of every unit meeting all conditions, in document then reading order.

        Units with a duty (table rows, and items whose notes name who leads) are what these questions run
        over; several agency conditions intersect unless joined by 或."""
        # Table rows, and prose items whose notes or lines name who does them: both are tasks to the user.
        where = ["(u.kind = 'task' OR EXISTS (SELECT 1 FROM unit_agencies x WHERE x.doc = u.doc AND x.ref = u.ref))"]
        params: list = []
        if docs is not None:
            where.append("u.doc IN (%s)" % ",".join("?" * len(docs)) if docs else "1 = 0")
            params += list(docs)
        agency_sql = []
        for cond in agencies:
            role_sql = "" if cond.role == "any" else " AND a.role = ?"
            agency_sql.append(
                "EXISTS (SELECT 1 FROM unit_agencies a WHERE a.doc = u.doc AND a.ref = u.ref"
                f" AND a.name IN ({','.join('?' * len(cond.names))}){role_sql})")
            params += list(cond.names) + ([] if cond.role == "any" else [cond.role])
        if agency_sql:
            where.append("(" + (" OR " if agency_join == "or" else " AND ").join(agency_sql) + ")")
        if categories:
            where.append("u.category IN (%s)" % ",".join("?" * len(categories)))
            params += list(categories)
        if deadline_from or deadline_to:
            where.append("u.deadline_date IS NOT NULL")
        if deadline_from:
            where.append("u.deadline_date >= ?")
            params.append(deadline_from.isoformat())
        if deadline_to:
            where.append("u.deadline_date <= ?")
            params.append(deadline_to.isoformat())
        if no_deadline:
            where.append("u.deadline = ''")
        if no_support:
            where.append("NOT EXISTS (SELECT 1 FROM unit_agencies s WHERE s.doc = u.doc AND s.ref = u.ref"
                         " AND s.role = 'support')")
        sql = ("SELECT u.doc, u.ref FROM units u JOIN documents d ON d.doc = u.doc WHERE " + " AND ".join(where)
               + " ORDER BY d.rowid, u.seq")
        return [(d, r) for d, r in self._db().execute(sql, params)]

    def agency_names(self, docs: Sequence[str] | None = None) -> list[tuple[str, int, int]]:
        """(name, units it leads, units it supports), most units led first."""
        where, params = "", []
        lead, support = (f"CASE WHEN role = '{r}' THEN 1 ELSE 0 END" for r in ("lead", "support"))
        if docs is not None:
            where = "WHERE doc IN (%s)" % ",".join("?" * len(docs)) if docs else "WHERE 1 = 0"
            params = list(docs)
        rows = self._db().execute(
            f"SELECT name, SUM({lead}), SUM({support}) FROM unit_agencies {where} GROUP BY name"
            f" ORDER BY SUM({lead}) DESC, name", params).fetchall()
        return [(n, int(lead or 0), int(sup or 0)) for n, lead, sup in rows]

    def categories(self, docs: Sequence[str] | None = None) -> list[tuple[str, int]]:
        where, params = "WHERE kind='task' AND category != ''", []
        if docs is not None:
            where += " AND doc IN (%s)" % ",".join("?" * len(docs)) if docs else " AND 1 = 0"
            params = list(docs)
        db = self._db()
        rows = db.execute(
            f"SELECT category, COUNT(*), MIN(doc || ':' || {db.pad_seq}) FROM units {where}"
            " GROUP BY category ORDER BY 3", params).fetchall()
        return [(c, int(n)) for c, n, _ in rows]

    # -- embedding cache ----------------------------------------------------------------------------
    def cached_vectors(self, model: str, text_shas: Iterable[str]) -> dict[str, np.ndarray]:
        return self.embeddings.cached_vectors(model, text_shas)

    def cache_vectors(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        self.embeddings.cache_vectors(model, vectors)

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None
        self.embeddings.close()


def _db_message(path: Path, exc: Exception) -> str:
    text = str(exc).lower()
    if not isinstance(exc, sqlite3.Error):  # the server's errors
        if "connection" in text or "connect" in text:
            return f"无法连接 PostgreSQL 文库数据库（{path.name}），请检查服务器是否运行、地址与用户是否正确（ASSISTANT_STORE_URL）"
        if "does not exist" in text:
            return f"PostgreSQL 中没有文库数据库 {path.name}，请先创建（createdb {path.name}）"
        if "permission denied" in text or "authentication" in text:
            return f"PostgreSQL 拒绝了文库数据库的用户（{path.name}），请检查用户与权限"
        return f"PostgreSQL 文库数据库出错（{path.name}）：{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    if "readonly" in text or "read-only" in text:
        return f"文库数据库所在文件夹不可写（{path.parent.name}/{path.name}），请检查文件夹权限或改用可写的索引目录（ASSISTANT_INDEX_DIR）"
    if "not a database" in text or "malformed" in text:
        return f"文库数据库已损坏（{path.name}），删除后重新运行即可重建"
    if "unable to open" in text:
        return f"无法打开文库数据库（{path.name}），请检查索引目录是否存在且可写"
    if "locked" in text:
        return "文库数据库正被其他进程写入，请稍后再试"
    return f"文库数据库出错（{path.name}）"
