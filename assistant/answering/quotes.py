"""Pick the words of a row or measure that answer a question, to quote them verbatim."""

from __future__ import annotations

import math
import re

from assistant.language.numerals import with_arabic_values
from assistant.textutil import fold

_SENTENCE = re.compile(r"(?<=[。；;！？!?\n])")
_CLAUSE = re.compile(r"(?<=[，,])")
# Characters too common to show a match (有/无 stay: 有外线 vs 无外线 is the whole question).
_STOP = set("的了吗呢吧啊是在和与或要对把被给让从到就都也还能会可以什么怎么哪些如何多少几个请问一下")
_PUNCT = set("，。；：、“”（）()？?！!,.;:")

# What kind of value a question asks for, and what a passage must contain to give it.
_ASKS = (
    ("rate", re.compile(r"率|比例|百分之|占比|比重|费率|利率|税率")),
    ("money", re.compile(r"多少钱|费用是多少|(金|标的|额)额?(是)?多少|额度|限额|(补贴|投资|贷|交|收|花|收费|费用|奖励|奖金)多少"
                         r"|多少(元|亿|万|费用)|(要|需要|得)?(不要)?(交|花|掏|付|出)钱|收费吗|收不收费|要钱吗|免费吗|收钱吗"
                         r"|(有|给|拿)(什么|哪些|啥|多少)(补贴|奖励|奖金|资助|补助)")),
    ("time", re.compile(r"多久|多长时间|多长|几天|多少天|几个工作日|多少个工作日|几个小时|多少小时|几年|时限|期限|时长|用时")),
    ("materials", re.compile(r"(哪些|什么|啥|几样|多少)(材料|资料|证件|证明|手续|文件要带)|带(什么|哪些|啥)|准备(什么|哪些|啥|好)|"
                             r"需要.{0,4}(材料|资料)|材料(清单|目录|有哪些)")),
    # Conditions to meet, a place to go, the items of a list: the unit must state them, not just the topic.
    ("conditions", re.compile(r"(满足|符合|具备|需要)?(什么|哪些|啥)(样的)?(条件|资格|资质|门槛)|申请条件|条件是什么")),
    ("place", re.compile(r"(在|去|到)(哪里|哪儿|哪个|什么地方|哪家)|哪(个|些|家)(网站|平台|APP|app|窗口|机构|医院|大厅)")),
    ("items", re.compile(r"具体(是|有)?哪些|都是哪些|分别是(哪些|什么)|(具体)?名单|有哪几个(具体)?(事项|案例|项目)")),
    # An age (多大年龄, 几岁) is given by a number of years of age, not by any number.
    ("age", re.compile(r"多大(年龄|岁数|年纪|的)|几岁|多少岁|(年龄|岁数)(是)?(多少|多大|几)|(年龄|岁数)(上限|下限|限制)")),
    # A rank (排第几) is given only by a place in a ranking, not by any number near the subject.
    ("rank", re.compile(r"排(名)?第几|第几名|排名(多少|怎么样|如何|情况)|名次")),
    ("number", re.compile(r"多少|第几|排名|排第|(?<![哪好])几\s*(个|项|家|次|万|人|类|名|所|批|天|年|分|倍|户|成)")),
)
_GIVES = {
    "rate": re.compile(r"\d[\d.]*\s*%|百分点|\d[\d.]*成"),
    "money": re.compile(r"\d[\d.]*\s*(万|亿)?美?元|免费|零费用|不得收取|减免"),
    "time": re.compile(r"\d[\d.]*\s*(个)?(工作日|自然日|日|天|小时|年|月|分钟)|当日|当天|即办|即报即办"),
    # A list of what to hand in: named papers, or an enumeration of them.
    "materials": re.compile(r"(材料|资料)[^。]{0,6}(包括|如下|清单|目录|：|:)|[\u4e00-\u9fff]{2,12}(证明|证书|许可证|"
                            r"申请书|复印件|登记表|申请表)|身份证|\d\s*[.、]\s*[^。；;]{2,30}(书|证|表|单|件)"),
    "conditions": re.compile(r"(条件|资格|资质)[^。]{0,10}(为|是|包括|如下|：|:)|符合[^。]{2,30}(条件|要求|标准)的|"
                             r"具备[^。]{2,20}(条件|资质|能力)|(年满|不低于|不超过|以上|以下)[^。]{0,10}"),
    "place": re.compile(r"平台|网站|APP|app|小程序|窗口|大厅|政务服务中心|网上|线上|公众号|服务点|站点|机构"),
    # An enumeration: three items or more separated by 、 or numbered.
    "items": re.compile(r"[^、，。]{1,20}、[^、，。]{1,20}、[^、，。]{1,20}|\d\s*[.、]\s*[^。]{2,30}\d\s*[.、]"),
    "age": re.compile(r"\d+\s*(周岁|岁)"),
    "rank": re.compile(r"(第|前)\s*\d+\s*(名|位)|(位列|位居|排名|排在)[^。，]{0,8}(第|前)\s*\d+"),
    # A digit that is part of a name (5G, PM2.5's "PM") is not a value.
    "number": re.compile(r"(?<![A-Za-z])\d[\d.]*(?![A-Za-z\d])|[一二三四五六七八九十两百千万]+(个|类|项|家|次|人|条)"),
}


