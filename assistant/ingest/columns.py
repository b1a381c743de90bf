"""A task table's columns: each header cell's role (number, category, goal, task, deadline, lead, support,
responsible), recognised from the header words in data/table_columns.json; other columns keep their header."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from assistant.textutil import fold

ROLES = ("number", "category", "goal", "task", "deadline", "lead", "support", "responsible")


@lru_cache(maxsize=1)
def role_words() -> dict[str, tuple[str, ...]]:
    raw = json.loads(resources.files("assistant").joinpath("data/table_columns.json").read_text("utf-8"))
    return {role: tuple(fold(w) for w in raw[role]) for role in ROLES}


def _clean(cell: str) -> str:
    return re.sub(r"[\s|:：*]+", "", fold(cell or ""))


def role_score(cell: str) -> tuple[str, int] | None:
    """(role, rank) for a header cell: an exact word beats a containing one, earlier words beat later ones."""
    text = _clean(cell)
    if not text or len(text) > 12:
        return None
    best: tuple[str, int] | None = None
    for role, words in role_words().items():
        for rank, word in enumerate(words):
            score = rank if text == word else (100 + rank if word in text else None)
            if score is not None and (best is None or score < best[1]):
                best = (role, score)
    return best


def is_header_cell(cell: str) -> bool:
    return role_score(cell) is not None


@dataclass(frozen=True)
class Columns:
    headers: tuple[str, ...]  # as written
    roles: tuple[str | None, ...]  # one per column; None: kept under its own header

    def index(self, role: str) -> int | None:
        return self.roles.index(role) if role in self.roles else None


def recognise(headers: list[str] | tuple[str, ...]) -> Columns:
    scored = [role_score(h) for h in headers]
    roles: list[str | None] = [s[0] if s else None for s in scored]
    # Two columns with one role: the better-scored keeps it. A second task-like column becomes the
    # category when there is none (工作任务 above 具体要求 names the group of the row).
    for role in ROLES:
        holders = [i for i, r in enumerate(roles) if r == role]
        if len(holders) < 2:
            continue
        best = min(holders, key=lambda i: (scored[i][1], i))
        for i in holders:
            if i == best:
                continue
            if role == "task" and "category" not in roles and i < best:
                roles[i] = "category"
            else:
                roles[i] = None
    return Columns(tuple(h.strip() for h in headers), tuple(roles))


def looks_like_header(row: list[str] | tuple[str, ...]) -> bool:
    """A header row: at least two cells name a role, and one of them is a task or a responsibility."""
    cols = recognise(row)
    named = [r for r in cols.roles if r]
    return len(named) >= 2 and bool({"task", "lead", "responsible", "support"} & set(named))
