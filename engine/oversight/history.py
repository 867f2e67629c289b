"""The oversight figures over time, derived from the records that already carry their dates.

Why derived and not a daily snapshot table written by the scheduler: every fact the charts
need is already dated where it is kept — a coverage link has `since`/`until`, an
organization its `registered_on`/`deregistered_on`, an instructor `dispatched_on`, a deadline
its `opened_at`, `due_at` and `closed_at`, a case `opened_at`/`closed_at`, every step an event
with its instant. So the history exists for every day since the first record, also for data
loaded before this feature or on a host whose scheduler was off, and there is no second
copy of a figure that could drift from its definition (`engine.oversight.figures`). The
price: a record corrected later (a deadline reopened by a step back, a due date moved by a new
holiday calendar) changes the past it describes — the charts show the records as they now
stand, which is also what the case pages show.

* **coverage on day d** (REG-7): organizations registered on d (`registered_on <= d`, or
  recorded as registered without a date; not deregistered by d) by how they were covered at
  the end of d — by a Party organization (a coverage link running on d), else by an
  instructor dispatched by d, else none;
* **overdue at instant t** (ACC-1): cases open at t with a deadline open at t whose `due_at`
  had come (`due_at <= t`, the boundary of `figures.overdue`);
* **time in each step**: per procedure, the spells cases spent in each state, from the event
  that entered it to the event that left it (a step that stays in its state, such as a yearly
  report, does not end the spell); the median and the 90th percentile (nearest rank) of the
  spells that ended in the period. Spells still running are not counted: their length is not
  known yet.
"""

from __future__ import annotations

import math
import statistics
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select

from engine.access.actor import Actor
from engine.access.scope import scope_unit_ids, units_filter
from engine.calendar import end_of_day, local_date
from engine.directory.coverage import instructed as instructed_on
from engine.store.tables import (
    Case,
    Deadline,
    Event,
    Organization,
    PartyOrgCoverage,
)
from engine.store.unit_of_work import UnitOfWork

cases_t = Case.__table__
deadlines_t = Deadline.__table__
events_t = Event.__table__
orgs_t = Organization.__table__
cover_t = PartyOrgCoverage.__table__


def month_ends(year: int, now: datetime) -> list[date]:
    """The last day of each month of `year` up to today's month; for the running month, today."""
    today = local_date(now)
    out = []
    for month in range(1, 13):
        first_next = date(year + (month == 12), month % 12 + 1, 1)
        last = first_next - timedelta(days=1)
        if date(year, month, 1) > today:
            break
        out.append(min(last, today))
    return out


def last_months(now: datetime, n: int = 12) -> list[date]:
    """The last day of each of the `n - 1` months before this one, and today."""
    today = local_date(now)
    out = [today]
    first = today.replace(day=1)
    for _ in range(n - 1):
        last = first - timedelta(days=1)
        out.append(last)
        first = last.replace(day=1)
    return sorted(out)


# ---------------------------------------------------------------- coverage (REG-7)


def coverage_on(r: UnitOfWork, unit_ids: list[int] | None, day: date) -> dict[str, int]:
    """REG-7 coverage as it stood at the end of `day`: registered, party_org, instructor, none."""
    linked = (
        select(cover_t.c.id)
        .where(
            cover_t.c.organization_id == orgs_t.c.id,
            cover_t.c.since <= day,
            or_(cover_t.c.until.is_(None), cover_t.c.until > day),
        )
        .exists()
    )
    instructed = instructed_on(orgs_t.c.id, day)
    registered = and_(
        or_(
            orgs_t.c.registered_on <= day,
            # recorded as registered with no date (entered after the fact): registered
            # since before the records begin
            and_(
                orgs_t.c.registered_on.is_(None),
                orgs_t.c.status.in_(("registered", "deregistered")),
            ),
        ),
        or_(
            and_(orgs_t.c.deregistered_on.is_(None), orgs_t.c.status != "deregistered"),
            orgs_t.c.deregistered_on > day,
        ),
        units_filter(orgs_t.c.unit_id, unit_ids),
    )
    kind = (
        select(
            func.count().label("registered"),
            func.coalesce(func.sum(_when(linked)), 0).label("party_org"),
            func.coalesce(func.sum(_when(and_(~linked, instructed))), 0).label("instructor"),
        )
        .select_from(orgs_t)
        .where(registered)
    )
    row = r.conn.execute(kind).mappings().one()
    out = {k: int(v) for k, v in row.items()}
    out["none"] = out["registered"] - out["party_org"] - out["instructor"]
    return out


def _when(cond: Any) -> Any:
    return case((cond, literal(1)), else_=literal(0))


@dataclass(frozen=True)
class Point:
    """One point of a series: the day it stands for and its values."""

    day: date
    values: dict[str, int]


def coverage_series(r: UnitOfWork, unit_ids: list[int] | None, days: Iterable[date]) -> list[Point]:
    return [Point(d, coverage_on(r, unit_ids, d)) for d in days]


# ---------------------------------------------------------------- overdue (ACC-1)


def overdue_at(r: UnitOfWork, unit_ids: list[int] | None, at: datetime) -> int:
    """Cases open at `at` with a deadline open at `at` whose period had run out by then."""
    q = (
        select(func.count(func.distinct(deadlines_t.c.case_id)))
        .select_from(deadlines_t.join(cases_t, cases_t.c.id == deadlines_t.c.case_id))
        .where(
            deadlines_t.c.due_at <= at,
            deadlines_t.c.opened_at <= at,
            or_(deadlines_t.c.closed_at.is_(None), deadlines_t.c.closed_at > at),
            cases_t.c.opened_at <= at,
            or_(cases_t.c.closed_at.is_(None), cases_t.c.closed_at > at),
            units_filter(cases_t.c.unit_id, unit_ids),
        )
    )
    return int(r.conn.execute(q).scalar_one())


