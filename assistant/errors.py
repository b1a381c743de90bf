"""Errors a user can fix: printed as one clear Chinese line by the CLI, never a traceback.

Messages name files the way a user can find them without revealing where the installation lives:
`shown_path` gives a path relative to the project (or the working directory), else only its last parts.
"""

from __future__ import annotations

import os
from pathlib import Path


class UserError(Exception):
    pass


def shown_path(path: os.PathLike | str | None) -> str:
    """`path` for a message: "index/search" inside the project or the working directory, "…/idx/search"
    elsewhere; never the absolute location."""
    if path is None or path == "":
        return "（未知位置）"
    try:
        p = Path(os.fsdecode(path)).expanduser().absolute()
    except (TypeError, ValueError, OSError):
        return "（未知位置）"
    from assistant.config import project_root

    for base in (project_root(), Path.cwd()):
        try:
            rel = p.relative_to(base)
        except (ValueError, OSError):
            continue
        return rel.as_posix() if rel.parts else "."
    parts = p.parts[-2:]
    return "…/" + "/".join(parts) if len(p.parts) > 2 else "/".join(parts)
