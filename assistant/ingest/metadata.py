"""A document's metadata from its opening and closing lines: title, covering notice, 文号, issuer, dates,
place, year and kind — and where the body starts, so that none of these lines becomes body text.

Official documents put these in a few recognisable lines (a 文号 alone on a line, a date alone on a line,
"X年X月X日印发", "…关于印发《…》的通知", "2019年10月8日 国务院第66次常务会议通过", "抄送：…"); each is
matched on folded text (textutil.fold) and kept as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from assistant.ingest.dates import FULL_DATE, parse_full_date
from assistant.places import gazetteer
from assistant.records import DocMeta
from assistant.textutil import fold, squeeze_spaces, strip_all_space

KIND_WORDS = r"(?:行动方案|实施方案|工作方案|方案|工作要点|要点|条例|实施细则|细则|办法|规定|实施意见|意见|若干措施|措施|举措|清单|任务分解表|分解表|程序表|一览表|表|计划|规划|纲要|决定|通知|通报|通告|公告|公报|批复|复函|函|报告|请示|决议|纪要|命令)"
# A title may end with its 文号 or a short note in brackets: …实施意见(池政〔2017〕101号), …程序表(工商).
_TITLE_END = re.compile(KIND_WORDS + r"(?:\s*[(（](?:[^()（）]{1,8}|[^()（）]*\d{4}[^()（）]*)[)）])?$")
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}\s*[〔\[【(]\s*\d{4}\s*[〕\]】)]\s*\d{1,4}\s*号")
_ORDER_NUMBER = re.compile(r"(?:中华人民共和国)?[\u4e00-\u9fff]{2,12}?令\s*(?:第\s*\d+\s*号|\(?第?\d+号\)?)")
_NOTICE = re.compile(r"^(?P<issuer>.*?)(?:关于(?:印发|转发|发布)|(?<=[会府厅局委室])印发)(?P<inner>.+?)的通知$")
_NOTICE_ANY = re.compile(r"^(?P<issuer>[^，。,]*?)关于.+(?:通知|意见|决定|方案|办法)")
_PRINTED = re.compile(r"(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*印\s*发$")
_RELEASE = re.compile(r"^[(]?\s*此件(?:公开发布|不予?公开|依申请公开)[^)]*[)]?$")
_SOURCE_LINE = re.compile(r"^(?:发布时间|来源|浏览次数|发文日期|成文日期|索引号|主题分类|发布机构|字号|打印|关闭)")
_PUBLISHED_AT = re.compile(r"(?:发布时间|发布日期)\s*:\s*(\d{4}-\d{1,2}-\d{1,2})")
_DATE_ONLY = re.compile(r"^\s*(?:\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|[零〇一二三四五六七八九十]{4}年[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日|\d{7,8})\s*$")
_DATED_EVENT = re.compile(
    rf"^\s*[(]?\s*(?P<date>{FULL_DATE.pattern})\s*(?P<rest>.*?(?P<event>通过|公布|发布|施行|修订|修正|批准|起施行))\s*[)]?\s*$")
_EFFECTIVE = re.compile(r"自\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*起\s*施行")
_ADDRESSEES = re.compile(r"^[^。]{4,120}:$")
_CC = re.compile(r"^抄\s*送\s*:")
_ISSUER_LINE = re.compile(r"^[\u4e00-\u9fff]{2,30}(?:人民政府|办公厅|办公室|委员会|人民代表大会常务委员会|局|厅|委|政府)$")
_EVENT_ROLE = {"通过": "adopted", "公布": "published", "发布": "published", "施行": "effective", "起施行": "effective",
               "修订": "revised", "修正": "revised", "批准": "approved"}
_NATIONAL_ISSUERS = ("国务院", "中华人民共和国", "全国人民代表大会", "国家")


@dataclass
class FrontMatter:
    meta: DocMeta
    body_start: int  # index of the first body paragraph
    skip: set[int] = field(default_factory=set)  # metadata lines inside the body, not text
    back_start: int | None = None  # first line of the closing matter (抄送, 印发 line), if any


def _is_title_line(text: str) -> bool:
    t = strip_all_space(text)
    return 4 <= len(t) <= 70 and "。" not in t and bool(_TITLE_END.search(t)) and not t.startswith(("附件", "抄送"))


def _clean_title(text: str) -> str:
    t = squeeze_spaces(text).strip("《》 ")
    t = re.sub(r"\s*[(（][\u4e00-\u9fff]{1,12}\s*[〔\[【(]\s*\d{4}.*?[)）]$", "", t)  # a trailing (文号)
    return strip_all_space(t).strip("《》")


def _place_of(*texts: str) -> str:
    for text in texts:
        if not text:
            continue
        if text.startswith(_NATIONAL_ISSUERS) or "国务院" in text[:6]:
            return "全国"
        text = re.sub(r"^\d{4}年", "", text)
        found = gazetteer().find(text[:16])
        if found:
            start, _, place = found[0]
            if start <= 4 and place.level != "national":
                # 沈阳市辽中区: a city followed by one of its districts names the district.
                tail = found[1][2] if len(found) > 1 and found[1][0] == found[0][1] else None
                return (place.name + tail.name) if tail and tail.level == "county" else place.name
    return ""


def _kind(title: str, notice_title: str) -> str:
    t = title or notice_title
    if re.search(r"(条例|实施细则|细则|办法|规定)$", t):
        return "regulation"
    if re.search(r"(清单|分解表|程序表|一览表|表)$", t):
        return "table"
    if re.search(r"(方案|要点|计划|意见|措施|举措|规划|纲要)$", t):
        return "plan"
    return "notice"


def _year(title: str, doc_number: str, dates: dict[str, str]) -> int | None:
    for text in (title, doc_number):
        m = re.search(r"((?:19|20)\d{2})", text or "")
        if m:
            return int(m.group(1))
    # The latest of the dates that make a version (a revised regulation is known by its revision year).
    days = [parse_full_date(dates.get(role, "")) for role in ("signed", "printed", "adopted", "published",
                                                              "revised", "approved")]
    days = [d for d in days if d]
    return max(days).year if days else None


def read_front_matter(written: list[str], folded: list[str], title_hint: str, fallback_title: str,
                      markup_title: int | None) -> FrontMatter:
    """Metadata from the lines (paragraph texts, written and folded) and where the body starts."""
    n = len(written)
    head = range(min(n, 25))
    notice_title = doc_number = issuer = addressees = release = cc = ""
    dates: dict[str, str] = {}
    skip: set[int] = set()
    title_idx: int | None = markup_title
    notice_idx: int | None = None
    for i in head:
        f = folded[i].strip()
        if notice_idx is None and (m := _NOTICE.match(strip_all_space(f))):
            notice_idx, notice_title = i, _clean_title(written[i])
            issuer = issuer or squeeze_spaces(strip_all_space(written[i])[: m.end("issuer")])
            skip.add(i)
            if m2 := _DOC_NUMBER.search(f):
                doc_number = doc_number or strip_all_space(written[i][m2.start():m2.end()])
    # The title: a markup heading, else the plan named by the covering notice, else the first line that
    # reads like a title; a title broken over two short lines is joined.
    inner = ""
    if notice_idx is not None:
        inner = strip_all_space(_NOTICE.match(strip_all_space(folded[notice_idx])).group("inner")).strip("《》\"“”")
    if title_idx is None:
        start = notice_idx + 1 if notice_idx is not None else 0
        for i in range(start, min(n, 40)):
            t = strip_all_space(folded[i])
            if notice_idx is not None and (t.endswith("的通知") or _NOTICE.match(t)) and t != inner:
                continue  # the covering notice written again (a page's heading, or broken over two lines)
            if _is_title_line(folded[i]) or (inner and t and t == inner):
                title_idx = i
                break
            if notice_idx is None and i > 12:
                break
    if title_idx is None and notice_idx is not None:
        title_idx = notice_idx
    title = ""
    title_lines = []
    if title_idx is not None:
        title_lines = [title_idx]
        prev = title_idx - 1
        if (prev >= 0 and prev != notice_idx and 2 <= len(strip_all_space(folded[prev])) <= 30
                and not re.search(r"[。,:;，：；]$|\d", folded[prev].strip()) and not _ISSUER_LINE.match(strip_all_space(folded[prev]))
                and not _DATE_ONLY.match(folded[prev]) and not _RELEASE.match(strip_all_space(folded[prev]))):
            title_lines.insert(0, prev)
        title = _clean_title("".join(written[i] for i in title_lines))
        if title_idx == notice_idx and inner:
            title = inner
        skip.update(title_lines)
    if not title:
        title = _clean_title(title_hint) if title_hint else fallback_title
    body_start = (title_lines[-1] + 1) if title_lines else 0
    # A page that shows its title twice (a site header and the article's own heading): the repeat is no text.
    while body_start < n and title and strip_all_space(folded[body_start]) == strip_all_space(fold(title)):
        skip.add(body_start)
        body_start += 1
    # Metadata lines anywhere before the body, and dated lines (通过/施行) just after a markup title.
    for i in range(0, min(n, body_start + 12)):
        f = folded[i].strip()
        s = strip_all_space(f)
        if i >= body_start and i not in skip and not _metadata_like(s, f):
            continue
        if m := _DATED_EVENT.match(f):
            dates.setdefault(_EVENT_ROLE[m.group("event")], squeeze_spaces(m.group("date")))
            if m.group("event") in ("通过", "公布") and not issuer:
                issuer = _issuer_from_event(m.group("rest"))
            if order := _ORDER_NUMBER.search(strip_all_space(m.group("rest"))):
                doc_number = doc_number or order.group(0)
            skip.add(i)
        elif _DATE_ONLY.match(f):
            dates.setdefault("signed", strip_all_space(written[i]))
            skip.add(i)
        elif m := _DOC_NUMBER.fullmatch(s) or _ORDER_NUMBER.fullmatch(s):
            doc_number = doc_number or s
            skip.add(i)
        elif _RELEASE.match(s):
            release = release or s.strip("()")
            skip.add(i)
        elif _SOURCE_LINE.match(s):
            if m := _PUBLISHED_AT.search(f):
                dates.setdefault("published", m.group(1))
            skip.add(i)
        elif i < body_start and _ADDRESSEES.match(s) and i != title_idx:
            addressees = addressees or squeeze_spaces(written[i])
            skip.add(i)
        elif i < body_start and _ISSUER_LINE.match(s):
            issuer = issuer or s
            skip.add(i)
        elif i < body_start and "文件" in s and len(s) < 30 and not addressees:
            skip.add(i)  # the red header: 广西壮族自治区人民政府办公厅文件
    if not doc_number:
        for i in range(min(n, body_start + 3)):
            if m := _DOC_NUMBER.search(strip_all_space(folded[i])):
                doc_number = m.group(0)
                break
            if m := _ORDER_NUMBER.search(strip_all_space(folded[i])):
                doc_number = m.group(0)
                break
    # The signature that closes the text: the issuer on one line, the date on the next (国务院 / 2018年11月16日),
    # before any release note, 抄送 or 印发 line.
    for i in range(n - 1, max(body_start, n - 8), -1):
        f = folded[i].strip()
        if _DATE_ONLY.match(f):
            signer = strip_all_space(folded[i - 1])
            if 2 <= len(signer) <= 30 and not re.search(r"[。，,；;：:、]|\d", signer):
                dates.setdefault("signed", strip_all_space(written[i]))
                skip.update((i - 1, i))
            break
        if _RELEASE.match(strip_all_space(f)):
            release = release or strip_all_space(f).strip("()")
            skip.add(i)
        elif f and not (_CC.match(strip_all_space(f)) or _PRINTED.search(strip_all_space(f))):
            break
    # The closing matter: 抄送 and the "X年X月X日印发" line, with what follows them.
    back_start = None
    for i in range(body_start, n):
        s = strip_all_space(folded[i])
        if _CC.match(s) or _PRINTED.search(s):
            back_start = i
            break
    if back_start is not None:
        for i in range(back_start, n):
            s = strip_all_space(folded[i])
            if m := _PRINTED.search(s):
                dates.setdefault("printed", strip_all_space(m.group(1)))
        cc_lines = []
        for i in range(back_start, n):
            s = squeeze_spaces(written[i])
            if cc_lines or _CC.match(strip_all_space(folded[i])):
                if _ISSUER_LINE.match(strip_all_space(s)) or _PRINTED.search(strip_all_space(s)):
                    break
                cc_lines.append(s)
        cc = "".join(cc_lines)
        cc = re.sub(r"^抄\s*送\s*[:：]", "", cc)
    text_all = "\n".join(folded)
    if "effective" not in dates and (m := _EFFECTIVE.search(text_all)):
        dates["effective"] = strip_all_space(m.group(1))
    elif "effective" not in dates and (m := re.search(r"自(公布|发布|印发)之日起(施行|实施|执行)", text_all)):
        dates["effective"] = m.group(0)
    if not issuer:
        issuer = _issuer_from_title(title)
    attachment = ""
    for i in range(body_start, n):
        if re.match(r"^附\s*件\s*\d*\s*:", folded[i].strip()):
            attachment = squeeze_spaces(written[i].split("：", 1)[-1].split(":", 1)[-1])
            break
    meta = DocMeta(
        title=title,
        kind=_kind(title, notice_title),
        issuer=issuer,
        doc_number=doc_number,
        place=_place_of(title, issuer),
        year=_year(title, doc_number, dates),
        dates=dates,
        notice_title=notice_title if notice_title != title else "",
        addressees=addressees,
        release_note=release,
        attachment_title=attachment,
        cc=cc,
    )
    return FrontMatter(meta, body_start, skip, back_start)


def _metadata_like(squeezed: str, folded: str) -> bool:
    return bool(_DATED_EVENT.match(folded) or _DATE_ONLY.match(folded) or _DOC_NUMBER.fullmatch(squeezed)
                or _ORDER_NUMBER.fullmatch(squeezed) or _RELEASE.match(squeezed) or _SOURCE_LINE.match(squeezed))


def _issuer_from_event(rest: str) -> str:
    rest = strip_all_space(rest)
    m = re.match(r"(.+?)(?:第[一二三四五六七八九十百\d]+次)?(?:常务)?会议", rest)
    if m:
        body = re.sub(r"第[一二三四五六七八九十百\d]+届", "", m.group(1))
        return body
    m = re.match(r"(.+?)令", rest)
    return m.group(1) if m else ""


def _issuer_from_title(title: str) -> str:
    m = _NOTICE_ANY.match(title)
    return m.group("issuer") if m and m.group("issuer") else ""


def reference_date(meta: DocMeta) -> date | None:
    """The date a document's month-only deadlines count from (its signing, else another of its dates)."""
    for role in ("signed", "printed", "published", "adopted", "effective"):
        day = parse_full_date(meta.dates.get(role, ""))
        if day:
            return day
    if meta.year:
        return date(meta.year, 1, 1)
    return None