def overdue_series(
    r: UnitOfWork, unit_ids: list[int] | None, days: Iterable[date], now: datetime
) -> list[Point]:
    """Overdue cases at the end of each day (at `now` for today: the day is not over)."""
    today = local_date(now)
    return [
        Point(d, {"overdue": overdue_at(r, unit_ids, now if d >= today else end_of_day(d))})
        for d in days
    ]


# ---------------------------------------------------------------- time in each step


@dataclass(frozen=True)
class StepTime:
    """Completed spells in one state: how many, and their median and 90th percentile (days)."""

    state: str
    spells: int
    median_days: float
    p90_days: float


def _p90(values: Sequence[float]) -> float:
    """The 90th percentile by nearest rank: a value that occurred, never an interpolation."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def step_times(
    r: UnitOfWork,
    unit_ids: list[int] | None,
    procedure: str,
    since: datetime,
    until: datetime,
) -> list[StepTime]:
    """Per state of `procedure`, the spells that ended in [since, until), slowest median first.

    The cases are those of the procedure in scope that were open at some time in the period;
    their state-changing events (anything with a `to_state`: opening, steps, a step back, a
    move to a new version) are read in order, once."""
    q = (
        select(events_t.c.case_id, events_t.c.at, events_t.c.to_state)
        .join(cases_t, cases_t.c.id == events_t.c.case_id)
        .where(
            cases_t.c.procedure == procedure,
            cases_t.c.opened_at < until,
            or_(cases_t.c.closed_at.is_(None), cases_t.c.closed_at >= since),
            events_t.c.to_state.is_not(None),
            events_t.c.at < until,
            units_filter(cases_t.c.unit_id, unit_ids),
        )
        .order_by(events_t.c.case_id, events_t.c.at, events_t.c.id)
    )
    spells: dict[str, list[float]] = {}
    current: tuple[int, str, datetime] | None = None
    for case_id, at, to_state in r.conn.execute(q):
        if current is not None and current[0] == case_id:
            if to_state == current[1]:
                continue  # a step that stays in its state: the spell goes on
            if at >= since:
                days = (at - current[2]).total_seconds() / 86400
                spells.setdefault(current[1], []).append(days)
        current = (case_id, to_state, at)
    out = [
        StepTime(state, len(v), float(statistics.median(v)), float(_p90(v)))
        for state, v in spells.items()
    ]
    return sorted(out, key=lambda s: (-s.median_days, -s.p90_days, s.state))


def slowest(times: Sequence[StepTime]) -> str | None:
    """The state with the longest median spell (ties: the longer 90th percentile)."""
    return times[0].state if times else None


# ---------------------------------------------------------------- what the charts read


@dataclass(frozen=True)
class Trends:
    """Coverage and overdue at the end of each of `days`, and per procedure the time in
    each step for the spells that ended in [since, until)."""

    days: list[date]
    coverage: list[Point]
    overdue: list[Point]
    steps: dict[str, list[StepTime]]


def trends_in(
    r: UnitOfWork,
    unit_ids: list[int] | None,
    days: list[date],
    now: datetime,
    procedures: Iterable[str],
    since: datetime,
    until: datetime,
) -> Trends:
    """Everything the charts of a page show, inside the caller's read transaction."""
    steps = {p: step_times(r, unit_ids, p, since, until) for p in procedures}
    return Trends(
        days,
        coverage_series(r, unit_ids, days),
        overdue_series(r, unit_ids, days, now),
        {p: t for p, t in steps.items() if t},
    )


def dashboard_trends(
    uow: UnitOfWork, actor: Actor, now: datetime, procedures: Iterable[str]
) -> Trends:
    """The dashboard's charts for the actor's units: the last twelve months (month ends and
    today) and the steps of the stays that ended in the 365 days before today.

    Built once a day, not per request (B9 in docs/performance.md): the past month ends and the
    stays that ended before today are kept per process until the Shanghai day changes; only
    today's point is read live, so it still equals the dashboard's figures. A record corrected
    today with an earlier date shows in the past points tomorrow."""
    today = local_date(now)
    start_of_today = end_of_day(today - timedelta(days=1))
    with uow.reader() as r:
        ids = scope_unit_ids(r, actor)
        base = (str(r.conn.engine.url), tuple(ids) if ids is not None else None, today)
        days = last_months(now)
        coverage, overdue = [], []
        for d in days:
            if d >= today:
                coverage.append(Point(d, coverage_on(r, ids, d)))
                overdue.append(Point(d, {"overdue": overdue_at(r, ids, now)}))
                continue
            coverage.append(
                _DAILY.get((*base, "coverage", d), lambda d=d: Point(d, coverage_on(r, ids, d)))
            )
            overdue.append(
                _DAILY.get(
                    (*base, "overdue", d),
                    lambda d=d: Point(d, {"overdue": overdue_at(r, ids, end_of_day(d))}),
                )
            )
        steps = {
            p: _DAILY.get(
                (*base, "steps", p),
                lambda p=p: step_times(
                    r, ids, p, start_of_today - timedelta(days=365), start_of_today
                ),
            )
            for p in procedures
        }
    return Trends(days, coverage, overdue, {p: t for p, t in steps.items() if t})


class _DailyCache:
    """Values that stay true for a Shanghai day (their key carries the day), bounded, shared
    by the threads of one process; an entry of an earlier day is never asked for again and
    ages out."""

    def __init__(self, size: int = 4096) -> None:
        self._values: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = compute()
        with self._lock:
            self._values[key] = value
            while len(self._values) > self._size:
                self._values.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


_DAILY = _DailyCache()
