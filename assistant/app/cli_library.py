"""`assistant library add PATH... | list [--json] | show DOC [--json] | remove DOC`, and `assistant corpus`."""

from __future__ import annotations

import json
import sys

from assistant.app.cli import settings_from


def register(sub) -> None:
    p = sub.add_parser("library", help="管理文库：导入、列出、查看、移除文档")
    lib = p.add_subparsers(dest="library_command", required=True)
    a = lib.add_parser("add", help="导入文件或文件夹（.txt .md .docx .doc .wps .pdf .ofd .html .xlsx .xls .csv .png .jpg），并增量更新索引")
    a.add_argument("paths", nargs="+", help="文件或文件夹路径")
    a.add_argument("--no-index", action="store_true", help="只导入文库，不更新检索索引")
    a.add_argument("--large-files", action="store_true",
                   help="放宽单个文件的读取上限（大小、解压后大小、页数、字数、单元数、时间各放宽 10 倍，内存 2 倍）")
    a.set_defaults(func=cmd_add)
    ls = lib.add_parser("list", help="列出文库中的文档")
    ls.add_argument("--json", action="store_true", help="以 JSON 输出")
    ls.set_defaults(func=cmd_list)
    sh = lib.add_parser("show", help="查看一份文档的元数据和全部单元")
    sh.add_argument("doc", help="文档编号、简称或标题中的词")
    sh.add_argument("--json", action="store_true", help="以 JSON 输出")
    sh.set_defaults(func=cmd_show)
    rm = lib.add_parser("remove", help="从文库移除一份文档（并增量更新索引）")
    rm.add_argument("doc", help="文档编号、简称或标题中的词")
    rm.add_argument("--no-index", action="store_true", help="只移除文档，不更新检索索引")
    rm.set_defaults(func=cmd_remove)

    c = sub.add_parser("corpus", help="打印文库中各文档的摘要（--json：全部单元）")
    c.add_argument("--json", action="store_true", help="以 JSON 输出全部文档")
    c.add_argument("--compact", action="store_true", help="JSON 不缩进")
    c.set_defaults(func=cmd_corpus)


def open_library(args, progress: bool = True):
    """The configured library, in step with its folder; what changed is said on stderr."""
    from assistant.library.catalog import Library

    library = Library(settings_from(args), progress=progress)
    for message in library.sync():
        print(message, file=sys.stderr)
    return library


def document_summary(doc) -> dict:
    """The contract of `library list --json`: one object per document."""
    counts = {f"{kind}s" if not kind.endswith("s") else kind: n for kind, n in doc.counts().items()}
    counts = {("annexes" if k == "annexs" else k): v for k, v in counts.items()}
    return {"doc": doc.doc, "title": doc.title, "short_name": doc.short_name, "kind": doc.meta.kind,
            "issuer": doc.meta.issuer, "doc_number": doc.meta.doc_number, "place": doc.meta.place,
            "year": doc.meta.year, "dates": dict(doc.meta.dates), "counts": counts, "source": doc.source,
            "sources": list(doc.sources or (doc.source,)), "format": doc.format}


def unit_record(unit) -> dict:
    record = {"ref": unit.ref, "label": unit.label, "kind": unit.kind, "path": list(unit.path),
              "number": unit.number, "parent": unit.parent, "title": unit.title, "text": unit.text,
              "lead": list(unit.lead), "support": list(unit.support), "responsible": list(unit.responsible),
              "deadline": unit.deadline,
              "deadline_date": unit.deadline_date.isoformat() if unit.deadline_date else None}
    if unit.kind == "task":
        record.update(goal=unit.goal, category=unit.category, category_raw=unit.category_raw)
    if unit.lead_raw or unit.support_raw:
        record.update(lead_raw=unit.lead_raw, support_raw=unit.support_raw)
    if unit.fields:
        record["fields"] = dict(unit.fields)
    return record


