"""Chinese places (data/places.json): which place a title, an issuer or a question names.

Shared by ingest (the place a document covers) and understanding (the place a question asks about).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Place:
    name: str  # full name: 广东省, 南宁市, 辽中区
    short: str  # 广东, 南宁, 辽中
    level: str  # "national" | "province" | "city" | "county"
    province: str = ""  # the province it lies in (itself for a province)


@dataclass(frozen=True)
class Gazetteer:
    by_name: dict[str, Place]  # full and short names → place (a county only by its full name)
    national: tuple[str, ...]
    longest: int

    def find(self, text: str) -> list[tuple[int, int, Place]]:
        """Non-overlapping place names in the text, longest first at each position."""
        found, i = [], 0
        while i < len(text):
            for length in range(min(self.longest, len(text) - i), 1, -1):
                place = self.by_name.get(text[i : i + length])
                if place:
                    found.append((i, i + length, place))
                    i += length
                    break
            else:
                i += 1
        return found

    def first(self, text: str) -> Place | None:
        found = self.find(text)
        return found[0][2] if found else None


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    raw = json.loads(resources.files("assistant").joinpath("data/places.json").read_text("utf-8"))
    by_name: dict[str, Place] = {}
    for name, province, city in raw["counties"]:
        by_name.setdefault(name, Place(name, name[:-1] if len(name) > 2 else name, "county", province))
    for name, short, province in raw["cities"]:
        place = Place(name, short, "city", province)
        by_name[name] = place
        by_name.setdefault(short, place)
    for name, short in raw["provinces"]:
        place = Place(name, short, "province", name)
        by_name[name] = place
        by_name[short] = place
    national = tuple(raw["national"])
    for word in national:
        by_name[word] = Place("全国", "全国", "national", "")
    return Gazetteer(by_name, national, max(len(k) for k in by_name))