# The unit a time question asks in (几天, 几个小时, 几个月) and how a passage writes a value in it: of two
# sentences that give a time, the one in the asked unit answers (五个工作日内回复, not 24小时内退回).
_TIME_UNITS = (
    (re.compile(r"(几|多少)个?(天|日|工作日)|天内|日内"), re.compile(r"\d[\d.]*\s*个?(工作日|自然日|日|天)|当日|当天")),
    (re.compile(r"(几|多少)个?(小时|钟头)"), re.compile(r"\d[\d.]*\s*个?小时")),
    (re.compile(r"(几|多少)个?月"), re.compile(r"\d[\d.]*\s*个?月")),
    (re.compile(r"(几|多少)年"), re.compile(r"\d[\d.]*\s*年(?!\d)")),
)


def in_asked_unit(question: str, candidates: list[str]) -> list[str]:
    """The candidates that give a time in the unit the question asks in (all of them when it names none)."""
    for asked, given in _TIME_UNITS:
        if asked.search(question):
            return [c for c in candidates if given.search(with_arabic_values(c))] or candidates
    return candidates


def asked_value(question: str) -> str | None:
    """The kind of value the question asks for, read from its last clause: in "想关几个月，但不想注销执照"
    the 几个月 is the asker's situation, not the question."""
    last = _last_clause(question)
    for kind, pattern in _ASKS:
        if pattern.search(last):
            # "时限怎么定/有什么规定" asks how the time limit is set, which a rule without a figure answers.
            if kind == "time" and _HOW_SET.search(last) and not _ASKS_FIGURE.search(last):
                return None
            if kind == "number" and _FEWER_TIMES.search(last):
                return None  # "能不能少来几次" asks for fewer visits, not how many
            return kind
    return None


_HOW_SET = re.compile(r"(时限|期限).{0,8}(怎么|如何|怎样|什么|哪些|有何)(定|规定|确定|要求|设定|说)?")
_FEWER_TIMES = re.compile(r"(少|多)[来跑查去办]?几(次|趟|回)")
_ASKS_FIGURE = re.compile(r"多久|多长|几天|多少天|几个|多少个|几年|几小时|多少小时")


# "从哪年开始", "哪一年出生", "几月份": a date is wanted where a unit gives one; a unit that gives none may still
# say what was asked (不再… since it took effect), so these only prefer a dated unit (answerers/lookup.py).
WHEN_ASKED = re.compile(r"哪一?年|几月份?|从什么时候|什么时候开始")


def gives_value(text: str, kind: str | None) -> bool:
    """Does the text state the kind of value (in digits or in Chinese numerals: 十五个工作日, 百分之三十)?"""
    return kind is None or bool(_GIVES[kind].search(with_arabic_values(text)))


