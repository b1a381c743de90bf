"""Question understanding: agencies with their role, categories, deadlines, numbers, counting.

Input is a normalised question (see normalize.py); output is a typed ParsedQuestion. No model, no
network: lexicons come from the parsed table and the alias data files.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from assistant.ingest.dates import infer_year
from assistant.textutil import cn_to_int
from assistant.thesaurus import thesaurus
from assistant.understanding.lexicon import Lexicon, Mention

CN_NUM = "一二三四五六七八九十"

_ROLE_WORDS = (
    ("牵头", "lead"), ("主办", "lead"), ("主责", "lead"), ("主抓", "lead"),
    ("配合", "support"), ("协助", "support"), ("协同", "support"), ("协办", "support"), ("支持", "support"),
    ("负责", "any"), ("参与", "any"), ("涉及", "any"), ("相关", "any"), ("承担", "any"), ("有关", "any"),
)
_CONJUNCTIONS = set("和与及、,跟同或/")

_COUNT = re.compile(
    r"(多少|几)\s*(项|条|件)(任务|工作)?|(多少|几)个(任务|事项任务)|任务(数|数量|总数)|(一共|总共|共计|共)有?(多少|几)"
    r"|任务[^，。？?]{0,20}?(有|共|一共|总共)多少|(多少|几)个\s*[?？!！]?\s*$"
)
_LIST = re.compile(
    r"哪些|哪几|有什么|有啥|什么任务|啥任务|列出|列举|清单|所有|全部|都有|都要|都是|名单|汇总"
    r"|列一下|列个|列表|一览|盘点|有哪|(类|方面|领域)的?(任务|工作)"
    r"|牵头(的|了)?(任务|工作|事项)|配合(的|了)?(任务|工作|事项)|负责(的|了)?(任务|工作|事项)|要做什么|干什么"
)
# Words that make a question about *rows of the table* rather than about a topic.
_TASK_WORD = re.compile(r"任务|工作|事项|项目|方面|类|领域|指标|清单|完成|到期|截止")

# Dates: 2022年11月30日, 11月30日, 11月30号, 8月底, 年底, 2022-11-30, 11.30 is too ambiguous to read.
DATE = re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(?:(\d{1,2})\s*[日号]|(底|末|份|内))?")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_YEAR_END = re.compile(r"(今年|年|\d{4}年)(底|末)|年内|年终")
_HALF_YEAR = re.compile(r"上半年")
# "拖到2023年才完成": a bare year is a deadline only next to a completion word.
_YEAR_ONLY = re.compile(
    r"(?:(?:完成|时限|到期|截止|拖到|推迟到|延到|延至)[^，。？?]{0,4}(\d{4})\s*年(?!\s*\d))"
    r"|(?:(\d{4})\s*年(?!\s*\d)(?=.{0,4}(?:完成|到期|截止|办结)))"
)
_BEFORE_AFTER = re.compile(r"^\s*(之前|以前|前|为止|止|以内|内|截止|截止前)")
_AFTER = re.compile(r"^\s*(之后|以后|后|以来)")
_FROM = re.compile(r"^\s*(起|开始)")
_BEFORE_PREFIX = re.compile(r"(截至|截止到|截止|不晚于|最迟|最晚|到)\s*$")

_CN_NUMERAL = "[一二三四五六七八九十百千万亿零〇两]"
_TASK_NUMBER = re.compile(
    rf"(?:第\s*(\d{{1,12}}|{_CN_NUMERAL}{{1,9}})\s*(?:项(?!措施)|条任务|个任务|号任务|行))"
    r"|(?:(?:任务|序号|编号)\s*(?:第\s*)?(\d{1,12}))|(?:(\d{1,12})\s*号任务)")
# "第二十条" in a regulation is its article 20; in a plan the old way of naming a measure.
_ARTICLE = re.compile(rf"第\s*({_CN_NUMERAL}{{1,6}}|\d{{1,4}})\s*条(?!任务|措施)")
_MEASURE_PAREN = re.compile(r"\(\s*([一二三四五六七八九十百零〇]{1,4})\s*\)")
# "措施十四" names a measure; "措施一共…" does not (一 starts 一共).
_MEASURE_WORD = re.compile(r"第\s*([一二三四五六七八九十]{1,3}|\d{1,2})\s*(?:条|项措施|个措施)"
                           r"|措施\s*(?:第\s*)?([一二三四五六七八九十]{1,3}|\d{1,2})(?![共些下起样旦直般切定同体])")
_CHAPTER = re.compile(r"第\s*([一二三四五六七八九十]|\d)\s*(?:部分|章|大部分|方面|大类)")


@dataclass(frozen=True)
class AgencyCondition:
    text: str  # as typed
    names: tuple[str, ...]  # canonical names it may mean (any of them matches)
    role: str  # "lead" | "support" | "any"
    explicit: bool = False  # a role word (牵头/配合/负责/参与…) was written next to it


@dataclass(frozen=True)
class DeadlineCondition:
    text: str
    start: date | None  # inclusive
    end: date | None  # inclusive

    def matches(self, day: date | None) -> bool:
        if day is None:
            return False
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class ParsedQuestion:
    text: str
    agencies: tuple[AgencyCondition, ...] = ()
    agency_join: str = "and"  # "and" | "or"
    categories: tuple[str, ...] = ()
    deadline: DeadlineCondition | None = None
    task_numbers: tuple[int, ...] = ()
    measure_numbers: tuple[int, ...] = ()
    article_numbers: tuple[int, ...] = ()
    chapter_numbers: tuple[int, ...] = ()
    wants_count: bool = False
    wants_list: bool = False
    mentions_task: bool = False
    unknown_agency: str | None = None  # looks like an agency name but is not in the notice
    no_support: bool = False  # "没有配合单位的任务"
    no_deadline: bool = False  # "没有写明完成时限的任务"
    invalid_date: str | None = None  # a date no calendar has (13月45日), as written
    mentions: tuple[Mention, ...] = field(default=(), repr=False)

    @property
    def has_conditions(self) -> bool:
        return bool(self.agencies or self.categories or self.deadline or self.no_support or self.no_deadline)

    @property
    def has_role_word(self) -> bool:
        return any(a.explicit for a in self.agencies)


def _role_near(text: str, mention: Mention, limit_left: int, limit_right: int) -> str | None:
    """The nearest role word after the mention (up to the next mention), else just before it."""
    # A role word belongs to the name it follows closely, within the same clause.
    after = re.split(r"[，,。？?！!；;]", text[mention.end : limit_right], maxsplit=1)[0][:8]
    found = sorted((after.find(w), len(w), role) for w, role in _ROLE_WORDS if 0 <= after.find(w) <= 5)
    if found:
        pos, length, role = found[0]
        for other_pos, _, other_role in found[1:]:
            if role == "any" and other_role != "any" and other_pos <= pos + length + 1:
                return other_role  # "负责牵头" is lead
            if role != "any" and other_role not in (role, "any") and other_pos <= pos + length + 2:
                return "any"  # "牵头或配合", "牵头或者配合"
        return role
    before = text[limit_left : mention.start]
    # "牵头单位是税务局", "由税务局牵头": the role word may come first.
    for word, role in _ROLE_WORDS:
        if re.search(word + r"(单位|部门)?(是|为|包括|有)?\s*$", before[-8:]):
            return role
    return None


def _agency_conditions(text: str, mentions: list[Mention]) -> tuple[tuple[AgencyCondition, ...], str]:
    agency_mentions = [m for m in mentions if m.kind == "agency"]
    roles: list[str | None] = []
    for i, mention in enumerate(agency_mentions):
        left = agency_mentions[i - 1].end if i else 0
        right = agency_mentions[i + 1].start if i + 1 < len(agency_mentions) else len(text)
        roles.append(_role_near(text, mention, left, right))
    # "税务局和财政厅牵头": a mention joined to the next by a conjunction shares its role.
    for i in range(len(agency_mentions) - 2, -1, -1):
        gap = text[agency_mentions[i].end : agency_mentions[i + 1].start]
        if roles[i] is None and len(gap) <= 2 and all(ch in _CONJUNCTIONS for ch in gap):
            roles[i] = roles[i + 1]
    conditions = []
    for mention, role in zip(agency_mentions, roles):
        cond = AgencyCondition(mention.text, mention.names, role or "any", explicit=role is not None)
        if all(c.names != cond.names for c in conditions):
            conditions.append(cond)
    join = "or" if re.search(r"或|或者|还是", text) else "and"
    return tuple(conditions), join


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_deadline(text: str, reference: date | None) -> DeadlineCondition | None:
    """The deadline condition a question states. A date without its year belongs to the period of the
    documents asked about (`reference`: when they were issued), as their own deadlines do."""
    match = _ISO_DATE.search(text)
    if match:
        try:
            day = date(*map(int, match.groups()))
        except ValueError:
            return None  # an impossible date is reported by invalid_date(), not read as a condition
        return _with_operator(text, match.start(), match.end(), day, day, exact_day=True)
    for match in DATE.finditer(text):
        year_s, month_s, day_s, suffix = match.groups()
        month = int(month_s)
        if not 1 <= month <= 12:
            continue
        year = int(year_s) if year_s else (infer_year(month, reference) or date.today().year)
        if day_s:
            try:
                day = date(year, month, int(day_s))
            except ValueError:
                continue
            return _with_operator(text, match.start(), match.end(), day, day, exact_day=True)
        if suffix in ("底", "末"):
            end = _month_end(year, month)
            return _with_operator(text, match.start(), match.end(), end, end, exact_day=True, by_default=True)
        # "6月前要完成的": due by the end of that month, as a plan whose 完成时限 says 6月 means.
        if suffix in ("份", "内") or re.match(r"\s*(完成|到期|截止|之前|以前|前|为止|之后|以后|后)", text[match.end():]):
            return _with_operator(text, match.start(), match.end(), date(year, month, 1), _month_end(year, month))
    match = _YEAR_ONLY.search(text)
    if match:
        year = int(match.group(1) or match.group(2))
        return DeadlineCondition(match.group(0), date(year, 1, 1), date(year, 12, 31))
    match = _YEAR_END.search(text)
    if match:
        year_text = re.match(r"\d{4}", match.group(0))
        end = date(int(year_text.group(0)) if year_text else _year_of(reference), 12, 31)
        return _with_operator(text, match.start(), match.end(), end, end, exact_day=True, by_default=True)
    match = _HALF_YEAR.search(text)
    if match:
        return DeadlineCondition(match.group(0), None, date(_year_of(reference), 6, 30))
    return None


def _year_of(reference: date | None) -> int:
    return reference.year if reference else date.today().year


def _with_operator(text, start, end, lo: date, hi: date, exact_day=False, by_default=False) -> DeadlineCondition:
    span = text[start:end]
    after, before = text[end:], text[:start]
    after = re.sub(r"^\s*(\(含\)|含当日|含当天|含)", "", after)  # "10月31日（含）之前"
    if _BEFORE_AFTER.match(after) or _BEFORE_PREFIX.search(before) or by_default and not _AFTER.match(after):
        return DeadlineCondition(span, None, hi)
    if _AFTER.match(after):
        return DeadlineCondition(span, hi + timedelta(days=1), None)
    if _FROM.match(after):
        return DeadlineCondition(span, lo, None)
    return DeadlineCondition(span, lo, hi)


_ANY_DATE = re.compile(r"(?:(\d{1,4})\s*年\s*)?(-?\d{1,3})\s*月\s*(?:(-?\d{1,3})\s*[日号])?|(\d{4})-(\d{1,2})-(\d{1,2})"
                       r"|(\d{1,2})/(\d{1,2})/(\d{4})")


def invalid_date(text: str) -> str | None:
    """A date the question writes that no calendar has (13月45日, 2月30日, 2022-13-45), as written."""
    for m in _ANY_DATE.finditer(text):
        if m.group(4):
            year, month, day = int(m.group(4)), int(m.group(5)), int(m.group(6))
        elif m.group(7):
            day, month, year = int(m.group(7)), int(m.group(8)), int(m.group(9))
        else:
            year = int(m.group(1)) if m.group(1) else 2000  # a leap year: 2月29日 alone may exist
            month, day = int(m.group(2)), int(m.group(3)) if m.group(3) else 1
        try:
            date(year if year >= 1 else 0, month, day)
        except ValueError:
            return m.group(0).strip()
    return None


def _numbers(pattern: re.Pattern, text: str, low: int, high: int) -> tuple[int, ...]:
    values = []
    for match in pattern.finditer(text):
        raw = next(g for g in match.groups() if g)
        try:
            value = cn_to_int(raw)
        except ValueError:
            continue
        if low <= value <= high and value not in values:
            values.append(value)
    return tuple(values)


_AGENCY_END = re.compile(r"(局|厅|委|办|院|署|中心|集团|公司|银行|政府)(?=来?(牵头|配合|负责|参与))")
_NAME_LEAD_IN = re.compile(r"^.*([由是的和与让请给]|里|表中|单中|案中)")  # 分解表里区政府办 → 区政府办
# "有没有时限要求" asks whether there is one, of a rule: not a filter for rows without one.
_NO_DEADLINE = re.compile(r"(?<!有)(没有|无|没|未|不)(写|写明|明确|规定|注明|标明|定|限定)?(完成)?(时限|期限|截止(日期|时间)|完成时间|时间要求)")
_NO_SUPPORT = re.compile(r"(没有|无|不需要|没|不用)(任何)?配合(单位|部门)|配合单位(为空|空白|是空的|空着)")


def _typed_agency(text: str, lexicon: Lexicon, taken: list[Mention]) -> tuple[AgencyCondition | None, str | None]:
    """An agency-like name before 牵头/配合 that the lexicon did not match: a typo (市场监官局) resolved
    by close spelling, else an unknown name to report."""
    for match in _AGENCY_END.finditer(text):
        end = match.end()
        if any(m.kind == "agency" and m.end == end for m in taken):
            continue
        start = end
        while start > 0 and end - start < 10 and "\u4e00" <= text[start - 1] <= "\u9fff":
            start -= 1
        span = _NAME_LEAD_IN.sub("", text[start:end]) or text[start:end]
        for i in range(len(span) - 2):
            names = lexicon.closest_agency(span[i:])
            if names:
                role = {"牵头": "lead", "配合": "support"}.get(match.group(2), "any")
                return AgencyCondition(span[i:], names, role, explicit=True), None
        return None, span
    return None, None


def parse_question(text: str, lexicon: Lexicon, reference: date | None = None) -> ParsedQuestion:
    mentions = lexicon.find(text)
    agencies, join = _agency_conditions(text, mentions)
    categories = tuple(dict.fromkeys(n for m in mentions if m.kind == "category" for n in m.names))
    # Everyday names of an indicator, however they are written (注册个公司 → 开办企业, 接电 → 获得电力).
    taken = [(m.start, m.end) for m in mentions]
    typed, unknown = _typed_agency(text, lexicon, mentions)
    for name in (typed.text if typed else None, unknown):
        if name and name in text:  # 人力资源社会保障部牵头: the words of a name are not an indicator
            taken.append((text.find(name), text.find(name) + len(name)))
    for match, indicator in thesaurus().indicators(text):
        if match.concept.terms == (indicator,) and indicator in lexicon.category_names \
                and not any(s < match.end and match.start < e for s, e in taken):
            categories = tuple(dict.fromkeys(categories + (indicator,)))
    if typed:
        # 区发改局 → 区发展改革局: the lexicon's shorter match inside the typed name (发改) is not a second agency.
        start = text.find(typed.text)
        inside = {m.text for m in mentions if m.kind == "agency" and start <= m.start and m.end <= start + len(typed.text)}
        agencies = tuple(a for a in agencies if a.text not in inside) + (typed,)
    measure_numbers = _numbers(_MEASURE_PAREN, text, 0, 999) + _numbers(_MEASURE_WORD, text, 0, 999)
    return ParsedQuestion(
        text=text,
        agencies=agencies,
        agency_join=join,
        categories=categories,
        deadline=parse_deadline(text, reference),
        task_numbers=_numbers(_TASK_NUMBER, text, 0, 10**12),
        article_numbers=_numbers(_ARTICLE, text, 0, 9999),
        measure_numbers=tuple(dict.fromkeys(measure_numbers)),
        chapter_numbers=_numbers(_CHAPTER, text, 1, 9),
        wants_count=bool(_COUNT.search(text)),
        wants_list=bool(_LIST.search(text)),
        mentions_task=bool(_TASK_WORD.search(text)),
        unknown_agency=unknown,
        no_support=bool(_NO_SUPPORT.search(text)),
        no_deadline=bool(_NO_DEADLINE.search(text)),
        invalid_date=invalid_date(text),
        mentions=tuple(mentions),
    )
