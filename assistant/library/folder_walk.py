"""Which files an add reads: links and hidden files, and the leftovers of an interrupted copy.

A symbolic link is followed only when it points inside the folder being added or inside the library folder;
one pointing elsewhere (/etc/passwd, another user's folder) is skipped with a message, so no outside content
reaches the library. Hidden files and folders (".name") are skipped with a message too.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

PART_SUFFIX = ".part-"  # `.name.part-PID`: a copy into the library folder not yet verified and renamed


def within(path: Path, *roots: Path) -> bool:
    """Whether `path`, with every link resolved, lies inside one of `roots` (resolved too)."""
    try:
        real = Path(os.path.realpath(path))
    except OSError:
        return False
    for root in roots:
        base = Path(os.path.realpath(root))
        if real == base or base in real.parents:
            return True
    return False


def walk_added(path: Path, library: Path) -> Iterator[tuple[Path, str]]:
    """(file, "") for each file to read under `path` (a file or a folder), and (path, message) for each one
    skipped: a hidden file or folder, a link pointing outside `path`'s folder and the library folder."""
    root = path if path.is_dir() and not path.is_symlink() else path.parent
    if path.name.startswith(".") and path.name not in (".", ".."):
        yield path, f"跳过隐藏文件：{path.name}"
        return
    if not path.is_dir() or path.is_symlink():
        if path.is_symlink() and not within(path, root, library):
            yield path, _link_message(path.name, path)
        elif path.is_symlink() and path.is_dir():
            yield from walk_added(Path(os.path.realpath(path)), library)
        else:
            yield path, ""
        return
    for folder, dirs, names in os.walk(path, followlinks=False):
        here = Path(folder)
        for name in sorted(dirs):
            sub = here / name
            rel = sub.relative_to(path).as_posix()
            if name.startswith("."):
                yield sub, f"跳过隐藏文件夹：{rel}"
            elif sub.is_symlink() and not within(sub, root, library):
                yield sub, _link_message(rel, sub)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not (here / d).is_symlink())
        for name in sorted(names):
            file = here / name
            rel = file.relative_to(path).as_posix()
            if name.startswith("."):
                yield file, f"跳过隐藏文件：{rel}"
            elif file.is_symlink() and not within(file, root, library):
                yield file, _link_message(rel, file)
            elif file.is_file():
                yield file, ""


def _link_message(rel: str, link: Path) -> str:
    return f"跳过链接：{rel}（指向所添加的文件夹和文库文件夹之外：{os.path.realpath(link)}，未读取）"


def remove_partial_copies(folder: Path) -> list[Path]:
    """Remove the `.name.part-PID` files an interrupted add left in the library folder (call with the
    library's write lock held: then no copy is in progress)."""
    removed = []
    for leftover in folder.glob(f".*{PART_SUFFIX}*"):
        with contextlib.suppress(OSError):
            leftover.unlink()
            removed.append(leftover)
    return removed
