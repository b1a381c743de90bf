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
    python eval/gold_rules.py structure           # parts, measures, tasks, categories of the notice
    python eval/gold_rules.py fill eval/gold.jsonl   # recompute list/count/doc gold and missing splits
    python eval/gold_rules.py check eval/gold.jsonl  # validate the whole gold file (exit 1 on error)
    python eval/gold_rules.py stats eval/gold.jsonl  # items per type / tag / split
    python eval/gold_rules.py leaks tests            # gold questions copied verbatim into files under a dir

Document questions (tag `document`) use `doc: WHAT` instead of `rule:` at the start of `notes`:

    doc: measures | parts | tasks | categories     fact: answer_contains = [the count]
    doc: measures part=N                           fact: the number of measures in part N
    doc: outline                                   list: gold_refs = preamble + every measure
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

KEYS = ["id", "type", "question", "gold_refs", "answer_contains", "notes"]  # required, in this order
OPTIONAL_KEYS = ["split", "tags", "history", "scope"]  # optional, after the required keys, in this order
TYPES = ["lookup", "fact", "list", "count", "measure", "abstain"]
MIN_PER_TYPE = {"lookup": 40, "fact": 25, "list": 30, "count": 20, "measure": 20, "abstain": 20}
TAGS = ["colloquial", "traditional", "typo", "followup", "document", "tempting", "fullwidth"]
SPLITS = ["dev", "test"]
# Minimum items per tag in the whole file and in each split (the gate's per-tag criteria need both).
MIN_PER_TAG = {"colloquial": 40, "traditional": 20, "typo": 20, "followup": 25, "document": 15, "tempting": 20,
               "fullwidth": 5}
MIN_PER_TAG_SPLIT = {"colloquial": 15, "traditional": 8, "typo": 8, "followup": 10, "document": 6, "tempting": 8}
_FULLWIDTH = re.compile(r"[０-９Ａ-Ｚａ-ｚ]")
_TYPO_NOTE = re.compile(r"错字\s*([^\s→；;|]+)\s*→\s*([^\s；;|，,]+)")


def split_of(item_id: str) -> str:
    """The fixed split rule: the id's number N (`<type>-NNN`) odd → dev, even → test.

    Deterministic, about 50/50 within every type, and stable when items are added (an item's split depends on
    its own id only). Written into the file once (`fill`); `check` verifies it never changed."""
    m = re.search(r"-(\d+)$", item_id)
    if not m:
        raise ValueError(f"id {item_id!r} has no number")
    return "dev" if int(m.group(1)) % 2 else "test"

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


# ---------------------------------------------------------------- the notice's structure

_PART_RE = re.compile(r"^([一二三四五六七八九十]+)、(.+)$")
_MEASURE_RE = re.compile(r"^\s*[（(]([一二三四五六七八九十]+)[）)]\s*(\S)")


@dataclass(frozen=True)
class Structure:
    parts: tuple[str, ...]  # part titles, in order
    measure_part: tuple[int, ...]  # for measure-N (index N-1): its part number 1..9
    tasks: int
    categories: int

    def counts(self) -> dict[str, int]:
        return {"parts": len(self.parts), "measures": len(self.measure_part), "tasks": self.tasks,
                "categories": self.categories}


def load_structure(path: Path = CORPUS) -> Structure:
    """Parts （一、…九、） and measures （（一）…（四十一）, some with half-width brackets） of the prose, before the
    attachment; task and category counts from the table."""
    parts: list[str] = []
    measure_part: list[int] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("附件"):
            break
        m = _PART_RE.match(line.strip())
        if m:
            parts.append(m.group(2).strip())
            continue
        if _MEASURE_RE.match(line) and parts:
            measure_part.append(len(parts))
    rows = load_rows(path)
    return Structure(tuple(parts), tuple(measure_part), len(rows), len({r.category for r in rows}))


_DOC_RE = re.compile(r"^doc:\s*(measures|parts|tasks|categories|outline)(?:\s+part=(\d+))?\s*(?:\||$)")


def eval_doc(notes: str, structure: Structure | None = None) -> tuple[list[str], list[str]]:
    """`doc: WHAT` → (gold_refs, answer_contains) of a document question (see the module docstring)."""
    st = structure or load_structure()
    m = _DOC_RE.match(notes)
    if not m:
        raise ValueError(f"bad doc rule {notes[:40]!r}")
    what, part = m.group(1), m.group(2)
    if what == "outline":
        if part:
            raise ValueError("doc: outline takes no part=")
        return ["preamble"] + [f"measure-{i}" for i in range(1, len(st.measure_part) + 1)], []
    if part:
        if what != "measures" or not 1 <= int(part) <= len(st.parts):
            raise ValueError(f"bad doc rule {notes[:40]!r}")
        return [], [str(sum(1 for p in st.measure_part if p == int(part)))]
    return [], [str(st.counts()[what])]


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
    """Required keys in order, then the optional ones that are present and not empty."""
    with path.open("w", encoding="utf-8") as fh:
        for it in items:
            rec = {k: it[k] for k in KEYS}
            rec.update({k: it[k] for k in OPTIONAL_KEYS if it.get(k)})
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")


