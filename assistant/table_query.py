"""Exact row selection from the parsed task table: every matching row, no more and no fewer."""

from __future__ import annotations

from .query_parse import AgencyCondition, DeadlineCondition
from .records import TaskRow


def agency_matches(row: TaskRow, condition: AgencyCondition) -> bool:
    if condition.role == "lead":
        pool = row.lead
    elif condition.role == "support":
        pool = row.support
    else:
        pool = row.lead + row.support
    return any(name in pool for name in condition.names)


def select_rows(
    rows: tuple[TaskRow, ...] | list[TaskRow],
    agencies: tuple[AgencyCondition, ...] = (),
    agency_join: str = "and",
    categories: tuple[str, ...] = (),
    deadline: DeadlineCondition | None = None,
    no_support: bool = False,
) -> list[TaskRow]:
    """Rows meeting every condition; several agencies intersect unless joined by 或."""
    selected = []
    for row in rows:
        if agencies:
            hits = [agency_matches(row, cond) for cond in agencies]
            if not (any(hits) if agency_join == "or" else all(hits)):
                continue
        # Several categories in one question ("纳税和跨境贸易") mean either of them.
        if categories and row.category not in categories:
            continue
        if deadline and not deadline.matches(row.deadline_date):
            continue
        if no_support and row.support:
            continue
        selected.append(row)
    return selected
