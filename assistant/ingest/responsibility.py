"""Responsibility written inside the text, read into the same fields as a table row.

Written forms: a closing note "（X牵头，Y配合）", "（X、Y牵头，各县区政府按职责分工负责）", "（X牵头负责）",
"〔牵头单位：…；配合单位：…〕", "（责任单位：…）", a deadline inside the note ("6月底前完成"); and lines
after an item: "责任单位：…", "牵头单位：…", "配合单位：…", "时限要求：…" / "完成时限：…". Matching runs on
folded text (textutil.fold), and every value is cut from the written text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.ingest.agencies import split_agencies, split_top_level
from assistant.ingest.dates import looks_like_deadline
from assistant.textutil import fold

_ROLE_WORD = re.compile(r"牵头|配合|负责|责任单位|责任部门|责任处室|责任科室|参与|协助|协办|指导|按职责|分工")
# A closing bracketed note at the end of a paragraph (folded: brackets are ASCII or 〔〕【】).
_NOTE = re.compile(r"[(〔\[【]([^()〔〕\[\]【】]{2,300})[)〕\]】][\s。.;；]*$")
# A note the end of the file cut before its closing bracket: "〔牵头单位:X;配合单位:Y、…各县(区)人民".
_CUT_NOTE = re.compile(r"[(〔\[【]((?:[^()〔〕\[\]【】]|\([^()]{0,12}\)){2,300})$")
_FIELD_LINE = re.compile(
    r"^(?P<key>牵头单位|牵头部门|配合单位|配合部门|协办单位|参与单位|责任单位|责任部门|责任科室|主责单位"
    r"|责任处室|牵头处室|配合处室|时限要求|完成时限|完成时间|时间要求|时间节点|办结时限)\s*[:：]\s*(?P<value>.*)$",
    re.S,
)
_KEY_ROLE = {
    "牵头单位": "lead", "牵头部门": "lead", "主责单位": "lead",
    "配合单位": "support", "配合部门": "support", "协办单位": "support", "参与单位": "support",
    "责任单位": "responsible", "责任部门": "responsible", "责任科室": "responsible", "责任处室": "responsible",
    "牵头处室": "lead", "配合处室": "support",
}
_DEADLINE_NOTE = re.compile(r"前|底|完成|持续推进|长期坚持")
# "（第一责任单位为牵头单位，下同）": the first responsible unit leads, here and below.
# Written once for the whole document: "排在第一位的部门为牵头部门，下同", "列第一位者为牵头单位",
# "主要责任单位第一个为牵头单位，其余为主要配合单位".
FIRST_LEADS = re.compile(r"(第一(责任)?(单位|部门)|(排|列)在?第一位?(的|者)?(部门|单位)?|第一个)(为|是)牵头(单位|部门)")


@dataclass(frozen=True)
class Duty:
    """Who leads, who supports, until when — as written and as canonical names."""

    lead_raw: str = ""
    support_raw: str = ""
    responsible_raw: str = ""
    deadline: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.lead_raw or self.support_raw or self.responsible_raw or self.deadline)

    def merged(self, other: "Duty") -> "Duty":
        return Duty(
            lead_raw=_join(self.lead_raw, other.lead_raw),
            support_raw=_join(self.support_raw, other.support_raw),
            responsible_raw=_join(self.responsible_raw, other.responsible_raw),
            deadline=self.deadline or other.deadline,
            extra={**self.extra, **other.extra},
        )

    def resolved(self, first_leads: bool) -> "Resolved":
        """Canonical names by role. Units written as responsible (责任单位, "X、Y负责", "X指导") lead only when
        the document says its first unit leads (then the others support); beside a named lead they support;
        otherwise they stay responsible units — no lead is guessed."""
        lead, support = split_agencies(self.lead_raw), split_agencies(self.support_raw)
        lead_raw, support_raw = self.lead_raw, self.support_raw
        responsible, responsible_raw = split_agencies(self.responsible_raw), self.responsible_raw
        if responsible:
            if lead:
                support = tuple(dict.fromkeys(support + responsible))
                support_raw = _join(support_raw, self.responsible_raw)
                responsible, responsible_raw = (), ""
            elif first_leads:
                lead, support = responsible[:1], tuple(dict.fromkeys(responsible[1:] + support))
                lead_raw = lead_raw or self.responsible_raw
                responsible, responsible_raw = (), ""
        return Resolved(lead, support, responsible, lead_raw, support_raw, responsible_raw)


@dataclass(frozen=True)
class Resolved:
    lead: tuple[str, ...]
    support: tuple[str, ...]
    responsible: tuple[str, ...]
    lead_raw: str
    support_raw: str
    responsible_raw: str


def _join(a: str, b: str) -> str:
    return "，".join(x for x in (a, b) if x)


def _clean_value(raw: str) -> str:
    return FIRST_LEADS_NOTE.sub("", raw).strip(" ，,。；;")


FIRST_LEADS_NOTE = re.compile(r"[(（][^()（）]*(第一(责任)?单位(为|是)牵头单位|牵头单位)[^()（）]*[)）]")


def parse_note(written: str, folded: str) -> Duty | None:
    """A note's content ("X牵头，Y配合，6月底前完成") → Duty, or None when it names no responsibility."""
    if not _ROLE_WORD.search(folded) and not (looks_like_deadline(folded) and _DEADLINE_NOTE.search(folded)):
        return None  # "（2022年）" is a remark, not a time limit
    duty = Duty()
    offset = 0
    pending: list[str] = []  # names in a clause of their own, before the clause that gives their role
    for clause_folded in split_top_level(folded, ",;；，。"):
        start = folded.find(clause_folded, offset)
        offset = start + len(clause_folded)
        clause = written[start : start + len(clause_folded)].strip()
        if FIRST_LEADS.search(clause_folded) or re.fullmatch(r"(以下|下)同|不再列出", clause_folded):
            pending = []
            continue
        field_match = _FIELD_LINE.match(clause_folded)
        if field_match:
            duty = duty.merged(_field_duty(field_match.group("key"), clause[field_match.start("value"):]))
            pending = []
            continue
        role_match = _ROLE_END.search(clause_folded)
        if role_match:
            names = clause[: role_match.start()].strip()
            names = re.sub(r"^由", "", names)
            if not names:
                continue
            names = "、".join(pending + [names])
            pending = []
            role = role_match.group(1)
            if role.startswith("牵头"):
                duty = duty.merged(Duty(lead_raw=names))
            elif role in ("配合", "协助", "协办", "参与"):
                duty = duty.merged(Duty(support_raw=names))
            else:
                duty = duty.merged(Duty(responsible_raw=names))
            continue
        if looks_like_deadline(clause_folded):
            duty = duty.merged(Duty(deadline=re.sub(r"\s+", "", clause).removesuffix("完成")))
            pending = []
        elif _NAME_LIST.fullmatch(clause_folded):
            pending.append(clause)
    return None if duty.empty else duty


