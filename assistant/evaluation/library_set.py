"""The library evaluation set: every document of tests/data/library plus the seed notice, staged once into a
folder under the index dir, with its own catalogue and index there (built once, reused by every later run),
and the split of its documents into dev and test (eval/library_split.json).

The split is by document: a question belongs to the split of the documents its gold names (the checker
eval/library_gold_check.py makes sure they all lie on one side); a question whose gold names no document (a
refusal about a place or document the library lacks) takes its split from the id rule of the seed set (odd
number dev, even test). The seed notice keeps its own per-question split (eval/gold.jsonl) and is not part
of the library split: library questions about it are not asked.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from assistant.config import Settings, project_root
from assistant.hashing import file_sha256

SPLIT_FILE = Path("eval") / "library_split.json"
GOLD_FILE = Path("eval") / "library_gold.jsonl"
DATA = Path("tests") / "data" / "library"
SEED = Path("corpus") / "guangxi-2022-business-environment-action-plan.txt"
STAGE = "eval-library"  # under the index dir: docs/ (the staged files) and index/ (catalogue and search index)
KINDS: tuple[str, ...] = ("regulation", "law", "provisions", "plan", "excerpt", "seed")


@dataclass(frozen=True)
class LibrarySplit:
    """Document id → split ("dev" | "test") and kind (regulation, law, provisions, plan, excerpt, seed)."""

    split: dict[str, str]
    kind: dict[str, str]
    files: dict[str, tuple[str, ...]]  # document id → its files, relative to tests/data/library
    left_out: dict[str, str]  # file → why it is not in the evaluation library

    def split_of_doc(self, doc: str) -> str:
        return self.split.get(doc, "")

    def docs(self, split: str) -> list[str]:
        return [d for d, s in self.split.items() if s == split]


def load_split(path: Path | str | None = None) -> LibrarySplit:
    path = Path(path) if path else project_root() / SPLIT_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    split: dict[str, str] = {}
    kind: dict[str, str] = {}
    files: dict[str, tuple[str, ...]] = {}
    for entry in data["documents"]:
        split[entry["doc"]] = entry["split"]
        kind[entry["doc"]] = entry["kind"]
        files[entry["doc"]] = tuple(entry["files"])
    return LibrarySplit(split, kind, files, dict(data.get("left_out", {})))


def staged_files(split: LibrarySplit, root: Path | None = None) -> dict[str, Path]:
    """Relative name in the staged folder → source file: every file of the split's documents, and the seed."""
    root = root or project_root()
    out: dict[str, Path] = {}
    for names in split.files.values():
        for name in names:
            out[name] = root / DATA / name
    out[SEED.name] = root / SEED
    return out


def stage(settings: Settings, split: LibrarySplit | None = None) -> Settings:
    """Copy the evaluation library into <index_dir>/eval-library/docs (only files that changed) and return the
    settings of that library, whose catalogue and index live in <index_dir>/eval-library/index. Files no
    longer in the split are removed from the staged folder, so the catalogue follows on the next sync."""
    split = split or load_split()
    base = Path(settings.index_dir) / STAGE
    folder = base / "docs"
    wanted = staged_files(split)
    for rel, source in wanted.items():
        target = folder / rel
        if target.is_file() and file_sha256(target) == file_sha256(source):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    if folder.is_dir():
        for path in sorted(folder.rglob("*"), reverse=True):
            rel = path.relative_to(folder).as_posix()
            if path.is_file() and rel not in wanted:
                path.unlink()
    return settings.with_overrides(library=folder, index_dir=base / "index")
