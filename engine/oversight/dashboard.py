"""The supervisor's dashboard: the ACC-1 figures per unit and the two coverages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    case,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from engine.access.actor import Actor
from engine.access.scope import scope_unit_ids, units_filter
from engine.calendar import local_date
from engine.directory.read import COVERAGES
from engine.oversight.figures import AGE_BUCKETS, Moment, age_bounds, deadline_flags_select
from engine.store.base import UTCDateTime
from engine.store.tables import (
    Case,
    Organization,
    Unit,
)
from engine.store.unit_of_work import UnitOfWork

cases_t = Case.__table__


orgs_t = Organization.__table__


units_t = Unit.__table__


@dataclass
class UnitLine:
    """One responsible unit's line of the dashboard (ACC-1)."""

    unit_id: int
    name_zh: str
    name_en: str
    open: int = 0
    stalled: int = 0
    due_soon: int = 0
    overdue: int = 0
    escalated: int = 0
    by_age: list[int] = field(default_factory=lambda: [0] * len(AGE_BUCKETS))
    oldest: dict[str, Any] | None = None


@dataclass
class Dashboard:
    units: list[UnitLine]
    by_age: list[int]
    totals: dict[str, int]
    coverage: dict[str, int]


def dashboard(uow: UnitOfWork, actor: Actor, at: Moment) -> Dashboard:
    """Per responsible unit (the unit a case is handled in): open, stalled, due-soon, overdue
    by age, escalated, and the oldest overdue case (ACC-1); and the coverage figures (REG-7).

    Five statements whatever the number of cases: the scope; open and stalled per unit (from
    the index alone) and the units' names; overdue per unit and age, escalated, the oldest
    overdue case and due soon (one statement, from the covering deadline indexes); and
    coverage. "Escalated" counts open cases with an overdue deadline the scheduler has
    escalated at least once, as the ACC-1 report does.
    """
    with uow.reader() as r:
        ids = scope_unit_ids(r, actor)
        scope = units_filter(cases_t.c.unit_id, ids)
        per_unit = (
            select(
                cases_t.c.unit_id,
                func.count().label("open"),
                func.sum(case((cases_t.c.updated_at < at.stalled_before, 1), else_=0)).label(
                    "stalled"
                ),
            )
            .where(cases_t.c.status == "open", scope)
            .group_by(cases_t.c.unit_id)
        )
        lines: dict[int, UnitLine] = {
            row.unit_id: UnitLine(row.unit_id, "", "", row.open, row.stalled)
            for row in r.conn.execute(per_unit)
        }
        names = select(units_t.c.id, units_t.c.name_zh, units_t.c.name_en).where(
            units_t.c.id.in_(list(lines) or [0])
        )
        for u in r.conn.execute(names):
            lines[u.id].name_zh, lines[u.id].name_en = u.name_zh, u.name_en
        for row in r.conn.execute(_deadline_figures(at, scope)).mappings():
            line = lines.get(row["unit_id"])
            if line is None:
                continue
            if row["part"] == "bucket":
                line.overdue += row["n"]
                line.escalated += row["escalated"]
                line.by_age[row["bucket"]] += row["n"]
            elif row["part"] == "soon":
                line.due_soon += row["n"]
            else:
                due_date = local_date(row["first_due_at"] - timedelta(microseconds=1))
                line.oldest = {
                    "case_id": row["case_id"],
                    "organization": row["organization"],
                    "due_date": due_date,
                    "days_overdue": (local_date(at.now) - due_date).days,
                }
        cov = _coverage(r, ids)
    units = sorted(lines.values(), key=lambda u: (-u.overdue, -u.stalled, u.name_zh))
    totals = {
        k: sum(getattr(u, k) for u in units)
        for k in ("open", "stalled", "due_soon", "overdue", "escalated")
    }
    by_age = [sum(u.by_age[i] for u in units) for i in range(len(AGE_BUCKETS))]
    return Dashboard(units, by_age, totals, cov)


def _deadline_figures(at: Moment, scope: ColumnElement[bool]) -> Any:
    """One statement over the overdue and due-soon deadlines of the cases in scope.

    Rows of part "bucket": per unit and age bucket, the overdue and escalated counts; part
    "oldest": each unit's longest overdue case; part "soon": per unit, the cases due soon.
    """
    flags = deadline_flags_select(at).subquery()
    fc = (
        select(
            cases_t.c.unit_id,
            cases_t.c.organization_id,
            flags.c.case_id,
            flags.c.first_due_at,
            flags.c.level,
            flags.c.soon,
        )
        .select_from(flags.join(cases_t, cases_t.c.id == flags.c.case_id))
        .where(cases_t.c.status == "open", scope)
        .cte("flagged_cases")
    )
    overdue = fc.c.first_due_at.is_not(None)
    whens = [
        (fc.c.first_due_at >= age_bounds(at.now, i)[0], i) for i in range(len(AGE_BUCKETS) - 1)
    ]
    bucket = case(*whens, else_=len(AGE_BUCKETS) - 1)
    by_bucket = (
        select(
            literal("bucket").label("part"),
            fc.c.unit_id,
            bucket.label("bucket"),
            func.count().label("n"),
            func.sum(case((fc.c.level >= 1, 1), else_=0)).label("escalated"),
            cast(null(), Integer).label("case_id"),
            cast(null(), String).label("organization"),
            cast(null(), UTCDateTime).label("first_due_at"),
        )
        .where(overdue)
        .group_by(fc.c.unit_id, bucket)
    )
    ranked = (
        select(
            fc,
            func.row_number()
            .over(partition_by=fc.c.unit_id, order_by=(fc.c.first_due_at, fc.c.case_id))
            .label("rn"),
        )
        .where(overdue)
        .subquery()
    )
    oldest = (
        select(
            literal("oldest").label("part"),
            ranked.c.unit_id,
            cast(null(), Integer).label("bucket"),
            literal(0).label("n"),
            literal(0).label("escalated"),
            ranked.c.case_id,
            orgs_t.c.name.label("organization"),
            ranked.c.first_due_at,
        )
        .join(orgs_t, orgs_t.c.id == ranked.c.organization_id)
        .where(ranked.c.rn == 1)
    )
    soon = (
        select(
            literal("soon").label("part"),
            fc.c.unit_id,
            cast(null(), Integer).label("bucket"),
            func.count().label("n"),
            literal(0).label("escalated"),
            cast(null(), Integer).label("case_id"),
            cast(null(), String).label("organization"),
            cast(null(), UTCDateTime).label("first_due_at"),
        )
        .where(fc.c.soon == 1)
        .group_by(fc.c.unit_id)
    )
    return union_all(by_bucket, oldest, soon)


def _coverage(r: UnitOfWork, ids: list[int] | None) -> dict[str, int]:
    """REG-7 "two coverages" over registered organizations in scope: counts per coverage."""
    q = select(
        func.count().label("registered"),
        *(
            func.coalesce(func.sum(case((orgs_t.c.coverage == c, 1), else_=0)), 0).label(c)
            for c in COVERAGES[:-1]
        ),
    ).where(orgs_t.c.status == "registered", units_filter(orgs_t.c.unit_id, ids))
    row = dict(r.conn.execute(q).mappings().one())
    row["none"] = row["registered"] - sum(row[c] for c in COVERAGES[:-1])
    return row


def coverage(uow: UnitOfWork, actor: Actor) -> dict[str, int]:
    with uow.reader() as r:
        return _coverage(r, scope_unit_ids(r, actor))