def sentences(text: str) -> list[str]:
    """Sentences and clauses split at 。；！？ (a 具体任务 often packs two commitments in one sentence)."""
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def _candidates(text: str) -> list[str]:
    """Whole sentences, and for long ones windows of one or two clauses, so a quote stays short."""
    out: list[str] = []
    for sentence in sentences(text):
        out.append(sentence)
        clauses = [c for c in _CLAUSE.split(sentence) if c.strip()]
        if len(sentence) > 50 and len(clauses) > 1:
            for i in range(len(clauses)):
                out.append(clauses[i])
                if i + 1 < len(clauses):
                    out.append(clauses[i] + clauses[i + 1])
    return out


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"没有|不带|不含|不需要", "无", text)  # 没有外线 means 无外线
    chars = [c for c in text if c not in _STOP and not c.isspace() and c not in _PUNCT]
    return {a + b for a, b in zip(chars, chars[1:])} | {c for c in chars if c.isdigit()}


_NUMBER_NAME = re.compile(r"\d{5,}")  # 12345, 12315: hotlines named by their number (a year has four digits)


# The words of a value itself (五个工作日, 三个月, 十万元): shared by any two passages that give one, so they say
# nothing about whether the passage is on the question's subject.
_VALUE_WORDS = {"工作", "作日", "小时", "个月", "万元", "百分", "分之"}


def shared_bigrams(question: str, passage: str) -> int:
    names = set(_NUMBER_NAME.findall(question)) & set(_NUMBER_NAME.findall(passage))
    shared = _bigrams(question) & _bigrams(passage)
    return len({b for b in shared if not b.isdigit() and b not in _VALUE_WORDS}) + len(names)


def score_passage(question: str, passage: str) -> float:
    q, s = _bigrams(question), _bigrams(passage)
    if not q or not s:
        return 0.0
    return len(q & s) / math.sqrt(len(s) + 4)


_RATE_WORD = re.compile(r"比例|比重|占比|费率|利率|税率|百分之|百分比|率")
# A question about a limit or a per-unit amount (最高能贷, 每张床位, 上限) is answered only by a value stated
# as such (最高, 每, 不超过 …), not by a total of something else (贷款投放达到1300亿元).
_ASKS_LIMIT = re.compile(r"每(个|家|户|人|张|次|年|月|项|件)?|单(户|个|笔|家)|最高|最多|最低|最少|最长|最短|最久|上限|下限|封顶|门槛|起步")
# "可以延长十个工作日" states the most it may be extended by: a limit too.
_GIVES_LIMIT = re.compile(r"每|单户|单笔|最高|最多|最低|最少|不超过|不高于|不低于|不少于|至少|以内|以下|以上|上限|下限|封顶|起|"
                          r"(可以|可|得|予以)?延长")
_FUNCTION_CHARS = set("说是要里个这那就都也还会能的")


def _rate_subject(question: str) -> list[str]:
    """Two-character pieces of the words right before 率/比例 (缴费比例 → 缴费, 索赔金额的比例 → 索赔…金额).
    Empty when no noun is attached ("方案里说比例"): then the subject is elsewhere and is not required."""
    matches = list(_RATE_WORD.finditer(question))
    if not matches:
        return []
    # The words before the rate, without what asks for it (占多少比例, 是多少比例): 新招人占多少比例 → 新招人.
    head = re.sub(r"(占|是|为|达到|有)?(多少|几|多大)的?$", "", question[: matches[-1].start()])
    window = head.rstrip("的")[-4:]
    if len(window) < 2 or set(window[-2:]) & _FUNCTION_CHARS or not all("\u4e00" <= c <= "\u9fff" for c in window[-2:]):
        return []
    return [window[i : i + 2] for i in range(len(window) - 1) if not set(window[i : i + 2]) & _FUNCTION_CHARS]


_ITEM = re.compile(r"(?:^|(?<=[\n：:；;。]))\s*[（(][一二三四五六七八九十]+[)）]")


