"""Cue words as data: named lists of regular-expression alternatives in assistant/data/cues.json."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def _cues() -> dict[str, list[str]]:
    raw = json.loads(resources.files("assistant").joinpath("data/cues.json").read_text("utf-8"))
    return {k: v for k, v in raw.items() if not k.startswith("_")}


@lru_cache(maxsize=None)
def cue(name: str) -> re.Pattern:
    """The compiled pattern for one named cue list (KeyError for an unknown name)."""
    return re.compile("|".join(f"(?:{alt})" for alt in _cues()[name]))
