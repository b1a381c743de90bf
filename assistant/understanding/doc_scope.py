"""Which documents a question is about: named by a scope (id, short name or part of a title) or in the
question the way people do — a place (上海的, 国务院的), a year (2022年的), a kind (条例, 方案, 工作要点),
a short name (广东条例). A place, year or kind that no document covers is a reason to say "not covered";
a place inside a province (or the country) that a document covers is answered from that document, with a
note saying so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.ingest.dates import parse_full_date
from assistant.places import Place, gazetteer
from assistant.records import Document
from assistant.textutil import fold, strip_all_space

# Question words for kinds of document → words their titles end with.
_KIND_WORDS = (
    # 办法, 规定, 措施, 意见 alone are everyday words ("有没有简单办法"): only their longer forms name documents.
    ("条例", ("条例",)), ("实施细则", ("细则",)), ("细则", ("细则",)), ("管理办法", ("办法",)),
    ("行动方案", ("方案",)), ("实施方案", ("方案",)), ("工作方案", ("方案",)), ("方案", ("方案",)),
    ("工作要点", ("要点",)), ("要点", ("要点",)), ("实施意见", ("意见",)), ("若干措施", ("措施",)),
    ("分解表", ("分解表",)),
)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*(?:年(?!\s*\d{1,2}\s*月)|版|(?=的?(?:方案|条例|要点|意见|措施|计划)))")
_COMPARISON = re.compile(r"(比|较|相比|对比|高于|低于|超过|同期|基础上|水平)\s*$")
_OWN_DOC = re.compile(r"自己的|本地的|本市的|当地的|出台|制定|发布|印发|有没有.{0,6}(文件|条例|方案|政策)")
_VERSIONS = re.compile(r"版本|两版|新旧|修订前|修订后|旧版|新版|(版|年).{0,8}(相比|比较|对比)")


def _version_key(doc: Document) -> str:
    """Versions of one document share their title (years and 修订 notes in brackets aside) and issuer."""
    title = re.sub(r"[(（][^()（）]*[)）]", "", doc.title)
    return strip_all_space(fold(title)) + "|" + doc.meta.issuer


_NATIONAL = re.compile(r"国务院|全国性|全国的|国家层面|国家的|中央的|国家级|国家(?=条例|法规|规定|层面|出台|制定)")


@dataclass(frozen=True)
class Scope:
    docs: tuple[str, ...]  # the documents that answer, in library order
    named: bool = False  # the question or its scope field named them
    reason: str | None = None  # why nothing in the library covers it (Chinese, ends with "，")
    note: str = ""  # what the answer should say about the scope (e.g. a province's plan used for a city)
    mentions: tuple[str, ...] = field(default=())  # the words that named the documents
    missing: tuple[str, ...] = ()  # named beside others but not in the library ("河南的条例"), for comparisons
    other_versions: tuple[str, ...] = ()  # ids of older versions left out (the newest answers)


def _place_of_doc(doc: Document) -> Place | None:
    if not doc.meta.place:
        return None
    if doc.meta.place == "全国":
        return Place("全国", "全国", "national")
    found = gazetteer().find(doc.meta.place)
    return found[-1][2] if found else None


def _doc_text(doc: Document) -> str:
    cache = doc.__dict__.get("_scope_text")
    if cache is None:
        cache = fold(" ".join(u.text + u.title + u.lead_raw + u.support_raw for u in doc.units))
        object.__setattr__(doc, "_scope_text", cache)
    return cache


def _years_of(doc: Document) -> set[int]:
    """The years a document is of (its own and its dates'). A deadline year inside it (a 2022 plan's
    2023年1月20日) does not make it a document of that year: deadlines are matched by the deadline parser."""
    years = {doc.meta.year} if doc.meta.year else set()
    years |= {d.year for v in doc.meta.dates.values() if (d := parse_full_date(v))}
    return years


def _matches_place(doc: Document, place: Place) -> bool:
    own = _place_of_doc(doc)
    if own is None:
        return False
    if place.level == "national":
        return own.level == "national"
    return own.name == place.name or own.short == place.short or doc.meta.place.endswith(place.name)


def _within(doc: Document, place: Place) -> bool:
    """The document covers a larger area that holds the place (a province's plan for one of its cities)."""
    own = _place_of_doc(doc)
    if own is None or place.level == "national":
        return False
    if own.level == "national":
        return True
    return own.level == "province" and place.province == own.name and place.name != own.name


# A demonstrative with its measure word (那份, 这部) ends a name as the demonstrative alone does.
_TITLE_STOP = re.compile(r"[的之和与及、,，。?？!！\s]|(?:19|20)\d{2}年?版?|年版|版|[这那该本此各几两三][份个部项篇张本件]?|文库|库里|里面|里|中")


def _title_words(text: str, kind_word: str) -> str:
    """The words a question puts right before a kind word as the document's name (山东的**优化营商环境**条例):
    what a document's title must contain for the question to name it. Places are left out."""
    at = text.find(kind_word)
    if at <= 0:
        return ""
    head = text[max(0, at - 14): at]
    head = _TITLE_STOP.split(head)[-1]
    for start, end, _ in sorted(gazetteer().find(head), key=lambda x: -x[1]):
        head = head[end:]
        break
    head = re.sub(r"^(省|市|区|县|自治区)", "", head)
    return head if len(head) >= 4 else ""


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


_TITLE_TAIL = re.compile(r"(的通知|[(（][^()（）]*[)）])+$")
# 那份, 这张: pointing at a document, never part of its name or of what is asked about it.
DEMONSTRATIVE = re.compile(r"(那|这|该|此)(份|个|部|项|篇|张|本|件)")
_FILLER = re.compile(rf"{DEMONSTRATIVE.pattern}|(那|这|该|此)|的$")
_HEAD_STOP = re.compile(r"[,，。?？!！、;；:：\s]|里|中|按照|根据|关于")


def _title_core(doc: Document) -> str:
    """The title without "关于印发…的通知" wrapping and bracketed years: what people call the document."""
    title = strip_all_space(fold(doc.title))
    title = _TITLE_TAIL.sub("", title)
    return re.sub(r"^.*?关于印发", "", title)


def named_by_title(text: str, docs: list[Document]) -> tuple[list[Document], str]:
    """Documents a question names in its own words: the words before the title's last word, in the title's
    order though not all of it (山东民营经济促进条例 → 《山东省民营经济发展促进条例》, 就业意见 →
    《…促进就业工作的若干意见》). The longest such name wins; only a name that picks out few documents counts."""
    best: dict[str, int] = {}
    phrase: dict[str, str] = {}
    for doc in docs:
        core = _title_core(doc)
        ending = core[-1:] if core.endswith("法") else core[-2:]
        if len(core) < 4:
            continue
        for m in re.finditer(re.escape(ending), text):
            written = _HEAD_STOP.split(text[max(0, m.start() - 14): m.start()])[-1]
            head = _FILLER.sub("", written)  # 就业那份意见 → 就业意见
            for cut in range(len(head) - 1):
                words = head[cut:]
                if words[0] in "的之和与及" or not _is_subsequence(words + ending, core):
                    continue
                # Two characters that stand together in the title, so that scattered ones do not name it.
                if len(words) >= 2 and any(words[i:i + 2] in core for i in range(len(words) - 1)):
                    if len(words) > best.get(doc.doc, 0):
                        # The words as written, fillers and all, so that they can be taken out of the question.
                        best[doc.doc], phrase[doc.doc] = len(words), written[written.rfind(words[0]):] + ending
                break
    if not best:
        return [], ""
    top = max(best.values())
    chosen = [d for d in docs if best.get(d.doc) == top]
    return (chosen, phrase[chosen[0].doc]) if len(chosen) <= 3 else ([], "")


_QUOTED = re.compile(r"[“\"「『]([^”\"」』]{3,12})[”\"」』]")


def named_by_quoted_name(text: str, docs: list[Document]) -> tuple[list[Document], str]:
    """A programme a title quotes by name (《…“无废城市”建设试点工作方案…》) names that document when the question
    says it, as long as one or two documents' titles quote it."""
    for doc in docs:
        for name in _QUOTED.findall(fold(doc.title)):
            if name in text:
                holders = [d for d in docs if name in fold(d.title)]
                if len(holders) <= 2:
                    return holders, name
    return [], ""


def _kind_words(text: str) -> list[tuple[str, tuple[str, ...]]]:
    found, taken = [], text
    for word, endings in _KIND_WORDS:
        if word in taken:
            found.append((word, endings))
            taken = taken.replace(word, " " * len(word))
    return found


def _question_places(text: str, skip_spans: list[tuple[int, int]]) -> list[tuple[int, int, Place]]:
    places = []
    for start, end, place in gazetteer().find(text):
        if any(s <= start and end <= e for s, e in skip_spans):
            continue  # part of an agency's name: 南宁海关
        if place.level == "national":
            if not _NATIONAL.search(text[max(0, start - 1): end + 3]):
                continue  # "全国前列", "国家有关规定" name no document
        places.append((start, end, place))
    return places


def _names_document(text: str, end: int, kinds: list[tuple[str, tuple[str, ...]]]) -> bool:
    """A place written as part of a document's name: 四川省优化营商环境条例, 山东的条例, 上海2020年版的条例."""
    rest = text[end:]
    for word, _ in kinds:
        at = rest.find(word)
        if at < 0 or at > 16:
            continue
        between = rest[:at]
        # Places joined to the kind word's own place name documents too: 四川和广东的条例, 上海、重庆三地的条例.
        joined = sorted(gazetteer().find(between), key=lambda x: -x[0])
        for start, stop, _ in joined:
            between = between[:start] + between[stop:]
        if joined:
            between = re.sub(r"以及|和|与|及|、|跟", "", between)
        if not re.search(r"[,，。?？!！、和与及对在里中关于]", between):
            return True
    return False


def _years(text: str, deadline_text: str) -> list[int]:
    years = []
    for m in _YEAR.finditer(text):
        if m.group(1) in deadline_text or _COMPARISON.search(text[: m.start()][-6:]) or \
                re.match(r"\s*(水平|同期|基础)", text[m.end(): m.end() + 6]):
            continue
        years.append(int(m.group(1)))
    return years


def by_name(name: str, docs: list[Document]) -> list[Document]:
    """Documents a scope field names: an id, a short name, or a part of the title."""
    key = strip_all_space(fold(name)).strip("《》")
    if not key:
        return []
    exact = [d for d in docs if key in (d.doc, fold(d.short_name), strip_all_space(fold(d.title)))]
    if exact:
        return exact
    return [d for d in docs if key in strip_all_space(fold(d.title)) or (d.short_name and key in fold(d.short_name))]


_JOINED = re.compile(r"以及|还有|和|与|跟|同|及|、")


def resolve_scope(text: str, docs: list[Document], scope: str | None = None, deadline_text: str = "",
                  agency_spans: list[tuple[int, int]] | None = None) -> Scope:
    """The documents a (normalised) question is about, or why none is."""
    whole = _resolve(text, docs, scope, deadline_text, agency_spans)
    if scope and scope.strip():
        return whole
    # Documents named one after another (济南条例和山东民营经济条例, 国务院的在线政务服务规定和安阳的政务服务条例):
    # each name is read on its own, and the question is about all of them.
    pieces = [p for p in _JOINED.split(fold(text)) if p.strip()]
    if len(pieces) < 2 or len(pieces) > 6:
        return whole
    named: list[Scope] = []
    kinds = _kind_words(fold(text))
    place = ""  # the place of the name before: 济南2022年版和2019年版的条例 → the 2019 one is 济南's too
    for piece in pieces:
        found = _question_places(piece, [])
        if found:
            place = piece[found[0][0]:found[0][1]]
        elif place and _YEAR.search(piece) and not named_by_title(piece, docs)[0]:
            piece = place + piece
        if not (_kind_words(piece) or _question_places(piece, []) or named_by_title(piece, docs)[0]):
            continue
        if kinds and not _kind_words(piece):
            piece += kinds[0][0]  # 云南和济南的条例: 云南 names 云南's 条例, not whatever applies in 云南
        part = _resolve(piece, docs, None, "", None)
        if part.reason or not part.named or len(part.docs) == len(docs):
            return whole  # one of the names picks no document of its own: read the question as a whole
        named.append(part)
    union = tuple(dict.fromkeys(d for part in named for d in part.docs))
    # The names read one by one stand when the whole question found no document (its words mixed two names:
    # 山东民营经济条例和国务院条例 is not "国务院的民营经济条例") or when they name documents the whole reading missed.
    if len(named) < 2 or not whole.reason and set(union) <= set(whole.docs) or whole.reason and not whole.named:
        return whole
    ordered = tuple(d.doc for d in docs if d.doc in union)
    mentions = tuple(dict.fromkeys(m for part in named for m in part.mentions))
    notes = "".join(dict.fromkeys(part.note for part in named if part.note))
    others = tuple(dict.fromkeys(o for part in named for o in part.other_versions))
    return Scope(ordered, True, note=notes, mentions=mentions, other_versions=others)


def _resolve(text: str, docs: list[Document], scope: str | None, deadline_text: str,
             agency_spans: list[tuple[int, int]] | None) -> Scope:
    all_ids = tuple(d.doc for d in docs)
    if scope and scope.strip():
        named = by_name(scope, docs)
        if not named:
            return Scope(all_ids, True, reason=f"文库中没有“{scope.strip()}”这份文档，")
        return Scope(tuple(d.doc for d in named), True, mentions=(scope.strip(),))
    candidates = list(docs)
    mentions: list[str] = []
    note = ""
    folded = fold(text)
    kinds = _kind_words(folded)
    kind_word = kinds[0][0] if kinds else ""
    places = _question_places(folded, agency_spans or [])
    # A short name (广东条例) or a whole title names documents directly — unless the question puts another
    # place in front of it (山东的优化营商环境条例 is not the national 优化营商环境条例).
    direct = [d for d in docs if (d.short_name and len(d.short_name) >= 3 and d.short_name in folded)
              or strip_all_space(fold(d.title)) in strip_all_space(folded)]
    direct = [d for d in direct if not places or any(_matches_place(d, p) for _, _, p in places)]
    if direct:
        candidates = direct
        mentions += [d.short_name if d.short_name in folded else d.title for d in direct]
    else:
        titled, phrase = named_by_title(folded, docs)
        if not titled:
            titled, phrase = named_by_quoted_name(folded, docs)
        titled = [d for d in titled if not places or any(_matches_place(d, p) for _, _, p in places)]
        # With other places named as well (国务院的条例和山东民营经济条例), the places pick the documents.
        if titled and all(any(_matches_place(d, p) for d in titled) for _, _, p in places):
            candidates = direct = titled
            mentions.append(phrase)
    # Several places name several documents (北京和广东的条例, 上海、重庆、河南三地): the union of theirs; a place
    # without a document is a reason to refuse when it is the only one, and is named as missing otherwise.
    by_place: list[Document] = []
    missing: list[str] = []
    for start, end, place in places:
        matched = [d for d in candidates if _matches_place(d, place)]
        if matched:
            by_place += [d for d in matched if d not in by_place]
            mentions += [place.name, place.short]
            continue
        names_doc = _names_document(folded, end, kinds)
        if not names_doc and any(place.short in _doc_text(d) or place.name in _doc_text(d) for d in docs):
            continue  # a place the documents themselves talk about (港澳, 百色): content, not scope
        wider = [d for d in candidates if _within(d, place)]
        name = "全国性" if place.level == "national" else f"“{place.short}”"
        if wider and not kinds and not _OWN_DOC.search(folded) and len(places) == 1:
            by_place = wider
            titles = "、".join(f"《{d.title}》" for d in wider)
            note = f"文库中没有{name}的专门文件；以下依据适用于{place.short}的{titles}回答。"
            continue
        missing.append(f"{name}的{(_title_words(folded, kind_word) + kind_word) if kind_word else '文件'}")
    if missing and not by_place:
        return Scope(all_ids, True, reason=f"文库中没有{missing[0]}，")
    if by_place:
        candidates = [d for d in candidates if d in by_place]
    years = _years(folded, deadline_text)
    by_year = [d for d in candidates if d.meta.year in years]
    for year in years:
        if not any(d.meta.year == year for d in candidates):
            if kinds or not any(year in _years_of(d) for d in candidates):
                # With a kind word the year names a document (2021年的行动方案), not a deadline inside one.
                if len(years) == 1 or not by_year:
                    named = mentions[0] if mentions and kind_word and mentions[0].endswith(kind_word) else ""
                    held = "、".join(sorted({f"{d.meta.year}年" for d in candidates if d.meta.year}))
                    what = (f"{year}年的{named}" if named else
                            f"{''.join(mentions[:1])}{year}年的{kind_word or '文件'}")
                    return Scope(all_ids, True, reason=f"文库中没有{what}" + (f"（有的是{held}的）" if held else "")
                                 + "，")
                missing.append(f"{year}年的{kind_word or '文件'}")
        else:
            mentions += [f"{year}年版", f"{year}版", f"{year}年"]
    if by_year:
        candidates = by_year
    for word, endings in kinds:
        matched = [d for d in candidates if _title_core(d).endswith(endings)]
        named_title = _title_words(folded, word)
        if matched and named_title:
            # Words of the sentence may run into the name (参与了无废城市方案): its longest tail a title holds.
            tails = [named_title[cut:] for cut in range(len(named_title) - 3)]
            titled = next(([d for d in matched if _is_subsequence(tail, _title_core(d))] for tail in tails
                           if any(_is_subsequence(tail, _title_core(d)) for d in matched)), [])
            if not titled:
                where = "".join(mentions[:1])
                held = "、".join(f"《{d.title}》" for d in matched[:3])
                return Scope(all_ids, True, reason=f"文库中没有{where}{'的' if where else ''}{named_title}{word}"
                                                  f"（{'这里' if not where else where}有的是{held}），")
            matched = titled
        if matched:
            candidates = matched
            mentions.append(word)
        else:
            where = "".join(mentions[:1])
            return Scope(all_ids, True, reason=f"文库中没有{where}的{word}，" if where else f"文库中没有{word}，")
    # Two versions of one document (北京市优化营商环境条例 2020 and 2024): the newest answers unless a year
    # names one, or the question compares versions.
    older: list[str] = []
    if not years:
        newest: dict[str, Document] = {}
        for d in candidates:
            key = _version_key(d)
            if key not in newest or (d.meta.year or 0) > (newest[key].meta.year or 0):
                newest[key] = d
        kept = [d for d in candidates if newest[_version_key(d)] is d]
        if len(kept) < len(candidates) and not _VERSIONS.search(folded):
            older = [d.doc for d in candidates if d not in kept]
            for d in kept:
                others = [o for o in candidates if o.doc in older and _version_key(o) == _version_key(d)]
                if others and (direct or by_place or kinds):
                    years_text = "、".join(f"{o.meta.year}年版" for o in others if o.meta.year)
                    note = f"按最新的{d.meta.year}年版《{d.title}》回答；文库中另有{years_text}。"
            candidates = kept
    named = len(candidates) + len(older) < len(docs) or bool(mentions)
    return Scope(tuple(d.doc for d in candidates), named, note=note, mentions=tuple(dict.fromkeys(mentions)),
                 missing=tuple(missing), other_versions=tuple(older))


def names_only_a_kind(scope: Scope) -> bool:
    """The question named documents by their kind alone ("这个条例"), no place, title or year."""
    kinds = {word for word, _ in _KIND_WORDS}
    return bool(scope.mentions) and set(scope.mentions) <= kinds and not scope.reason


def without_mentions(text: str, scope: Scope) -> str:
    """The question without the words that named its documents (广东条例, 2022年的方案): once the search is
    restricted to those documents, the words only match their titles and headers, not the answer."""
    if not scope.named or not scope.mentions:
        return text
    out = fold(text)
    for word in sorted(scope.mentions, key=len, reverse=True):
        out = out.replace(fold(word), " ")
    out = re.sub(r"^[\s的里中]+|(?<=\s)[的里中]+", " ", out)
    out = re.sub(r"\s+", " ", out).strip()
    return out if len(out) >= 2 else text
