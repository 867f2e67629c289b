"""The oversight figures, defined once: open, due soon, overdue, escalated, stalled.

The dashboard, the case lists, the exports, the API and CLI reports and the digest all judge
a deadline or a case with these predicates, at one `Moment`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    Select,
    cast,
    func,
    literal,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from engine.store.base import UTCDateTime
from engine.store.tables import (
    Deadline,
)

deadlines_t = Deadline.__table__


#: How overdue a case is, in days past its earliest open deadline: (lower, upper) bounds,
#: upper exclusive, None for open-ended. A presentation grouping for the ACC-1 chart.
AGE_BUCKETS: tuple[tuple[int, int | None], ...] = ((0, 7), (7, 30), (30, 90), (90, None))


@dataclass(frozen=True)
class Moment:
    """The instants a list is judged against: now, and the stall threshold (ACC-1 parameter:
    no step since `stalled_before` means stalled)."""

    now: datetime
    stalled_before: datetime

    @classmethod
    def at(cls, now: datetime, stalled_after_days: int) -> Moment:
        return cls(now, now - timedelta(days=stalled_after_days))


def age_bounds(now: datetime, bucket: int) -> tuple[datetime | None, datetime]:
    """(earliest, latest-exclusive) first-due instants of a bucket of days overdue."""
    low, high = AGE_BUCKETS[bucket]
    return (now - timedelta(days=high) if high is not None else None), now - timedelta(days=low)


def open_deadlines_select(*conds: ColumnElement[bool]) -> Select:
    """Per case, its earliest matching open deadline, read from a covering index.

    The cases are grouped by `case_id + 0`, not `case_id`: the same value, but no index can
    deliver it in order, so SQLite's planner (once ANALYZE has run) does not trade the
    due-time range for a scan of every deadline ever opened to spare the GROUP BY its sort.
    """
    case_key = deadlines_t.c.case_id + literal_column("0")
    return (
        select(
            case_key.label("case_id"),
            func.min(deadlines_t.c.due_at).label("first_due_at"),
            func.max(deadlines_t.c.escalation_level).label("level"),
        )
        .where(deadlines_t.c.status == "open", *conds)
        .group_by(case_key)
    )


def overdue_select(at: Moment) -> Select:
    """Cases with an open deadline that has run out (index on status, due_at)."""
    return open_deadlines_select(deadlines_t.c.due_at < at.now)


def due_soon_select(at: Moment) -> Select:
    """Cases inside a deadline's own reminder window (`remind_at` from the definition's
    `remind_before`), not yet run out (index on status, remind_at)."""
    return open_deadlines_select(deadlines_t.c.remind_at <= at.now, deadlines_t.c.due_at >= at.now)


def deadline_flags_select(at: Moment) -> Select:
    """Per case with an overdue or a due-soon open deadline: the earliest overdue due time
    (NULL if none), the highest escalation level of an overdue one, and whether one is due
    soon. Two covering index ranges (due_at, remind_at), glued with UNION ALL, one GROUP BY:
    the tab counts and the dashboard join the cases only once.
    """
    overdue = select(
        deadlines_t.c.case_id,
        deadlines_t.c.due_at.label("overdue_at"),
        deadlines_t.c.escalation_level.label("level"),
        literal(0).label("soon"),
    ).where(deadlines_t.c.status == "open", deadlines_t.c.due_at < at.now)
    soon = select(
        deadlines_t.c.case_id,
        cast(null(), UTCDateTime).label("overdue_at"),
        literal(0).label("level"),
        literal(1).label("soon"),
    ).where(
        deadlines_t.c.status == "open",
        deadlines_t.c.remind_at <= at.now,
        deadlines_t.c.due_at >= at.now,
    )
    both = union_all(overdue, soon).subquery()
    case_key = both.c.case_id + literal_column("0")
    return select(
        case_key.label("case_id"),
        func.min(both.c.overdue_at).label("first_due_at"),
        func.max(both.c.level).label("level"),
        func.max(both.c.soon).label("soon"),
    ).group_by(case_key)
