"""Agency lists as documents write them → canonical names, in order.

The rules, generalised from the seed notice's table: a list splits into groups at "，" and into items at
"、" (never inside brackets or quotes); "各市、县（市、区）人民政府" is one unit; a level prefix written once
(自治区/省/市/区/县/州) applies to the bare department names after it in the same group ("市发改委、财政局"
→ 市财政局); "北海、防城港、钦州市人民政府" shares its trailing 市人民政府. The variants, markers and
aliases are data (data/agency_aliases.json).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from assistant.textutil import to_simplified
from assistant.places import gazetteer

_OPEN = "“「（(〔[【"
_CLOSE = "”」）)〕]】"

# "各市、县（市、区）人民政府", "各县（市、区）政府": one unit although it contains 、 (either bracket width).
_CITY_COUNTY = re.compile(r"各(?:市|县|区|州|镇|乡)(?:、(?:市|县|区|州|镇|乡|街道))*[（(][市县区、镇乡街道]+[）)](?:人民)?政府")
CITY_COUNTY_UNIT = "各市、县（市、区）人民政府"
_SEED_CITY_COUNTY = re.compile(r"各市、县[（(]市、区[）)]人民政府")
# A department name: what a bare item must end with to take the group's prefix.
# A department's name ends in one of these, before any "（版权局）"-style second name.
_DEPARTMENT = re.compile(r"(厅|局|委|办|办公室|中心|处|科|所|站|队|院|署|会)(（[^（）]*）)?$")


@dataclass(frozen=True)
class AgencyData:
    variants: dict[str, str]  # written form (or "~substring") → canonical form
    aliases: dict[str, tuple[str, ...]]  # canonical name → names people type
    collective_markers: tuple[str, ...]
    place_prefixes: tuple[str, ...]
    unprefixed_markers: tuple[str, ...]
    level_words: tuple[str, ...]
    level_word_exceptions: tuple[str, ...]


@lru_cache(maxsize=1)
def agency_data() -> AgencyData:
    raw = json.loads(resources.files("assistant").joinpath("data/agency_aliases.json").read_text("utf-8"))
    return AgencyData(
        variants=dict(raw["variants"]),
        aliases={k: tuple(v) for k, v in raw["aliases"].items()},
        collective_markers=tuple(raw["collective_markers"]),
        place_prefixes=tuple(sorted(raw["place_prefixes"], key=len, reverse=True)),
        unprefixed_markers=tuple(raw["unprefixed_markers"]),
        level_words=tuple(sorted(raw["level_words"], key=len, reverse=True)),
        level_word_exceptions=tuple(raw["level_word_exceptions"]),
    )


def split_top_level(text: str, separators: str) -> list[str]:
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
    """Simplified characters, full-width brackets, the data's spelling variants (自治区高级法院 → …人民法院)."""
    name = to_simplified(name.strip()).replace("(", "（").replace(")", "）")
    name = re.sub(r"\s+", "", name)
    if name.endswith("等") and len(name) > 1:
        name = name[:-1]
    if _SEED_CITY_COUNTY.fullmatch(name):
        return CITY_COUNTY_UNIT
    name = _SEED_CITY_COUNTY.sub(CITY_COUNTY_UNIT, name)
    variants = agency_data().variants
    if name in variants:
        return variants[name]
    for written, canonical in variants.items():
        if written.startswith("~"):  # "~X" marks a substring variant
            name = name.replace(written[1:], canonical)
    return name


def _prefix_of(item: str) -> str | None:
    data = agency_data()
    if item.startswith(data.level_word_exceptions):
        return None
    for prefix in data.place_prefixes:
        if item.startswith(prefix) and len(item) > len(prefix) + 1:
            return prefix
    # A place's full name opening the list (山东省发展改革委、财政厅) is its prefix too; a short one
    # (南宁海关) names that body only.
    place = _leading_place(item)
    if place and place == gazetteer().by_name[place].name and _DEPARTMENT.search(item):
        return place
    return None


def _takes_prefix(item: str) -> bool:
    """A bare department name (财政局, 人力资源社会保障厅) takes the level prefix written before the list."""
    data = agency_data()
    if item.startswith(data.level_words) and not item.startswith(data.level_word_exceptions):
        return False
    if _leading_place(item):
        return False  # 南宁海关, 广西电网公司: the name carries its own place
    if any(marker in item for marker in data.unprefixed_markers):
        return False
    return bool(_DEPARTMENT.search(item))


def _expand_group(group: str) -> list[str]:
    placeholder = "\u0000"
    units: list[str] = []

    def protect(match: re.Match) -> str:
        units.append(match.group(0))
        return placeholder

    protected = _CITY_COUNTY.sub(protect, group)
    items = []
    for item in split_top_level(protected, "、"):
        while placeholder in item:
            item = item.replace(placeholder, units.pop(0), 1)
        items.append(item)
    # "北海、防城港、钦州市人民政府": bare city names share the last item's "市人民政府".
    if len(items) > 1 and items[-1].endswith("市人民政府"):
        bare = items[:-1]
        if all(len(b) <= 4 and not b.endswith(("厅", "局", "委", "办", "院", "府")) for b in bare):
            items = [f"{b}市人民政府" for b in bare] + [items[-1]]
    prefix = _prefix_of(items[0]) if items else None
    if prefix:
        items = [items[0]] + [f"{prefix}{i}" if _takes_prefix(i) else i for i in items[1:]]
    return items


def split_agencies(raw: str) -> tuple[str, ...]:
    """A 牵头单位/配合单位 cell or note → canonical names, in order, without duplicates."""
    names: list[str] = []
    for group in split_top_level(raw.strip(), "，,;；"):
        for item in _expand_group(group):
            for piece in _split_etc(item):
                name = canonical_name(piece)
                if name and name not in names:
                    names.append(name)
    return tuple(names)


# "商务部等有关部门": the named agency, then the collective entry it stands at the head of.
_ETC = re.compile(r"^(?P<named>.{2,}?)等(?P<rest>(?:有关|相关|其他)[\u4e00-\u9fff]*(?:部门|单位))$")


def _split_etc(item: str) -> list[str]:
    m = _ETC.match(item.strip())
    return [m.group("named"), m.group("rest")] if m else [item]


def is_collective(name: str) -> bool:
    """Collective phrases (…其他成员单位, 各有关部门, 各行业主管部门) are entries, not named agencies."""
    return any(marker in name for marker in agency_data().collective_markers)


def short_name(name: str) -> str:
    """The name without its level prefix: 自治区市场监管局 → 市场监管局, 市财政局 → 财政局."""
    place = _leading_place(name, levels=("province",))  # 南宁海关, 桂林市人民政府 keep their city
    prefixes = ([place] if place else []) + list(agency_data().place_prefixes)
    for prefix in prefixes:
        if name.startswith(prefix) and len(name) > len(prefix) + 1:
            return name[len(prefix):]
    return name


def _leading_place(name: str, levels: tuple[str, ...] = ("province", "city")) -> str:
    """The province or city name a name starts with (广西税务局 → 广西), or ""."""
    found = gazetteer().find(name[:8])
    if found and found[0][0] == 0 and found[0][2].level in levels:
        return name[: found[0][1]]
    return ""


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