def _pairs(text: str) -> set[str]:
    return {a + b for a, b in zip(text, text[1:]) if "\u4e00" <= a <= "\u9fff" and "\u4e00" <= b <= "\u9fff"}


def items_on_point(question: str, text: str, min_length: int = 300) -> str | None:
    """For a long article of numbered items (（一）（二）…), its opening and the items that name what the question
    names ("一业一证是怎么规定的" → item (五)), instead of the whole article; None when the article is short, has
    no items, or the question is about the article as a whole (no item stands out)."""
    if len(text) < min_length:
        return None
    starts = [m.start() for m in _ITEM.finditer(text)]
    if len(starts) < 2:
        return None
    opening = text[: starts[0]].strip()
    items = [text[a:b].strip() for a, b in zip(starts, starts[1:] + [len(text)])]
    # Every pair of characters, stop characters included: 一业一证 is told apart by 一业 and 一证.
    wanted = _pairs(question) - _pairs(opening)
    shared = [len(wanted & _pairs(item)) for item in items]
    best = max(shared)
    chosen = [item for item, n in zip(items, shared) if n == best]
    if best < 2 or len(chosen) > len(items) // 2:
        return None
    return "\n".join([opening + ("……" if opening else ""), *chosen]).strip()


def answers_with_value(question: str, text: str, kind: str | None, min_shared: int = 2, exact_count: bool = True) -> bool:
    """Does some part of the text give the asked kind of value *and* talk about the question's subject?

    For a rate the words before it must match too: 缴费比例 is not answered by 参保率达到92%.
    """
    text = fold(text)  # a document in Traditional characters (or full-width forms) matched in the question's forms
    pieces = _rate_subject(question) if kind == "rate" else []
    counter = _counted(question) if kind == "number" and exact_count else None
    noun = _counted_noun(question) if kind in ("number", "money") else ""
    # named as the question does or in the documents' words the thesaurus appended (补贴 → 奖励)
    counted = _bigrams(noun) | _bigrams(" ".join(re.split(r"[?？]", question)[1:])) if noun else set()
    limit = kind in ("money", "number", "rate", "time") and bool(_ASKS_LIMIT.search(_last_clause(question)))
    # An article whose items (（一）（二）…) hang off one opening sentence: each item is about that sentence's
    # subject (简化注册登记手续：…（二）…一个工作日内办结).
    # Likewise the article's opening sentence names what its later sentences are about (依托12345热线…。
    # 对…投诉举报，应当在五个工作日内办结并答复).
    parts = sentences(text)
    stem = parts[0] if parts else ""
    # Beyond the rate's own subject (合同金额的百分之几), the clause must name something else the question
    # names (投标保证金): 预付款不得低于合同金额的30% does not say what a 保证金 is.
    others = _bigrams(_RATE_WORD.sub("，", question)) - set(pieces)
    return any(
        gives_value(c, kind) and shared_bigrams(question, stem + c) >= min_shared
        and (not pieces or _rate_with_subject(c, pieces))
        and (not pieces or not others or bool(others & _bigrams(c)))
        and (not limit or bool(_GIVES_LIMIT.search(c)))
        and (kind != "items" or _enumerates_subject(question, stem + c))
        and (counter is None or bool(counter.search(with_arabic_values(c))))
        and (not counted or bool(counted & _bigrams(stem + c)))
        for c in _candidates(text)
    )


# "几个城市", "多少家企业": a count of things is given by a number with that counter (10个左右), not by a year.
# 个 is the everyday counter of anything: 多少个事项 is answered by 100项.
_COUNTERS = "个|项|家|次|人|类|名|所|批|户|座|条|件|种|处|场|期"
_COUNTERS_RE = f"(?:{_COUNTERS})"
_COUNTER_ASKED = re.compile(rf"(?:几|多少)\s*({_COUNTERS})")


def _counted(question: str) -> re.Pattern | None:
    m = _COUNTER_ASKED.search(_last_clause(question))
    if not m:
        return None
    counter = _COUNTERS if m.group(1) == "个" else m.group(1)
    return re.compile(rf"(\d[\d.]*|[一二三四五六七八九十两百千万]+)\s*(余|多)?\s*({counter})")