_ROLE_END = re.compile(r"(牵头负责|牵头|配合|协助|协办|参与|指导|按职责分工负责|按职责负责|分工负责|负责落实|负责)$")
# A clause that is only names: "人力资源社会保障部、科技部、财政部" (its role follows in the next clause).
_NAME_LIST = re.compile(r"[\u4e00-\u9fff()、]{2,120}(部|厅|局|委|办|署|会|行|院|政府|中心|单位|部门)")


def _field_duty(key: str, value: str) -> Duty:
    value = value.strip()
    if key in _KEY_ROLE and _ROLE_END.search(fold(value).split("，")[0].split(",")[0].strip(" 。；;")):
        # "责任处室：办公室牵头，各相关处室配合": the value is itself a note.
        inner = parse_note(value, fold(value))
        if inner is not None:
            return inner
    if key in _KEY_ROLE:
        role = _KEY_ROLE[key]
        cleaned = _clean_value(value)
        return Duty(**{f"{role}_raw": cleaned})
    return Duty(deadline=re.sub(r"\s+", "", value).strip("。；;"))


def split_closing_note(written: str, folded: str) -> tuple[str, Duty | None]:
    """(text without the note, duty) for a paragraph ending in a responsibility note; else (text, None)."""
    match = _NOTE.search(folded) or _CUT_NOTE.search(folded)
    if not match:
        return written, None
    duty = parse_note(written[match.start(1) : match.end(1)], match.group(1))
    if duty is None:
        return written, None
    return written[: match.start()].rstrip(), duty


def field_line(written: str, folded: str) -> Duty | None:
    """A whole paragraph "责任单位：…" / "时限要求：…" → Duty (None for any other paragraph)."""
    match = _FIELD_LINE.match(folded.strip())
    if not match:
        return None
    lead_in = len(folded) - len(folded.lstrip())
    return _field_duty(match.group("key"), written[lead_in + match.start("value"):])
