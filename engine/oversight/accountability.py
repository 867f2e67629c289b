"""ACC-1: who is late. The report per responsible unit, the cases behind each of its numbers,
and the daily digest that takes it to the supervisors.

"Slow units are criticized and, where responsibility is not carried out, held accountable:
supervisors need the overdue record per responsible unit" (ACC-1). Nothing is counted here:
the report is `figures.unit_figures` over the actor's scope, and each number opens to exactly
the cases it counts (`LISTS`), selected with the same predicates (`engine.oversight.figures`
defines open, due soon, overdue, escalated and stalled once, for every adapter).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select

from engine.access.actor import Actor
from engine.access.scope import scope_unit_ids, units_filter
from engine.calendar import local_date
from engine.config import SmtpSettings
from engine.definitions.model import Definitions
from engine.errors import Forbidden, NotFound
from engine.oversight import figures
from engine.oversight.figures import Moment
from engine.oversight.notifications import Message, notify
from engine.store.tables import Case, Deadline, Organization, Unit, User
from engine.store.tables_oversight import StallFlag
from engine.store.unit_of_work import UnitOfWork

cases_t = Case.__table__
deadlines_t = Deadline.__table__
orgs_t = Organization.__table__
units_t = Unit.__table__
users_t = User.__table__
stalls_t = StallFlag.__table__

MEASURES = figures.MEASURES
totals = figures.totals


SUPERVISING = ("supervisor", "admin")
"""Who reads the ACC-1 report and the dashboard built on it: one rule for the UI and the API."""


def require_supervising(actor: Actor) -> None:
    """The report answers for units' lateness: it is the supervisors' (and administrators');
    a caseworker's own cases are in their inbox and the case lists."""
    if actor.role not in SUPERVISING:
        raise Forbidden(
            "the accountability report (ACC-1) and the dashboard are for supervisors and "
            "administrators; your cases are in your inbox"
        )


def accountability(uow: UnitOfWork, actor: Actor, at: Moment) -> list[dict[str, Any]]:
    """ACC-1 report rows, one per responsible unit with open cases in the actor's subtree,
    worst first (see `figures.unit_figures` for the row)."""
    with uow.reader() as r:
        return figures.unit_figures(r, scope_unit_ids(r, actor), at)


# ---------------------------------------------------------------- the cases behind a number

Build = Callable[[Select, Moment], Select]


def _check_unit(uow: UnitOfWork, actor: Actor, unit_id: int | None) -> None:
    if unit_id is None:
        return
    path = uow.conn.execute(select(units_t.c.path).where(units_t.c.id == unit_id)).scalar()
    if path is None:
        raise NotFound("unit", unit_id)
    if not actor.can_see(path):
        raise Forbidden(f"unit {unit_id} is outside your unit; you see your unit and below")


def _case_columns(q: Select) -> Select:
    return (
        q.join(units_t, units_t.c.id == cases_t.c.unit_id)
        .join(orgs_t, orgs_t.c.id == cases_t.c.organization_id)
        .outerjoin(users_t, users_t.c.id == cases_t.c.assignee_id)
        .add_columns(
            cases_t.c.id.label("case_id"),
            cases_t.c.procedure,
            cases_t.c.state,
            cases_t.c.updated_at,
            orgs_t.c.name.label("organization"),
            units_t.c.name_zh.label("unit_name_zh"),
            units_t.c.name_en.label("unit_name_en"),
            users_t.c.display_name.label("assignee"),
        )
    )


def _list(
    uow: UnitOfWork,
    actor: Actor,
    at: Moment,
    build: Build,
    *,
    unit_id: int | None,
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    with uow.reader() as r:
        _check_unit(r, actor, unit_id)
        q = select(cases_t.c.unit_id).where(
            figures.open_case(), units_filter(cases_t.c.unit_id, scope_unit_ids(r, actor))
        )
        if unit_id is not None:
            q = q.where(cases_t.c.unit_id == unit_id)
        rows = r.conn.execute(build(_case_columns(q), at).limit(limit).offset(offset))
        return [dict(row) for row in rows.mappings()]


def _by_deadline(which: Callable[[Moment], ColumnElement[bool]], count_label: str) -> Build:
    """One row per case: its earliest deadline matching `which`, how many match, and the
    highest escalation level among them."""

    def build(q: Select, at: Moment) -> Select:
        first = (
            select(
                deadlines_t.c.case_id,
                deadlines_t.c.key,
                deadlines_t.c.rule,
                deadlines_t.c.due_date,
                deadlines_t.c.due_at,
                func.row_number()
                .over(
                    partition_by=deadlines_t.c.case_id,
                    order_by=(deadlines_t.c.due_at, deadlines_t.c.id),
                )
                .label("rn"),
                func.count().over(partition_by=deadlines_t.c.case_id).label("n"),
                func.max(deadlines_t.c.escalation_level)
                .over(partition_by=deadlines_t.c.case_id)
                .label("max_level"),
            )
            .where(which(at))
            .subquery()
        )
        return (
            q.join(first, and_(first.c.case_id == cases_t.c.id, first.c.rn == 1))
            .add_columns(
                first.c.key.label("deadline"),
                first.c.rule,
                first.c.due_date,
                first.c.due_at,
                first.c.max_level.label("escalation_level"),
                first.c.n.label(count_label),
            )
            .order_by(first.c.due_at, cases_t.c.id)
        )

    return build


def _with_days(rows: list[dict[str, Any]], at: Moment, key: str) -> list[dict[str, Any]]:
    today = local_date(at.now)
    for x in rows:
        days = (today - x["due_date"]).days
        x[key] = days if key == "days_overdue" else -days
    return rows


def open_cases(
    uow: UnitOfWork,
    actor: Actor,
    at: Moment,
    *,
    unit_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """The open cases a report row counts, least recently active first."""

    def build(q: Select, at: Moment) -> Select:
        return q.order_by(cases_t.c.updated_at, cases_t.c.id)

    return _list(uow, actor, at, build, unit_id=unit_id, limit=limit, offset=offset)


def _deadline_cases(predicate: Any, count_key: str, days_key: str, doc: str) -> Any:
    """A report list of open cases by one deadline figure (`figures.due_soon`, `overdue`,
    `escalated`): the same query and paging, only the figure and the day count differ."""

    def cases(
        uow: UnitOfWork,
        actor: Actor,
        at: Moment,
        *,
        unit_id: int | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        build = _by_deadline(predicate, count_key)
        rows = _list(uow, actor, at, build, unit_id=unit_id, limit=limit, offset=offset)
        return _with_days(rows, at, days_key)

    cases.__doc__ = doc
    return cases


due_soon_cases = _deadline_cases(
    figures.due_soon,
    "due_soon_deadlines",
    "days_left",
    "Open cases with a deadline inside its reminder window, soonest first (days_left).",
)
overdue_cases = _deadline_cases(
    figures.overdue,
    "overdue_deadlines",
    "days_overdue",
    "Open cases with an overdue deadline, longest overdue first (ACC-1).",
)
escalated_cases = _deadline_cases(
    figures.escalated,
    "overdue_deadlines",
    "days_overdue",
    "Open cases with an overdue deadline the sweep has escalated at least once (ACC-1).",
)


def stalled_cases(
    uow: UnitOfWork,
    actor: Actor,
    at: Moment,
    *,
    unit_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Open cases with no step since the stall threshold, quiet longest first; `flagged_at`
    says when the sweep told the supervisors (None: not yet)."""

    def build(q: Select, at: Moment) -> Select:
        current = and_(
            stalls_t.c.case_id == cases_t.c.id, stalls_t.c.stalled_since == cases_t.c.updated_at
        )
        return (
            q.where(figures.stalled(at))
            .outerjoin(stalls_t, current)
            .add_columns(cases_t.c.updated_at.label("stalled_since"), stalls_t.c.flagged_at)
            .order_by(cases_t.c.updated_at, cases_t.c.id)
        )

    return _list(uow, actor, at, build, unit_id=unit_id, limit=limit, offset=offset)


LISTS = {
    "open": open_cases,
    "due_soon": due_soon_cases,
    "overdue": overdue_cases,
    "escalated": escalated_cases,
    "stalled": stalled_cases,
}


# ---------------------------------------------------------------- the daily digest


def _digest_lines(rows: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    zh, en = [], []
    for x in rows:
        o = x["oldest_overdue"]
        zh.append(
            f"· {x['unit_name_zh']}：在办 {x['open']}，即将到期 {x['due_soon']}，逾期 {x['overdue']}，"
            f"已督办 {x['escalated']}，停滞 {x['stalled']}"
            + (f"；最久逾期 #{o['case_id']}（{o['days_overdue']} 天）" if o else "")
        )
        en.append(
            f"- {x['unit_name_en']}: open {x['open']}, due soon {x['due_soon']}, "
            f"overdue {x['overdue']}, escalated {x['escalated']}, stalled {x['stalled']}"
            + (f"; oldest overdue #{o['case_id']} ({o['days_overdue']} days)" if o else "")
        )
    return zh, en


def daily_digest(
    uow: UnitOfWork, defs: Definitions, *, now: datetime, smtp: SmtpSettings | None = None
) -> int:
    """Push the ACC-1 report at `now` to every active supervisor whose subtree has something
    overdue, escalated or stalled: the rows of the units under theirs, with their figures.

    One in-app notification (and e-mail, when configured) per supervisor and Shanghai day,
    whatever number of schedulers run it: the dedupe key is digest:<day>:<user>. The report
    is computed once for the whole tree; a supervisor's rows are those under their unit (the
    scope rule of `Actor.scope`), in the same worst-first order.
    """
    at = Moment.of(defs, now)
    with uow.reader() as r:
        people = r.conn.execute(
            select(users_t.c.id, units_t.c.path)
            .join(units_t, units_t.c.id == users_t.c.unit_id)
            .where(users_t.c.active.is_(True), users_t.c.role == "supervisor")
            .order_by(users_t.c.id)
        ).all()
        report = figures.unit_figures(r, None, at) if people else []
    late = [x for x in report if x["overdue"] or x["escalated"] or x["stalled"]]
    day = local_date(now).isoformat()
    deliveries = []
    for p in people:
        rows = [x for x in late if x["unit_path"].startswith(p.path)]
        if not rows:
            continue
        t = totals(rows)
        lines_zh, lines_en = _digest_lines(rows)
        msg = Message(
            kind="digest",
            subject_zh=f"每日督办摘要 {day}：逾期 {t['overdue']} 件，停滞 {t['stalled']} 件",
            subject_en=f"Daily digest {day}: {t['overdue']} overdue, {t['stalled']} stalled",
            body_zh="依 ACC-1，以下单位有逾期或停滞案件：\n" + "\n".join(lines_zh),
            body_en="Under ACC-1, these units have overdue or stalled cases:\n"
            + "\n".join(lines_en),
        )
        deliveries.append((f"digest:{day}:{p.id}", p.id, msg))
    if not deliveries:
        return 0
    with uow:
        n = notify(uow.conn, deliveries, now, smtp)
        uow.commit()
    return n
