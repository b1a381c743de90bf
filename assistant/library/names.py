"""Names of documents: a stable id from the file name, and the short name people call it by."""

from __future__ import annotations

import re
from pathlib import Path

from assistant.places import gazetteer
from assistant.records import Document

# The kind word a title ends with → how people shorten it (行动方案 → 方案, 实施意见 → 意见).
_KIND_SHORT = (
    ("条例", "条例"), ("实施细则", "细则"), ("办法", "办法"), ("规定", "规定"), ("工作要点", "工作要点"),
    ("要点", "要点"), ("方案", "方案"), ("若干措施", "措施"), ("措施", "措施"), ("意见", "意见"),
    ("任务分解表", "分解表"), ("分解表", "分解表"), ("清单", "清单"), ("程序表", "程序表"), ("表", "表"),
    ("计划", "计划"), ("规划", "规划"), ("通知", "通知"),
)


def slug(text: str) -> str:
    """ASCII id: letters, digits and hyphens; Chinese written in pinyin."""
    if re.search(r"[^\x00-\x7f]", text):
        from pypinyin import lazy_pinyin

        text = "-".join(lazy_pinyin(text))
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return text[:60].strip("-") or "doc"


def doc_id_for(path: Path, taken: set[str]) -> str:
    """The file's name as an id; another format of a name already taken adds its extension."""
    base = slug(path.stem)
    if base not in taken:
        return base
    candidate = f"{base}-{path.suffix.lstrip('.').lower()}"
    n = 2
    while candidate in taken:
        candidate = f"{base}-{n}"
        n += 1
    return candidate


def place_short(doc: Document) -> str:
    place = doc.meta.place
    if not place:
        return ""
    if place == "全国":
        return "国务院" if "国务院" in doc.meta.issuer else "国家"
    found = gazetteer().find(place)
    if not found:
        return place
    last = found[-1][2]
    return last.short if last.level != "county" else last.name


def kind_short(title: str) -> str:
    title = re.sub(r"[(（][^()（）]*[)）]$", "", title)
    for word, short in _KIND_SHORT:
        if title.endswith(word):
            return short
    return "文件"


def _short_title(title: str) -> str:
    return title if len(title) <= 14 else title[:13] + "…"


def short_names(docs: list[Document]) -> dict[str, str]:
    """广东条例, 广西方案, 国务院条例; with the year (广西2022方案) when two would share a name."""
    plain = {d.doc: (f"{place_short(d)}{kind_short(d.meta.title)}" if place_short(d) else _short_title(d.meta.title))
             for d in docs}
    counts: dict[str, int] = {}
    for name in plain.values():
        counts[name] = counts.get(name, 0) + 1
    out = {}
    for d in docs:
        name = plain[d.doc]
        if counts[name] > 1 and d.meta.year:
            name = f"{place_short(d)}{d.meta.year}{kind_short(d.meta.title)}"
        out[d.doc] = name
    seen: dict[str, int] = {}
    for doc, name in list(out.items()):
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            out[doc] = f"{name}{seen[name]}"
    return out
