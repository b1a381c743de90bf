"""Exact answers to "which / how many" questions: a query over the library database, every matching row of
every document in scope, no more and no fewer, grouped by document."""

from __future__ import annotations

from dataclasses import replace

from assistant.ingest.metadata import reference_date
from assistant.library.store import LibraryStore, RowCondition
from assistant.records import Document, Unit
from assistant.understanding.query_parse import ParsedQuestion, parse_deadline


def select_rows(store: LibraryStore, docs: list[Document], parsed: ParsedQuestion) -> list[tuple[Document, list[Unit]]]:
    """Rows per document. A deadline written without its year ("11月30日前") is read in each document's own
    period, the way that document's deadlines are."""
    agencies = [RowCondition(a.names, a.role) for a in parsed.agencies]
    groups = []
    for doc in docs:
        deadline = parsed.deadline
        if deadline is not None:
            deadline = parse_deadline(parsed.text, reference_date(doc.meta)) or deadline
        # A document whose tasks have no such indicator (国务院就业意见 has no 指标 column) cannot be filtered by
        # one: with an agency or a deadline still asked, those decide its rows.
        categories = parsed.categories if filters_by_category(doc, parsed) else ()
        keys = store.select_units(
            docs=[doc.doc], agencies=agencies, agency_join=parsed.agency_join, categories=categories,
            deadline_from=deadline.start if deadline else None, deadline_to=deadline.end if deadline else None,
            no_support=parsed.no_support, no_deadline=parsed.no_deadline,
        )
        units = [u for _, ref in keys if (u := doc.unit(ref)) is not None]
        groups.append((doc, units))
    return groups


def rows_by_position(store: LibraryStore, docs: list[Document], parsed: ParsedQuestion
                     ) -> list[tuple[Document, list[Unit]]]:
    """Rows whose note names the asked agency only among those responsible (（X、Y负责）, no lead written): by
    the usual convention of such notes the first named leads and the others support. Only for one agency
    asked in one role; the caller shows these rows as read by that convention."""
    if len(parsed.agencies) != 1 or parsed.agencies[0].role not in ("lead", "support"):
        return []
    wanted = parsed.agencies[0]
    responsible = replace(parsed, agencies=(replace(wanted, role="responsible"),))
    groups = []
    for doc, rows in select_rows(store, docs, responsible):
        kept = [u for u in rows if (first := next((i for i, n in enumerate(u.responsible) if n in wanted.names), None))
                is not None and (first == 0) == (wanted.role == "lead")]
        groups.append((doc, kept))
    return groups


def filters_by_category(doc: Document, parsed: ParsedQuestion) -> bool:
    """Whether the question's indicator applies to this document's rows. A document whose tasks carry no such
    indicator (国务院就业意见 has no 指标 column) cannot be filtered by one; with an agency or a deadline asked
    as well, those decide its rows."""
    if not parsed.categories:
        return False
    if not (parsed.agencies or parsed.deadline):
        return True
    return bool({u.category for u in doc.units if u.category} & set(parsed.categories))
