"""`assistant index build [--force]`, `assistant index info` and `assistant search "问题" …`.

Registered by assistant/app/cli.py through `register(subparsers)`.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from datetime import date

from assistant.records import Hit


def add_index_commands(sub) -> None:
    p = sub.add_parser("index", help="构建或查看检索索引")
    index_sub = p.add_subparsers(dest="index_command", required=True)
    b = index_sub.add_parser("build", help="构建索引（已是最新则跳过；--force 强制重建）")
    b.add_argument("--force", action="store_true", help="无论是否最新都重新构建")
    b.set_defaults(func=cmd_index_build)
    i = index_sub.add_parser("info", help="显示索引清单（模型、片段数、构建时间等）")
    i.add_argument("--json", action="store_true", help="以 JSON 输出清单")
    i.set_defaults(func=cmd_index_info)

    s = sub.add_parser("search", help="检索相关条目（混合检索：向量 + BM25，RRF 融合）")
    s.add_argument("query", help="问题，例如：开办企业几个工作日能办完？")
    s.add_argument("--k", type=int, default=None, help="返回条数（默认取配置 top_k，一般为 10）")
    s.add_argument("--mode", choices=("hybrid", "dense", "bm25"), default="hybrid", help="检索方式（默认 hybrid）")
    s.add_argument("--json", action="store_true", help="以 JSON 列表输出")
    s.add_argument("--lead", help="只看该牵头单位的任务，如 市场监管局")
    s.add_argument("--support", help="只看该配合单位的任务")
    s.add_argument("--agency", help="只看该单位牵头或配合的任务")
    s.add_argument("--category", help="只看该指标的任务，如 获得用水用气")
    s.add_argument("--doc", help="只看这份文档（编号、简称或标题中的词）")
    s.add_argument("--deadline-from", dest="deadline_from", help="完成时限不早于该日期（2022-11-30 或 2022年11月30日）")
    s.add_argument("--deadline-to", dest="deadline_to", help="完成时限不晚于该日期")
    s.add_argument(
        "--no-rebuild",
        dest="rebuild",
        action="store_false",
        help="索引过期或与模型不符时报错而不自动重建",
    )
    s.set_defaults(func=cmd_search)


register = add_index_commands  # the name assistant/cli.py looks for first


# --- helpers ---------------------------------------------------------------------------------------------


def _user_error(message: str) -> Exception:
    from assistant.errors import UserError

    return UserError(message)


def _parse_day(text: str | None, flag: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        from assistant.ingest.dates import parse_full_date

        parsed = parse_full_date(text)
        if parsed is None:
            raise _user_error(f"{flag} 日期格式无法识别：{text}（请写成 2022-11-30 或 2022年11月30日）") from None
        return parsed


def load_encoder(settings):
    """The configured encoder, with a model that cannot be found as a one-line user error."""
    from assistant.retrieval.encoder import Encoder, EncoderError

    try:
        return Encoder(settings, progress=True)
    except EncoderError as exc:
        raise _user_error(str(exc)) from None


def _load(args):
    """(settings, library, encoder)."""
    from assistant.app.cli_library import open_library

    library = open_library(args)
    return library.settings, library, load_encoder(library.settings)


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _display_width(text))


def format_hits_table(hits: list[Hit], titles: dict[str, str]) -> str:
    """A readable fixed-width table; CJK titles are padded by display width."""
    header = ["#", "ref", "score", "向量排名", "BM25排名", "标题"]
    rows = [
        [
            str(n),
            h.ref,
            f"{h.score:.4f}",
            "-" if h.dense_rank is None else str(h.dense_rank),
            "-" if h.bm25_rank is None else str(h.bm25_rank),
            titles.get(h.key, ""),
        ]
        for n, h in enumerate(hits, start=1)
    ]
    widths = [max(_display_width(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    lines = []
    for r in [header, *rows]:
        lines.append("  ".join(_pad(cell, w) for cell, w in zip(r, widths)) + "  " + r[-1])
    return "\n".join(lines)


def hits_to_json(hits: list[Hit], chunks_by_key: dict) -> list[dict]:
    out = []
    for n, h in enumerate(hits, start=1):
        chunk = chunks_by_key.get(h.key)
        out.append(
            {
                "rank": n,
                "doc": h.doc,
                "ref": h.ref,
                "score": round(float(h.score), 6),
                "dense_rank": h.dense_rank,
                "bm25_rank": h.bm25_rank,
                "kind": chunk.kind if chunk else None,
                "title": chunk.title if chunk else None,
            }
        )
    return out


# --- commands --------------------------------------------------------------------------------------------


def cmd_index_build(args) -> int:
    from assistant.retrieval.index_store import IndexStoreError, build_index, load_or_build, read_manifest, search_dir

    settings, library, encoder = _load(args)
    docs = list(library.documents.values())
    try:
        if args.force:
            build_index(settings, docs, encoder, library.store, progress=True)
        else:
            try:
                before = read_manifest(search_dir(settings)).built_at
            except IndexStoreError:
                before = None
            loaded = load_or_build(settings, docs, encoder, library.store, progress=True)
            m = loaded.manifest
            if m.built_at == before:  # load_or_build reports its own rebuilds
                print(f"索引已是最新：{len(m.docs)} 份文档、{m.chunk_count} 个片段，模型 {m.model_id}，构建于 {m.built_at} → {loaded.path}")
    except IndexStoreError as exc:
        raise _user_error(str(exc)) from None
    return 0


def cmd_index_info(args) -> int:
    from assistant.app.cli import settings_from
    from assistant.retrieval.index_store import IndexStoreError, read_manifest, search_dir, verify_files

    settings = settings_from(args)
    try:
        manifest = read_manifest(search_dir(settings))
        verify_files(search_dir(settings), manifest)
    except IndexStoreError as exc:
        raise _user_error(f"{exc}。可运行 `assistant index build` 构建索引。") from None
    if args.json:
        print(json.dumps(manifest.to_dict(), ensure_ascii=False, indent=1))
        return 0
    m = manifest
    print(f"索引目录：{settings.index_dir}")
    print(f"片段数：{m.chunk_count}（文档 {m.doc_id}）  模型：{m.model_id}  维度：{m.dim}")
    print(f"语料 sha256：{m.corpus_sha256[:16]}…  构建时间：{m.built_at}（用时 {m.build_seconds:.1f} 秒）")
    print("文件：" + "，".join(f"{rel}（{info['bytes']} 字节）" for rel, info in sorted(m.files.items())))
    print("版本：" + "，".join(f"{k} {v}" for k, v in m.packages.items() if v))
    return 0


def cmd_search(args) -> int:
    from assistant.retrieval.hybrid_search import SearchFilters, make_searcher
    from assistant.retrieval.index_store import IndexStoreError

    if not args.query or not args.query.strip():
        raise _user_error("检索内容为空，请输入要查询的问题，例如：assistant search \"出口退税要多久\"")
    filters = SearchFilters(
        lead=args.lead,
        support=args.support,
        agency=args.agency,
        category=args.category,
        deadline_from=_parse_day(args.deadline_from, "--deadline-from"),
        deadline_to=_parse_day(args.deadline_to, "--deadline-to"),
    )
    settings, library, encoder = _load(args)
    if args.doc:
        from dataclasses import replace

        filters = replace(filters, docs=frozenset({library.resolve(args.doc).doc}))
    k = args.k if args.k is not None else settings.top_k
    if k <= 0:
        raise _user_error("--k 必须是正整数")
    try:
        searcher = make_searcher(settings, encoder=encoder, docs=list(library.documents.values()),
                                 cache=library.store, progress=True, rebuild=args.rebuild)
    except IndexStoreError as exc:
        raise _user_error(str(exc)) from None
    hits = searcher.search(args.query, k=k, filters=None if filters.is_empty() else filters, mode=args.mode)
    chunks_by_key = {c.key: c for c in searcher.chunks}
    if args.json:
        print(json.dumps(hits_to_json(hits, chunks_by_key), ensure_ascii=False, indent=1))
        return 0
    if not hits:
        print("没有找到相关条目。" + ("（已应用筛选条件，可放宽后再试）" if not filters.is_empty() else ""), file=sys.stderr)
        return 1
    titles = {key: (f"{library.documents[key[0]].short_name}·{c.title}" if len(library.documents) > 1 else c.title)
              for key, c in chunks_by_key.items()}
    print(format_hits_table(hits, titles))
    return 0
