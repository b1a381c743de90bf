"""Check the library evaluation set (eval/library_gold.jsonl) against the documents themselves.

    python eval/library_gold_check.py check            # full validation, exit 1 on any error
    python eval/library_gold_check.py stats            # questions per category, kind of document and split
    python eval/library_gold_check.py unit DOC REF     # the text of one unit, as the checker sees it
    python eval/library_gold_check.py leaks tests      # library gold questions copied into files under a dir

Uses the standard library and the project's own parser (assistant.ingest.document.parse_document), so a ref is
checked against the units the product itself reads. Each document of eval/library_split.json is parsed from its
first file under tests/data/library.

What `check` verifies:
* keys, id `<category>-NNN` numbered within its category, unique ids and unique questions (a follow-up is its
  history plus its question), the runner type fits the category;
* at least 300 questions over at least 15 documents, every category present in both splits;
* split by document: a question whose `docs` include a test document is `test`, one over dev documents only is
  `dev`, one about no library document (a refusal naming a place or document the library lacks) takes the id
  rule of the seed set (odd number dev, even test); every document of `docs` is in the split file;
* every gold ref exists in its document; every `answer_contains` string occurs (spaces removed) in the text of one
  of the question's gold units; a question without refs has a `doc:` rule that is recomputed:
  `doc: articles` / `doc: chapters` / `doc: tasks` (the count of those units), `doc: meta …` / `doc: text …` (the
  string occurs in the document's text);
* `rule: doc=D & lead=X|any=X` (sets and counts over a plan's responsibility notes: lead = the first unit named,
  as the plans say "排在第一位的部门为牵头部门") equals the gold set, and a count's string is its size;
* a `missing: D has no REF` question names a part its document really lacks;
* comparisons cite at least two documents.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GOLD = ROOT / "eval" / "library_gold.jsonl"
SPLIT = ROOT / "eval" / "library_split.json"
DATA = ROOT / "tests" / "data" / "library"
REQUIRED = ("id", "type", "question", "gold_refs", "answer_contains", "notes", "split", "category")
OPTIONAL = ("docs", "tags", "history", "scope")
# category → the runner types it may be scored as
CATEGORIES: dict[str, tuple[str, ...]] = {
    "lookup": ("lookup",),
    "value": ("fact",),
    "article": ("lookup", "fact"),
    "missing": ("abstain",),
    "document": ("fact",),
    "comparison": ("compare",),
    "set": ("list", "count"),
    "followup": ("lookup", "fact", "list", "count", "compare", "abstain"),
    "refusal": ("abstain",),
}
MIN_TOTAL = 300
MIN_DOCS = 15
_SPACE = re.compile(r"\s+")


def squeeze(text: str) -> str:
    return _SPACE.sub("", text or "")


def read_gold(path: Path = GOLD) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def read_split(path: Path = SPLIT) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


_DOCS: dict[str, object] = {}


def document(doc: str, split: dict | None = None):
    """The parsed document (the project's parser) of a split entry, cached."""
    if doc not in _DOCS:
        from assistant.ingest.document import parse_document

        entry = next(e for e in (split or read_split())["documents"] if e["doc"] == doc)
        _DOCS[doc] = parse_document(DATA / entry["files"][0], doc)
    return _DOCS[doc]


def unit_text(unit) -> str:
    return squeeze("".join((unit.title or "", unit.text or "", unit.goal or "", unit.lead_raw or "",
                            unit.support_raw or "")))


def units_by_ref(doc) -> dict:
    return {u.ref: u for u in doc.units}


def lead_names(unit) -> list[str]:
    """The lead first; a table whose one column names who is responsible (责任科室) has no lead apart from it."""
    raw = unit.lead_raw or getattr(unit, "responsible_raw", "") or ""
    names = [n.strip() for n in re.split(r"[、，,]", raw) if n.strip()]
    return [re.sub(r"等.*$", "", n) for n in names]


def eval_rule(notes: str, split: dict) -> list[str]:
    """`rule: doc=D & lead=X` / `any=X` → the "D:ref" of every unit whose responsibility note matches, in order."""
    body = notes.split("|", 1)[0].removeprefix("rule:").strip()
    conds = dict(part.strip().split("=", 1) for part in body.split("&"))
    doc = document(conds.pop("doc"), split)
    (key, name), = conds.items()
    out = []
    for u in doc.units:
        names = lead_names(u)
        if names and ((key == "lead" and names[0] == name) or (key == "any" and name in names)):
            out.append(f"{doc.doc}:{u.ref}")
    return out


def split_of(item: dict, doc_split: dict[str, str]) -> str:
    sides = {doc_split.get(d, "") for d in item.get("docs") or []}
    if sides:
        return "test" if "test" in sides else "dev"
    number = int(item["id"].rsplit("-", 1)[1])
    return "dev" if number % 2 else "test"


def check_item(item: dict, split: dict, doc_split: dict[str, str]) -> list[str]:
    errors: list[str] = []
    iid = item.get("id", "?")
    keys = list(item)
    if keys[: len(REQUIRED)] != list(REQUIRED) or any(k not in REQUIRED + OPTIONAL for k in keys):
        errors.append(f"keys {keys}")
    category, kind = item.get("category"), item.get("type")
    if category not in CATEGORIES or kind not in CATEGORIES[category]:
        errors.append(f"category {category!r} with type {kind!r}")
    if not re.fullmatch(rf"{category}-\d{{3}}", iid):
        errors.append("id pattern")
    for doc in item.get("docs") or []:
        if doc not in doc_split:
            errors.append(f"document {doc} not in the split file")
    if errors:
        return errors
    if item["split"] != split_of(item, doc_split):
        errors.append(f"split {item['split']} ≠ {split_of(item, doc_split)} (by its documents)")
    if bool(item.get("history")) != ("followup" in (item.get("tags") or [])):
        errors.append("followup tag ⇔ history")
    refs = item["gold_refs"]
    units = []
    for ref in refs:
        doc_id, _, unit_ref = ref.rpartition(":")
        if doc_id not in doc_split:
            errors.append(f"ref {ref}: unknown document")
            continue
        if doc_id not in (item.get("docs") or []):
            errors.append(f"ref {ref}: document not in docs")
        unit = units_by_ref(document(doc_id, split)).get(unit_ref)
        if unit is None:
            errors.append(f"ref {ref} does not exist")
        else:
            units.append(unit)
    notes = item["notes"]
    if kind == "abstain" and refs:
        errors.append("an abstain question has refs")
    if kind in ("list", "count") or notes.startswith("rule:"):
        want = eval_rule(notes, split)
        if want != refs:
            errors.append(f"set ≠ its rule ({len(want)} vs {len(refs)})")
        if kind == "count" and item["answer_contains"] != [str(len(want))]:
            errors.append("count string ≠ size of the set")
    elif refs:
        for s in item["answer_contains"]:
            if not any(squeeze(s) in unit_text(u) for u in units):
                errors.append(f"{s!r} not in the text of its gold units")
    elif notes.startswith("doc:"):
        (doc_id,) = item["docs"]
        doc = document(doc_id, split)
        what = notes.removeprefix("doc:").strip().split()[0]
        if what in ("articles", "chapters", "tasks"):
            n = sum(1 for u in doc.units if u.kind == what[:-1])
            if item["answer_contains"] != [str(n)]:
                errors.append(f"doc: {what} is {n}, gold says {item['answer_contains']}")
        elif what in ("meta", "text"):
            text = squeeze("".join(u.text + (u.title or "") for u in doc.units) + json.dumps(
                doc.meta.__dict__ if hasattr(doc.meta, "__dict__") else {}, ensure_ascii=False, default=str))
            entry = next(e for e in split["documents"] if e["doc"] == doc_id)
            raw = squeeze((DATA / entry["files"][0]).read_text(encoding="utf-8", errors="replace"))
            for s in item["answer_contains"]:
                if squeeze(s) not in text and squeeze(s) not in raw:
                    errors.append(f"{s!r} not in the document")
        else:
            errors.append(f"unknown doc: rule {what}")
    elif notes.startswith("missing:"):
        m = re.fullmatch(r"missing: (\S+) has no (\S+)", notes)
        if not m:
            errors.append("missing: note")
        elif m.group(2) in units_by_ref(document(m.group(1), split)):
            errors.append(f"{m.group(1)} does have {m.group(2)}")
    elif kind not in ("abstain",):
        errors.append("an answerable question without refs or a doc: rule")
    if kind == "compare" and len({r.rpartition(":")[0] for r in refs}) < 2:
        errors.append("a comparison over fewer than two documents")
    return errors


def check(gold: Path = GOLD, split_path: Path = SPLIT) -> int:
    split = read_split(split_path)
    doc_split = {e["doc"]: e["split"] for e in split["documents"]}
    items = read_gold(gold)
    errors: list[str] = []
    seen_ids: set[str] = set()
    seen_q: set[tuple] = set()
    for item in items:
        for e in check_item(item, split, doc_split):
            errors.append(f"{item.get('id')}: {e}")
        key = (*(item.get("history") or []), item.get("question"))
        if item.get("id") in seen_ids or key in seen_q:
            errors.append(f"{item.get('id')}: duplicate id or question")
        seen_ids.add(item.get("id"))
        seen_q.add(key)
    numbers: dict[str, list[int]] = {}
    for item in items:
        cat, _, n = item["id"].rpartition("-")
        numbers.setdefault(cat, []).append(int(n))
    for cat, ns in numbers.items():
        if ns != list(range(1, len(ns) + 1)):
            errors.append(f"{cat}: ids not numbered 1…{len(ns)} in order")
    if len(items) < MIN_TOTAL:
        errors.append(f"only {len(items)} questions (needs ≥ {MIN_TOTAL})")
    docs = {d for it in items for d in it.get("docs") or []}
    if len(docs) < MIN_DOCS:
        errors.append(f"only {len(docs)} documents (needs ≥ {MIN_DOCS})")
    for cat in CATEGORIES:
        for side in ("dev", "test"):
            if not any(it["category"] == cat and it["split"] == side for it in items):
                errors.append(f"no {cat} question in {side}")
    for e in errors:
        print(e)
    print(f"{len(items)} questions over {len(docs)} documents: {'OK' if not errors else f'{len(errors)} errors'}")
    return 1 if errors else 0


def stats(gold: Path = GOLD) -> None:
    split = read_split()
    kinds = {e["doc"]: e["kind"] for e in split["documents"]}
    items = read_gold(gold)
    cats = Counter((it["category"], it["split"]) for it in items)
    print("category\tdev\ttest")
    for cat in CATEGORIES:
        print(f"{cat}\t{cats[(cat, 'dev')]}\t{cats[(cat, 'test')]}")
    by_kind = Counter((kinds[it["docs"][0]] if it.get("docs") else "none", it["split"]) for it in items)
    print("\nkind of document\tdev\ttest")
    for kind in sorted({k for k, _ in by_kind}):
        print(f"{kind}\t{by_kind[(kind, 'dev')]}\t{by_kind[(kind, 'test')]}")
    print(f"\ntotal\t{sum(1 for i in items if i['split'] == 'dev')}\t{sum(1 for i in items if i['split'] == 'test')}")


def leaks(directory: Path, gold: Path = GOLD) -> list[tuple[str, str, str]]:
    """(file, id, question) for every library gold question without history written verbatim in a .py file."""
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
    if cmd == "check":
        return check()
    if cmd == "stats":
        stats()
        return 0
    if cmd == "unit":
        unit = units_by_ref(document(args[0])).get(args[1])
        print(unit_text(unit) if unit else "（没有这个单元）")
        return 0 if unit else 1
    if cmd == "leaks":
        found = leaks(Path(args[0]) if args else ROOT / "tests")
        for f, iid, q in found:
            print(f"{f}: {iid} {q}")
        return 1 if found else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