def _update_index(args, library) -> None:
    from assistant.app.cli_index import load_encoder
    from assistant.retrieval.index_store import IndexStoreError, load_or_build

    settings = library.settings
    try:
        load_or_build(settings, list(library.documents.values()), load_encoder(settings), library.store, progress=True)
    except IndexStoreError as exc:
        from assistant.errors import UserError

        raise UserError(str(exc)) from None


def cmd_add(args) -> int:
    import time

    library = open_library(args)
    started = time.perf_counter()
    results = library.add(args.paths, large_files=args.large_files)
    failed = 0
    for r in results:
        stream = sys.stderr if r.status == "error" else sys.stdout
        print(r.message or f"{r.status}: {r.path}", file=stream)
        failed += r.status == "error"
    added = sum(r.status in ("added", "merged") for r in results)
    print(f"导入 {added} 个文件，失败 {failed} 个，文库现有 {len(library.documents)} 份文档（用时 {time.perf_counter() - started:.1f} 秒）")
    if added and not args.no_index:
        _update_index(args, library)
    return 1 if failed and not added else 0


def cmd_list(args) -> int:
    library = open_library(args, progress=False)
    docs = list(library.documents.values())
    if args.json:
        print(json.dumps([document_summary(d) for d in docs], ensure_ascii=False, indent=1))
        return 0
    if not docs:
        print("文库为空。用 `assistant library add 文件或文件夹` 导入文档。")
        return 0
    from assistant.library.catalog import describe_counts

    for d in docs:
        facts = "，".join(x for x in (d.meta.issuer, d.meta.doc_number, f"{d.meta.year}年" if d.meta.year else "") if x)
        print(f"{d.doc}  [{d.short_name}]  《{d.title}》{'（扫描件识别）' if d.meta.ocr else ''}  {facts}  （{describe_counts(d)}）")
    return 0


def cmd_show(args) -> int:
    library = open_library(args, progress=False)
    doc = library.resolve(args.doc)
    if args.json:
        out = document_summary(doc) | {"meta": doc.meta.to_dict(), "units": [unit_record(u) for u in doc.units]}
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    summary = document_summary(doc)
    print(f"《{doc.title}》 {doc.doc} [{doc.short_name}]")
    for key in ("kind", "issuer", "doc_number", "place", "year", "dates", "counts", "sources"):
        print(f"  {key}: {summary[key]}")
    for unit in doc.units:
        duty = "；".join(x for x in (f"牵头：{'、'.join(unit.lead)}" if unit.lead else "",
                                     f"配合：{'、'.join(unit.support)}" if unit.support else "",
                                     f"负责：{'、'.join(unit.responsible)}" if unit.responsible else "",
                                     f"时限：{unit.deadline}" if unit.deadline else "") if x)
        text = (unit.title + " " if unit.title else "") + unit.text.replace("\n", " ")
        print(f"{unit.ref:<16} {unit.label:<10} {text[:70]}{'…' if len(text) > 70 else ''}" + (f"  〔{duty}〕" if duty else ""))
    return 0


def cmd_remove(args) -> int:
    library = open_library(args)
    doc = library.remove(args.doc)
    print(f"已移除：{doc.doc}《{doc.title}》，文库现有 {len(library.documents)} 份文档")
    if not args.no_index:
        _update_index(args, library)
    return 0


def cmd_corpus(args) -> int:
    library = open_library(args, progress=False)
    docs = list(library.documents.values())
    if args.json:
        out = [document_summary(d) | {"meta": d.meta.to_dict(), "units": [unit_record(u) for u in d.units]} for d in docs]
        print(json.dumps(out, ensure_ascii=False, indent=None if args.compact else 1))
        return 0
    from collections import Counter

    from assistant.library.catalog import describe_counts

    for d in docs:
        print(f"《{d.title}》 {d.meta.doc_number}".strip())
        print(f"  {d.meta.issuer}  {'  '.join(f'{k}:{v}' for k, v in d.meta.dates.items())}")
        print(f"  {describe_counts(d)}")
        leads = Counter(a for u in d.tasks for a in u.lead)
        if leads:
            print("  牵头单位任务数（前 10）：" + "，".join(f"{a} {n}" for a, n in leads.most_common(10)))
        print()
    return 0
