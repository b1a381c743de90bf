"""The library: a folder of documents, kept in step with the catalogue database.

`Library.sync()` reads what changed in the folder (new, edited or deleted files; a newer parser) and
leaves the rest alone; `add` checks each file completely before copying it in, so a bad file leaves the
library as it was; `remove` takes a document out. The same document in two formats (a regulation as .md
and as .docx) is one document with two source files.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from assistant.config import Settings
from assistant.errors import UserError, shown_path
from assistant.ingest.blocks import ReadError
from assistant.ingest.budget import Budget
from assistant.ingest.document import PARSER_VERSION, DocumentError
from assistant.ingest.worker import ReadReport, parse_within, read_documents
from assistant.library.folder_walk import PART_SUFFIX, remove_partial_copies, walk_added, within
from assistant.library.names import doc_id_for, short_names
from assistant.library.store import LibraryStore
from assistant.records import Document
from assistant.hashing import file_sha256
from assistant.locks import locked_directory
from assistant.textutil import strip_all_space

from assistant.ingest.readers import SUPPORTED_EXTENSIONS as SUPPORTED
# Files beside documents that are not documents: a folder's README, its licence, change log, contributors.
_SKIPPED_NAMES = re.compile(r"^(readme|licen[cs]e|copying|changelog|changes|contributing|authors)([._-]|$)", re.I)


def not_a_document(path: Path) -> str | None:
    """Why a file is not taken as a document (Chinese), or None: dotfiles and a folder's README/LICENSE…"""
    if path.name.startswith("."):
        return f"跳过隐藏文件：{path.name}"
    if _SKIPPED_NAMES.match(path.name):
        return f"跳过说明文件：{path.name}"
    return None


@dataclass(frozen=True)
class AddResult:
    path: str
    doc: str | None  # the document it became part of; None when it was refused
    status: str  # "added" | "same" (already there) | "merged" (another format of a document) | "error"
    message: str  # Chinese, for the user


def same_document(a: Document, b: Document) -> bool:
    """The same text in another format: same title and units, nearly every unit's text the same."""
    if strip_all_space(a.meta.title) != strip_all_space(b.meta.title):
        return False
    # Another version (a regulation amended in a few articles) differs in its year, number or dates.
    for mine, theirs in ((a.meta.year, b.meta.year), (a.meta.doc_number, b.meta.doc_number)):
        if mine and theirs and mine != theirs:
            return False
    if any(a.meta.dates.get(k) and b.meta.dates.get(k) and a.meta.dates[k] != b.meta.dates[k] for k in a.meta.dates):
        return False
    ua = {u.ref: strip_all_space(u.text) for u in a.units if u.kind != "meta"}
    ub = {u.ref: strip_all_space(u.text) for u in b.units if u.kind != "meta"}
    if set(ua) != set(ub) or not ua:
        return False
    same = sum(1 for ref in ua if ua[ref] == ub[ref])
    return same >= 0.95 * len(ua)