def fill(path: Path) -> None:
    """Recompute list/count gold from `rule:`, document gold from `doc:`, and give items without a split the
    split of their id (an existing split is never changed here; `check` reports one that disagrees)."""
    rows = load_rows()
    structure = load_structure()
    items = read_gold(path)
    changed = 0
    for it in items:
        before = (it.get("gold_refs"), it.get("answer_contains"), it.get("split"))
        if it.get("notes", "").startswith("doc:"):
            refs, contains = eval_doc(it["notes"], structure)
            it["gold_refs"], it["answer_contains"] = refs, contains or it.get("answer_contains", [])
        elif it["type"] in ("list", "count"):
            refs = eval_rule(it["notes"], rows)
            contains = [str(len(refs))] if it["type"] == "count" else it.get("answer_contains", [])
            it["gold_refs"], it["answer_contains"] = refs, contains
        if not it.get("split"):
            it["split"] = split_of(it["id"])
        if before != (it.get("gold_refs"), it.get("answer_contains"), it.get("split")):
            changed += 1
    write_gold(path, items)
    print(f"filled {path}: {changed} items changed")


def _valid_refs(structure: Structure | None = None) -> set[str]:
    st = structure or load_structure()
    return ({f"task-{i}" for i in range(1, st.tasks + 1)} | {f"measure-{i}" for i in range(1, len(st.measure_part) + 1)}
            | {f"part-{i}" for i in range(1, len(st.parts) + 1)} | {"preamble", "meta", "annex-1"})


def _check_keys(it: dict) -> str | None:
    keys = list(it)
    if keys[: len(KEYS)] != KEYS:
        return f"keys {keys} (required {KEYS} first, in order)"
    rest = keys[len(KEYS):]
    if any(k not in OPTIONAL_KEYS for k in rest) or rest != [k for k in OPTIONAL_KEYS if k in rest]:
        return f"optional keys {rest} (allowed, in this order: {OPTIONAL_KEYS})"
    return None


def _check_optional(it: dict, errors: list[str]) -> None:
    iid = it["id"]
    split = it.get("split")
    if split is not None:
        if split not in SPLITS:
            errors.append(f"{iid}: split {split!r} (one of {SPLITS})")
        elif split != split_of(iid):
            errors.append(f"{iid}: split {split!r} but the id rule gives {split_of(iid)!r}")
    tags = it.get("tags", [])
    if not isinstance(tags, list) or any(t not in TAGS for t in tags) or len(set(tags)) != len(tags):
        errors.append(f"{iid}: tags {tags!r} (unique, from {TAGS})")
        tags = []
    history = it.get("history", [])
    if not isinstance(history, list) or not all(isinstance(h, str) and h.strip() for h in history):
        errors.append(f"{iid}: history must be a list of earlier questions")
        history = []
    if ("followup" in tags) != bool(history):
        errors.append(f"{iid}: tag followup and a non-empty history go together")
    if len(history) > 2:
        errors.append(f"{iid}: history of {len(history)} questions (1-2)")
    if ("fullwidth" in tags) != bool(_FULLWIDTH.search(it["question"] + "".join(history))):
        errors.append(f"{iid}: tag fullwidth must match full-width digits/letters in the question")
    if "tempting" in tags and it["type"] != "abstain":
        errors.append(f"{iid}: tempting is for abstain items")
    if "typo" in tags:
        m = _TYPO_NOTE.search(it["notes"])
        if not m:
            errors.append(f"{iid}: typo item without '错字 X→Y' in notes")
        elif m.group(1) not in it["question"] + "".join(history) or m.group(2) in it["question"]:
            errors.append(f"{iid}: typo note {m.group(0)!r}: X must be in the question and Y not")
    if it["notes"].startswith("doc:") and "document" not in tags:
        errors.append(f"{iid}: doc: rule without tag document")
    scope = it.get("scope")
    if scope is not None and not (isinstance(scope, str) and scope.strip()):
        errors.append(f"{iid}: scope must be a non-empty string")


