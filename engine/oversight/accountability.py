"""ACC-1: who is late. Per responsible unit, open, overdue, escalated and stalled cases.

"Slow units are criticized and, where responsibility is not carried out, held accountable:
supervisors need the overdue record per responsible unit" (ACC-1). The responsible unit of a
case is the unit it is handled in (`cases.unit_id`). Every figure is one set-based query,
grouped by unit and scoped to the actor's unit subtree, and each has a list function that
returns exactly the cases it counts, so a number in the UI can always be opened:

* open       — open cases                                         → `open_cases`
* overdue    — open cases with an open deadline past its end       → `overdue_cases`
* escalated  — open cases with an open deadline escalated ≥ 1 level → `escalated_cases`
* stalled    — open cases whose current stall the sweep flagged    → `stalled_cases`

"Overdue" is computed live from the deadlines; "escalated" and "stalled" are what the sweep
has recorded (the ledger and the stall flags), i.e. what supervisors have been told.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select

from engine.access.actor import SYSTEM, Actor
from engine.calendar import local_date
from engine.errors import Forbidden, NotFound
from engine.store.tables import Case, Deadline, Organization, Unit, User
from engine.store.tables_oversight import StallFlag
from engine.store.unit_of_work import UnitOfWork

cases_t = Case.__table__
deadlines_t = Deadline.__table__
orgs_t = Organization.__table__
units_t = Unit.__table__
users_t = User.__table__
stalls_t = StallFlag.__table__

MEASURES = ("open", "overdue", "escalated", "stalled")


def _scope(actor: Actor) -> ColumnElement[bool]:
    """A user sees their own unit and everything below it (admins everything)."""
    return actor.scope(units_t.c.path)


def _overdue_join(now: datetime, escalated: bool = False) -> ColumnElement[bool]:
    cond = and_(
        deadlines_t.c.case_id == cases_t.c.id,
        deadlines_t.c.status == "open",
        deadlines_t.c.due_at <= now,
    )
    if escalated:
        cond = and_(cond, deadlines_t.c.escalation_level >= 1)
    return cond


def _current_stall() -> ColumnElement[bool]:
    return and_(
        stalls_t.c.case_id == cases_t.c.id, stalls_t.c.stalled_since == cases_t.c.updated_at
    )


def _open_cases_in_scope(actor: Actor) -> Select:
    return (
        select(cases_t.c.unit_id)
        .join(units_t, units_t.c.id == cases_t.c.unit_id)
        .where(cases_t.c.status == "open", _scope(actor))
    )


def _counts(uow: UnitOfWork, q: Select) -> dict[int, int]:
    return {unit_id: n for unit_id, n in uow.conn.execute(q)}


def accountability(uow: UnitOfWork, actor: Actor) -> list[dict[str, Any]]:
    """ACC-1 report rows, one per responsible unit with open cases in the actor's subtree.

    Each row: unit_id, unit_code, unit_name_zh, unit_name_en, unit_path, open, overdue,
    escalated, stalled, oldest_overdue (None or a dict: case_id, organization, deadline,
    rule, due_date, due_at, days_overdue, escalation_level). Sorted worst first.
    """
    with uow.reader() as r:
        now = r.clock.now()
        base = _open_cases_in_scope(actor)
        open_n = _counts(r, base.add_columns(func.count(cases_t.c.id)).group_by(cases_t.c.unit_id))
        overdue_n = _counts(
            r,
            base.join(deadlines_t, _overdue_join(now))
            .add_columns(func.count(func.distinct(cases_t.c.id)))
            .group_by(cases_t.c.unit_id),
        )
        escalated_n = _counts(
            r,
            base.join(deadlines_t, _overdue_join(now, escalated=True))
            .add_columns(func.count(func.distinct(cases_t.c.id)))
            .group_by(cases_t.c.unit_id),
        )
        stalled_n = _counts(
            r,
            base.join(stalls_t, _current_stall())
            .add_columns(func.count(func.distinct(cases_t.c.id)))
            .group_by(cases_t.c.unit_id),
        )
        ranked = (
            base.join(deadlines_t, _overdue_join(now))
            .join(orgs_t, orgs_t.c.id == cases_t.c.organization_id)
            .add_columns(
                cases_t.c.id.label("case_id"),
                orgs_t.c.name.label("organization"),
                deadlines_t.c.key.label("deadline"),
                deadlines_t.c.rule,
                deadlines_t.c.due_date,
                deadlines_t.c.due_at,
                deadlines_t.c.escalation_level,
                func.row_number()
                .over(
                    partition_by=cases_t.c.unit_id,
                    order_by=(deadlines_t.c.due_at, cases_t.c.id, deadlines_t.c.id),
                )
                .label("rn"),
            )
            .subquery()
        )
        oldest = {
            row.unit_id: {
                "case_id": row.case_id,
                "organization": row.organization,
                "deadline": row.deadline,
                "rule": row.rule,
                "due_date": row.due_date,
                "due_at": row.due_at,
                "days_overdue": (local_date(now) - row.due_date).days,
                "escalation_level": row.escalation_level,
            }
            for row in r.conn.execute(select(ranked).where(ranked.c.rn == 1)).mappings()
        }
        units = {
            u.id: u for u in r.conn.execute(select(units_t).where(units_t.c.id.in_(open_n.keys())))
        }
    rows = [
        {
            "unit_id": uid,
            "unit_code": units[uid].code,
            "unit_name_zh": units[uid].name_zh,
            "unit_name_en": units[uid].name_en,
            "unit_path": units[uid].path,
            "open": open_n[uid],
            "overdue": overdue_n.get(uid, 0),
            "escalated": escalated_n.get(uid, 0),
            "stalled": stalled_n.get(uid, 0),
            "oldest_overdue": oldest.get(uid),
        }
        for uid in open_n
    ]
    rows.sort(key=lambda x: (-x["overdue"], -x["escalated"], -x["stalled"], x["unit_path"]))
    return rows


def totals(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Sum of each measure over report rows (units do not overlap: each case has one unit)."""
    return {m: sum(r[m] for r in rows) for m in MEASURES}