_COUNTED_NOUN = re.compile(rf"多少(?!{_COUNTERS_RE}|钱|元|亿|万|倍|天|年|月|小时|分钟|工作日)([\u4e00-\u9fff]{{2,4}})[?？吗呢]?$")


# Words for "an amount" itself (多少额度, 多少资金): a clause gives them with its figure (最高300万元), unnamed.
_AMOUNT_WORDS = re.compile(r"额度|金额|数额|数量|资金|钱款|费用|比例|时间|名额|规模|标准|幅度|数目|总额|总量")


def _counted_noun(question: str) -> str:
    """"给了多少经济补偿": the thing whose amount is asked, which a clause giving the amount must name."""
    asked = re.split(r"[?？]", question)[0]  # the question as typed, without the thesaurus' words after it
    m = _COUNTED_NOUN.search(_last_clause(asked).strip() + "？")
    return m.group(1) if m and not _AMOUNT_WORDS.search(m.group(1)) else ""


def _enumerates_subject(question: str, text: str) -> bool:
    """Is an enumeration in the text a list *of* what the question names? The subject comes before it
    (案例包括甲、乙、丙) or right after it behind 等 (甲、乙、丙等案例); a list that merely ends with the subject
    (政策举措、改革成效和典型案例) is a list of something else."""
    wanted = {b for b in _bigrams(question) if not b.isdigit()}
    text = with_arabic_values(text)
    for m in _GIVES["items"].finditer(text):
        head = text[text.rfind("。", 0, m.start()) + 1 : m.start()]
        tail = re.match(r"等[^，。；]{0,15}", text[m.end() :])
        if len(wanted & _bigrams(head)) >= 2 or (tail and len(wanted & _bigrams(tail.group())) >= 2):
            return True
    return False


def _rate_with_subject(candidate: str, pieces: list[str]) -> bool:
    """The rate and its subject in one clause: 招标投标率达到70% says nothing of 合同金额 in the next clause."""
    return any(gives_value(clause, "rate") and any(p in clause for p in pieces)
               for clause in _CLAUSE.split(candidate) if clause.strip())


def _last_clause(question: str) -> str:
    clauses = [c for c in re.split(r"[，,；;。]", question) if c.strip()]
    return clauses[-1] if clauses else question


def best_quote(question: str, text: str, kind: str | None = None) -> str:
    """The candidate that best overlaps the question, among those that give the asked kind of value."""
    # "分别/和/各" ask for several values: quote whole sentences so none is cut off.
    several = re.search(r"分别|各自|各是|以及|和|及", question)
    options = (sentences(text) if several else _candidates(text)) or [text]
    fitting = [c for c in options if gives_value(c, kind)]
    if kind == "time":
        fitting = in_asked_unit(question, fitting)
    pool = fitting or options
    best = max(pool, key=lambda c: (score_passage(question, c), -len(c)))
    if kind is None or not gives_value(best, kind):
        best = _extended(question, text, best)
    return best.strip().rstrip("，,")


def _extended(question: str, text: str, quote: str, limit: int = 240) -> str:
    """The quote run on to the end of the next sentence while that sentence says more of what the question
    asks (the article's 全市通用 or 公示期 is often the sentence after the one that names the subject)."""
    start = text.find(quote)
    if start < 0:
        return quote
    wanted = {b for b in _bigrams(question) - _bigrams(quote) if not b.isdigit()}
    end = start + len(quote)
    for _ in range(2):
        rest = text[end:]
        nxt = next((m.end() for m in _SENTENCE.finditer(rest) if m.end() > 0 and rest[: m.end()].strip()), len(rest))
        piece = rest[:nxt]
        gain = wanted & _bigrams(piece)
        if len(gain) < 2 or end + nxt - start > limit:
            break
        end += nxt
        wanted -= gain
    return text[start:end]


def shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