def check(path: Path) -> int:
    rows = load_rows()
    structure = load_structure()
    refs_ok = _valid_refs(structure)
    text = re.sub(r"\s+", "", CORPUS.read_text(encoding="utf-8"))
    items = read_gold(path)
    errors: list[str] = []
    ids = Counter(it.get("id") for it in items)
    errors += [f"duplicate id {i}" for i, c in ids.items() if c > 1]
    # A follow-up is its history plus its question: "那配合的呢？" may recur after different histories.
    qs = Counter((tuple(it.get("history") or ()), it.get("question")) for it in items)
    errors += [f"duplicate question {q[1]}" for q, c in qs.items() if c > 1]
    for it in items:
        iid = it.get("id", "?")
        bad_keys = _check_keys(it)
        if bad_keys:
            errors.append(f"{iid}: {bad_keys}")
            continue
        t = it["type"]
        if t not in TYPES:
            errors.append(f"{iid}: type {t}")
        if not re.fullmatch(rf"{t}-\d{{3}}", iid):
            errors.append(f"{iid}: id does not match type {t}")
        _check_optional(it, errors)
        doc_rule = it["notes"].startswith("doc:")
        bad = [r for r in it["gold_refs"] if r not in refs_ok]
        if bad:
            errors.append(f"{iid}: unknown refs {bad}")
        if len(set(it["gold_refs"])) != len(it["gold_refs"]):
            errors.append(f"{iid}: duplicate refs")
        if t == "abstain":
            if it["gold_refs"] or it["answer_contains"]:
                errors.append(f"{iid}: abstain with gold")
        elif not it["gold_refs"] and not (t == "fact" and "document" in it.get("tags", [])):
            errors.append(f"{iid}: empty gold_refs")  # only a document fact (a count, a 文号) may cite nothing
        if t == "lookup" and not 1 <= len(it["gold_refs"]) <= 3:
            errors.append(f"{iid}: lookup needs 1-3 refs")
        if doc_rule:
            if t not in ("fact", "list"):
                errors.append(f"{iid}: doc: rules are for fact and list items")
                continue
            try:
                want_refs, want_contains = eval_doc(it["notes"], structure)
            except ValueError as exc:
                errors.append(f"{iid}: {exc}")
                continue
            if it["gold_refs"] != want_refs or (want_contains and it["answer_contains"] != want_contains):
                errors.append(f"{iid}: gold differs from its doc rule (run fill)")
            continue
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
    split_items = [it for it in items if it.get("split")]
    if split_items and len(split_items) != len(items):
        errors.append(f"{len(items) - len(split_items)} items without a split (run fill)")
    if split_items:
        per_tag = Counter(t for it in items for t in it.get("tags", []))
        for tag, n in MIN_PER_TAG.items():
            if per_tag[tag] < n:
                errors.append(f"tag {tag}: {per_tag[tag]} < {n}")
        for split in SPLITS:
            in_split = [it for it in items if it.get("split") == split]
            tags = Counter(t for it in in_split for t in it.get("tags", []))
            for tag, n in MIN_PER_TAG_SPLIT.items():
                if tags[tag] < n:
                    errors.append(f"split {split}: tag {tag}: {tags[tag]} < {n}")
            types = Counter(it["type"] for it in in_split)
            for t in TYPES:
                if types[t] < per_type[t] // 3:
                    errors.append(f"split {split}: type {t}: {types[t]} of {per_type[t]}")
    for e in errors:
        print("ERROR", e)
    print(f"{len(items)} items; " + ", ".join(f"{t}={per_type[t]}" for t in TYPES))
    return 1 if errors else 0


def stats(path: Path) -> str:
    """A markdown table: items per type and per tag, in each split."""
    items = read_gold(path)
    splits = [s for s in SPLITS if any(it.get("split") == s for it in items)]
    cols = splits + ["all"]

    def n(pred, split: str) -> int:
        return sum(1 for it in items if pred(it) and (split == "all" or it.get("split") == split))

    lines = ["| | " + " | ".join(cols) + " |", "|---|" + "---:|" * len(cols)]
    for t in TYPES:
        lines.append(f"| {t} | " + " | ".join(str(n(lambda it: it["type"] == t, c)) for c in cols) + " |")
    lines.append("| **total** | " + " | ".join(f"**{n(lambda it: True, c)}**" for c in cols) + " |")
    for tag in TAGS:
        lines.append(f"| tag `{tag}` | " + " | ".join(str(n(lambda it: tag in it.get("tags", []), c)) for c in cols)
                     + " |")
    return "\n".join(lines)


def leaks(directory: Path, gold: Path) -> list[tuple[str, str, str]]:
    """(file, id, question) for every gold question (follow-ups excluded: short elliptical questions such as
    "那供气呢？" are only gold with their history) written verbatim in a .py file under `directory`."""
    items = [it for it in read_gold(gold) if not it.get("history")]
    out = []
    for f in sorted(Path(directory).rglob("*.py")):
        text = f.read_text(encoding="utf-8")
        for it in items:
            if it["question"] in text:
                out.append((str(f), it["id"], it["question"]))
    return out


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
    elif cmd == "structure":
        st = load_structure()
        print(json.dumps(st.counts(), ensure_ascii=False))
        for i, title in enumerate(st.parts, 1):
            nums = [n for n, p in enumerate(st.measure_part, 1) if p == i]
            print(f"part-{i}\t{title}\tmeasure-{nums[0]}..measure-{nums[-1]} ({len(nums)})")
    elif cmd == "fill":
        fill(Path(args[0]))
    elif cmd == "check":
        return check(Path(args[0]))
    elif cmd == "stats":
        print(stats(Path(args[0])))
    elif cmd == "leaks":
        found = leaks(Path(args[0]), Path(args[1]) if len(args) > 1 else ROOT / "eval" / "gold.jsonl")
        for f, iid, q in found:
            print(f"{f}\t{iid}\t{q}")
        return 1 if found else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