# ---------------------------------------------------------------- the cases behind a number


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
        q.join(orgs_t, orgs_t.c.id == cases_t.c.organization_id)
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
    uow: UnitOfWork, actor: Actor, unit_id: int | None, build: Any, limit: int, offset: int
) -> list[dict[str, Any]]:
    with uow.reader() as r:
        _check_unit(r, actor, unit_id)
        q = _open_cases_in_scope(actor)
        if unit_id is not None:
            q = q.where(cases_t.c.unit_id == unit_id)
        q = build(_case_columns(q), r.clock.now()).limit(limit).offset(offset)
        today = local_date(r.clock.now())
        out = []
        for row in r.conn.execute(q).mappings():
            item = dict(row)
            if item.get("due_date") is not None:
                item["days_overdue"] = (today - item["due_date"]).days
            out.append(item)
        return out


def open_cases(
    uow: UnitOfWork, actor: Actor, *, unit_id: int | None = None, limit: int = 50, offset: int = 0
) -> list[dict[str, Any]]:
    """The open cases a report row counts, least recently active first."""

    def build(q: Select, now: datetime) -> Select:
        return q.order_by(cases_t.c.updated_at, cases_t.c.id)

    return _list(uow, actor, unit_id, build, limit, offset)


def _by_deadline(escalated: bool) -> Any:
    def build(q: Select, now: datetime) -> Select:
        # One row per case: its longest-overdue open deadline, with how many are overdue.
        worst = (
            select(
                deadlines_t.c.case_id,
                deadlines_t.c.key,
                deadlines_t.c.rule,
                deadlines_t.c.due_date,
                deadlines_t.c.due_at,
                deadlines_t.c.escalation_level,
                func.row_number()
                .over(
                    partition_by=deadlines_t.c.case_id,
                    order_by=(deadlines_t.c.due_at, deadlines_t.c.id),
                )
                .label("rn"),
                func.count().over(partition_by=deadlines_t.c.case_id).label("overdue_deadlines"),
                func.max(deadlines_t.c.escalation_level)
                .over(partition_by=deadlines_t.c.case_id)
                .label("max_level"),
            )
            .where(deadlines_t.c.status == "open", deadlines_t.c.due_at <= now)
            .where(deadlines_t.c.escalation_level >= (1 if escalated else 0))
            .subquery()
        )
        return (
            q.join(worst, and_(worst.c.case_id == cases_t.c.id, worst.c.rn == 1))
            .add_columns(
                worst.c.key.label("deadline"),
                worst.c.rule,
                worst.c.due_date,
                worst.c.due_at,
                worst.c.max_level.label("escalation_level"),
                worst.c.overdue_deadlines,
            )
            .order_by(worst.c.due_at, cases_t.c.id)
        )

    return build