class Library:
    def __init__(self, settings: Settings, progress: bool = False):
        self.settings = settings
        self.folder = Path(settings.library)
        self.progress = progress
        self.budget = Budget.from_settings(settings)
        self.store = LibraryStore(settings.resolved_store_url(), index_dir=Path(settings.index_dir))
        self._skipped: list[str] = []  # links out of the folder met by the last _files()

    # -- reading ------------------------------------------------------------------------------------
    @property
    def documents(self) -> dict[str, Document]:
        return self.store.documents()

    def get(self, name: str) -> Document | None:
        """A document by id, short name, or a part of its title (when that names exactly one)."""
        docs = self.documents
        if name in docs:
            return docs[name]
        key = strip_all_space(name).strip("《》")
        for doc in docs.values():
            if key in (doc.short_name, strip_all_space(doc.title)):
                return doc
        matches = [d for d in docs.values() if key and key in strip_all_space(d.title)]
        return matches[0] if len(matches) == 1 else None

    def resolve(self, name: str) -> Document:
        doc = self.get(name)
        if doc is None:
            known = "、".join(f"{d.doc}（{d.short_name or d.title}）" for d in self.documents.values()) or "（文库为空）"
            raise UserError(f"文库中没有“{name}”这份文档。现有文档：{known}")
        return doc

    # -- keeping the catalogue in step with the folder ----------------------------------------------
    def _files(self) -> list[Path]:
        folder = self.folder
        if folder.is_file():
            return [folder]
        if not folder.is_dir():
            return []
        out = []
        self._skipped = []
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if any(part.startswith(".") for part in rel.parts) or not path.is_file():
                continue
            if path.suffix.lower() in SUPPORTED and not _SKIPPED_NAMES.match(path.name):
                if not within(path, folder):
                    self._skipped.append(f"跳过链接：{rel.as_posix()}（指向文库文件夹之外，未读取）")
                    continue
                out.append(path)
        return out

    def _rel(self, path: Path) -> str:
        base = self.folder if self.folder.is_dir() else self.folder.parent
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            return str(path.resolve())

    def _abs(self, rel: str) -> Path:
        base = self.folder if self.folder.is_dir() else self.folder.parent
        return (base / rel) if not os.path.isabs(rel) else Path(rel)

    @contextlib.contextmanager
    def _writing(self):
        """One writer at a time across processes (the server syncing, a CLI adding, an index build)."""
        index_dir = Path(self.settings.index_dir)
        with contextlib.ExitStack() as stack:
            try:
                stack.enter_context(locked_directory(index_dir))
            except OSError as exc:
                raise UserError(f"索引目录不可写（{index_dir.name}）：{exc.strerror or exc}") from None
            yield

    def sync(self) -> list[str]:
        """Bring the catalogue in step with the folder; returns Chinese lines saying what changed.

        A file that cannot be read is reported and skipped (the rest of the library still loads). With a
        read-only index folder the catalogue is used as it is, and a change in the folder is only reported."""
        if self.store.read_only:
            return self._read_only_check()
        with self._writing():
            return self._sync()

    def _read_only_check(self) -> list[str]:
        known = {s[0] if isinstance(s, list) else s for entry in self.store.catalogue() for s in entry["sources"]}
        files = {self._rel(p) for p in self._files()}
        if files != known:
            return ["索引目录只读：文库文件夹中的文件有变化，但无法更新文库，先按已有文库回答"]
        return []

    def _sync(self) -> list[str]:
        messages: list[str] = list(self.store.take_messages())
        if self.folder.is_dir():
            remove_partial_copies(self.folder)  # an add killed while copying (we hold the write lock)
        files = {self._rel(p): p for p in self._files()}
        messages += self._skipped
        catalogue = self.store.catalogue()
        # A catalogued file still in the folder stays, even one a scan would not pick up today (a README added
        # before README files were skipped): the catalogue never drops a file that is still there.
        for entry in catalogue:
            for source in [entry["source"], *entry["sources"]]:
                rel = source[0] if isinstance(source, list) else source
                if rel not in files and self._abs(rel).is_file():
                    files[rel] = self._abs(rel)
        shas = {rel: file_sha256(p) for rel, p in files.items()}
        known: dict[str, str] = {}  # source rel path → doc
        # Files the catalogue held were accepted once (perhaps with --large-files): re-read with room.
        accepted = {s[0] if isinstance(s, list) else s for entry in catalogue for s in entry["sources"]}
        for entry in catalogue:
            primary_ok = (entry["source"] in files and shas[entry["source"]] == entry["sha256"]
                          and entry["parser_version"] == PARSER_VERSION)
            if not primary_ok:
                self.store.delete(entry["doc"])
                if entry["source"] not in files:
                    messages.append(f"文件已不在文库文件夹中，已移除：{entry['source']}")
                continue
            kept = []
            for source in entry["sources"]:
                rel, sha = source if isinstance(source, list) else (source, shas.get(source))
                if rel in files and shas[rel] == sha:
                    kept.append([rel, sha])
                    known[rel] = entry["doc"]
            if kept != entry["sources"]:
                self.store.set_sources(entry["doc"], kept)
        new = [rel for rel in files if rel not in known]
        changed = bool(new) or len(catalogue) != len(self.store.catalogue())
        held = dict(self.documents) if new else {}  # read once: each file is compared with these, not a reload
        # Files are read in parallel worker processes (one per usable core), then catalogued one by one in
        # the folder's order, so the catalogue (ids, order, merges) is what a serial read would give.
        reports = read_documents([(files[rel], "probe", self.budget.raised() if rel in accepted else self.budget)
                                  for rel in new])
        for rel, report in zip(new, self._progress(reports, "读取文档", total=len(new))):
            try:
                if report.error is not None:
                    raise report.error
                self._ingest(files[rel], rel, shas[rel], parsed=report.document, held=held)
            except (ReadError, DocumentError) as exc:
                messages.append(f"跳过：{exc}")
        if changed:
            self._name_documents()
        return messages

    def _progress(self, items: Iterable, what: str, total: int | None = None) -> Iterable:
        total = len(items) if total is None else total
        if self.progress and total > 1:
            from tqdm import tqdm

            return tqdm(items, desc=what, unit="份", total=total)
        return items

    def _ingest(self, path: Path, rel: str, sha: str, parsed: Document | None = None,
                budget: Budget | None = None, held: dict[str, Document] | None = None) -> AddResult:
        """Parse one file of the folder into the catalogue (or attach it to the same document). `held`: the
        documents already in the catalogue, read once by the caller for a batch and kept up to date here."""
        held = held if held is not None else dict(self.documents)
        doc_id = doc_id_for(path, set(held))
        document = (replace(parsed, doc=doc_id) if parsed is not None
                    else parse_within(path, doc_id, budget or self.budget))
        for other in held.values():
            if other.sha256 == sha or same_document(other, document):
                sources = [s if isinstance(s, list) else [s, other.sha256] for s in self._sources(other)]
                if rel not in [s[0] for s in sources]:
                    sources.append([rel, sha])
                    self.store.set_sources(other.doc, sources)
                status = "same" if other.sha256 == sha else "merged"
                return AddResult(str(path), other.doc, status, "")
        document = replace(document, source=rel, sources=(rel,))
        self.store.put(document, PARSER_VERSION)
        self.store.set_sources(doc_id, [[rel, sha]])
        held[doc_id] = document
        return AddResult(str(path), doc_id, "added", "")

    def _sources(self, document: Document) -> list:
        for entry in self.store.catalogue():
            if entry["doc"] == document.doc:
                return entry["sources"]
        return []

    def _name_documents(self) -> None:
        docs = self.store.documents()
        changed = {d: n for d, n in short_names(list(docs.values())).items() if docs[d].short_name != n}
        if changed:
            self.store.set_short_names(changed)

    # -- changing the library -----------------------------------------------------------------------
    def add(self, paths: Iterable[Path | str], large_files: bool = False) -> list[AddResult]:
        """Add files (folders: every supported file in them). Each file is read and parsed before it is
        copied in, within the reading budget (raised by `large_files`); one that fails is reported and
        nothing of it is kept. Links pointing outside the folder being added and the library folder, and
        hidden files, are skipped with a message."""
        budget = self.budget.raised() if large_files else self.budget
        if not self.folder.exists():
            try:
                self.folder.mkdir(parents=True)
            except OSError as exc:
                raise UserError(f"无法创建文库文件夹 {shown_path(self.folder)}：{exc.strerror or exc}") from None
        if self.folder.is_file():
            raise UserError(f"文库设置为单个文件（{self.folder.name}），不能再添加文档；请把 library 设为一个文件夹")
        files: list[Path] = []
        results: list[AddResult] = []
        for raw in paths:
            path = Path(raw)
            for p, skipped in walk_added(path, self.folder):
                if skipped:
                    results.append(AddResult(str(p), None, "skipped", skipped))
                elif (why := not_a_document(p)) is not None:
                    results.append(AddResult(str(p), None, "skipped", why))
                elif not path.is_dir() or p.suffix.lower() in SUPPORTED:
                    files.append(p)
                else:
                    results.append(AddResult(str(p), None, "error",
                                             f"无法读取文件 {p.name}：不支持的文件类型 {p.suffix or '（无扩展名）'}"))
        with self._writing():
            self._sync()
            held = dict(self.documents)  # read once for the batch, kept up to date by _ingest
            reports = read_documents([(path, "probe", budget) for path in files])  # in parallel, in order
            for path, report in zip(files, self._progress(reports, "导入文档", total=len(files))):
                results.append(self._add_one(path, budget, held, report=report))
            self._name_documents()
        return results

    def _add_one(self, path: Path, budget: Budget | None = None,
                 held: dict[str, Document] | None = None, report: ReadReport | None = None) -> AddResult:
        try:
            # reads and parses completely, within the budget, before anything is copied
            if report is None:
                probe = parse_within(path, "probe", budget or self.budget)
            elif report.error is not None:
                raise report.error
            else:
                probe = report.document
        except (ReadError, DocumentError) as exc:
            return AddResult(str(path), None, "error", str(exc))
        sha = probe.sha256  # the bytes that were read: the copy must be these
        held = held if held is not None else dict(self.documents)
        sources = {entry["doc"]: entry["sources"] for entry in self.store.catalogue()}  # once: not per document
        for other in held.values():
            if other.sha256 == sha or any(isinstance(s, list) and s[1] == sha for s in sources.get(other.doc, ())):
                return AddResult(str(path), other.doc, "same", f"已在文库中：{path.name}（{other.title}）")
        target = self._target_path(path)
        try:
            if path.resolve() != target.resolve():
                _copy_verified(path, target, sha)
        except CopyMismatch as exc:
            return AddResult(str(path), None, "error", f"无法把 {path.name} 复制到文库文件夹：{exc}")
        except OSError as exc:
            return AddResult(str(path), None, "error",
                             f"无法把 {path.name} 复制到文库文件夹：{exc.strerror or exc}（请检查文件夹是否可写）")
        try:
            result = self._ingest(target, self._rel(target), sha, parsed=probe, held=held)
        except (ReadError, DocumentError, OSError) as exc:
            with contextlib.suppress(OSError):
                target.unlink()
            return AddResult(str(path), None, "error", str(exc))
        doc = held[result.doc]
        if result.status == "merged":
            return replace(result, message=f"已导入：{path.name} 与已有文档《{doc.title}》内容相同（另一种格式），合并为同一文档 {doc.doc}")
        counts = describe_counts(doc)
        return replace(result, message=f"已导入：{path.name} → {doc.doc}《{doc.title}》（{counts}）")

    def _target_path(self, path: Path) -> Path:
        target = self.folder / path.name
        n = 2
        while target.exists() and file_sha256(target) != file_sha256(path):
            target = self.folder / f"{path.stem}-{n}{path.suffix}"
            n += 1
        return target

    def remove(self, name: str) -> Document:
        """Take a document out of the library: its files leave the folder and its units the catalogue."""
        with self._writing():
            self._sync()
            doc = self.resolve(name)
            for source in self._sources(doc):
                rel = source[0] if isinstance(source, list) else source
                path = self._abs(rel)
                try:
                    path.unlink()
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    raise UserError(f"无法从文库文件夹删除 {path.name}：{exc.strerror or exc}") from None
            self.store.delete(doc.doc)
            self._name_documents()
            return doc


class CopyMismatch(OSError):
    """The copy in the library folder is not the file that was read (it changed meanwhile, or the disk)."""


def _copy_verified(source: Path, target: Path, sha: str) -> None:
    """Copy under a hidden temporary name, check size and sha256, then rename into place: the library never
    shows half a file, and a copy killed midway leaves only a `.name.part-PID` that the next start removes."""
    temp = target.with_name(f".{target.name}{PART_SUFFIX}{os.getpid()}")
    try:
        shutil.copyfile(source, temp)
        if temp.stat().st_size != source.stat().st_size or file_sha256(temp) != sha:
            raise CopyMismatch("复制后的大小或校验和与读取的文件不符（文件可能在导入时被修改），未导入")
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


_COUNT_NAMES = (("chapter", "章"), ("article", "条"), ("part", "个部分"), ("measure", "条措施"),
                ("item", "项"), ("task", "项任务"))


def describe_counts(doc: Document) -> str:
    counts = doc.counts()
    parts = [f"{counts[k]} {word}" for k, word in _COUNT_NAMES if counts.get(k)]
    return "，".join(parts) or f"{len(doc.units)} 个单元"
