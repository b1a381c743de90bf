"""Agency names: splitting the table's 牵头单位/配合单位 text, canonical names, and typed aliases.

The equivalences and aliases live in `data/agency_aliases.json`; this module holds only the rules of
how this notice writes lists of agencies.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_OPEN = "“「（("
_CLOSE = "”」）)"

# "各市、县（市、区）人民政府" is one unit although it contains 、; written with either bracket width.
_CITY_COUNTY = re.compile(r"各市、县[（(]市、区[）)]人民政府")
CITY_COUNTY_UNIT = "各市、县（市、区）人民政府"
_PREFIXES = ("自治区", "广西")


@dataclass(frozen=True)
class AgencyData:
    variants: dict[str, str]  # written form (or substring) → canonical form
    aliases: dict[str, tuple[str, ...]]  # canonical name → names people type
    collective_markers: tuple[str, ...]


@lru_cache(maxsize=1)
def agency_data() -> AgencyData:
    raw = json.loads(resources.files("assistant").joinpath("data/agency_aliases.json").read_text("utf-8"))
    return AgencyData(
        variants=dict(raw["variants"]),
        aliases={k: tuple(v) for k, v in raw["aliases"].items()},
        collective_markers=tuple(raw["collective_markers"]),
    )


def _split_top_level(text: str, separators: str) -> list[str]:
    """Split on separators that are not inside quotes or brackets."""
    parts, depth, current = [], 0, []
    for ch in text:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        if ch in separators and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def canonical_name(name: str) -> str:
    """Apply the notice's spelling variants (自治区高级法院 → 自治区高级人民法院, …)."""
    # Bracket width varies between rows: 各住房公积金管理中心(分中心) = 各住房公积金管理中心（分中心）.
    name = name.strip().replace("(", "（").replace(")", "）")
    if name.endswith("等") and len(name) > 1:
        name = name[:-1]
    if _CITY_COUNTY.fullmatch(name):
        return CITY_COUNTY_UNIT
    name = _CITY_COUNTY.sub(CITY_COUNTY_UNIT, name)
    variants = agency_data().variants
    if name in variants:
        return variants[name]
    for written, canonical in variants.items():
        if written.startswith("~"):  # "~X" marks a substring variant
            name = name.replace(written[1:], canonical)
    return name


def _expand_group(group: str) -> list[str]:
    placeholder = "\u0000"
    protected = _CITY_COUNTY.sub(placeholder, group)
    items = [i.replace(placeholder, CITY_COUNTY_UNIT) for i in _split_top_level(protected, "、")]
    # "北海、防城港、钦州市人民政府": bare city names share the last item's "市人民政府".
    if len(items) > 1 and items[-1].endswith("市人民政府"):
        bare = items[:-1]
        if all(len(b) <= 4 and not b.endswith(("厅", "局", "委", "办", "院", "府")) for b in bare):
            items = [f"{b}市人民政府" for b in bare] + [items[-1]]
    if group.startswith("自治区"):
        items = [i if i.startswith("自治区") else f"自治区{i}" for i in items]
    return items


def split_agencies(raw: str) -> tuple[str, ...]:
    """牵头单位/配合单位 text → canonical names, in order, without duplicates."""
    names: list[str] = []
    for group in _split_top_level(raw.strip(), "，,"):
        for item in _expand_group(group):
            name = canonical_name(item)
            if name and name not in names:
                names.append(name)
    return tuple(names)


def is_collective(name: str) -> bool:
    """Collective phrases (…其他成员单位, 各有关部门, 各行业主管部门) are entries, not named agencies."""
    return any(marker in name for marker in agency_data().collective_markers)


def short_name(name: str) -> str:
    """The name without its 自治区/广西 prefix: 自治区市场监管局 → 市场监管局."""
    for prefix in _PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix) + 1:
            return name[len(prefix):]
    return name


def alias_table(canonical_names: list[str] | tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Every typed name → the canonical names it means (a short name may mean several)."""
    table: dict[str, list[str]] = {}

    def add(alias: str, canonical: str) -> None:
        alias = alias.strip()
        if alias:
            bucket = table.setdefault(alias, [])
            if canonical not in bucket:
                bucket.append(canonical)

    aliases = agency_data().aliases
    for canonical in canonical_names:
        add(canonical, canonical)
        add(short_name(canonical), canonical)
        for alias in aliases.get(canonical, ()):
            add(alias, canonical)
    return {k: tuple(v) for k, v in table.items()}
