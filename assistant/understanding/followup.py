"""Follow-up questions: an elliptical question inherits the previous turn's conditions, subject, document
or list and changes only what it says.

The conversation is its user questions (oldest first). The previous question is resolved first (it may
itself be a follow-up), then the new one is read against it:
    那配合的呢          the role changes:        哪些任务由税务局牵头 → 哪些任务由税务局配合
    高院呢              the agency changes:      …由税务局牵头 → …由高院牵头
    那供气呢            the subject changes:     有外线的供水工程多久办结 → 有外线的供气工程多久办结
    那广东的呢          the document changes:    北京条例… → 广东条例…
    其中12月31日完成的呢  a condition is added:    …牵头的任务，12月31日完成的
    第二个详细说说       the n-th unit of the previous answer's list
    这项任务什么时候完成  the unit the previous answer rests on, and what is asked of it
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.places import gazetteer
from assistant.textutil import cn_to_int
from assistant.thesaurus import thesaurus
from assistant.understanding.lexicon import Lexicon
from assistant.understanding.query_parse import DATE

_ROLE = re.compile(r"牵头|配合|协助|参与|负责")
_LEAD_IN = re.compile(r"^(那么?|那如果|然后|还有|另外|再问一下|再问|请问|那请问)")
_TAIL = re.compile(r"(的|呢|吗|啊|呀|吧|的话|怎么样|如何|情况)*[?？!！。.]*$")
_SUBSET = re.compile(r"^(其中|这里面|这些(任务)?里|里面|当中)")
_ORDINAL = re.compile(r"第\s*([一二三四五六七八九十两]{1,3}|\d{1,3})\s*(个|项|条|行|点)?|(最后)\s*(一)?\s*(个|项|条|行|点)")
_DETAIL = re.compile(r"详细|具体|展开|说说|讲讲|说一下|讲一下|是什么|什么内容|内容|原文")
_REFERENCE = re.compile(r"这项|这条|这个(任务|事项|措施)?(?!意见|条例|方案|文件|通知|要点|清单|规定|办法|计划|法)"
                        r"|该任务|该项|这一项|这一条|它|上面(那|这)?(个|项|条)"
                        r"|刚才(那|这)?(个|项|条)")
# "那12月的呢": another date for the same question (its 前/底 kept from the previous one unless given).
_DATE_ONLY = re.compile(rf"({DATE.pattern})(之前|以前|前|之后|以后|后)?(到期|完成)?(的)?")
_VERSION_ONLY = re.compile(r"((?:19|20)\d{2})\s*年?\s*(?:版本?|修订版?|的版本|那版)?(?:的)?")
_YEAR_IN = re.compile(r"(?:19|20)\d{2}\s*年?\s*版?")
_OTHER_DOCUMENTS = re.compile(r"(哪些|哪几部|哪几份|哪几个|哪个|别的|其他|其它)(条例|文件|地方|城市|法规|方案)?.{0,3}(也|还)"
                              r"(有|都)?(规定|提到|讲|写|说|要求)")
# "别的条款也提到了吗": which other units or documents say what the previous question asked.
_OTHER_UNITS = re.compile(r"(别的|其他|其它)(条款|条文|地方|文件|条例)(里|中)?(也|还)?(有|都)?(规定|提到|讲|写|说|要求|涉及)")
# "广东的条例也有类似规定吗": the previous question asked of the document named here.
_LIKEWISE = re.compile(r"(也|是否也|是不是也|有没有)?(有|作了|做了)?(类似|相似|同样|相同|一样|相关)的?(规定|要求|条款|内容|说法)")
# "两者有什么不同": the documents just compared, side by side again.
_HOW_DIFFER = re.compile(r"^(两者|二者|两个|两地|它们|这两部|这两份|这两个|两部|两份|两边)?(之间)?(有|有什么|有何|有哪些|存在)?(什么)?"
                         r"(不同|区别|差别|差异|异同)(吗|呢)?$")
# "具体是哪一条", "原文怎么写的": where the previous answer's unit is, or its words.
_WHICH_UNIT = re.compile(r"^(具体|那)?(是|在)?(哪一?条|第几条|哪一?款|出自哪(里|儿)?|出处(是|在)?(哪|什么))"
                         r"|^(那)?原文(是|里)?(怎么|如何)?(写|说|规定)?(的|了)?$")
_LIST_THOSE = re.compile(r"^(都|具体|分别|各)?(是|有)?(哪些|哪几项|哪几个|哪几条|什么)(任务|措施|举措)?$")
_COUNT_ASKED = re.compile(r"(一共|总共|共)?(有)?(几|多少)\s*(项|个|条)")
# A numbered part of a document (第六章, 第五十八条, 第三部分).
NUMBERED_PART = re.compile(r"第\s*[一二三四五六七八九十百零两\d]{1,5}\s*(章|节|条|部分)")
# How many parts a document has (几章, 多少条).
COUNTED_PART = re.compile(r"(几|多少)\s*个?\s*(章|节|条|部分)")
_ONLY_DETAIL = re.compile(r"^(具体|详细)(是|地)?(怎么|如何|怎样)?(规定|说|讲|要求|写)(的|了)?$|^(具体|详细)(说说|讲讲|内容)$"
                          r"|^(再|请|能不能|可以)?(说|讲)?(得)?(详细|具体|清楚)(一点|一些|点|些)?(说说|讲讲|说一下|讲一下|吗)?$")
_BARE_COUNT = re.compile(r"^(一共|总共|共|总计|合计)?(有)?(多少|几)(个|项|条|件)?(任务)?$")
_PRONOUN = re.compile(r"它们|它|他们|这个单位|这个部门|该单位|该部门|又")
_ASKS = (
    ("deadline", re.compile(r"什么时候|何时|哪天|截止|期限|时限|多久完成|完成时间")),
    ("lead", re.compile(r"谁(来)?牵头|牵头(单位|部门)?(是|有)?(谁|哪)|谁负责|哪个(部门|单位)(负责|牵头)")),
    ("support", re.compile(r"(谁|哪些?(部门|单位))(来)?配合|配合(单位|部门)?(是|有)?(谁|哪)")),
)


@dataclass(frozen=True)
class FollowUp:
    text: str  # the question to answer, written out in full
    original: str  # what the user typed
    rewritten: bool = False
    ordinal: int | None = None  # "第二个…": the n-th unit the previous answer cited; -1: the last
    refers_back: bool = False  # "这项任务…": the unit the previous answer rests on
    asks: str = "detail"  # what is asked of a referred unit: detail | deadline | lead | support
    previous: str = ""  # the previous question, resolved


def _core(text: str) -> str:
    """The question without its lead-in and tail: 那配合的呢？ → 配合."""
    return _TAIL.sub("", _LEAD_IN.sub("", text.strip())).strip(" ，,")


def _is_elliptical(text: str) -> bool:
    core = _core(text)
    if _LEAD_IN.match(text.strip()) or _SUBSET.match(text.strip()):
        return len(core) <= 14
    return bool(re.search(r"呢[?？]?\s*$", text)) and len(core) <= 10


def _agency_mentions(text: str, lexicon: Lexicon):
    return [m for m in lexicon.find(text) if m.kind == "agency"]


def _replace_span(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def _switch_role(previous: str, role: str) -> str | None:
    if _ROLE.search(previous):
        return _ROLE.sub(role, previous, count=1)
    return None


def _switch_agency(previous: str, new: str, lexicon: Lexicon) -> str | None:
    mentions = _agency_mentions(previous, lexicon)
    if not mentions:
        return None
    first = mentions[0]
    return _replace_span(previous, first.start, first.end, new)


def _switch_place(previous: str, place_text: str) -> str:
    found = gazetteer().find(previous)
    if found:
        start, end, _ = found[0]
        return _replace_span(previous, start, end, place_text)
    return f"{place_text}的{previous}"


def _named_place(core: str) -> str | None:
    """The place a follow-up names (广东的, 国务院的), as written; the country only through 国务院."""
    places = [p for p in gazetteer().find(core) if p[2].level != "national" or "国务院" in core]
    return core[places[0][0]:places[0][1]] if places else None


def _switch_subject(previous: str, core: str) -> str | None:
    """那燃气呢: replace the word of the previous question that plays the same part — a thesaurus term of the
    same indicator (自来水 → 燃气, 开办企业 → 注销), else a word of the same length sharing a character in
    the same place (城网 → 农网)."""
    new_matches = thesaurus().find(core)
    if new_matches:
        new = new_matches[0].concept
        olds = [m for m in thesaurus().find(previous) if m.concept != new]
        same = [m for m in olds if m.concept.indicator and m.concept.indicator == new.indicator]
        if same:
            # The sibling: the concept whose terms look most alike (供水/用水报装 for 供气/用气报装).
            new_chars = set("".join(new.terms))
            old = max(same, key=lambda m: len(new_chars & set("".join(m.concept.terms))))
            return _replace_span(previous, old.start, old.end, core)
    n = len(core)
    best = None
    for i in range(len(previous) - n + 1):
        window = previous[i : i + n]
        if window == core or not all("\u4e00" <= c <= "\u9fff" for c in window):
            continue
        shared = sum(1 for a, b in zip(window, core) if a == b)
        if shared and (best is None or shared > best[0]):
            best = (shared, i)
    if best:
        return _replace_span(previous, best[1], best[1] + n, core)
    if new_matches:
        olds = [m for m in thesaurus().find(previous) if m.concept != new_matches[0].concept]
        if olds:
            return _replace_span(previous, olds[0].start, olds[0].end, core)
    return None


def _bare_ask(text: str) -> str | None:
    """"这个是哪个部门牵头的？", "什么时候要完成？": a question asking only for a field of something already
    named, with no subject of its own. Returns what it asks (deadline | lead | support)."""
    asks = next((name for name, pattern in _ASKS if pattern.search(text)), None)
    if asks is None:
        return None
    rest = text
    for _, pattern in _ASKS:
        rest = pattern.sub("", rest)
    rest = re.sub(r"这个|这项|这条|它|那|是|的|由|有|要|需要|哪些|哪个|什么|谁|单位|部门|负责|来|又|呢|吗|[?？。，,！!\s]", "", rest)
    return asks if len(rest) <= 2 else None


def resolve(question: str, history: list[str] | None, lexicon: Lexicon) -> FollowUp:
    """The question written out in full against the conversation so far (earlier user questions)."""
    if not history:
        return FollowUp(question, question)
    previous = resolve(history[-1], history[:-1], lexicon).text
    text = question.strip()
    core = _core(text)
    previous_agencies = _agency_mentions(previous, lexicon)
    agencies = _agency_mentions(core, lexicon)
    role = _ROLE.search(core)
    # "哪些部门配合？" asks who supports what was just listed, not which tasks some agency supports.
    asks_who = _bare_ask(text) in ("lead", "support")
    # 配合的有多少项 / 那它配合的呢: the role changes, the agency of the previous question stays.
    if role and not agencies and previous_agencies and len(_PRONOUN.sub("", core)) <= 12 and not asks_who:
        subject = previous_agencies[0].text
        rest = _PRONOUN.sub("", core)
        own = rest[: rest.find(role.group(0))].strip("的") if role.group(0) in rest else ""
        if len(own) >= 2:
            # "那各科室负责的呢": a subject of its own in place of the previous agency, in the same document.
            first = previous_agencies[0]
            replaced = _replace_span(previous, first.start, first.end, own)
            rewritten = _switch_role(replaced, role.group(0)) or replaced
            return FollowUp(rewritten, question, True, previous=previous)
        # Only the role asked ("那它配合的呢"): the previous question with its role switched keeps its document.
        switched = _switch_role(previous, role.group(0)) if len(rest.strip("的")) <= 2 else None
        rewritten = switched or (rest if rest.startswith(subject) else f"{subject}{rest}")
        return FollowUp(rewritten + ("？" if not rewritten.endswith(("?", "？")) else ""), question, True,
                        previous=previous)
    ordinal = _ORDINAL.search(text)
    if ordinal and (ordinal.group(2) == "个" or ordinal.group(3) or _DETAIL.search(text)) \
            and not re.search(r"任务\s*\d|第\s*\d+\s*项任务", text):
        if ordinal.group(3):
            n = -1
        else:
            try:
                n = cn_to_int(ordinal.group(1))
            except ValueError:
                n = 0
        if n:
            return FollowUp(previous, question, True, ordinal=n, previous=previous)
    bare = _bare_ask(text)
    if bare or (_REFERENCE.search(text) and len(core) <= 20 and not agencies):
        asks = bare or next((name for name, pattern in _ASKS if pattern.search(text)), "detail")
        return FollowUp(previous, question, True, refers_back=True, asks=asks, previous=previous)
    unled = _LEAD_IN.sub("", text)
    subset = _SUBSET.match(unled)
    if subset:
        addition = _core(unled[subset.end():])
        return FollowUp(f"{_TAIL.sub('', previous)}，{addition}", question, True, previous=previous)
    if _WHICH_UNIT.match(core):
        return FollowUp(previous, question, True, refers_back=True, previous=previous)
    if _HOW_DIFFER.match(core):
        return FollowUp(f"{_TAIL.sub('', previous)}，有什么不同？", question, True, previous=previous)
    if _LIKEWISE.search(core) and (place := _named_place(core)):
        return FollowUp(_switch_place(previous, place), question, True, previous=previous)
    if (_OTHER_DOCUMENTS.search(core) or _OTHER_UNITS.search(core)) and not agencies:
        # "还有哪些条例也规定了？": which documents say what the previous question asked of one document.
        asked = _OTHER_DOCUMENTS.sub(lambda m: m.group(0).replace("也", "").replace("还", ""), core)
        if not _OTHER_DOCUMENTS.search(core):
            asked = "文库里哪些文件提到了"  # 别的条款/其他地方 also: every document that says it, each cited
        subject = previous
        for start, end, _ in sorted(gazetteer().find(previous), key=lambda p: -p[0]):
            subject = subject[:start] + subject[end:]
        subject = re.sub(r"^的?(条例|文件|方案|意见|规定|要点|办法)?[的里中]?(对|关于)?", "", _TAIL.sub("", subject))
        return FollowUp(f"{asked}：{subject}？", question, True, previous=previous)
    if _LIST_THOSE.match(core) and _COUNT_ASKED.search(previous):
        # "都是哪些？" after "…参与几项？": the rows counted, listed.
        return FollowUp(_COUNT_ASKED.sub("哪些", previous, count=1), question, True, previous=previous)
    if NUMBERED_PART.search(core) and (gazetteer().find(core) or re.search(r"条例|方案|意见|规定|办法|要点|法", core)):
        # "青岛条例第五十八条呢？" names its own document and part: a question of its own.
        return FollowUp(question, question, previous=previous)
    if _ONLY_DETAIL.match(core):
        # "具体怎么规定的？": the previous question again, its answer in full.
        return FollowUp(previous, question, True, previous=previous)
    if _BARE_COUNT.match(core) and not agencies:
        # "一共几项？" after a list: how many of *those*.
        return FollowUp(f"{_TAIL.sub('', previous)}，一共多少项？", question, True, previous=previous)
    if not _is_elliptical(text):
        return FollowUp(question, question, previous=previous)
    if agencies:
        rewritten = _switch_agency(previous, agencies[0].text, lexicon)
        if rewritten and role:
            rewritten = _switch_role(rewritten, role.group(0)) or rewritten
        if rewritten:
            return FollowUp(rewritten, question, True, previous=previous)
    if role and len(core) <= 6:
        rewritten = _switch_role(previous, role.group(0))
        if rewritten:
            return FollowUp(rewritten, question, True, previous=previous)
    asked_date = _DATE_ONLY.fullmatch(core)
    earlier_date = DATE.search(previous)
    if asked_date and earlier_date:
        new = asked_date.group(1)
        if not asked_date.group(4) and not asked_date.group(5):  # no day and no 底/末 of its own
            new += earlier_date.group(4) or ""  # 10月底前 → 12月底前
        written = _replace_span(previous, earlier_date.start(), earlier_date.end(), new)
        return FollowUp(written, question, True, previous=previous)
    version = _VERSION_ONLY.fullmatch(core)
    if version:
        # "那2020年版的呢": the same question of that year's version.
        year = f"{version.group(1)}年版"
        written = _YEAR_IN.sub(year, previous, count=1) if _YEAR_IN.search(previous) else f"{year}的{previous}"
        return FollowUp(written, question, True, previous=previous)
    place = _named_place(core)
    if place:
        return FollowUp(_switch_place(previous, place), question, True, previous=previous)
    rewritten = _switch_subject(previous, core) if core else None
    if rewritten:
        return FollowUp(rewritten, question, True, previous=previous)
    return FollowUp(question, question, previous=previous)