def overdue_cases(
    uow: UnitOfWork, actor: Actor, *, unit_id: int | None = None, limit: int = 50, offset: int = 0
) -> list[dict[str, Any]]:
    """Open cases with an open deadline past its end, longest overdue first (ACC-1)."""
    return _list(uow, actor, unit_id, _by_deadline(escalated=False), limit, offset)


def escalated_cases(
    uow: UnitOfWork, actor: Actor, *, unit_id: int | None = None, limit: int = 50, offset: int = 0
) -> list[dict[str, Any]]:
    """Open cases with an overdue deadline the sweep has escalated at least once (ACC-1)."""
    return _list(uow, actor, unit_id, _by_deadline(escalated=True), limit, offset)


def stalled_cases(
    uow: UnitOfWork, actor: Actor, *, unit_id: int | None = None, limit: int = 50, offset: int = 0
) -> list[dict[str, Any]]:
    """Open cases in a stall the sweep flagged (no activity since `stalled_since`), oldest first."""

    def build(q: Select, now: datetime) -> Select:
        return (
            q.join(stalls_t, _current_stall())
            .add_columns(stalls_t.c.stalled_since, stalls_t.c.flagged_at)
            .order_by(stalls_t.c.stalled_since, cases_t.c.id)
        )

    return _list(uow, actor, unit_id, build, limit, offset)


LISTS = {
    "open": open_cases,
    "overdue": overdue_cases,
    "escalated": escalated_cases,
    "stalled": stalled_cases,
}


# ---------------------------------------------------------------- the daily digest


def daily_digest(uow: UnitOfWork, *, smtp: Any = None) -> int:
    """Push today's ACC-1 report to every active supervisor whose subtree has something late.

    One in-app notification (and e-mail, when configured) per supervisor and Shanghai day,
    whatever number of schedulers run it: the dedupe key is digest:<day>:<user>.
    """
    from engine.oversight.notifications import Message, notify

    with uow.reader() as r:
        people = r.conn.execute(
            select(
                users_t.c.id,
                users_t.c.username,
                users_t.c.display_name,
                users_t.c.role,
                users_t.c.unit_id,
                units_t.c.path,
            )
            .join(units_t, units_t.c.id == users_t.c.unit_id)
            .where(users_t.c.active.is_(True), users_t.c.role == "supervisor")
            .order_by(users_t.c.id)
        ).all()
        now = r.clock.now()
    day = local_date(now).isoformat()
    deliveries = []
    # One report for the whole tree; each supervisor's is its rows under their unit (the same
    # scope rule as `Actor.scope`), in the same worst-first order.
    late = [
        x
        for x in (accountability(uow, SYSTEM) if people else [])
        if x["overdue"] or x["escalated"] or x["stalled"]
    ]
    for p in people:
        rows = [x for x in late if x["unit_path"].startswith(p.path)]
        if not rows:
            continue
        t = totals(rows)
        lines_zh = [
            f"· {x['unit_name_zh']}：逾期 {x['overdue']}，已督办 {x['escalated']}，停滞 {x['stalled']}"
            + (
                f"；最久逾期 #{x['oldest_overdue']['case_id']}（{x['oldest_overdue']['days_overdue']} 天）"
                if x["oldest_overdue"]
                else ""
            )
            for x in rows
        ]
        lines_en = [
            f"- {x['unit_name_en']}: overdue {x['overdue']}, escalated {x['escalated']}, "
            f"stalled {x['stalled']}"
            + (
                f"; oldest overdue #{x['oldest_overdue']['case_id']} "
                f"({x['oldest_overdue']['days_overdue']} days)"
                if x["oldest_overdue"]
                else ""
            )
            for x in rows
        ]
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
