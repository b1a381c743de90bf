#!/usr/bin/env python3
"""Compute the gold sets of list/count questions from the raw task table.

Standalone (stdlib only). It reads the attachment table of
corpus/guangxi-2022-business-environment-action-plan.txt (tab-separated rows
序号/指标名称/目标/具体任务/完成时限/牵头单位/配合单位), splits the agency cells with the
rules documented in eval/README.md and evaluates the rule mini-language written at the
start of a gold question's `notes`:

    rule: COND [& COND ...] [| free text]

    COND := lead=NAME | support=NAME | any=NAME | category=CAT
          | deadline=YYYY-MM-DD | deadline<=… | deadline<… | deadline>=… | deadline>…

Usage
    python eval/gold_rules.py rule "lead=广西税务局 & deadline<=2022-11-30"
    python eval/gold_rules.py agencies            # every canonical agency with its rows
    python eval/gold_rules.py row 117             # one parsed row
    python eval/gold_rules.py fill eval/gold.jsonl   # recompute list/count gold in place
    python eval/gold_rules.py check eval/gold.jsonl  # validate the whole gold file (exit 1 on error)
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus" / "guangxi-2022-business-environment-action-plan.txt"

KEYS = ["id", "type", "question", "gold_refs", "answer_contains", "notes"]
TYPES = ["lookup", "fact", "list", "count", "measure", "abstain"]
MIN_PER_TYPE = {"lookup": 40, "fact": 25, "list": 30, "count": 20, "measure": 20, "abstain": 20}

# ---------------------------------------------------------------- canonical names

CITY_GOV = "各市、县（市、区）人民政府"
_CITY_GOV_RE = re.compile(r"各市、县[（(]市、区[）)]人民政府")
_PH_CITY = "\x00CITYGOV\x00"
_PH_DUN = "\x00DUN\x00"  # a 、 that must not split (inside quotes or brackets)

CATEGORY_CANON = {"知识产权保护和运用": "知识产权创造保护和运用"}

NAME_CANON = {
    "自治区高级法院": "自治区高级人民法院",
    "广西北部湾国际港务集团公司": "广西北部湾国际港务集团",
}


def canon_category(cat: str) -> str:
    cat = re.sub(r"\s+", "", cat)
    return CATEGORY_CANON.get(cat, cat)


def canon_name(name: str) -> str:
    name = re.sub(r"\s+", "", name)
    name = name.replace(_PH_CITY, CITY_GOV).replace(_PH_DUN, "、")
    name = _CITY_GOV_RE.sub(CITY_GOV, name)
    # half-width brackets -> full-width (各住房公积金管理中心(分中心) is written both ways)
    name = name.replace("(", "（").replace(")", "）")
    name = name.replace("住房和城乡建设厅", "住房城乡建设厅")
    return NAME_CANON.get(name, name)


def _protect(text: str) -> str:
    """Hide the 、 that must not split: the 各市县 unit, quoted spans, bracketed spans."""
    text = _CITY_GOV_RE.sub(_PH_CITY, text)

    def hide(m: re.Match) -> str:
        return m.group(0).replace("、", _PH_DUN)

    text = re.sub(r"“[^”]*”", hide, text)
    text = re.sub(r"[（(][^）)]*[）)]", hide, text)
    return text


def split_agencies(cell: str) -> tuple[str, ...]:
    """Split a 牵头单位/配合单位 cell into canonical agency names (order kept, no duplicates)."""
    cell = re.sub(r"\s+", "", cell or "")
    if not cell:
        return ()
    out: list[str] = []
    for group in re.split(r"[，,]", _protect(cell)):
        group = group.strip()
        if not group:
            continue
        items = [i for i in group.split("、") if i]
        # "北海、防城港、钦州市人民政府": the last item's 市人民政府 is shared
        if len(items) > 1 and items[-1].endswith("市人民政府"):
            items = [i if i.endswith("人民政府") else i + "市人民政府" for i in items[:-1]] + [items[-1]]
        prefixed = group.startswith("自治区")
        for item in items:
            if item.endswith("等"):
                item = item[:-1]
            if prefixed and not item.startswith("自治区"):
                item = "自治区" + item
            name = canon_name(item)
            if name and name not in out:
                out.append(name)
    return tuple(out)


# ---------------------------------------------------------------- the table


@dataclass(frozen=True)
class Row:
    number: int
    category: str
    category_raw: str
    goal: str
    task: str
    deadline_raw: str
    deadline: date | None
    lead: tuple[str, ...]
    support: tuple[str, ...]
    lead_raw: str
    support_raw: str
    line: int

    @property
    def ref(self) -> str:
        return f"task-{self.number}"


_DATE_RE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


def parse_deadline(text: str) -> date | None:
    m = _DATE_RE.search(re.sub(r"\s+", "", text))
    return date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def load_rows(path: Path = CORPUS) -> list[Row]:
    rows: list[Row] = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not re.match(r"^\d+\t", line):
            continue
        cells = line.split("\t")
        if len(cells) < 7:
            cells += [""] * (7 - len(cells))
        if len(cells) != 7:
            raise ValueError(f"line {lineno}: {len(cells)} cells")
        num, cat, goal, task, deadline, lead, support = (c.strip() for c in cells)
        rows.append(
            Row(
                number=int(num),
                category=canon_category(cat),
                category_raw=cat,
                goal=goal,
                task=task,
                deadline_raw=deadline,
                deadline=parse_deadline(deadline),
                lead=split_agencies(lead),
                support=split_agencies(support),
                lead_raw=lead,
                support_raw=support,
                line=lineno,
            )
        )
    numbers = [r.number for r in rows]
    if numbers != list(range(1, len(rows) + 1)):
        raise ValueError("task numbers are not 1..N in order")
    return rows


# ---------------------------------------------------------------- rule language

_COND_RE = re.compile(r"^(lead|support|any|category)=(.+)$")
_DL_RE = re.compile(r"^deadline(<=|>=|<|>|=)(\d{4}-\d{2}-\d{2})$")
_OPS = {
    "=": lambda a, b: a == b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
}


def parse_rule(notes: str) -> list[tuple[str, str, object]]:
    """`rule: A & B | free text` -> [(kind, op, value), ...]."""
    if not notes.startswith("rule:"):
        raise ValueError(f"notes do not start with 'rule:': {notes[:40]!r}")
    body = notes[len("rule:"):].split("|", 1)[0].strip()
    conds = []
    for part in body.split("&"):
        part = part.strip()
        m = _DL_RE.match(part)
        if m:
            conds.append(("deadline", m.group(1), date.fromisoformat(m.group(2))))
            continue
        m = _COND_RE.match(part)
        if not m:
            raise ValueError(f"bad condition {part!r}")
        kind, value = m.group(1), m.group(2).strip()
        value = canon_category(value) if kind == "category" else canon_name(value)
        conds.append((kind, "=", value))
    if not conds:
        raise ValueError("empty rule")
    return conds


def row_matches(row: Row, conds) -> bool:
    for kind, op, value in conds:
        if kind == "lead":
            ok = value in row.lead
        elif kind == "support":
            ok = value in row.support
        elif kind == "any":
            ok = value in row.lead or value in row.support
        elif kind == "category":
            ok = row.category == value
        else:
            ok = row.deadline is not None and _OPS[op](row.deadline, value)
        if not ok:
            return False
    return True


def eval_rule(notes: str, rows: list[Row] | None = None) -> list[str]:
    rows = rows if rows is not None else load_rows()
    conds = parse_rule(notes if notes.startswith("rule:") else "rule: " + notes)
    # every NAME / CAT must exist, so a typo cannot silently give an empty set
    names = {n for r in rows for n in r.lead + r.support}
    cats = {r.category for r in rows}
    for kind, _, value in conds:
        if kind in ("lead", "support", "any") and value not in names:
            raise ValueError(f"unknown agency {value!r}")
        if kind == "category" and value not in cats:
            raise ValueError(f"unknown category {value!r}")
    return [r.ref for r in rows if row_matches(r, conds)]


# ---------------------------------------------------------------- gold file


def read_gold(path: Path) -> list[dict]:
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise SystemExit(f"{path}:{n}: {exc}")
    return items


def write_gold(path: Path, items: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for it in items:
            fh.write(json.dumps({k: it[k] for k in KEYS}, ensure_ascii=False) + "\n")


def fill(path: Path) -> None:
    rows = load_rows()
    items = read_gold(path)
    changed = 0
    for it in items:
        if it["type"] not in ("list", "count"):
            continue
        refs = eval_rule(it["notes"], rows)
        contains = [str(len(refs))] if it["type"] == "count" else it.get("answer_contains", [])
        if refs != it.get("gold_refs") or contains != it.get("answer_contains"):
            changed += 1
        it["gold_refs"], it["answer_contains"] = refs, contains
    write_gold(path, items)
    print(f"filled {path}: {changed} list/count items changed")


def _valid_refs() -> set[str]:
    return {f"task-{i}" for i in range(1, len(load_rows()) + 1)} | {f"measure-{i}" for i in range(1, 42)}


def check(path: Path) -> int:
    rows = load_rows()
    refs_ok = _valid_refs()
    text = re.sub(r"\s+", "", CORPUS.read_text(encoding="utf-8"))
    items = read_gold(path)
    errors: list[str] = []
    ids = Counter(it.get("id") for it in items)
    errors += [f"duplicate id {i}" for i, c in ids.items() if c > 1]
    qs = Counter(it.get("question") for it in items)
    errors += [f"duplicate question {q}" for q, c in qs.items() if c > 1]
    for it in items:
        iid = it.get("id", "?")
        if list(it) != KEYS:
            errors.append(f"{iid}: keys {list(it)}")
            continue
        t = it["type"]
        if t not in TYPES:
            errors.append(f"{iid}: type {t}")
        if not re.fullmatch(rf"{t}-\d{{3}}", iid):
            errors.append(f"{iid}: id does not match type {t}")
        bad = [r for r in it["gold_refs"] if r not in refs_ok]
        if bad:
            errors.append(f"{iid}: unknown refs {bad}")
        if len(set(it["gold_refs"])) != len(it["gold_refs"]):
            errors.append(f"{iid}: duplicate refs")
        if t == "abstain":
            if it["gold_refs"] or it["answer_contains"]:
                errors.append(f"{iid}: abstain with gold")
        elif not it["gold_refs"]:
            errors.append(f"{iid}: empty gold_refs")
        if t == "lookup" and not 1 <= len(it["gold_refs"]) <= 3:
            errors.append(f"{iid}: lookup needs 1-3 refs")
        if t == "fact":
            if not it["answer_contains"]:
                errors.append(f"{iid}: fact without answer_contains")
            for s in it["answer_contains"]:
                if re.search(r"\s", s) or s not in text:
                    errors.append(f"{iid}: answer string {s!r} not in the notice (spaces removed)")
        if t in ("list", "count"):
            try:
                want = eval_rule(it["notes"], rows)
            except ValueError as exc:
                errors.append(f"{iid}: {exc}")
                continue
            if want != it["gold_refs"]:
                errors.append(f"{iid}: gold_refs differ from rule ({len(it['gold_refs'])} vs {len(want)})")
            if t == "count" and it["answer_contains"] != [str(len(want))]:
                errors.append(f"{iid}: count answer {it['answer_contains']} != {len(want)}")
    per_type = Counter(it.get("type") for it in items)
    for t, n in MIN_PER_TYPE.items():
        if per_type[t] < n:
            errors.append(f"type {t}: {per_type[t]} < {n}")
    for e in errors:
        print("ERROR", e)
    print(f"{len(items)} items; " + ", ".join(f"{t}={per_type[t]}" for t in TYPES))
    return 1 if errors else 0


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    cmd, args = argv[0], argv[1:]
    if cmd == "rule":
        refs = eval_rule(" ".join(args))
        print(len(refs), " ".join(refs))
    elif cmd == "agencies":
        rows = load_rows()
        idx: dict[str, dict[str, list[int]]] = defaultdict(lambda: {"lead": [], "support": []})
        for r in rows:
            for n in r.lead:
                idx[n]["lead"].append(r.number)
            for n in r.support:
                idx[n]["support"].append(r.number)
        for name in sorted(idx, key=lambda n: -(len(idx[n]["lead"]) + len(idx[n]["support"]))):
            print(f"{name}\tlead={len(idx[name]['lead'])} {idx[name]['lead']}\tsupport={len(idx[name]['support'])} {idx[name]['support']}")
    elif cmd == "categories":
        rows = load_rows()
        c = Counter(r.category for r in rows)
        for cat in dict.fromkeys(r.category for r in rows):
            nums = [r.number for r in rows if r.category == cat]
            print(f"{cat}\t{c[cat]}\t{nums[0]}-{nums[-1]}")
    elif cmd == "deadlines":
        rows = load_rows()
        c = Counter(r.deadline for r in rows)
        for d in sorted(c):
            print(d, c[d], [r.number for r in rows if r.deadline == d] if c[d] < 30 else "")
    elif cmd == "row":
        rows = load_rows()
        for a in args:
            r = rows[int(a) - 1]
            print(json.dumps(r.__dict__, ensure_ascii=False, default=str, indent=1))
    elif cmd == "fill":
        fill(Path(args[0]))
    elif cmd == "check":
        return check(Path(args[0]))
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
